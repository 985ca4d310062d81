"""The poller under faults: hostile items, storage failures, stops and crashes, huge feeds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.detect import classify
from bot.feeds.fetch import FetchConfig, Fetcher
from bot.feeds.poller import Poller, PollSettings
from bot.feeds.service import FeedService
from bot.storage import repository as repo
from bot.storage.db import Database
from bot.storage.schema import DetectionRow, EntryRow, FeedRow
from bot.stories.pipeline import StoryPipeline
from bot.types import FeedItem, StoredEntry, StoryChange
from tests.integration.feedserver import FeedServer
from tests.integration.rssgen import Item, rss
from tests.integration.test_poller import Clock, add

GOOD = [Item(f"good-{n}", f"Good headline {n}", f"Good body {n}") for n in range(3)]


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    f = Fetcher(FetchConfig(allow_private=True, read_timeout=5, connect_timeout=2))
    try:
        yield f
    finally:
        await f.close()


def with_raw_items(items: Sequence[Item], raw: Sequence[str]) -> str:
    """An RSS document with these items plus raw item markup (not escaped: hostile on purpose)."""
    return rss(items).replace("</channel>", "".join(raw) + "</channel>")


# Items no database could store as they come: a NUL in the title, guid and author, a lone
# surrogate (as a character reference) in the title and the description, references to numbers
# beyond Unicode, which crashed feedparser.
GUID = '<guid isPermaLink="false">'
BAD_ITEMS = [
    f"<item><title>NUL \x00 in the title</title>{GUID}bad-\x00nul</guid>"
    "<author>Ann\x00 Writer</author><link>https://news.example/nul\x00</link></item>",
    f"<item><title>Surrogate &#xD800; in the title</title>{GUID}bad-surrogate</guid>"
    "<description>Lone &#xDC00; surrogate and &#0; nothing</description></item>",
    "<item><title>Beyond Unicode &#x110000; and &#99999999999999;</title>"
    f"{GUID}bad-beyond</guid></item>",
]


def printable(value: str | None) -> bool:
    """Say whether a stored string holds none of the characters a database cannot keep."""
    return value is None or not any(
        (ord(c) < 0x20 and c not in "\t\n\r") or 0xD800 <= ord(c) < 0xE000 for c in value
    )


async def test_bad_items_are_cleaned_and_never_cost_the_feed_its_good_items(
    database: Database, fetcher: Fetcher, server: FeedServer
) -> None:
    clock = Clock()
    server.set("/f.xml", rss(GOOD[:1]))
    feed_id = await add(database, server.url("/f.xml"), clock)
    poller = Poller(database, fetcher, PollSettings(disable_after=2), clock=clock)
    await poller.poll_due()

    server.set("/f.xml", with_raw_items(GOOD, BAD_ITEMS))
    for _ in range(3):  # more polls than disable_after: a failure would disable the feed
        clock.advance(3600)
        report = await poller.poll_due(force=True)
        assert [r.status for r in report.results] in (["ok"], ["unchanged"])

    async with database.sessions() as session:
        feed = await session.get(FeedRow, feed_id)
        entries = {e.guid: e for e in await session.scalars(select(EntryRow))}
    assert feed is not None
    assert (feed.status, feed.error_count, feed.last_error) == ("active", 0, None)
    assert {"good-0", "good-1", "good-2"} <= set(entries)
    cleaned = {
        "bad-nul": "NUL in the title",
        "bad-surrogate": "Surrogate \ufffd in the title",
        "bad-beyond": "Beyond Unicode \ufffd and \ufffd",
    }
    assert {guid: entries[guid].title for guid in cleaned} == cleaned
    assert entries["bad-surrogate"].summary == "Lone \ufffd surrogate and \ufffd nothing"
    assert entries["bad-nul"].author == "Ann Writer"
    assert entries["bad-nul"].link == "https://news.example/nul"
    for entry in entries.values():
        assert all(
            printable(v) for v in (entry.guid, entry.title, entry.summary, entry.link, entry.author)
        )


async def test_an_unstorable_item_is_dropped_alone_and_logged(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    feed_id = await add(database, "https://feeds.example/a.xml", clock)
    items = [
        FeedItem(guid="good-0", title="Good headline 0"),
        # Reached storage without the parser's cleaning: no database can encode this guid.
        FeedItem(guid="bad-\ud800", title="Surrogate in the guid"),
        FeedItem(guid="bad-title", title="Surrogate \udc00 in the title"),
        FeedItem(guid="good-1", title="Good headline 1"),
        # These two reach the database, which refuses them: the batch is retried row by row.
        FeedItem(guid="bad-author", title="Surrogate in the author", author="Ann \udc00"),
        FeedItem(guid="nul-title", title="NUL \x00 in the title (SQLite keeps it)"),
        FeedItem(guid="good-2", title="Good headline 2"),
    ]
    caplog.set_level(logging.WARNING, logger="bot.storage.repository")
    async with database.sessions() as session, session.begin():
        new, _ = await repo.store_items(
            session, feed_id, "Feed", items, now=clock(), baseline=False
        )
    kept = ["good-0", "good-1", "good-2"]
    if database.is_sqlite:
        kept.insert(2, "nul-title")
    assert [e.item.guid for e in new] == kept
    async with database.sessions() as session:
        stored = set(await session.scalars(select(EntryRow.guid)))
    assert stored == set(kept)
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == len(items) - len(kept)
    assert all(f"feed {feed_id}" in m for m in dropped)
    for guid in ("bad-\\ud800", "bad-title", "bad-author"):
        assert any(guid in m for m in dropped)


class BrokenStorage:
    """A pipeline whose database work fails the way a real storage fault does (with SQL)."""

    def __init__(self) -> None:
        self.calls = 0

    async def process(
        self, session: AsyncSession, entries: Sequence[StoredEntry], now: datetime
    ) -> list[StoryChange]:
        self.calls += 1
        await session.execute(text("SELECT no_such_column FROM entries"))
        return []


async def test_internal_errors_never_disable_a_feed_nor_show_sql(
    database: Database, fetcher: Fetcher, server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    server.set("/f.xml", rss(GOOD))
    feed_id = await add(database, server.url("/f.xml"), clock)
    broken = BrokenStorage()
    poller = Poller(database, fetcher, PollSettings(disable_after=3), pipeline=broken, clock=clock)
    caplog.set_level(logging.ERROR, logger="bot.feeds.poller")
    for _ in range(5):
        report = await poller.poll_due(force=True)
        assert [r.status for r in report.results] == ["error"]
        clock.advance(3600)
    assert broken.calls == 5
    async with database.sessions() as session:
        feed = await session.get(FeedRow, feed_id)
    assert feed is not None
    assert (feed.status, feed.error_count, feed.disabled_reason) == ("active", 0, None)
    assert feed.last_error_kind == "internal"
    shown = feed.last_error or ""
    assert "internal error" in shown
    for leak in ("SELECT", "no_such_column", "SQL", "sqlalche"):
        assert leak not in shown
    # The details are in the log, for the operator.
    assert any("no_such_column" in (r.exc_text or "") for r in caplog.records)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10) -> None:
    """Wait until ``check`` says yes, for at most ``seconds`` (asked every 10 ms)."""
    for _ in range(int(seconds * 100)):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"still not true after {seconds} s")


async def wait_for_hits(server: FeedServer, path: str, hits: int) -> None:
    """Wait until the server has seen ``hits`` requests for path."""

    async def seen() -> bool:
        return server.hits(path) >= hits

    await eventually(seen)


async def lease_of(database: Database, feed_id: int) -> tuple[str | None, datetime | None]:
    async with database.sessions() as session:
        feed = await session.get(FeedRow, feed_id)
    assert feed is not None
    return feed.lease_owner, feed.lease_until


async def test_a_clean_stop_mid_fetch_gives_the_feed_back_at_once(
    database: Database, server: FeedServer
) -> None:
    clock = Clock()
    server.set("/slow.xml", rss(GOOD), delay=60)
    feed_id = await add(database, server.url("/slow.xml"), clock)
    fetcher = Fetcher(FetchConfig(allow_private=True, read_timeout=120))
    try:
        first = Poller(database, fetcher, PollSettings(), clock=clock)
        stop = asyncio.Event()
        running = asyncio.create_task(first.run(stop))
        await wait_for_hits(server, "/slow.xml", 1)
        assert (await lease_of(database, feed_id))[0] == first.owner
        stop.set()
        # The stop does not wait for the 60 s fetch: the round is cancelled, its claims released.
        await asyncio.wait_for(running, timeout=10)
        assert await lease_of(database, feed_id) == (None, None)

        server.set("/slow.xml", rss(GOOD))
        restarted = Poller(database, fetcher, PollSettings(), clock=clock)
        report = await restarted.poll_due()  # same instant: nothing waits for a lease
        assert [(r.feed_id, r.status) for r in report.results] == [(feed_id, "baseline")]
    finally:
        await fetcher.close()


async def test_a_crashed_poller_s_feeds_are_free_after_the_short_lease(
    database: Database, server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    server.set("/slow.xml", rss(GOOD), delay=60)
    feed_id = await add(database, server.url("/slow.xml"), clock)
    fetcher = Fetcher(FetchConfig(allow_private=True, read_timeout=120))
    try:
        crashed = Poller(database, fetcher, PollSettings(lease_s=30), clock=clock)

        async def dies_first() -> None:
            """A killed process runs no clean-up."""

        monkeypatch.setattr(crashed, "_release_claims", dies_first)
        polling = asyncio.create_task(crashed.poll_due())
        await wait_for_hits(server, "/slow.xml", 1)
        polling.cancel()  # its tasks and its heartbeat are gone, its lease stays
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        assert (await lease_of(database, feed_id))[0] == crashed.owner

        server.set("/slow.xml", rss(GOOD))
        other = Poller(database, fetcher, PollSettings(lease_s=30), clock=clock)
        clock.advance(29)
        assert (await other.poll_due()).results == []
        clock.advance(2)  # the 30 s lease ran out: no need to wait ten minutes
        report = await other.poll_due()
        assert [(r.feed_id, r.status) for r in report.results] == [(feed_id, "baseline")]
    finally:
        await fetcher.close()


async def test_a_long_fetch_keeps_its_lease_through_the_heartbeat(
    database: Database, server: FeedServer
) -> None:
    clock = Clock()
    server.set("/slow.xml", rss(GOOD), delay=3)
    feed_id = await add(database, server.url("/slow.xml"), clock)
    fetcher = Fetcher(FetchConfig(allow_private=True, read_timeout=30))
    try:
        slow = Poller(database, fetcher, PollSettings(lease_s=1.5), clock=clock)
        polling = asyncio.create_task(slow.poll_due())
        await wait_for_hits(server, "/slow.xml", 1)
        clock.advance(60)  # far past the lease taken at the claim

        async def renewed() -> bool:  # a beat every 0.5 s extends it from the new time
            until = (await lease_of(database, feed_id))[1]
            return until is not None and until > clock()

        await eventually(renewed, seconds=5)

        other = Poller(database, fetcher, PollSettings(lease_s=1.5), clock=clock)
        assert (await other.poll_due()).results == []
        report = await polling
        assert [(r.feed_id, r.status) for r in report.results] == [(feed_id, "baseline")]
        assert server.hits("/slow.xml") == 1
        assert await lease_of(database, feed_id) == (None, None)
    finally:
        await fetcher.close()


BIG_FEED = 8_000


class LoopWatch:
    """A task that sleeps 10 ms in a loop and records the longest wait beyond those 10 ms."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopWatch:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            self.longest = max(self.longest, loop.time() - before - 0.01)


