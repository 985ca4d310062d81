"""Routing decisions: which destinations want a story."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.alerts.digest import period_end
from bot.alerts.route import Destination, rejection, route_story
from bot.storage.guilds_repo import GuildAlertSettings
from tests.unit.test_alerts_render import make_story

G = GuildAlertSettings(guild_id=1, alert_channel_id=10)


def dests(
    guilds: list[GuildAlertSettings], followers: set[int] | None = None, **kw: object
) -> list[str]:
    story = kw.pop("story", make_story())
    out = route_story(
        story,  # type: ignore[arg-type]
        guilds,
        followers if followers is not None else {g.guild_id for g in guilds},
        default_min_score=0.5,
        **kw,  # type: ignore[arg-type]
    )
    return [d.destination for d in out]


def test_default_guild_gets_a_dispute_story() -> None:
    assert dests([G]) == ["channel:10"]


@pytest.mark.parametrize(
    ("guild", "reason"),
    [
        (GuildAlertSettings(guild_id=1), "no alert channel"),
        (GuildAlertSettings(guild_id=1, alert_channel_id=10, paused=True), "paused"),
        (
            GuildAlertSettings(guild_id=1, alert_channel_id=10, labels=("legal",)),
            "label filtered out",
        ),
        (
            GuildAlertSettings(guild_id=1, alert_channel_id=10, min_score=0.95),
            "score below the minimum",
        ),
        (
            GuildAlertSettings(guild_id=1, alert_channel_id=10, languages=("fr",)),
            "language filtered out",
        ),
        (
            GuildAlertSettings(guild_id=1, alert_channel_id=10, watch=("Microsoft",)),
            "no watched company involved",
        ),
    ],
)
def test_filters(guild: GuildAlertSettings, reason: str) -> None:
    story = make_story()  # cutoff, score 0.9, en, Apple + Epic Games
    assert rejection(guild, story, follows=True, default_min_score=0.5) == reason
    assert dests([guild]) == []


def test_passing_filters() -> None:
    guild = GuildAlertSettings(
        guild_id=1,
        alert_channel_id=10,
        labels=("cutoff",),
        min_score=0.9,
        languages=("en",),
        watch=("Apple",),
        role_id=5,
        digest="daily",
    )
    [d] = route_story(make_story(), [guild], {1}, default_min_score=0.5)
    assert d == Destination("channel:10", guild_id=1, role_id=5, digest="daily")


def test_default_min_score_applies_when_guild_has_none() -> None:
    assert dests([G], story=make_story(score=0.4)) == []
    low = GuildAlertSettings(guild_id=1, alert_channel_id=10, min_score=0.3)
    assert dests([low], story=make_story(score=0.4)) == ["channel:10"]


def test_only_guilds_following_the_feed() -> None:
    other = GuildAlertSettings(guild_id=2, alert_channel_id=20)
    assert dests([G, other], followers={2}) == ["channel:20"]


def test_non_dispute_goes_nowhere() -> None:
    story = make_story(labels=())
    assert dests([G], story=story, console=True, webhook=True) == []


def test_held_guild_still_routed_as_held() -> None:
    held = GuildAlertSettings(guild_id=1, alert_channel_id=10, held_reason="403")
    [d] = route_story(make_story(), [held], {1}, default_min_score=0.5)
    assert d.held_reason == "403"


def test_console_and_webhook_use_global_defaults() -> None:
    assert dests([], console=True, webhook=True) == ["webhook", "console"]
    assert dests([], console=True, story=make_story(score=0.2)) == []
    assert dests([], console=True, default_languages=("fr",)) == []


def test_digest_period_end() -> None:
    now = datetime(2026, 3, 1, 12, 34, 56, tzinfo=UTC)
    assert period_end(now, "hourly") == datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    assert period_end(now, "daily") == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        period_end(now, "weekly")
