"""The article the project started from must be read right."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.detect import classify_text

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SEED = SHARED / "seed-article.md"

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip("shared data is absent")
    return SEED.read_text(encoding="utf-8")


def test_seed_article(seed_text: str) -> None:
    lines = [line.strip() for line in seed_text.splitlines() if line.strip()]
    # The first line is an ad label; the title is the first real line after it.
    title = next(line for line in lines if "Microsoft" in line)
    body = seed_text.split(title, 1)[1]
    det = classify_text(title, content=body)
    assert det.lang == "fr"
    assert det.labels == ("cutoff", "legal")
    assert "Microsoft" in det.parties
    assert "X" in det.parties
    assert date(2023, 4, 25) in [d.when for d in det.facts.dates]
    # The two monthly prices are one range; the euro conversions in brackets are not amounts.
    amounts = [(a.value, a.high, a.currency, a.period) for a in det.facts.amounts]
    assert amounts == [(42000, 210000, "USD", "month")]
    assert det.facts.amounts[0].text == "42\u202f000–210\u202f000 $ par mois"
    assert any(q.speaker == "Elon Musk" and "procès" in q.text for q in det.facts.quotes)


def test_seed_title_alone_is_a_cutoff(seed_text: str) -> None:
    title = next(line.strip() for line in seed_text.splitlines() if "Microsoft" in line)
    det = classify_text(title)
    assert "cutoff" in det.labels
    assert det.parties[:2] == ("Microsoft", "X")
