"""Outbox: routing writes rows in the story's transaction; the worker delivers, edits, threads."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.alerts.outbox import OutboxWorker
from bot.alerts.route import OutboxRouter
from bot.alerts.settings_service import GuildSettingsService
from bot.alerts.transports import BotRestTransport, ConsoleTransport, Transport
from bot.settings import Secret, Settings
from bot.storage import outbox_repo
from bot.storage.db import Database
from bot.storage.schema import DisputeRow, EntryRow, FeedRow, OutboxRow, StoryRow
from bot.types import Story, StoryChange, StorySource
from tests.fakes.fake_discord import FakeDiscord
from tests.unit.test_alerts_render import make_story

pytestmark = pytest.mark.storage

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GUILD = 111_111_111_111_111_111
CHANNEL = 222_222_222_222_222_222
TOKEN = Secret("x" * 24 + "." + "y" * 6 + "." + "z" * 27)
SETTINGS = Settings(alert_min_score=0.5)


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Sleeps:
    """Record sleeps instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


async def seed_story(
    db: Database, story_id: int, *, dispute_id: int | None = None, feed_id: int = 1
) -> Story:
    """Store the rows a story needs (feed, entry, dispute, story) and return the Story."""
    async with db.sessions.begin() as s:
        if await s.get(FeedRow, feed_id) is None:
            s.add(
                FeedRow(
                    id=feed_id,
                    url=f"https://feed{feed_id}.example/rss",
                    title=f"Feed {feed_id}",
                    added_at=T0,
                    next_poll_at=T0,
                )
            )
        if dispute_id is not None and await s.get(DisputeRow, dispute_id) is None:
            s.add(
                DisputeRow(id=dispute_id, name="Apple vs Epic", first_activity=T0, last_activity=T0)
            )
        await s.flush()
        s.add(
            StoryRow(
                id=story_id,
                title="t",
                first_seen_at=T0,
                last_seen_at=T0,
                updated_at=T0,
                dispute_id=dispute_id,
            )
        )
        await s.flush()
        entry = EntryRow(
            feed_id=feed_id,
            guid=f"g{story_id}",
            title="t",
            published_at=T0,
            first_seen_at=T0,
            content_hash="h",
            story_id=story_id,
        )
        s.add(entry)
        await s.flush()
        entry_id = entry.id
    return make_story(
        id=story_id,
        dispute_id=dispute_id,
        sources=(StorySource(entry_id, "The Verge", "t", f"https://verge.example/{story_id}", T0),),
    )


async def route(db: Database, router: OutboxRouter, story: Story, *, created: bool = True) -> None:
    async with db.sessions.begin() as s:
        await router.on_story(s, StoryChange(story=story, created=created, new_dispute=False), T0)


async def rows(db: Database) -> list[OutboxRow]:
    async with db.sessions() as s:
        return list(await s.scalars(select(OutboxRow).order_by(OutboxRow.id)))


async def until(predicate: Callable[[], bool], seconds: float = 3.0) -> None:
    """Poll until ``predicate`` holds (fails the test after ``seconds``)."""
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached in time")


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        yield f


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def make_worker(
    db: Database,
    transports: dict[str, Transport],
    clock: Clock,
    sleeps: Sleeps | None = None,
    **kw: Any,
) -> OutboxWorker:
    return OutboxWorker(db, transports, clock=clock, owner_id="w1", sleep=sleeps or Sleeps(), **kw)


async def test_one_row_per_channel_and_story_update_bumps_version(database: Database) -> None:
    await GuildSettingsService(database, SETTINGS).set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=True, webhook=False)
    story = await seed_story(database, 1)
    await route(database, router, story)
    await route(database, router, dataclasses.replace(story, title="New title"), created=False)
    # The same content again is no change: no version, so no edit.
    await route(database, router, dataclasses.replace(story, title="New title"), created=False)
    got = await rows(database)
    assert sorted(r.destination for r in got) == ["channel:" + str(CHANNEL), "console"]
    channel_row = next(r for r in got if r.destination.startswith("channel:"))
    assert channel_row.story_version == 2
    assert channel_row.status == "pending"
    assert len(channel_row.nonce) <= 25
    assert channel_row.payload["message"]["allowed_mentions"] == {"parse": []}
    assert channel_row.nonce != next(r for r in got if r.destination == "console").nonce


