"""Extracted facts as readers see them in an alert: the amount's period, the quote's speaker."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.alerts.render import render_story
from bot.detect.facts import extract_facts
from tests.unit.test_alerts_render import make_story

TEXT = (
    "Example Social will charge developers between $42,000 and $210,000 a month for API access "
    "starting April 25. “We will not pay a fee that kills our small business,” said Jane Doe, "
    "founder of an app maker."
)


def test_alert_shows_amount_period_and_quote_speaker() -> None:
    facts = extract_facts(TEXT, "en", published=datetime(2023, 12, 4, tzinfo=UTC))
    fields = {
        f["name"]: f["value"] for f in render_story(make_story(facts=facts)).embeds[0]["fields"]
    }
    assert fields["Effective"] == "2024-04-25 — April 25"
    assert fields["Amounts"] == "$42,000–$210,000 a month"
    assert fields["Quote"] == "“We will not pay a fee that kills our small business” — Jane Doe"


def test_french_alert_shows_period_in_french() -> None:
    text = (
        "L'accès à l'API coûtera de 42 000 à 210 000 dollars par mois à partir du 25 avril, "
        "a annoncé Exemple. « Nous ne paierons jamais une telle somme pour nos outils », a "
        "déclaré Jean Martin."
    )
    facts = extract_facts(text, "fr", published=datetime(2023, 12, 4, tzinfo=UTC))
    fields = {
        f["name"]: f["value"] for f in render_story(make_story(facts=facts)).embeds[0]["fields"]
    }
    assert fields["Amounts"] == "42\u202f000–210\u202f000 $ par mois"
    assert fields["Effective"].startswith("2024-04-25")
    assert fields["Quote"].endswith("— Jean Martin")
