"""Measure summaries and key facts on annotated real feed items (issue 13, item 3).

    .venv/bin/python -m corpus.facts_eval ITEMS.jsonl PASS_A.jsonl [PASS_B.jsonl] [--json]

ITEMS.jsonl: one real item a line, {"id", "lang", "title", "summary", "content" (optional),
"published" (ISO 8601)}. It stays outside the repository: it holds publishers' text.

PASS_*.jsonl: one annotation a line, written by following corpus/facts-annotation-guide.md:
{"id", "boilerplate": [strings], "dates": ["YYYY-MM-DD"], "amounts": [{"value"} or {"low",
"high"}, "currency", "period"], "quotes": [{"speaker", "text_start"}]}. The committed
annotations (corpus/facts/*pass_*.jsonl) hold no publisher text: "boilerplate_keys" and each
quote's "text_start_key" (a word count and a hash of those words) replace the words. An
annotator's file is turned into that form with

    .venv/bin/python -m corpus.facts_eval --store RAW.jsonl > corpus/facts/roundN_pass_a.jsonl

For each annotation pass it reports: items whose summary still holds an annotated boilerplate
string (target 0), date precision/recall, amount precision/recall (value or range, currency and
period must all match) and quote precision (a shown quote must start like an annotated quote and
have its speaker). With two passes it also reports how much the passes agree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.detect import classify_text
from bot.stories.summarize import richest_text, summarize
from bot.stories.text import words
from bot.types import Amount, Facts, Quote

VALUE_TOLERANCE = 0.005  # relative: "$1.2bn" and "$1,200,000,000" are the same amount
QUOTE_START_WORDS = 5  # how many first words of a quote must agree


@dataclass(frozen=True, slots=True)
class Item:
    """One real feed item."""

    id: str
    lang: str
    title: str
    summary: str
    content: str
    published: datetime | None


@dataclass(frozen=True, slots=True)
class Output:
    """What the bot shows for one item: its summary and its key facts."""

    summary: str
    facts: Facts


@dataclass(slots=True)
class Count:
    """True positives, shown and expected counts of one kind of fact."""

    hits: int = 0
    shown: int = 0
    expected: int = 0

    def precision(self) -> float | None:
        """Share of shown facts that are right (None when nothing was shown)."""
        return self.hits / self.shown if self.shown else None

    def recall(self, hits: int | None = None) -> float | None:
        """Share of expected facts that were shown (None when nothing was expected)."""
        found = self.hits if hits is None else hits
        return found / self.expected if self.expected else None


@dataclass(slots=True)
class Report:
    """Scores of the bot against one annotation pass."""

    items: int = 0
    boilerplate_items: int = 0  # items whose text had annotated boilerplate
    boilerplate_left: int = 0  # ... and whose summary still holds some
    boilerplate_left_ids: list[str] = field(default_factory=list)
    dates: Count = field(default_factory=Count)
    amounts: Count = field(default_factory=Count)
    quotes: Count = field(default_factory=Count)
    quotes_found: int = 0  # annotated quotes that the bot showed (for recall)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, with the rates."""
        out = asdict(self)
        for name in ("dates", "amounts"):
            count: Count = getattr(self, name)
            out[name] |= {"precision": count.precision(), "recall": count.recall()}
        out["quotes"] |= {
            "precision": self.quotes.precision(),
            "recall": self.quotes.recall(self.quotes_found),
        }
        return out


