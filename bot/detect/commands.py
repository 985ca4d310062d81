"""Command-line subcommands of the detector: ``classify`` and ``eval``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from bot.codec import facts_to_json, signals_to_json
from bot.output import emit_json
from bot.types import Detection

if TYPE_CHECKING:
    from bot.detect.evaluate import Report

logger = logging.getLogger(__name__)

_OPTIONAL_STR_FIELDS = ("summary", "content", "lang", "published")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``classify`` and ``eval`` subcommands."""
    p = subparsers.add_parser(
        "classify",
        help="classify JSON lines (id, title, summary, content, lang) from FILE or stdin",
        description="Read JSON lines and write one JSON verdict per line.",
    )
    p.add_argument("file", nargs="?", default="-", metavar="FILE", help="input (default stdin)")
    p.add_argument("--json", action="store_true", help="JSON lines output (the default)")
    p.set_defaults(handler=run_classify)

    e = subparsers.add_parser(
        "eval",
        help="precision/recall of the detector and a keyword baseline on a labelled file",
        description="Measure the detector on a labelled JSON-lines file.",
    )
    e.add_argument("file", metavar="FILE", help="labelled JSON lines (id, title, cutoff, legal...)")
    e.add_argument("--errors", action="store_true", help="list misses and false alarms")
    e.add_argument("--json", action="store_true", help="print the figures as JSON lines")
    e.add_argument(
        "--model", metavar="MODEL", help="a model file to measure instead of the packaged one"
    )
    e.set_defaults(handler=run_eval)


def detection_to_json(item_id: Any, det: Detection) -> dict[str, Any]:
    """Return the JSON record of one verdict."""
    return {
        "id": item_id,
        "labels": list(det.labels),
        "score": det.score,
        "parties": list(det.parties),
        "lang": det.lang,
        "signals": signals_to_json(det.signals),
        "facts": facts_to_json(det.facts),
    }


def _open(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    return open(path, "rb")


def _lines(stream: BinaryIO) -> Iterator[tuple[int, str | None, str]]:
    """Yield (line number, text or None, decode error) for each non-blank line."""
    for lineno, raw in enumerate(stream, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield lineno, None, f"not UTF-8: {exc.reason}"
            continue
        if text.strip():
            yield lineno, text, ""


def _classify_line(text: str) -> dict[str, Any] | str:
    from bot.detect.classify import classify_text  # compiles the data: only when used

    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg}"
    if not isinstance(obj, dict):
        return "not a JSON object"
    title = obj.get("title")
    if not isinstance(title, str):
        return "missing 'title'" if title is None else "'title' must be a string"
    if not title.strip():
        return "empty 'title'"
    item_id = obj.get("id")
    if item_id is not None and (isinstance(item_id, bool) or not isinstance(item_id, str | int)):
        return "'id' must be a string or an integer"
    fields: dict[str, str] = {}
    for name in _OPTIONAL_STR_FIELDS:
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            return f"'{name}' must be a string"
        fields[name] = value or ""
    published = None
    if fields["published"]:
        try:
            published = datetime.fromisoformat(fields["published"].replace("Z", "+00:00"))
        except ValueError:
            return "'published' must be an ISO 8601 date"
    det = classify_text(
        title,
        fields["summary"],
        fields["content"],
        lang=fields["lang"] or None,
        published=published,
        with_facts=True,
    )
    return detection_to_json(item_id, det)


def run_classify(args: argparse.Namespace) -> int:
    """Classify JSON lines; exit 1 if any line was bad, 2 if the input cannot be opened."""
    path = str(args.file)
    name = "<stdin>" if path == "-" else path
    try:
        stream = _open(path)
    except OSError as exc:
        print(f"{name}: cannot open: {exc.strerror or exc}", file=sys.stderr)
        return 2
    bad = 0
    out = sys.stdout
    try:
        for lineno, text, problem in _lines(stream):
            result: dict[str, Any] | str = problem if text is None else _classify_line(text)
            if isinstance(result, str):
                bad += 1
                emit_json({"error": result, "line": lineno}, out)
                print(f"{name}:{lineno}: {result}", file=sys.stderr)
            else:
                emit_json(result, out)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    out.flush()
    return 1 if bad else 0


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}"


