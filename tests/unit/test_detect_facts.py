"""Facts: effective dates, money amounts with currency and period, quotes with speakers."""

from __future__ import annotations

from datetime import date

import pytest

from bot.detect import classify_text
from bot.detect.facts import extract_facts


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("The change applies starting April 25, 2023 for every partner.", "en", date(2023, 4, 25)),
        ("Support ends on 3 March 2025, the company said.", "en", date(2025, 3, 3)),
        ("Le service s'arrête à partir du 25 avril 2023.", "fr", date(2023, 4, 25)),
        ("Dès le 1er mai 2024, l'accès sera payant.", "fr", date(2024, 5, 1)),
        ("Effective 2024-07-01, the API is paid.", "en", date(2024, 7, 1)),
    ],
)
def test_dates(text: str, lang: str, expected: date) -> None:
    assert expected in [d.when for d in extract_facts(text, lang).dates]


def test_missing_year_uses_the_published_year() -> None:
    facts = extract_facts("The new fees apply from 1 May.", "en", year=2021)
    assert [d.when for d in facts.dates] == [date(2021, 5, 1)]
    assert facts.dates[0].text == "1 May"


def test_may_the_verb_is_not_a_date() -> None:
    assert extract_facts("Regulators may 12 times decide otherwise", "en", year=2020).dates == ()


@pytest.mark.parametrize(
    ("text", "value", "currency", "period"),
    [
        ("Access now costs $42,000 a month.", 42000, "USD", "month"),
        ("L'accès coûte 42,000 $ par mois.", 42000, "USD", "month"),
        ("The EU fined the company €2.4 billion.", 2.4e9, "EUR", None),
        ("Une amende de 4,1 milliards d'euros a été confirmée.", 4.1e9, "EUR", None),
        ("It will pay £1.5m per year in fees.", 1.5e6, "GBP", "year"),
        ("The supplier wants 250 000 $ par semaine.", 250000, "USD", "week"),
        ("A $1.35M settlement was reached.", 1.35e6, "USD", None),
        ("Le forfait passe à 9,99 € par mois.", 9.99, "EUR", "month"),
    ],
)
def test_amounts(text: str, value: float, currency: str, period: str | None) -> None:
    amounts = extract_facts(text, "en").amounts
    assert amounts, text
    first = amounts[0]
    assert first.value == pytest.approx(value)
    assert (first.currency, first.period) == (currency, period)


def test_one_period_applies_to_a_range_of_amounts() -> None:
    text = "Firms must pay between 10,000 $ (about 9,000 €) and 50,000 $ per month."
    amounts = extract_facts(text, "fr").amounts
    assert [(a.value, a.currency, a.period) for a in amounts] == [
        (10000, "USD", "month"),
        (9000, "EUR", "month"),
        (50000, "USD", "month"),
    ]


def test_quotes_with_speaker() -> None:
    text = (
        "Jane Doe, the chief executive, said: “We will fight this ruling in every court.” "
        "« Nous ferons appel de cette décision », a déclaré Jean Martin. "
        '"This is a sad day for developers," said Alex Smith.'
    )
    quotes = extract_facts(text, "en").quotes
    assert [(q.text, q.speaker) for q in quotes] == [
        ("We will fight this ruling in every court.", "Jane Doe"),
        ("Nous ferons appel de cette décision", "Jean Martin"),
        ("This is a sad day for developers", "Alex Smith"),
    ]


def test_quoted_names_are_not_quotes() -> None:
    assert extract_facts("The “Microsoft Advertising” tool is affected.", "en").quotes == ()


def test_quote_without_speaker() -> None:
    quotes = extract_facts("“Nobody saw this coming at all”, one analyst wrote.", "en").quotes
    assert quotes and quotes[0].speaker is None


def test_classify_attaches_facts_to_disputes() -> None:
    det = classify_text(
        "Apple removes the Fortnite app from the App Store",
        content="From June 2, 2024 the app is gone. Fees reach $99 a year.",
        lang="en",
    )
    assert "cutoff" in det.labels
    assert det.facts.dates[0].when == date(2024, 6, 2)
    assert (det.facts.amounts[0].value, det.facts.amounts[0].period) == (99, "year")
    neutral = classify_text("New phone launches on June 2, 2024 at $99", lang="en")
    assert neutral.facts.is_empty()
    forced = classify_text("New phone launches on June 2, 2024 at $99", lang="en", with_facts=True)
    assert not forced.facts.is_empty()
