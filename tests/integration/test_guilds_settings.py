"""Guild alert settings: validation, storage, holds, digests and notices."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.alerts.notices import enqueue_notice, notify_feed_disabled
from bot.alerts.outbox import OutboxWorker
from bot.alerts.route import OutboxRouter
from bot.alerts.settings_service import GuildSettingsService
from bot.alerts.transports import ConsoleTransport
from bot.errors import UserError
from bot.settings import Settings
from bot.storage import outbox_repo, repository
from bot.storage.db import Database
from tests.integration.test_outbox_delivery import T0, Clock, Sleeps, route, rows, seed_story

pytestmark = pytest.mark.storage

SETTINGS = Settings(alert_min_score=0.5)
GUILD = 111_111_111_111_111_111
CHANNEL = 222_222_222_222_222_222


async def test_defaults_and_every_setting(database: Database) -> None:
    service = GuildSettingsService(database, SETTINGS)
    fresh = await service.get(GUILD)
    assert fresh.alert_channel_id is None and fresh.all_feeds and fresh.digest == "off"
    await service.set_channel(GUILD, CHANNEL)
    await service.set_filter(GUILD, labels=["Legal"], min_score=0.7, languages=["fr"])
    await service.set_role(GUILD, 444_444_444_444_444_444)
    await service.set_digest(GUILD, "Hourly")
    await service.pause(GUILD)
    got = await service.get(GUILD)
    assert got.alert_channel_id == CHANNEL
    assert got.labels == ("legal",)
    assert got.min_score == 0.7
    assert got.languages == ("fr",)
    assert got.role_id == 444_444_444_444_444_444
    assert got.digest == "hourly"
    assert got.paused
    # Choosing every value is the same as no filter.
    assert (await service.set_filter(GUILD, labels=["cutoff", "legal"])).labels == ()
    reset = await service.reset_filter(GUILD)
    assert (reset.labels, reset.languages, reset.min_score) == ((), (), None)
    assert not (await service.resume(GUILD)).paused
    assert (await service.set_role(GUILD, None)).role_id is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.set_filter(GUILD, labels=["outage"]), "Unknown label"),
        (lambda s: s.set_filter(GUILD, languages=["de"]), "Unknown language"),
        (lambda s: s.set_filter(GUILD, min_score=1.5), "between 0 and 1"),
        (lambda s: s.set_filter(GUILD), "at least one"),
        (lambda s: s.set_digest(GUILD, "weekly"), "Digest must be one of"),
        (lambda s: s.set_channel(GUILD, -1), "not a valid channel"),
        (lambda s: s.set_role(GUILD, GUILD), "@everyone"),
        (lambda s: s.watch(GUILD, "  "), "Give a company"),
        (lambda s: s.unwatch(GUILD, "Apple"), "not on the watch list"),
    ],
)
async def test_validation(database: Database, call: object, message: str) -> None:
    service = GuildSettingsService(database, SETTINGS)
    with pytest.raises(UserError, match=message):
        await call(service)  # type: ignore[operator]


async def test_watch_uses_canonical_names_and_suggests(database: Database) -> None:
    service = GuildSettingsService(database, SETTINGS)
    got = await service.watch(GUILD, "twitter")
    assert got.watch == ("X",)
    assert (await service.watch(GUILD, "X")).watch == ("X",)  # no duplicate
    with pytest.raises(UserError, match="Did you mean") as err:
        await service.watch(GUILD, "Microsft")
    assert "Microsoft" in str(err.value)
    assert (await service.unwatch(GUILD, "Twitter")).watch == ()


async def test_changing_channel_moves_held_alerts(database: Database) -> None:
    clock = Clock()
    service = GuildSettingsService(database, SETTINGS, clock=clock)
    await service.set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    await route(database, router, await seed_story(database, 1))
    async with database.sessions.begin() as s:
        await outbox_repo.hold_destination(s, f"channel:{CHANNEL}", "403 Missing Permissions")
    await service.set_channel(GUILD, 999_999_999_999_999_999)
    [row] = await rows(database)
    assert row.destination == "channel:999999999999999999"
    assert row.status == "pending" and row.last_error is None


async def test_digest_collects_stories_into_one_message_per_period(database: Database) -> None:
    clock = Clock()
    service = GuildSettingsService(database, SETTINGS, clock=clock)
    await service.set_channel(GUILD, CHANNEL)
    await service.set_digest(GUILD, "hourly")
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    stories = {i: await seed_story(database, i) for i in (1, 2, 3)}
    for story in stories.values():
        await route(database, router, story)
    await route(database, router, stories[2], created=False)
    [row] = await rows(database)
    assert row.kind == "digest" and row.story_id is None
    assert [i["story_id"] for i in row.payload["items"]] == [1, 2, 3]
    assert row.next_attempt_at == T0 + timedelta(hours=1)
    out: list[str] = []
    worker = OutboxWorker(
        database,
        {"channel": ConsoleTransport(out.append)},
        clock=clock,
        owner_id="w",
        sleep=Sleeps(),
    )
    assert (await worker.deliver_due(clock())).claimed == 0
    clock.advance(3600)
    assert (await worker.deliver_due(clock())).sent == 1
    assert "Hourly digest: 3 dispute stories" in out[0]
    # A story already listed in a sent digest is not listed again.
    await route(database, router, stories[3], created=False)
    assert len(await rows(database)) == 1


async def test_notice_for_disabled_feed_reaches_followers(database: Database) -> None:
    service = GuildSettingsService(database, SETTINGS)
    await service.set_channel(GUILD, CHANNEL)
    await seed_story(database, 1, feed_id=7)
    async with database.sessions.begin() as s:
        told = await notify_feed_disabled(s, 7, "Example **News**", "HTTP 410 Gone", T0)
        assert not await enqueue_notice(s, 5, "nobody listens", T0)
    assert told == 1
    [row] = await rows(database)
    assert row.kind == "notice" and row.destination == f"channel:{CHANNEL}"
    text = row.payload["message"]["embeds"][0]["description"]
    assert "HTTP 410 Gone" in text and "\\*\\*News\\*\\*" in text
    # A server that follows only some feeds hears only about those.
    await service.set_all_feeds(GUILD, False)
    async with database.sessions.begin() as s:
        assert await notify_feed_disabled(s, 7, "Example", "gone", T0) == 0
        await repository.subscribe(s, GUILD, 7, T0)
        assert await notify_feed_disabled(s, 7, "Example", "gone", T0) == 1


async def test_pending_stats(database: Database) -> None:
    clock = Clock()
    await GuildSettingsService(database, SETTINGS, clock=clock).set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    await route(database, router, await seed_story(database, 1))
    clock.advance(90)
    worker = OutboxWorker(database, {}, clock=clock, owner_id="w")
    assert await worker.pending_stats() == (1, 90.0)
    assert (await worker.deliver_due(clock())).claimed == 0  # no transport for channels here
