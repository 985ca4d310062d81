"""Regression guard: the detector's figures on our own handwritten headline sets.

Every set was written following the labeling guide (never copied from publishers' text) and
committed before the detector was run on it; labels were not changed to fit the detector.

- Development sets, whose errors were read to write general rules (their figures are fitted):
  batches 1 and 2 (`headlines_own.jsonl`), batches 3, 4 and 6 (each held out for one run, then
  used), batch 5 (rich in cutoff phrasing, used as development material from the start).
- Batch 7 (`headlines_own_batch7.jsonl`) is the held-out set: written by an author who never
  saw the detector and measured once, after the rules were final. Its floors sit just under that
  run; do not tune rules to its errors — write a new batch for the next honest measure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.detect.evaluate import BadLine, LabelledItem, Report, evaluate, parse_labelled_line
from bot.types import Label

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OWN = FIXTURES / "headlines_own.jsonl"
BATCH3 = FIXTURES / "headlines_own_batch3.jsonl"
BATCH4 = FIXTURES / "headlines_own_batch4.jsonl"
BATCH5 = FIXTURES / "headlines_own_batch5.jsonl"
BATCH6 = FIXTURES / "headlines_own_batch6.jsonl"
BATCH7 = FIXTURES / "headlines_own_batch7.jsonl"
DEVELOPMENT = (OWN, BATCH3, BATCH4, BATCH5, BATCH6)

# Development sets, together: (lang, label) -> minimum F1 (a few points under the figures:
# cutoff 97.1, en 97.8, fr 96.2; legal 98.5, en 98.6, fr 98.4).
FLOORS: dict[tuple[str, Label], float] = {
    ("all", "cutoff"): 0.95,
    ("en", "cutoff"): 0.95,
    ("fr", "cutoff"): 0.94,
    ("all", "legal"): 0.96,
    ("en", "legal"): 0.96,
    ("fr", "legal"): 0.96,
}

# Held-out batch 7, measured once: cutoff 84.0 (en 86.3, fr 81.6), legal 95.7 (en 95.1,
# fr 96.3); party recall 91.2 (named 97.0). Earlier held-out runs: batch 4 (cutoff 84.4,
# legal 91.3), batch 6 (82.8, 92.9).
HELD_OUT_FLOORS: dict[tuple[str, Label], float] = {
    ("all", "cutoff"): 0.82,
    ("en", "cutoff"): 0.84,
    ("fr", "cutoff"): 0.79,
    ("all", "legal"): 0.93,
    ("en", "legal"): 0.93,
    ("fr", "legal"): 0.94,
}


def _items(*paths: Path) -> list[LabelledItem]:
    items: list[LabelledItem] = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            parsed = parse_labelled_line(line, n)
            assert not isinstance(parsed, BadLine), (path.name, parsed)
            items.append(parsed)
    return items


@pytest.fixture(scope="module")
def development() -> Report:
    return evaluate(_items(*DEVELOPMENT))


@pytest.fixture(scope="module")
def held_out() -> Report:
    return evaluate(_items(BATCH7))


def test_sets_are_large_bilingual_and_disjoint() -> None:
    seen: set[str] = set()
    for path, prefix, size in (
        (OWN, "own", 160),
        (BATCH3, "own3-", 80),
        (BATCH4, "own4-", 150),
        (BATCH5, "own5-", 200),
        (BATCH6, "own6-", 170),
        (BATCH7, "own7-", 170),
    ):
        items = _items(path)
        assert len(items) >= size, path.name
        assert all(i.id.startswith(prefix) for i in items), path.name
        ids = {i.id for i in items}
        assert len(ids) == len(items) and not ids & seen, path.name
        seen |= ids
        fr = sum(1 for i in items if i.lang == "fr")
        assert 0.3 <= fr / len(items) <= 0.5, path.name
        assert sum(1 for i in items if i.gold["cutoff"] == "yes") >= 20, path.name
        assert sum(1 for i in items if i.gold["legal"] == "yes") >= 20, path.name


@pytest.mark.parametrize(("lang", "label"), sorted(FLOORS))
def test_development_f1_floor(development: Report, lang: str, label: Label) -> None:
    counts = development.ours[(lang, label)]
    assert counts.f1 >= FLOORS[(lang, label)], (lang, label, counts)


@pytest.mark.parametrize(("lang", "label"), sorted(HELD_OUT_FLOORS))
def test_held_out_f1_floor(held_out: Report, lang: str, label: Label) -> None:
    counts = held_out.ours[(lang, label)]
    assert counts.f1 >= HELD_OUT_FLOORS[(lang, label)], (lang, label, counts)


@pytest.mark.parametrize("which", ["development", "held_out"])
def test_beats_the_keyword_baseline(which: str, request: pytest.FixtureRequest) -> None:
    report: Report = request.getfixturevalue(which)
    for label in ("cutoff", "legal"):
        assert report.ours[("all", label)].f1 > report.base[("all", label)].f1 + 0.10


def test_party_recall(development: Report, held_out: Report) -> None:
    assert development.named_parties["all"].recall >= 0.95
    assert held_out.named_parties["all"].recall >= 0.95
    assert held_out.parties["all"].recall >= 0.89
