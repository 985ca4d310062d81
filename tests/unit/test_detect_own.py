"""Regression guard: the detector's figures on our own handwritten headline set.

`tests/fixtures/headlines_own.jsonl` was written by us following the labeling guide (never
copied from publishers' text), before the detector was run on it; labels were not changed to
fit the detector. Floors sit a few points below the figures reached (see docs/detection.md).

`tests/fixtures/headlines_own_batch3.jsonl` is a separate, untuned held-out set: written and
committed before the detector was run on it, and no rule was changed after its one measured run.
Its floors sit just under that run's figures (cutoff is far below the 0.80 target): they guard
against regressions, they are not a goal. Do not tune rules to its errors; write a new batch.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.detect.evaluate import BadLine, LabelledItem, Report, evaluate, parse_labelled_line
from bot.types import Label

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OWN = FIXTURES / "headlines_own.jsonl"
BATCH3 = FIXTURES / "headlines_own_batch3.jsonl"

# (lang, label) -> minimum F1.
FLOORS: dict[tuple[str, Label], float] = {
    ("all", "cutoff"): 0.90,
    ("en", "cutoff"): 0.90,
    ("fr", "cutoff"): 0.88,
    ("all", "legal"): 0.90,
    ("en", "legal"): 0.92,
    ("fr", "legal"): 0.85,
}


# Untuned batch 3, measured once: cutoff 63.6 (en 66.7, fr 58.8), legal 88.5 (en 88.9, fr 88.0).
BATCH3_FLOORS: dict[tuple[str, Label], float] = {
    ("all", "cutoff"): 0.60,
    ("en", "cutoff"): 0.62,
    ("fr", "cutoff"): 0.55,
    ("all", "legal"): 0.85,
    ("en", "legal"): 0.85,
    ("fr", "legal"): 0.84,
}


def _items(path: Path = OWN) -> list[LabelledItem]:
    items: list[LabelledItem] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parsed = parse_labelled_line(line, n)
        assert not isinstance(parsed, BadLine), parsed
        items.append(parsed)
    return items


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(_items())


def test_set_is_large_and_bilingual() -> None:
    items = _items()
    assert len(items) >= 160
    assert len({i.id for i in items}) == len(items)
    fr = sum(1 for i in items if i.lang == "fr")
    assert 0.3 <= fr / len(items) <= 0.5
    assert sum(1 for i in items if i.gold["cutoff"] == "yes") >= 35
    assert sum(1 for i in items if i.gold["legal"] == "yes") >= 45


@pytest.fixture(scope="module")
def batch3() -> Report:
    return evaluate(_items(BATCH3))


@pytest.mark.parametrize(("lang", "label"), sorted(FLOORS))
def test_f1_floor(report: Report, lang: str, label: Label) -> None:
    counts = report.ours[(lang, label)]
    assert counts.f1 >= FLOORS[(lang, label)], (lang, label, counts)


def test_beats_the_keyword_baseline(report: Report) -> None:
    for label in ("cutoff", "legal"):
        assert report.ours[("all", label)].f1 > report.base[("all", label)].f1 + 0.15


def test_named_party_recall(report: Report) -> None:
    assert report.named_parties["all"].recall >= 0.93


def test_batch3_is_separate_and_bilingual() -> None:
    items = _items(BATCH3)
    assert len(items) >= 80
    assert all(i.id.startswith("own3-") for i in items)
    assert not {i.id for i in items} & {i.id for i in _items()}
    fr = sum(1 for i in items if i.lang == "fr")
    assert 0.35 <= fr / len(items) <= 0.5
    assert sum(1 for i in items if i.gold["cutoff"] == "yes") >= 20
    assert sum(1 for i in items if i.gold["legal"] == "yes") >= 20


@pytest.mark.parametrize(("lang", "label"), sorted(BATCH3_FLOORS))
def test_batch3_untuned_f1_floor(batch3: Report, lang: str, label: Label) -> None:
    counts = batch3.ours[(lang, label)]
    assert counts.f1 >= BATCH3_FLOORS[(lang, label)], (lang, label, counts)


def test_batch3_beats_the_keyword_baseline(batch3: Report) -> None:
    for label in ("cutoff", "legal"):
        assert batch3.ours[("all", label)].f1 > batch3.base[("all", label)].f1 + 0.15


def test_batch3_named_party_recall(batch3: Report) -> None:
    assert batch3.named_parties["all"].recall >= 0.90