def _print_table(report: Report, name: str) -> None:
    from bot.types import LABELS

    langs = ", ".join(f"{k} {v}" for k, v in sorted(report.langs.items()))
    print(f"{name}: {report.n} items ({langs}); borderline counts neither way")
    print("detector = model + rules as shipped; rules = the rule engine alone; base = keywords")
    print()
    print(f"{'label':<7} {'lang':<4} {'gold+':>5} | {'P':>5} {'R':>5} {'F1':>5} | "
          f"{'rule P':>6} {'R':>5} {'F1':>5} | {'base P':>6} {'R':>5} {'F1':>5}")  # fmt: skip
    keys = sorted(report.ours, key=lambda k: (LABELS.index(k[1]), k[0] != "all", k[0]))
    for lang, label in keys:
        c, r, b = (
            report.ours[(lang, label)],
            report.rules[(lang, label)],
            report.base[(lang, label)],
        )
        print(
            f"{label:<7} {lang:<4} {c.tp + c.fn:>5} | {_pct(c.precision)} {_pct(c.recall)} "
            f"{_pct(c.f1)} | {_pct(r.precision):>6} {_pct(r.recall)} {_pct(r.f1)} | "
            f"{_pct(b.precision):>6} {_pct(b.recall)} {_pct(b.f1)}"
        )
    print()
    for lang in sorted(report.parties, key=lambda k: (k != "all", k)):
        pc = report.parties[lang]
        bc = report.base_parties.get(lang)
        base = f"{_pct(bc.recall)} ({bc.matched}/{bc.total})" if bc else "  n/a"
        print(
            f"party recall on true positives, {lang}: {_pct(pc.recall)} ({pc.matched}/{pc.total});"
            f" precision {_pct(pc.precision)} ({pc.correct}/{pc.predicted});"
            f" baseline recall (verbatim names) {base}"
        )
    for lang in sorted(report.named_parties, key=lambda k: (k != "all", k)):
        nc = report.named_parties[lang]
        print(
            f"party recall on true positives, parties named in title/summary, {lang}: "
            f"{_pct(nc.recall)} ({nc.matched}/{nc.total})"
        )
    langs_natural = sorted({lang for _, lang in report.natural}, key=lambda k: (k != "all", k))
    for lang in langs_natural:
        parts = []
        for system in ("detector", "rules", "baseline"):
            sc = report.natural[(system, lang)]
            parts.append(
                f"{system} {sc.per_100:.1f} ({sc.false_alarms}), found {sc.found}/{sc.disputes}"
            )
        items = report.natural[("detector", lang)].items
        print(f"natural slice, {lang}, {items} items: false alarms per 100: " + "; ".join(parts))


def _print_errors(report: Report) -> None:
    print()
    for case in sorted(report.errors, key=lambda c: (c.label, c.kind, c.item.id)):
        sigs = ", ".join(f"{s.label}:{s.phrase!r}:{s.weight}" for s in case.detection.signals)
        print(
            f"{case.kind:<11} {case.label:<6} [{case.item.lang}] {case.item.id}: {case.item.title}"
        )
        print(f"{'':<19} signals: {sigs or '-'}; parties: {', '.join(case.detection.parties)}")
    for item, gold, got in report.missed_parties:
        print(
            f"parties     [{item.lang}] {item.id}: gold {list(gold)} got {list(got)}: {item.title}"
        )


def run_eval(args: argparse.Namespace) -> int:
    """Evaluate a labelled file; bad lines are reported on stderr, skipped, and exit 1."""
    from bot.detect.evaluate import BadLine, LabelledItem, evaluate, figures, parse_labelled_line

    path = str(args.file)
    try:
        stream = _open(path)
    except OSError as exc:
        print(f"{path}: cannot open: {exc.strerror or exc}", file=sys.stderr)
        return 2
    items: list[LabelledItem] = []
    bad = 0
    try:
        for lineno, text, problem in _lines(stream):
            parsed = BadLine(lineno, problem) if text is None else parse_labelled_line(text, lineno)
            if isinstance(parsed, BadLine):
                bad += 1
                print(f"{path}:{parsed.line}: {parsed.message}", file=sys.stderr)
            else:
                items.append(parsed)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if not items:
        print(f"{path}: no usable labelled line", file=sys.stderr)
        return 1
    if args.model:
        from functools import partial

        from bot.detect.model import ModelError, decide, load_model

        try:
            model = load_model(Path(args.model))
        except ModelError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        report = evaluate(items, decider=partial(decide, model=model))
    else:
        report = evaluate(items)
    if args.json:
        for record in figures(report):
            emit_json(record)
    else:
        _print_table(report, path)
    if args.errors:
        _print_errors(report)
    return 1 if bad else 0
