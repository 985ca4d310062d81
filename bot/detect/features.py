"""Features of one item for the learned model: n-grams of folded text and the rules that fired.

One implementation, used at run time by ``bot.detect.model`` and by ``corpus/train.py`` when it
builds the training matrix, so the two can never drift apart.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.detect.entities import fold
from bot.types import LABELS, Label, Signal

logger = logging.getLogger(__name__)

# Text the n-grams see: the headline, and this much of the summary (as the rules).
SUMMARY_CHARS = 400
_WORD = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")
# Rule totals are bucketed: a model can then learn that 0.6 (one summary phrase) is weak.
_BUCKETS = (0.0, 0.5, 1.0, 1.5, 2.0)
# The context tokens that headline stems are crossed with.
_CROSSED = frozenset({"co:1", "co:2", "auth", "unk:1", "unk:2"})
_OFF_BY_DEFAULT = frozenset({"context", "stems", "cross", "near", "masked"})


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Which features to extract (stored in the model file, read back by the runtime)."""

    words: bool = True
    bigrams: bool = True
    summary: bool = True
    # Character n-gram sizes of the folded headline, e.g. (3, 5); () for none.
    char_ngrams: tuple[int, ...] = ()
    rules: bool = True
    # Who the headline names (known companies, authorities, unknown names) and word stems.
    context: bool = False
    stems: bool = False
    # Headline words crossed with who it names ("sues" with two companies, "fines" with an
    # authority): a linear model cannot make such conjunctions on its own.
    cross: bool = False
    # Rules whose phrase matched but a context condition failed (``near:…``).
    near: bool = False
    # Headline words and pairs with the named sides masked (``m:…``: "PARTY removes").
    masked: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form stored in the model file."""
        return {
            "words": self.words,
            "bigrams": self.bigrams,
            "summary": self.summary,
            "char_ngrams": list(self.char_ngrams),
            "rules": self.rules,
            "context": self.context,
            "stems": self.stems,
            "cross": self.cross,
            "near": self.near,
            "masked": self.masked,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> FeatureConfig:
        """Read the JSON form; unknown keys are an error (a newer model needs newer code)."""
        known = {"words", "bigrams", "summary", "char_ngrams", "rules"} | _OFF_BY_DEFAULT
        extra = set(obj) - known
        if extra:
            raise ValueError(f"unknown feature settings: {sorted(extra)}")
        sizes = obj.get("char_ngrams", [])
        if not isinstance(sizes, list) or not all(isinstance(n, int) and n > 0 for n in sizes):
            raise ValueError("char_ngrams must be a list of positive integers")
        flags = {k: obj.get(k, True) for k in ("words", "bigrams", "summary", "rules")}
        flags.update({k: obj.get(k, False) for k in sorted(_OFF_BY_DEFAULT)})
        if not all(isinstance(v, bool) for v in flags.values()):
            raise ValueError("feature flags must be true or false")
        return cls(char_ngrams=tuple(sizes), **flags)


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One rule that fired: its id, the label it supports, where (0 title) and its signal."""

    rule: str
    label: Label
    where: int
    signal: Signal


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A rule whose phrase matched but did not fire: its id, labels, where, and why not.

    ``why`` is the first context condition its first match failed: "unless" (a phrase ruling
    it out), "actor", "verb", "object" or "negated".
    """

    rule: str
    labels: tuple[Label, ...]
    where: int
    why: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the model decides from: the text and what the rule engine found in it."""

    title: str
    summary: str
    lang: str
    hits: tuple[RuleHit, ...] = ()
    # The rule engine's summed weights per label (after its own damping), and its verdict.
    totals: Mapping[Label, float] = field(default_factory=dict)
    rule_labels: tuple[Label, ...] = ()
    # Who the headline names: "co:<0|1|2>" known companies, "auth" an authority, "unk:<0|1|2>"
    # names the gazetteer lacks (bot.detect.classify fills it in).
    context: tuple[str, ...] = ()
    near: tuple[NearMiss, ...] = ()
    # Where the headline names a side, known to the gazetteer or not: (start, end), in order.
    names: tuple[tuple[int, int], ...] = ()


def words(text: str) -> list[str]:
    """Return the folded word tokens of text, digits replaced by 0 ("2023" -> "0000")."""
    return _WORD.findall(_DIGIT.sub("0", fold(text)))


