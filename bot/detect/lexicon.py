"""Load and compile the per-language rule lexicons (data files ``data/lexicon_<lang>.json``)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from bot.detect.entities import fold
from bot.detect.prefilter import word_keys
from bot.types import LABELS, Label

logger = logging.getLogger(__name__)

_OBJECT_KINDS = frozenset({"party", "terms", "party_or_terms", "authority"})
_ACTOR_KINDS = frozenset({"party", "authority", "authority_mention"})


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule: a pattern, the labels it supports and its context conditions."""

    id: str
    labels: tuple[tuple[Label, float], ...]
    pattern: re.Pattern[str]
    quick: re.Pattern[str]
    # The word starts every match begins with (see prefilter.py); None: always scan.
    keys: frozenset[str] | None
    negatable: bool
    object: str | None
    terms: re.Pattern[str] | None
    window: int
    actor: str | None
    actor_window: int
    party_before: int
    unless_before: re.Pattern[str] | None
    unless_after: re.Pattern[str] | None
    after_window: int
    unless_near: re.Pattern[str] | None
    near_window: int
    verb: bool
    # What rules the phrase out when an authority acts: a court banning "the sale of" some
    # iPhones is a patent remedy, while a store banning the sale of a rival's device cuts it off.
    unless_after_authority: re.Pattern[str] | None
    # An unknown name in the object ("kills Stadia service", "ends support for Office 2016")
    # makes it the actor's own product: for verbs newsrooms use for ending one's own things.
    names_own: bool
    # A capitalised name the gazetteer lacks counts as the object (after a lower-case verb):
    # for verbs that act on someone else ("bans Zorbly", "stops hosting Kiwi Farms").
    unknown_object: bool
    # Match the lower-cased text with its accents ("juge", a judge, is not "jugé", deemed).
    exact: bool


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A language's compiled rules, negation cues, term sets and stopwords."""

    lang: str
    rules: tuple[Rule, ...]
    negation: re.Pattern[str]
    negation_window: int
    own: re.Pattern[str] | None
    legal_context: re.Pattern[str] | None
    # Tech parties written as descriptions ("la plateforme en ligne", "les opérateurs"): they
    # stand for a known company in the headline's legal signals (term set `legal_tech`).
    legal_tech: re.Pattern[str] | None
    # A company written only as where something was posted ("une vidéo sur TikTok") is no
    # party to a legal story (`legal_medium`), unless a legal word comes before it
    # ("une enquête sur TikTok": `legal_medium_topic`).
    legal_medium: re.Pattern[str] | None
    legal_medium_topic: re.Pattern[str] | None
    # Broadcast television and radio (channels, their regulator's pluralism cases): no tech
    # party, even when a media group is named (`legal_not_tech`).
    legal_not_tech: re.Pattern[str] | None
    authority_words: re.Pattern[str] | None
    access: re.Pattern[str] | None
    # What a company can still give others after "its" ("drops its support for Twitter").
    possessed: re.Pattern[str] | None
    # A headline about access coming back ("reinstates", "lifts ban"): bodies then recount the
    # cutoff that ended, so their cutoff phrases do not count.
    restore: re.Pattern[str] | None
    # A headline saying a report is false ("… is false, sources say"): no cutoff at all.
    false_report: re.Pattern[str] | None
    prepositions: re.Pattern[str] | None
    named_objects: re.Pattern[str] | None
    # A cutoff word a place may follow ("banned in China", "bloqué en Russie"): that place's
    # government is a side, where "fined in Italy" only says where.
    cut_place: re.Pattern[str] | None
    wrap_before: re.Pattern[str] | None
    wrap_after: re.Pattern[str] | None
    stopwords: frozenset[str]
    # Word-start key -> indexes of the rules that need it; rules without keys always run.
    key_index: dict[str, frozenset[int]]
    unkeyed: frozenset[int]


def _compile(source: str) -> re.Pattern[str]:
    # Patterns are written against folded text: fold them too so authors may write accents.
    return re.compile(fold(source))


def _quick(source: str) -> re.Pattern[str]:
    """Compile a looser prefilter of a pattern: the same without word-boundary assertions.

    A leading \\b defeats the regex engine's first-character scan (about three times slower);
    dropping zero-width assertions only widens the matches, so a miss here is a miss for sure.
    """
    return _compile(source.replace("\\b", ""))


def _term_pattern(value: str, terms: dict[str, str]) -> re.Pattern[str]:
    """Compile a term set's words ("obj"), a term set's own expression ("@cut_intent"), or a
    regular expression given in place."""
    if value in terms:
        return _compile(rf"\b(?:{terms[value]})\b")
    if value.startswith("@") and value[1:] in terms:
        return _compile(terms[value[1:]])
    return _compile(value)


def _term_set(terms: dict[str, str], value: str) -> re.Pattern[str] | None:
    """A term set the lexicon may lack, as `_term_pattern` reads it ("obj", "@false_report")."""
    return _term_pattern(value, terms) if value.lstrip("@") in terms else None


def _opt_pattern(raw: dict[str, Any], key: str, terms: dict[str, str]) -> re.Pattern[str] | None:
    value = raw.get(key)
    if value is None:
        return None
    return _term_pattern(str(value), terms)


