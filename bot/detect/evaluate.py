"""Measure the detector (and the keyword baseline) on a labelled JSON-lines file."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from bot.detect.baseline import baseline_labels
from bot.detect.classify import classify_text
from bot.detect.entities import fold, gazetteer
from bot.types import LABELS, Detection, Label

logger = logging.getLogger(__name__)

GOLD_VALUES = frozenset({"yes", "no", "borderline"})


@dataclass(frozen=True, slots=True)
class LabelledItem:
    """One labelled headline."""

    id: str
    lang: str
    title: str
    summary: str
    published: datetime | None
    gold: dict[Label, str]
    parties: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line of the labelled file that could not be used."""

    line: int
    message: str


@dataclass(slots=True)
class Counts:
    """True/false positives and false negatives of one label."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        """Return tp / (tp + fp), 0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Return tp / (tp + fn), 0 when there is no positive."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Return the harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class PartyCounts:
    """Gold parties found on true positives."""

    matched: int = 0
    total: int = 0

    @property
    def recall(self) -> float:
        """Return matched / total, 0 when there is nothing to find."""
        return self.matched / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class ErrorCase:
    """A miss or a false alarm of the detector."""

    kind: str
    label: Label
    item: LabelledItem
    detection: Detection


@dataclass(slots=True)
class Report:
    """Every figure of one evaluation run."""

    n: int = 0
    langs: dict[str, int] = field(default_factory=dict)
    ours: dict[tuple[str, Label], Counts] = field(default_factory=dict)
    base: dict[tuple[str, Label], Counts] = field(default_factory=dict)
    parties: dict[str, PartyCounts] = field(default_factory=dict)
    base_parties: dict[str, PartyCounts] = field(default_factory=dict)
    named_parties: dict[str, PartyCounts] = field(default_factory=dict)
    errors: list[ErrorCase] = field(default_factory=list)
    missed_parties: list[tuple[LabelledItem, tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=list
    )


def parse_labelled_line(raw: str, lineno: int) -> LabelledItem | BadLine:
    """Parse one line of a labelled file, or say why it is bad."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return BadLine(lineno, f"invalid JSON: {exc.msg}")
    if not isinstance(obj, dict):
        return BadLine(lineno, "not a JSON object")
    title = obj.get("title")
    if not isinstance(title, str) or not title.strip():
        return BadLine(lineno, "missing or empty 'title'")
    gold: dict[Label, str] = {}
    for label in LABELS:
        value = obj.get(label)
        if value not in GOLD_VALUES:
            return BadLine(lineno, f"'{label}' must be one of yes/no/borderline")
        gold[label] = str(value)
    summary = obj.get("summary") or ""
    lang = obj.get("lang") or "en"
    parties = obj.get("parties") or []
    if not isinstance(summary, str) or not isinstance(lang, str):
        return BadLine(lineno, "'summary' and 'lang' must be strings")
    if not isinstance(parties, list) or not all(isinstance(p, str) for p in parties):
        return BadLine(lineno, "'parties' must be a list of strings")
    published = None
    if isinstance(obj.get("published"), str):
        try:
            published = datetime.fromisoformat(obj["published"].replace("Z", "+00:00"))
        except ValueError:
            published = None
    return LabelledItem(
        id=str(obj.get("id", lineno)),
        lang=lang,
        title=title,
        summary=summary,
        published=published,
        gold=gold,
        parties=tuple(parties),
    )


def party_found(gold: str, predicted: Iterable[str]) -> bool:
    """Say whether a gold party is among the predicted ones (aliases and parents count)."""
    gaz = gazetteer()
    wanted = {gold.casefold()}
    canon = gaz.canonical(gold)
    if canon is not None:
        wanted.add(canon.casefold())
    for name in predicted:
        names = {name.casefold(), *(a.casefold() for a in gaz.ancestors(name))}
        if names & wanted:
            return True
    return False


def party_named(gold: str, text: str) -> bool:
    """Say whether a gold party, or one of its aliases, is written in the text."""
    gaz = gazetteer()
    canon = gaz.canonical(gold)
    names = [gold]
    if canon is not None:
        names.extend(gaz.entities[canon].aliases)
    folded = f" {fold(text)} "
    return any(re.search(rf"(?<!\w){re.escape(fold(n))}(?!\w)", folded) for n in names)


def _count(counts: Counts, gold: str, predicted: bool) -> str | None:
    if gold == "borderline":
        return None
    if gold == "yes" and predicted:
        counts.tp += 1
    elif gold == "yes":
        counts.fn += 1
        return "miss"
    elif predicted:
        counts.fp += 1
        return "false alarm"
    else:
        counts.tn += 1
    return None


def evaluate(items: Iterable[LabelledItem]) -> Report:
    """Classify every item with the detector and the baseline and tally the figures."""
    report = Report()
    for item in items:
        report.n += 1
        report.langs[item.lang] = report.langs.get(item.lang, 0) + 1
        det = classify_text(item.title, item.summary, lang=item.lang, published=item.published)
        base = baseline_labels(item.title, item.summary, item.lang)
        tp_ours = tp_base = False
        for lang in ("all", item.lang):
            for label in LABELS:
                ours = report.ours.setdefault((lang, label), Counts())
                kind = _count(ours, item.gold[label], label in det.labels)
                if kind is not None and lang == "all":
                    report.errors.append(ErrorCase(kind, label, item, det))
                theirs = report.base.setdefault((lang, label), Counts())
                _count(theirs, item.gold[label], label in base)
                if item.gold[label] == "yes":
                    tp_ours = tp_ours or label in det.labels
                    tp_base = tp_base or label in base
        for lang in ("all", item.lang):
            if tp_ours and item.parties:
                pc = report.parties.setdefault(lang, PartyCounts())
                found = [p for p in item.parties if party_found(p, det.parties)]
                pc.matched += len(found)
                pc.total += len(item.parties)
                text = f"{item.title}\n{item.summary}"
                named = [p for p in item.parties if party_named(p, text)]
                nc = report.named_parties.setdefault(lang, PartyCounts())
                nc.matched += sum(1 for p in named if p in found)
                nc.total += len(named)
                if lang == "all" and len(found) < len(item.parties):
                    report.missed_parties.append((item, item.parties, det.parties))
            if tp_base and item.parties:
                # The baseline has no gazetteer: it "finds" a party named verbatim in the text.
                bc = report.base_parties.setdefault(lang, PartyCounts())
                text = f"{item.title}\n{item.summary}".casefold()
                bc.matched += sum(1 for p in item.parties if p.casefold() in text)
                bc.total += len(item.parties)
    return report


def figures(report: Report) -> Iterator[dict[str, object]]:
    """Yield the report's figures as flat JSON-ready records."""
    for system, table, parties in (
        ("detector", report.ours, report.parties),
        ("baseline", report.base, report.base_parties),
    ):
        for (lang, label), c in sorted(table.items()):
            yield {
                "system": system,
                "label": label,
                "lang": lang,
                "tp": c.tp,
                "fp": c.fp,
                "fn": c.fn,
                "precision": round(c.precision, 4),
                "recall": round(c.recall, 4),
                "f1": round(c.f1, 4),
            }
        for lang, pc in sorted(parties.items()):
            yield {
                "system": system,
                "metric": "party_recall",
                "lang": lang,
                "matched": pc.matched,
                "total": pc.total,
                "recall": round(pc.recall, 4),
            }
    for lang, nc in sorted(report.named_parties.items()):
        yield {
            "system": "detector",
            "metric": "party_recall_named",
            "lang": lang,
            "matched": nc.matched,
            "total": nc.total,
            "recall": round(nc.recall, 4),
        }
