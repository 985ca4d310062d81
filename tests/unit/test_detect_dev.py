"""The detector on the labelled dev set (real headlines), which the shipped model never saw.

The model is trained on the real corpus (corpus/, its training part) and our own batches; the
dev set is not among them, so it is held-out real text for the model (the rules, which are among
the model's features, were written looking at it). Floors sit a little under the measured run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.detect.evaluate import BadLine, LabelledItem, Report, evaluate, parse_labelled_line

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "data" / "labeled" / "dev.jsonl"

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def items() -> list[LabelledItem]:
    if not DEV.exists():
        pytest.skip("shared data is absent")
    out: list[LabelledItem] = []
    for n, line in enumerate(DEV.read_text(encoding="utf-8").splitlines(), start=1):
        parsed = parse_labelled_line(line, n)
        assert not isinstance(parsed, BadLine), parsed
        out.append(parsed)
    return out


@pytest.fixture(scope="module")
def report(items: list[LabelledItem]) -> Report:
    return evaluate(items)


def test_held_out_dev_set(report: Report) -> None:
    assert report.n >= 700
    # Round 4 scored 63.2 here (round 3: 75.0): the model chosen out of fold on the corpus
    # trades six more false alarms on the 17-positive dev set (docs/detection.md).
    assert report.ours[("all", "cutoff")].f1 >= 0.60
    assert report.ours[("all", "legal")].f1 >= 0.88


def test_beats_the_keyword_baseline(report: Report) -> None:
    for label in ("cutoff", "legal"):
        assert report.ours[("all", label)].f1 > report.base[("all", label)].f1 + 0.2


def test_party_recall(report: Report) -> None:
    # Parties come from the gazetteer and rules, not from the model. Gold parties named in the
    # headline or summary must be found; the labels also list parties known only from the full
    # article (a court's plaintiffs), which no text reader can find, so that figure is lower.
    assert report.named_parties["all"].recall >= 0.90
    assert report.parties["all"].recall >= 0.70
