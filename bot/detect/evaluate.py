"""Measure the detector (and the keyword baseline) on a labelled JSON-lines file."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from bot.detect.baseline import baseline_labels
from bot.detect.classify import classify_text, decide_by_rules
from bot.detect.entities import fold, gazetteer
from bot.detect.features import Evidence
from bot.detect.model import Decision, decide
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
    # The outlet ("source" in the file) and the corpus slice ("natural" or "enriched").
    source: str = ""
    slice: str | None = None


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
    """Gold parties found on true positives, and predicted parties that are gold."""

    matched: int = 0
    total: int = 0
    correct: int = 0
    predicted: int = 0

    @property
    def recall(self) -> float:
        """Return matched / total, 0 when there is nothing to find."""
        return self.matched / self.total if self.total else 0.0

    @property
    def precision(self) -> float:
        """Return correct / predicted, 0 when nothing was predicted."""
        return self.correct / self.predicted if self.predicted else 0.0


@dataclass(slots=True)
class SliceCounts:
    """Items of the natural-prevalence slice, and the false alarms and finds among them."""

    items: int = 0
    false_alarms: int = 0
    disputes: int = 0
    found: int = 0

    @property
    def per_100(self) -> float:
        """Return false alarms per 100 items."""
        return 100 * self.false_alarms / self.items if self.items else 0.0


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
    rules: dict[tuple[str, Label], Counts] = field(default_factory=dict)
    base: dict[tuple[str, Label], Counts] = field(default_factory=dict)
    # Natural-prevalence slice per language, for the detector, the rules and the baseline.
    natural: dict[tuple[str, str], SliceCounts] = field(default_factory=dict)
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
    published = parse_published(obj.get("published"))
    source, slice_ = obj.get("source") or "", obj.get("slice")
    if not isinstance(source, str) or not (slice_ is None or isinstance(slice_, str)):
        return BadLine(lineno, "'source' and 'slice' must be strings")
    return LabelledItem(
        id=str(obj.get("id", lineno)),
        lang=lang,
        title=title,
        summary=summary,
        published=published,
        gold=gold,
        parties=tuple(parties),
        source=source,
        slice=slice_,
    )


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_published(value: object) -> datetime | None:
    """Read a publication date: ISO 8601, RFC 822 (feeds) or dd/mm/yyyy; None if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            m = _DMY.match(text)
            if m is None:
                return None
            try:
                when = datetime(int(m[3]), int(m[2]), int(m[1]))
            except ValueError:
                return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


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


def _false_alarm(item: LabelledItem, labels: Iterable[Label]) -> bool:
    return any(item.gold[label] == "no" for label in labels)


def _tally_slice(
    report: Report, item: LabelledItem, system: str, labels: tuple[Label, ...]
) -> None:
    for lang in ("all", item.lang):
        sc = report.natural.setdefault((system, lang), SliceCounts())
        sc.items += 1
        sc.false_alarms += _false_alarm(item, labels)
        if any(item.gold[label] == "yes" for label in LABELS):
            sc.disputes += 1
            sc.found += any(item.gold[label] == "yes" for label in labels)


def evaluate(
    items: Iterable[LabelledItem], decider: Callable[[Evidence], Decision] = decide
) -> Report:
    """Classify every item with the detector, its rules alone and the baseline; tally."""
    report = Report()
    rule_labels: list[tuple[Label, ...]] = []

    def both(ev: Evidence) -> Decision:
        rule_labels.append(decide_by_rules(ev).labels)
        return decider(ev)

    for item in items:
        report.n += 1
        report.langs[item.lang] = report.langs.get(item.lang, 0) + 1
        rule_labels.clear()
        det = classify_text(
            item.title, item.summary, lang=item.lang, published=item.published, decider=both
        )
        rules = rule_labels[0]
        base = baseline_labels(item.title, item.summary, item.lang)
        tp_ours = tp_base = False
        for lang in ("all", item.lang):
            for label in LABELS:
                ours = report.ours.setdefault((lang, label), Counts())
                kind = _count(ours, item.gold[label], label in det.labels)
                if kind is not None and lang == "all":
                    report.errors.append(ErrorCase(kind, label, item, det))
                _count(report.rules.setdefault((lang, label), Counts()), item.gold[label],
                       label in rules)  # fmt: skip
                theirs = report.base.setdefault((lang, label), Counts())
                _count(theirs, item.gold[label], label in base)
                if item.gold[label] == "yes":
                    tp_ours = tp_ours or label in det.labels
                    tp_base = tp_base or label in base
        if item.slice == "natural":
            for system, labels in (("detector", det.labels), ("rules", rules), ("baseline", base)):
                _tally_slice(report, item, system, labels)
        for lang in ("all", item.lang):
            if tp_ours and item.parties:
                pc = report.parties.setdefault(lang, PartyCounts())
                found = [p for p in item.parties if party_found(p, det.parties)]
                pc.matched += len(found)
                pc.total += len(item.parties)
                pc.predicted += len(det.parties)
                pc.correct += sum(
                    1 for p in det.parties if any(party_found(g, (p,)) for g in item.parties)
                )
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
    systems: tuple[tuple[str, dict[tuple[str, Label], Counts], dict[str, PartyCounts]], ...] = (
        ("detector", report.ours, report.parties),
        ("rules", report.rules, {}),
        ("baseline", report.base, report.base_parties),
    )
    for system, table, parties in systems:
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
            if system == "detector":
                yield {
                    "system": system,
                    "metric": "party_precision",
                    "lang": lang,
                    "correct": pc.correct,
                    "predicted": pc.predicted,
                    "precision": round(pc.precision, 4),
                }
    for (system, lang), sc in sorted(report.natural.items()):
        yield {
            "system": system,
            "metric": "natural_false_alarms",
            "lang": lang,
            "items": sc.items,
            "false_alarms": sc.false_alarms,
            "per_100": round(sc.per_100, 2),
            "disputes": sc.disputes,
            "found": sc.found,
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
