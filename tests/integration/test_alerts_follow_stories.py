"""An alert follows its story: every change of a posted story edits its message, once.

Against the fake Discord: a source joining through a feed's backfill, a re-classification, a
burst of sources in one delivery round, a rate-limited edit and a message deleted in Discord.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import select

from bot.alerts.outbox import OutboxWorker
from bot.alerts.route import OutboxRouter
from bot.alerts.settings_service import GuildSettingsService
from bot.alerts.transports import BotRestTransport
from bot.app import App
from bot.settings import Secret, Settings
from bot.storage import repository
from bot.storage.db import Database
from bot.storage.schema import OutboxRow
from bot.stories.pipeline import StoryPipeline
from bot.types import StoredEntry
from tests.fakes.fake_discord import FakeDiscord
from tests.integration.feedserver import FeedServer
from tests.integration.rssgen import Item, rss
from tests.integration.test_app_pipeline import FIRST, SECOND
from tests.integration.test_outbox_delivery import Clock, Sleeps
from tests.integration.test_stories_support import EVENT, T0, Report, ScriptedClassifier, store

pytestmark = pytest.mark.storage

TOKEN = Secret("x" * 24 + "." + "y" * 6 + "." + "z" * 27)
GUILD = 333_333_333_333_333_333
CHANNEL = 444_444_444_444_444_444
NOISE = [Item(f"n{k}", f"A new laptop with a brighter screen, model {k}") for k in range(2)]


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        yield f


@pytest.fixture
async def app(db_url: str, fake: FakeDiscord) -> AsyncIterator[App]:
    settings = Settings.from_env(
        {
            "DATABASE_URL": db_url,
            "DEFAULT_FEEDS": "false",
            "ALLOW_PRIVATE_FEEDS": "true",
            "WEB_PORT": "0",
            "ALERT_MIN_SCORE": "0",
        }
    )
    built = App(settings, console=False, web=False)
    async with aiohttp.ClientSession() as http:
        built.outbox.transports["channel"] = BotRestTransport(TOKEN, http, fake.base_url)
        try:
            await built.open()
            await built.guilds.set_channel(GUILD, CHANNEL)
            yield built
        finally:
            await built.close()


def sources_shown(fake: FakeDiscord) -> str:
    [message] = fake.messages(CHANNEL)
    return str(message["embeds"])


async def deliver(app: App) -> None:
    await app.outbox.deliver_due(datetime.now(UTC))


async def test_a_backfilled_source_joining_a_live_story_edits_its_alert(
    app: App, server: FeedServer, fake: FakeDiscord
) -> None:
    server.set("/a.xml", rss(NOISE, title="Outlet A"))
    await app.feeds.add(server.url("/a.xml"), guild_id=GUILD)
    server.set("/a.xml", rss([FIRST, *NOISE], title="Outlet A"))
    await app.poller.poll_due(force=True)
    await deliver(app)
    assert "Sources (1)" in sources_shown(fake)

    server.set("/b.xml", rss([SECOND, *NOISE], title="Outlet B"))
    added = await app.feeds.add(server.url("/b.xml"), guild_id=GUILD)
    await app.backfill(added.feed.id, GUILD, 7)
    await deliver(app)
    assert len(fake.messages(CHANNEL)) == 1
    assert len(fake.requests_for("POST", rf"/channels/{CHANNEL}/messages$")) == 1
    assert len(fake.requests_for("PATCH", rf"/channels/{CHANNEL}/messages/\d+$")) == 1
    assert "Sources (2)" in sources_shown(fake) and "Outlet B" in sources_shown(fake)


async def test_a_backfilled_source_joining_a_backfilled_story_edits_its_alert(
    app: App, server: FeedServer, fake: FakeDiscord
) -> None:
    server.set("/a.xml", rss([FIRST, *NOISE], title="Outlet A"))
    added = await app.feeds.add(server.url("/a.xml"), guild_id=GUILD)
    assert await app.backfill(added.feed.id, GUILD, 7) == 1
    await deliver(app)
    assert len(fake.messages(CHANNEL)) == 1

    server.set("/b.xml", rss([SECOND, *NOISE], title="Outlet B"))
    added = await app.feeds.add(server.url("/b.xml"), guild_id=GUILD)
    assert await app.backfill(added.feed.id, GUILD, 7) == 0  # already posted: edited instead
    await deliver(app)
    assert len(fake.messages(CHANNEL)) == 1
    assert len(fake.requests_for("POST", rf"/channels/{CHANNEL}/messages$")) == 1
    assert len(fake.requests_for("PATCH", rf"/channels/{CHANNEL}/messages/\d+$")) == 1
    assert "Sources (2)" in sources_shown(fake) and "Outlet B" in sources_shown(fake)
    assert "Backfill" in sources_shown(fake)  # the message keeps the mark it was posted with


# -- the pipeline, the router and the worker on their own, with a scripted classifier ---------


class Desk:
    """A pipeline whose stories route to one channel, delivered to the fake Discord."""

    def __init__(self, database: Database, fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
        self.database = database
        self.fake = fake
        self.classifier = ScriptedClassifier(EVENT)
        router = OutboxRouter(Settings(alert_min_score=0.5), console=False, webhook=False)
        self.pipeline = StoryPipeline(classifier=self.classifier, on_story=[router.on_story])
        self.clock = Clock(T0 + timedelta(days=1))
        self.worker = OutboxWorker(
            database,
            {"channel": BotRestTransport(TOKEN, http, fake.base_url)},
            clock=self.clock,
            owner_id="w1",
            sleep=Sleeps(),
        )

    async def report(self, reports: Sequence[Report]) -> list[StoredEntry]:
        """Store and process each report in its own transaction, as separate polls do."""
        stored = []
        for report in reports:
            async with self.database.sessions.begin() as session:
                entry = await store(session, report)
                await repository.subscribe(session, GUILD, entry.feed_id, T0)
                await self.pipeline.process(session, [entry], self.clock())
            stored.append(entry)
        return stored

    async def reprocess(self, entry: StoredEntry) -> None:
        async with self.database.sessions.begin() as session:
            await self.pipeline.process(session, [replace(entry, is_update=True)], self.clock())

    def edits(self) -> list[dict[str, object]]:
        return [r.json for r in self.fake.requests_for("PATCH", r"/messages/\d+$")]

    def message(self) -> str:
        [message] = self.fake.messages(CHANNEL)
        return str(message["embeds"])


@pytest.fixture
async def desk(database: Database, fake: FakeDiscord) -> AsyncIterator[Desk]:
    await GuildSettingsService(database, Settings()).set_channel(GUILD, CHANNEL)
    async with aiohttp.ClientSession() as http:
        yield Desk(database, fake, http)


async def test_a_label_or_party_change_edits_the_message_once(desk: Desk) -> None:
    [entry] = await desk.report(EVENT[:1])
    assert (await desk.worker.deliver_due(desk.clock())).sent == 1
    assert "Legal" not in desk.message()
    desk.classifier.by_guid = {
        "a1": replace(EVENT[0], labels=("cutoff", "legal"), parties=("Microsoft", "X", "Apple"))
    }
    await desk.reprocess(entry)
    assert (await desk.worker.deliver_due(desk.clock())).edited == 1
    assert len(desk.edits()) == 1
    assert "Legal" in desk.message() and "Apple" in desk.message()
    # The same verdict again changes nothing: no second edit.
    await desk.reprocess(entry)
    assert (await desk.worker.deliver_due(desk.clock())).claimed == 0
    assert len(desk.edits()) == 1 and len(desk.fake.messages(CHANNEL)) == 1


async def test_a_burst_of_sources_in_one_round_is_one_edit_with_the_final_state(
    desk: Desk,
) -> None:
    await desk.report(EVENT[:1])
    await desk.worker.deliver_due(desk.clock())
    await desk.report(EVENT[1:4])  # three outlets, three transactions, before the next round
    report = await desk.worker.deliver_due(desk.clock())
    assert report.edited == 1 and report.sent == 0
    assert len(desk.edits()) == 1
    assert "Sources (4)" in desk.message()
    # The next change set is the next edit.
    await desk.report(EVENT[4:])
    await desk.worker.deliver_due(desk.clock())
    assert len(desk.edits()) == 2 and "Sources (5)" in desk.message()
    assert len(desk.fake.messages(CHANNEL)) == 1


async def test_a_rate_limited_edit_waits_and_is_sent(desk: Desk) -> None:
    await desk.report(EVENT[:1])
    await desk.worker.deliver_due(desk.clock())
    desk.fake.fail_next("PATCH", r"/messages/\d+$", 429, retry_after=0.25)
    await desk.report(EVENT[1:2])
    report = await desk.worker.deliver_due(desk.clock())
    assert report.edited == 1
    assert "Sources (2)" in desk.message()
    assert len(desk.fake.requests_for("PATCH", r"/messages/\d+$")) == 2  # 429, then the edit


async def test_a_message_deleted_in_discord_is_recorded_and_not_retried(desk: Desk) -> None:
    await desk.report(EVENT[:1])
    await desk.worker.deliver_due(desk.clock())
    [message] = desk.fake.messages(CHANNEL)
    desk.fake.channels[CHANNEL].pop(int(message["id"]))  # a moderator deleted it
    await desk.report(EVENT[1:2])
    report = await desk.worker.deliver_due(desk.clock())
    assert report.dropped == 1
    async with desk.database.sessions() as session:
        [row] = await session.scalars(select(OutboxRow))
    assert row.status == "dropped" and "deleted in Discord" in (row.last_error or "")
    await desk.report(EVENT[2:3])
    desk.clock.advance(3600)
    assert (await desk.worker.deliver_due(desk.clock())).claimed == 0
    assert len(desk.fake.requests_for("PATCH", r"/messages/\d+$")) == 1
    assert desk.fake.messages(CHANNEL) == []
