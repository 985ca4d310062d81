"""Our own handwritten headline sets: the shipped model was trained on all of them.

Every set was written following the labeling guide (never copied from publishers' text) and
committed before the detector was run on it; labels were not changed to fit the detector.
Batch 7 was once the held-out set of the rule engine; since the learned model (issue 11) every
batch is training material, so these floors only show the training data is fitted (a broken
model file or feature extraction fails them). They are not evidence of quality on real news:
that is measured on real published text (`python -m bot eval`, docs/detection.md).
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

# Every batch, together, as fitted by the model: (lang, label) -> minimum F1.
FLOORS: dict[tuple[str, Label], float] = {
    ("all", "cutoff"): 0.95,
    ("en", "cutoff"): 0.95,
    ("fr", "cutoff"): 0.95,
    ("all", "legal"): 0.95,
    ("en", "legal"): 0.95,
    ("fr", "legal"): 0.95,
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
def fitted() -> Report:
    return evaluate(_items(*DEVELOPMENT, BATCH7))


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
def test_training_sets_are_fitted(fitted: Report, lang: str, label: Label) -> None:
    counts = fitted.ours[(lang, label)]
    assert counts.f1 >= FLOORS[(lang, label)], (lang, label, counts)


def test_party_recall(fitted: Report) -> None:
    # Parties come from the gazetteer and rules, not from the model.
    assert fitted.named_parties["all"].recall >= 0.95
    assert fitted.parties["all"].recall >= 0.89