async def test_router_skips_filtered_and_paused(database: Database) -> None:
    service = GuildSettingsService(database, SETTINGS)
    await service.set_channel(GUILD, CHANNEL)
    await service.set_filter(GUILD, labels=["legal"])
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    await route(database, router, await seed_story(database, 1))  # a cutoff story
    assert await rows(database) == []
    await service.reset_filter(GUILD)
    await service.pause(GUILD)
    await route(database, router, await seed_story(database, 2))
    assert await rows(database) == []
    await service.resume(GUILD)
    await route(database, router, await seed_story(database, 3))
    assert [r.story_id for r in await rows(database)] == [3]


async def test_send_then_edit_when_story_changes(
    database: Database, fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await GuildSettingsService(database, SETTINGS).set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    clock = Clock()
    worker = make_worker(database, {"channel": BotRestTransport(TOKEN, http, fake.base_url)}, clock)
    story = await seed_story(database, 1)
    await route(database, router, story)
    report = await worker.deliver_due(clock())
    assert report.sent == 1
    [msg] = fake.messages(CHANNEL)
    sent = fake.requests_for("POST", rf"/channels/{CHANNEL}/messages$")[0]
    assert sent.json["enforce_nonce"] is True
    assert sent.json["allowed_mentions"] == {"parse": []}
    assert sent.headers["Authorization"] == f"Bot {TOKEN.get()}"

    more = dataclasses.replace(
        story,
        sources=(*story.sources, StorySource(99, "Ars", "t", "https://ars.example/x", T0)),
    )
    await route(database, router, more, created=False)
    report = await worker.deliver_due(clock())
    assert report.edited == 1
    assert len(fake.messages(CHANNEL)) == 1
    assert fake.messages(CHANNEL)[0]["id"] == msg["id"]
    assert "Sources (2)" in str(fake.messages(CHANNEL)[0]["embeds"])
    [row] = await rows(database)
    assert row.status == "sent"
    assert row.delivered_version == row.story_version == 2
    assert row.message_id == int(msg["id"])
    assert row.sent_at is not None
    assert (await worker.deliver_due(clock())).claimed == 0
    assert await worker.pending_stats() == (0, 0.0)


async def test_follow_up_in_known_dispute_goes_in_its_thread(
    database: Database, fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await GuildSettingsService(database, SETTINGS).set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    clock = Clock()
    worker = make_worker(database, {"channel": BotRestTransport(TOKEN, http, fake.base_url)}, clock)
    await route(database, router, await seed_story(database, 1, dispute_id=45))
    await worker.deliver_due(clock())
    [root] = fake.messages(CHANNEL)
    await route(database, router, await seed_story(database, 2, dispute_id=45))
    await worker.deliver_due(clock())
    await route(database, router, await seed_story(database, 3, dispute_id=45))
    await worker.deliver_due(clock())
    assert len(fake.messages(CHANNEL)) == 1  # follow-ups are not in the channel itself
    thread_id = int(root["id"])
    assert [m["embeds"][0]["footer"]["text"][-22:] for m in fake.messages(thread_id)] == [
        "story s2 · dispute d45",
        "story s3 · dispute d45",
    ]
    assert len(fake.requests_for("POST", r"/threads$")) == 1
    assert fake.requests_for("POST", r"/threads$")[0].json["name"] == "Apple vs Epic Games"
    async with database.sessions() as s:
        assert await outbox_repo.get_thread(s, f"channel:{CHANNEL}", 45) == thread_id


async def test_deleted_thread_falls_back_to_the_channel(
    database: Database, fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await GuildSettingsService(database, SETTINGS).set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    clock = Clock()
    worker = make_worker(database, {"channel": BotRestTransport(TOKEN, http, fake.base_url)}, clock)
    await route(database, router, await seed_story(database, 1, dispute_id=45))
    await worker.deliver_due(clock())
    root_id = int(fake.messages(CHANNEL)[0]["id"])
    fake.channel_status[root_id] = 404  # the thread was deleted
    await route(database, router, await seed_story(database, 2, dispute_id=45))
    report = await worker.deliver_due(clock())
    assert report.retried == 1
    # Next pass: the thread is forgotten; a new one cannot be made on the same root, so the
    # alert goes to the channel itself.
    fake.channel_status.pop(root_id)
    fake.fail_next("POST", r"/threads$", 400)
    report = await worker.deliver_due(clock())
    assert report.sent == 1
    assert len(fake.messages(CHANNEL)) == 2
    async with database.sessions() as s:
        assert await outbox_repo.get_thread(s, f"channel:{CHANNEL}", 45) is None
        assert [r.status for r in await outbox_repo.rows_for(s, f"channel:{CHANNEL}")] == [
            "sent",
            "sent",
        ]


async def test_forbidden_holds_tells_admins_once_and_resume_releases(
    database: Database, fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    clock = Clock()
    service = GuildSettingsService(database, SETTINGS, clock=clock)
    await service.set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    told: list[tuple[int, int, str]] = []

    async def on_forbidden(guild_id: int, channel_id: int, reason: str) -> None:
        told.append((guild_id, channel_id, reason))

    worker = make_worker(
        database,
        {"channel": BotRestTransport(TOKEN, http, fake.base_url)},
        clock,
        on_forbidden=on_forbidden,
    )
    fake.channel_status[CHANNEL] = 403
    await route(database, router, await seed_story(database, 1))
    await route(database, router, await seed_story(database, 2))
    report = await worker.deliver_due(clock())
    assert report.held == 1
    assert [r.status for r in await rows(database)] == ["held", "held"]
    assert all("403" in (r.last_error or "") for r in await rows(database))
    assert (await service.get(GUILD)).held_reason is not None
    # New stories for a held server are kept, held, not sent and not lost.
    await route(database, router, await seed_story(database, 3))
    assert (await worker.deliver_due(clock())).claimed == 0
    assert [r.status for r in await rows(database)] == ["held", "held", "held"]
    assert len(told) == 1 and told[0][:2] == (GUILD, CHANNEL)
    assert TOKEN.get() not in told[0][2]

    fake.channel_status.pop(CHANNEL)  # the admin fixed the permission
    settings = await service.resume(GUILD)
    assert settings.held_reason is None
    report = await worker.deliver_due(clock())
    assert report.sent == 3
    assert len(fake.messages(CHANNEL)) == 3
    assert len(told) == 1


async def test_channel_deleted_clears_setting_and_drops_with_reason(
    database: Database,
    fake: FakeDiscord,
    http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = GuildSettingsService(database, SETTINGS)
    await service.set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    clock = Clock()
    worker = make_worker(database, {"channel": BotRestTransport(TOKEN, http, fake.base_url)}, clock)
    fake.channel_status[CHANNEL] = 404
    await route(database, router, await seed_story(database, 1))
    await route(database, router, await seed_story(database, 2))
    report = await worker.deliver_due(clock())
    assert report.dropped == 1
    got = await rows(database)
    assert [r.status for r in got] == ["dropped", "dropped"]
    assert all("channel not found" in (r.last_error or "") for r in got)
    assert (await service.get(GUILD)).alert_channel_id is None
    assert "dropped" in caplog.text
    assert TOKEN.get() not in caplog.text


async def test_crash_between_send_and_record_neither_duplicates_nor_loses(
    database: Database, fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await GuildSettingsService(database, SETTINGS).set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    clock = Clock()
    transports: dict[str, Transport] = {"channel": BotRestTransport(TOKEN, http, fake.base_url)}
    crashing = make_worker(database, transports, clock, lease_s=60)
    await route(database, router, await seed_story(database, 1))

    async def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("power cut")

    crashing._record = crash  # type: ignore[method-assign]
    await crashing.deliver_due(clock())
    assert len(fake.messages(CHANNEL)) == 1
    [row] = await rows(database)
    assert row.status == "sending" and row.message_id is None

    # Another process, after the lease expired, re-sends with the same nonce.
    restarted = OutboxWorker(database, transports, clock=clock, owner_id="w2", sleep=Sleeps())
    assert (await restarted.deliver_due(clock())).claimed == 0  # lease still held
    clock.advance(61)
    report = await restarted.deliver_due(clock())
    assert report.sent == 1
    assert len(fake.messages(CHANNEL)) == 1
    posts = fake.requests_for("POST", rf"/channels/{CHANNEL}/messages$")
    assert len(posts) == 2 and posts[0].json["nonce"] == posts[1].json["nonce"] == row.nonce
    [row] = await rows(database)
    assert row.status == "sent"
    assert row.message_id == int(fake.messages(CHANNEL)[0]["id"])


async def test_cancelled_worker_task_is_resent_without_duplicate(
    database: Database, fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await GuildSettingsService(database, SETTINGS).set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    clock = Clock()
    transports: dict[str, Transport] = {"channel": BotRestTransport(TOKEN, http, fake.base_url)}
    worker = make_worker(database, transports, clock, lease_s=30)
    await route(database, router, await seed_story(database, 1))
    # Discord creates the message, but the worker is cancelled before it hears back.
    fake.delay_response_next("POST", rf"/channels/{CHANNEL}/messages$", 0.5)
    task = asyncio.create_task(worker.deliver_due(clock()))
    await until(lambda: bool(fake.messages(CHANNEL)))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    clock.advance(31)
    other = OutboxWorker(database, transports, clock=clock, owner_id="w2", sleep=Sleeps())
    assert (await other.deliver_due(clock())).sent == 1
    assert len(fake.messages(CHANNEL)) == 1
    [row] = await rows(database)
    assert row.status == "sent"


async def test_console_transport_prints_and_edits(database: Database) -> None:
    out: list[str] = []
    router = OutboxRouter(SETTINGS, console=True, webhook=False)
    clock = Clock()
    worker = make_worker(database, {"console": ConsoleTransport(out.append)}, clock)
    story = await seed_story(database, 1)
    await route(database, router, story)
    await worker.deliver_due(clock())
    await route(database, router, dataclasses.replace(story, title="New title"), created=False)
    await worker.deliver_due(clock())
    assert "[alert #1]" in out[0] and "=== Apple pulls Epic's developer account ===" in out[0]
    assert "[alert #1 updated]" in out[1] and "=== New title ===" in out[1]


async def test_stop_waits_for_in_flight_delivery(
    database: Database, fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await GuildSettingsService(database, SETTINGS).set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    await route(database, router, await seed_story(database, 1))
    worker = OutboxWorker(
        database,
        {"channel": BotRestTransport(TOKEN, http, fake.base_url)},
        owner_id="w1",
        poll_interval=0.01,
    )
    fake.delay_next("POST", r"/messages$", 0.2)
    stop = asyncio.Event()
    runner = asyncio.create_task(worker.run(stop))
    await until(lambda: bool(fake.requests))
    await worker.stop()
    [row] = await rows(database)
    assert row.status == "sent"
    await asyncio.wait_for(runner, 1)


async def test_missing_thread_permission_posts_in_channel_and_tells_once(
    database: Database, fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await GuildSettingsService(database, SETTINGS).set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    clock = Clock()
    worker = make_worker(database, {"channel": BotRestTransport(TOKEN, http, fake.base_url)}, clock)
    await route(database, router, await seed_story(database, 1, dispute_id=45))
    await worker.deliver_due(clock())
    fake.fail_next("POST", r"/threads$", 403, times=2)
    for story_id in (2, 3):
        await route(database, router, await seed_story(database, story_id, dispute_id=45))
        await worker.deliver_due(clock())
    await worker.deliver_due(clock())  # the notice
    kinds = [(r.kind, r.status) for r in await rows(database)]
    assert kinds == [("story", "sent"), ("story", "sent"), ("notice", "sent"), ("story", "sent")]
    texts = [str(m["embeds"]) for m in fake.messages(CHANNEL)]
    assert len(texts) == 4
    assert sum("Create Public Threads" in t for t in texts) == 1
    assert (await service_of(database).get(GUILD)).held_reason is None


def service_of(database: Database) -> GuildSettingsService:
    return GuildSettingsService(database, SETTINGS)