@pytest.mark.parametrize("how", ["poll", "add"])
async def test_a_huge_feed_never_holds_the_event_loop(
    database: Database, fetcher: Fetcher, server: FeedServer, how: str
) -> None:
    clock = Clock()
    body = "The company said partners keep access to the interface until next year. " * 5
    items = [
        Item(f"big-{n}", f"Headline {n}: a company changes its developer policy", f"{n}: {body}")
        for n in range(BIG_FEED)
    ]
    poller = Poller(
        database,
        fetcher,
        PollSettings(),
        pipeline=StoryPipeline(classifier=classify),
        clock=clock,
    )
    feeds = FeedService(database, fetcher, poller, default_interval=900, clock=clock)
    if how == "poll":  # a known feed suddenly serving thousands of new items
        server.set("/big.xml", rss(items[:1]))
        await feeds.add(server.url("/big.xml"))
        server.set("/big.xml", rss(items))
        clock.advance(3600)
        async with LoopWatch() as watch:
            report = await poller.poll_due()
        assert len(report.new_entries) == BIG_FEED - 1
    else:  # /feeds add of a huge feed
        server.set("/big.xml", rss(items))
        async with LoopWatch() as watch:
            added = await feeds.add(server.url("/big.xml"))
        assert added.item_count == BIG_FEED
    async with database.sessions() as session:
        stored = await session.scalar(select(func.count()).select_from(EntryRow))
        classified = await session.scalar(select(func.count()).select_from(DetectionRow))
    assert stored == classified == BIG_FEED
    # A functional bound, generous for a loaded machine: the loop is never held for the whole
    # feed (parsing it alone takes seconds). bench/loopstall.py measures the real figure.
    assert watch.longest < 1.0, watch.longest