def _rule(raw: dict[str, Any], terms: dict[str, str], where: str) -> Rule:
    rid = str(raw.get("id", "?"))
    labels_raw = raw.get("labels")
    if not isinstance(labels_raw, dict) or not labels_raw:
        raise ValueError(f"{where}: rule {rid} needs a 'labels' object")
    labels: list[tuple[Label, float]] = []
    for name, weight in labels_raw.items():
        if name not in LABELS:
            raise ValueError(f"{where}: rule {rid} has unknown label {name}")
        label: Label = "cutoff" if name == "cutoff" else "legal"
        labels.append((label, float(weight)))
    obj = raw.get("object")
    if obj is not None and obj not in _OBJECT_KINDS:
        raise ValueError(f"{where}: rule {rid} has unknown object kind {obj}")
    actor = raw.get("actor")
    if actor is not None and actor not in _ACTOR_KINDS:
        raise ValueError(f"{where}: rule {rid} has unknown actor kind {actor}")
    terms_pat = _opt_pattern(raw, "terms", terms)
    if obj in ("terms", "party_or_terms") and terms_pat is None:
        raise ValueError(f"{where}: rule {rid} needs 'terms' for object {obj}")
    return Rule(
        id=rid,
        labels=tuple(labels),
        pattern=(
            re.compile(str(raw["pattern"]).lower())
            if raw.get("exact", False)
            else _compile(str(raw["pattern"]))
        ),
        quick=_quick(str(raw["pattern"])),
        keys=word_keys(fold(str(raw["pattern"]))),
        negatable=bool(raw.get("negatable", True)),
        object=str(obj) if obj is not None else None,
        terms=terms_pat,
        window=int(raw.get("window", 6)),
        actor=str(actor) if actor is not None else None,
        actor_window=int(raw.get("actor_window", 8)),
        party_before=int(raw.get("party_before", 0)),
        unless_before=_opt_pattern(raw, "unless_before", terms),
        unless_after=_opt_pattern(raw, "unless_after", terms),
        after_window=int(raw.get("after_window", 2)),
        unless_near=_opt_pattern(raw, "unless_near", terms),
        near_window=int(raw.get("near_window", 5)),
        verb=bool(raw.get("verb", False)),
        names_own=bool(raw.get("names_own", False)),
        unknown_object=bool(raw.get("unknown_object", False)),
        exact=bool(raw.get("exact", False)),
        unless_after_authority=_opt_pattern(raw, "unless_after_authority", terms),
    )


@cache
def available_langs() -> tuple[str, ...]:
    """Return the languages that have a lexicon data file."""
    data = files("bot.detect") / "data"
    langs = []
    for entry in data.iterdir():
        name = entry.name
        if name.startswith("lexicon_") and name.endswith(".json"):
            langs.append(name[len("lexicon_") : -len(".json")])
    return tuple(sorted(langs))


def _key_index(rules: tuple[Rule, ...]) -> dict[str, frozenset[int]]:
    index: dict[str, set[int]] = {}
    for i, rule in enumerate(rules):
        for key in rule.keys or ():
            index.setdefault(key, set()).add(i)
    return {key: frozenset(ids) for key, ids in index.items()}


@cache
def load_lexicon(lang: str) -> Lexicon:
    """Load and compile the lexicon of one language, once."""
    where = f"lexicon_{lang}.json"
    path = files("bot.detect") / "data" / where
    raw = json.loads(path.read_text(encoding="utf-8"))
    terms = {str(k): str(v) for k, v in raw.get("terms", {}).items()}
    rules = tuple(_rule(r, terms, where) for r in raw.get("rules", []))
    neg = raw.get("negation", {})
    lex = Lexicon(
        lang=lang,
        rules=rules,
        negation=_compile(str(neg.get("pattern", r"(?!x)x"))),
        negation_window=int(neg.get("window", 5)),
        own=_term_set(terms, "own"),
        legal_context=_term_set(terms, "legal_ctx"),
        legal_tech=_term_set(terms, "legal_tech"),
        legal_medium=_term_set(terms, "@legal_medium"),
        legal_medium_topic=_term_set(terms, "@legal_medium_topic"),
        legal_not_tech=_term_set(terms, "legal_not_tech"),
        authority_words=_term_set(terms, "authority"),
        access=_term_set(terms, "access"),
        possessed=_term_set(terms, "possessed"),
        restore=_term_set(terms, "restore"),
        false_report=_term_set(terms, "@false_report"),
        prepositions=_term_set(terms, "prep"),
        named_objects=_term_set(terms, "named_obj"),
        cut_place=_term_set(terms, "cut_place"),
        wrap_before=_compile(str(neg["wrap_before"])) if "wrap_before" in neg else None,
        wrap_after=_compile(str(neg["wrap_after"])) if "wrap_after" in neg else None,
        stopwords=frozenset(str(w).lower() for w in raw.get("stopwords", [])),
        key_index=_key_index(rules),
        unkeyed=frozenset(i for i, r in enumerate(rules) if r.keys is None),
    )
    logger.debug("lexicon %s: %d rules", lang, len(rules))
    return lex