# Inflections a word stem drops ("sues", "sued", "suing" -> "su"; "bloquée" -> "bloqu").
_SUFFIXES = (
    "ements",
    "ement",
    "ations",
    "ation",
    "ing",
    "ies",
    "ied",
    "ées",
    "ée",
    "és",
    "ed",
    "es",
    "ent",
    "é",
    "s",
    "e",
)


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """Return a crude stem of a folded word: the longest listed suffix off, 3 letters kept."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _bucket(total: float) -> int:
    return sum(1 for edge in _BUCKETS if total > edge)


def _add_ngrams(out: dict[str, float], prefix: str, toks: list[str], bigrams: bool) -> None:
    out.update(dict.fromkeys([prefix + tok for tok in toks], 1.0))
    if bigrams:
        out.update(dict.fromkeys([f"{prefix}{a} {b}" for a, b in itertools.pairwise(toks)], 1.0))


def extract(ev: Evidence, config: FeatureConfig) -> dict[str, float]:
    """Return the item's sparse features: name -> value (presence features are 1.0).

    - ``t:<ngram>`` / ``s:<ngram>``: words and word pairs of the headline / the summary;
    - ``c:<chars>``: character n-grams of the folded headline (when configured);
    - ``st:<stem>``, ``ctx:<who>``, ``x:<who>|<stem>`` (when configured): headline word stems,
      who the headline names, the two crossed;
    - ``m:<pair>`` (when configured): headline word pairs touching a named side, masked;
    - ``rule:<label>:<rule-id>`` (``…:body`` when it fired in the summary or content only),
      ``rsum:<label>:<bucket>`` (the rule engine's total, bucketed), ``rdec:<label>`` (the rule
      engine's own verdict);
    - ``near:<label>:<rule-id>`` (``…:body`` likewise; when configured): a rule whose phrase
      matched but that a context condition (actor, object, negation…) stopped;
    - ``lang:<code>``.
    """
    out: dict[str, float] = {f"lang:{ev.lang}": 1.0}
    folded = _DIGIT.sub("0", fold(ev.title))
    toks = _WORD.findall(folded)
    if config.words:
        _add_ngrams(out, "t:", toks, config.bigrams)
        if config.summary and ev.summary:
            _add_ngrams(out, "s:", words(ev.summary[:SUMMARY_CHARS]), config.bigrams)
    if config.stems:
        out.update(dict.fromkeys(["st:" + stem(t) for t in toks], 1.0))
    if config.context:
        out.update(dict.fromkeys(["ctx:" + c for c in ev.context], 1.0))
    if config.cross:
        keys = [c for c in ev.context if c in _CROSSED]
        out.update(dict.fromkeys([f"x:{c}|{stem(t)}" for c in keys for t in toks], 1.0))
    if config.char_ngrams:
        padded = f" {' '.join(toks)} "
        for n in config.char_ngrams:
            out.update(
                dict.fromkeys(["c:" + padded[i : i + n] for i in range(len(padded) - n + 1)], 1.0)
            )
    if config.masked and ev.names:
        _add_masked(out, folded, ev.names)
    if config.near:
        for miss in ev.near:
            for label in miss.labels:
                name = f"near:{label}:{miss.rule}"
                if miss.where == 0:
                    out[name] = 1.0
                else:
                    out.setdefault(name + ":body", 1.0)
    if config.rules:
        for hit in sorted(ev.hits, key=lambda h: h.where):
            name = f"rule:{hit.label}:{hit.rule}"
            if hit.where == 0:
                out[name] = 1.0
            elif name not in out:
                out[f"{name}:body"] = 1.0
        for label in LABELS:
            out[f"rsum:{label}:{_bucket(ev.totals.get(label, 0.0))}"] = 1.0
        for label in ev.rule_labels:
            out[f"rdec:{label}"] = 1.0
    return out


# What stands for a named side in the masked pairs (upper case: folded words never are).
_PARTY = "PARTY"


def _add_masked(out: dict[str, float], folded: str, names: tuple[tuple[int, int], ...]) -> None:
    """Add the headline's word pairs that touch a named side, the side masked ("m:PARTY sues").

    "apple removes fortnite" and "google removes tiktok" then share "PARTY removes" and
    "removes PARTY"; names side by side are one PARTY.
    """
    toks: list[str] = []
    pos = 0
    for start, end in names:
        if start < pos:
            continue
        toks.extend(_WORD.findall(folded, pos, start))
        if not toks or toks[-1] != _PARTY:
            toks.append(_PARTY)
        pos = end
    toks.extend(_WORD.findall(folded, pos))
    pairs = itertools.pairwise(toks)
    out.update(dict.fromkeys([f"m:{a} {b}" for a, b in pairs if _PARTY in (a, b)], 1.0))


# Feature groups: what a feature name starts with, before its first colon (see extract).
GROUPS = ("t", "s", "st", "ctx", "x", "c", "m", "rule", "near", "rsum", "rdec", "lang")


def group_of(feature: str) -> str:
    """Return the group of a feature name ("t:cuts off" -> "t", "rule:legal:sue" -> "rule")."""
    return feature.partition(":")[0]


def phrase_of(feature: str) -> str | None:
    """Return the words a text feature stands for ("t:cuts off" -> "cuts off"), else None."""
    if feature.startswith(("t:", "s:")):
        return feature[2:]
    return None