def _parse_time(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSON-lines file (blank lines skipped)."""
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row, dict) or "id" not in row:
                raise ValueError(f"{path}:{number}: not an object with an id")
            rows.append(row)
    return rows


def read_items(path: Path) -> list[Item]:
    """The items of a JSON-lines file."""
    return [
        Item(
            id=str(row["id"]),
            lang=str(row.get("lang") or "en"),
            title=str(row.get("title") or ""),
            summary=str(row.get("summary") or ""),
            content=str(row.get("content") or ""),
            published=_parse_time(row.get("published")),
        )
        for row in read_jsonl(path)
    ]


def run_bot(item: Item) -> Output:
    """What the bot shows for an item: the summary and facts the story pipeline would make."""
    detection = classify_text(
        item.title,
        item.summary,
        item.content,
        lang=item.lang,
        published=item.published,
        with_facts=True,
    )
    text = richest_text(item.title, item.summary, item.content)
    summary = summarize(
        text,
        title=item.title,
        parties=detection.parties,
        signals=[s.phrase for s in detection.signals],
    )
    return Output(summary, detection.facts)


def _same_value(a: float, b: float) -> bool:
    return abs(a - b) <= VALUE_TOLERANCE * max(abs(a), abs(b), 1.0)


def _gold_amount(raw: Mapping[str, Any]) -> tuple[float, float | None, str, str | None]:
    if "value" in raw and raw["value"] is not None:
        low, high = float(raw["value"]), None
    else:
        low, high = float(raw["low"]), float(raw["high"])
    period = raw.get("period") or None
    return low, high, str(raw["currency"]).upper(), period


def amount_matches(shown: Amount, gold: Mapping[str, Any]) -> bool:
    """Say whether a shown amount is the annotated one: value or range, currency, period."""
    low, high, currency, period = _gold_amount(gold)
    if shown.currency != currency or shown.period != period:
        return False
    if (shown.high is None) != (high is None):
        return False
    return _same_value(shown.value, low) and (
        high is None or (shown.high is not None and _same_value(shown.high, high))
    )


def _words_key(found: Sequence[str]) -> str:
    return f"{len(found)}:" + hashlib.sha1(" ".join(found).encode("utf-8")).hexdigest()[:16]


def start_key(text: str, n: int = QUOTE_START_WORDS) -> str:
    """Return the key of a quote's opening words: their count and a hash of them.

    The committed annotations keep this key, not the publisher's words.
    """
    return _words_key(words(text)[:n])


def text_key(text: str) -> str:
    """Return the key of a whole piece of text (a boilerplate line): word count and hash."""
    return _words_key(words(text))


def gold_boilerplate_keys(note: Mapping[str, Any]) -> set[str]:
    """Return an annotation's boilerplate keys, from its strings or its stored keys."""
    keys = {str(k) for k in note.get("boilerplate_keys") or []}
    keys.update(text_key(b) for b in note.get("boilerplate") or [] if words(b))
    return keys


def holds(text: str, keys: Iterable[str]) -> bool:
    """Say whether a run of the text's words has one of the keys (boilerplate left in it)."""
    found = words(text)
    wanted = set(keys)
    for n in {int(key.split(":", 1)[0]) for key in wanted}:
        if any(_words_key(found[i : i + n]) in wanted for i in range(max(len(found) - n + 1, 0))):
            return True
    return False


def stored_form(note: Mapping[str, Any]) -> dict[str, Any]:
    """Return an annotation as it is committed: keys in place of the publisher's words."""
    out = {k: v for k, v in note.items() if k != "boilerplate"}
    out["boilerplate_keys"] = sorted(gold_boilerplate_keys(note))
    out["quotes"] = [
        {
            **{k: v for k, v in q.items() if k != "text_start"},
            "text_start_key": gold_start_key(q),
        }
        for q in note.get("quotes") or []
    ]
    return out


def gold_start_key(gold: Mapping[str, Any]) -> str:
    """Return an annotated quote's opening key, from its words or its stored key."""
    if gold.get("text_start_key"):
        return str(gold["text_start_key"])
    return start_key(str(gold.get("text_start") or ""))


def quote_matches(shown: Quote, gold: Mapping[str, Any]) -> bool:
    """Say whether a shown quote is the annotated one and has its speaker."""
    key = gold_start_key(gold)
    n = int(key.split(":", 1)[0])
    if not n or start_key(shown.text, n) != key:
        return False
    speaker = set(words(str(gold.get("speaker") or "")))
    return bool(speaker & set(words(shown.speaker or "")))


def _match(shown: Sequence[Any], gold: Sequence[Any], same: Any) -> int:
    """How many shown facts pair with a distinct gold fact."""
    free = list(gold)
    hits = 0
    for fact in shown:
        for i, candidate in enumerate(free):
            if same(fact, candidate):
                del free[i]
                hits += 1
                break
    return hits


def score(outputs: Mapping[str, Output], annotations: Iterable[Mapping[str, Any]]) -> Report:
    """Score the bot's outputs against one annotation pass (items without output are skipped)."""
    report = Report()
    for note in annotations:
        output = outputs.get(str(note["id"]))
        if output is None:
            continue
        report.items += 1
        boilerplate = gold_boilerplate_keys(note)
        if boilerplate:
            report.boilerplate_items += 1
            if holds(output.summary, boilerplate):
                report.boilerplate_left += 1
                report.boilerplate_left_ids.append(str(note["id"]))
        gold_dates = {str(d) for d in note.get("dates") or []}
        shown_dates = {d.when.isoformat() for d in output.facts.dates}
        report.dates.shown += len(shown_dates)
        report.dates.expected += len(gold_dates)
        report.dates.hits += len(shown_dates & gold_dates)
        gold_amounts = list(note.get("amounts") or [])
        report.amounts.shown += len(output.facts.amounts)
        report.amounts.expected += len(gold_amounts)
        report.amounts.hits += _match(output.facts.amounts, gold_amounts, amount_matches)
        gold_quotes = list(note.get("quotes") or [])
        report.quotes.shown += len(output.facts.quotes)
        report.quotes.expected += len(gold_quotes)
        hits = _match(output.facts.quotes, gold_quotes, quote_matches)
        report.quotes.hits += hits
        report.quotes_found += hits
    return report


def _f1(a: set[str], b: set[str]) -> float | None:
    if not a and not b:
        return None
    return 2 * len(a & b) / (len(a) + len(b))


def _keys(note: Mapping[str, Any]) -> dict[str, set[str]]:
    amounts = set()
    for raw in note.get("amounts") or []:
        low, high, currency, period = _gold_amount(raw)
        amounts.add(f"{low:g}-{high:g}" if high is not None else f"{low:g}")
        amounts.add(f"{currency}/{period}")
    return {
        "boilerplate": gold_boilerplate_keys(note),
        "dates": {str(d) for d in note.get("dates") or []},
        "amounts": amounts,
        "quotes": {
            gold_start_key(q) + "|" + " ".join(words(str(q.get("speaker") or ""))[-1:])
            for q in note.get("quotes") or []
        },
    }


def agreement(
    first: Iterable[Mapping[str, Any]], second: Iterable[Mapping[str, Any]]
) -> dict[str, float | None]:
    """Mean per-item F1 between two annotation passes, for each kind of annotation."""
    other = {str(n["id"]): n for n in second}
    sums: dict[str, list[float]] = {}
    for note in first:
        pair = other.get(str(note["id"]))
        if pair is None:
            continue
        mine, theirs = _keys(note), _keys(pair)
        for kind in mine:
            f1 = _f1(mine[kind], theirs[kind])
            if f1 is not None:
                sums.setdefault(kind, []).append(f1)
    kinds = ("boilerplate", "dates", "amounts", "quotes")
    return {k: (sum(sums[k]) / len(sums[k]) if sums.get(k) else None) for k in kinds}


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def format_report(name: str, report: Report) -> str:
    """A report as a few readable lines."""
    lines = [
        f"{name}: {report.items} items",
        f"  boilerplate left in summaries: {report.boilerplate_left} of "
        f"{report.boilerplate_items} items with boilerplate"
        + (f" ({', '.join(report.boilerplate_left_ids[:10])})" if report.boilerplate_left else ""),
    ]
    for kind in ("dates", "amounts"):
        count: Count = getattr(report, kind)
        lines.append(
            f"  {kind}: precision {_rate(count.precision())} ({count.hits}/{count.shown}), "
            f"recall {_rate(count.recall())} ({count.hits}/{count.expected})"
        )
    q = report.quotes
    lines.append(
        f"  quotes: precision {_rate(q.precision())} ({q.hits}/{q.shown}), "
        f"recall {_rate(q.recall(report.quotes_found))} ({report.quotes_found}/{q.expected})"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the measurement and print it."""
    parser = argparse.ArgumentParser(prog="python -m corpus.facts_eval", description=__doc__)
    parser.add_argument("items", type=Path, nargs="?")
    parser.add_argument("passes", type=Path, nargs="*", help="one or two annotation files")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--store", type=Path, metavar="RAW", help="print an annotator's file in committed form"
    )
    args = parser.parse_args(argv)
    if args.store is not None:
        if args.items is not None:
            parser.error("--store takes one annotation file and nothing else")
        for note in read_jsonl(args.store):
            print(json.dumps(stored_form(note), ensure_ascii=False))
        return 0
    if args.items is None or not 1 <= len(args.passes) <= 2:
        parser.error("give an items file and one or two annotation passes")
    items = read_items(args.items)
    outputs = {item.id: run_bot(item) for item in items}
    passes = [read_jsonl(path) for path in args.passes]
    reports = {
        f"pass {i} ({path.name})": score(outputs, passes[i - 1])
        for i, path in enumerate(args.passes, 1)
    }
    agreed = agreement(passes[0], passes[1]) if len(passes) == 2 else None
    if args.json:
        data: dict[str, Any] = {"items": len(items)}
        data["passes"] = {name: report.as_dict() for name, report in reports.items()}
        if agreed is not None:
            data["agreement"] = agreed
        print(json.dumps(data, ensure_ascii=False, sort_keys=True))
        return 0
    print(f"{len(items)} items")
    for name, report in reports.items():
        print(format_report(name, report))
    if agreed is not None:
        print(
            "agreement between passes (mean per-item F1): "
            + ", ".join(f"{kind} {_rate(value)}" for kind, value in agreed.items())
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
