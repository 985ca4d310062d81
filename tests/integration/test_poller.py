"""The poller against a local feed server, on every configured database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.feeds.fetch import FetchConfig, Fetcher
from bot.feeds.poller import Poller, PollSettings
from bot.storage import repository as repo
from bot.storage.db import Database
from tests.integration.feedserver import FeedServer
from tests.integration.rssgen import Item, rss


class Clock:
    """A clock tests can move."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    f = Fetcher(FetchConfig(allow_private=True, read_timeout=2, connect_timeout=2))
    try:
        yield f
    finally:
        await f.close()


def make_poller(database: Database, fetcher: Fetcher, clock: Clock, **kw: object) -> Poller:
    settings = PollSettings(interval_min=300, interval_default=900, interval_max=3600, **kw)  # type: ignore[arg-type]
    return Poller(database, fetcher, settings, clock=clock)


async def add(database: Database, url: str, clock: Clock) -> int:
    async with database.sessions() as session, session.begin():
        feed, _ = await repo.add_feed(session, url, now=clock(), interval_s=900)
    return feed.id


ITEMS = [Item(f"id-{n}", f"Headline number {n}", f"Body {n}") for n in range(3)]


async def test_first_poll_is_a_baseline_then_only_new_items(
    database: Database, fetcher: Fetcher, server: FeedServer
) -> None:
    clock = Clock()
    server.set("/f.xml", rss(ITEMS))
    await add(database, server.url("/f.xml"), clock)
    poller = make_poller(database, fetcher, clock)

    first = await poller.poll_due()
    assert [r.status for r in first.results] == ["baseline"]
    assert first.new_entries == []

    server.set("/f.xml", rss([Item("id-new", "A brand new headline"), *ITEMS]))
    clock.advance(3600)
    second = await poller.poll_due()
    assert [e.item.title for e in second.new_entries] == ["A brand new headline"]

    # Same items, dates and order changed: nothing new.
    moved = [
        Item(i.guid, i.title, i.description, published=datetime(2026, 11, 20, tzinfo=UTC))
        for i in reversed([Item("id-new", "A brand new headline"), *ITEMS])
    ]
    server.set("/f.xml", rss(moved))
    clock.advance(3600)
    third = await poller.poll_due()
    assert third.new_entries == []
    assert third.results[0].updated_entries == []

    # A restart (a new poller on the same database) yields nothing twice.
    clock.advance(3600)
    again = await make_poller(database, fetcher, clock).poll_due()
    assert again.new_entries == []


async def test_changed_content_is_an_update_not_new(
    database: Database, fetcher: Fetcher, server: FeedServer
) -> None:
    clock = Clock()
    server.set("/f.xml", rss(ITEMS))
    await add(database, server.url("/f.xml"), clock)
    poller = make_poller(database, fetcher, clock)
    await poller.poll_due()
    changed = [Item("id-0", "Headline number 0, corrected", "Body 0"), *ITEMS[1:]]
    server.set("/f.xml", rss(changed))
    clock.advance(3600)
    report = await poller.poll_due()
    assert report.new_entries == []
    assert [e.item.title for e in report.results[0].updated_entries] == [
        "Headline number 0, corrected"
    ]


async def test_missing_guids_fall_back_to_links(
    database: Database, fetcher: Fetcher, server: FeedServer
) -> None:
    clock = Clock()
    items = [Item(None, "No guid here", link="https://news.example/a?utm_source=x")]
    server.set("/f.xml", rss(items))
    await add(database, server.url("/f.xml"), clock)
    poller = make_poller(database, fetcher, clock)
    await poller.poll_due()
    server.set("/f.xml", rss([*items, Item(None, "Second", link="https://news.example/b")]))
    clock.advance(3600)
    report = await poller.poll_due()
    assert [e.item.guid for e in report.new_entries] == ["https://news.example/b"]


async def test_304_and_unchanged_body_store_nothing(
    database: Database, fetcher: Fetcher, server: FeedServer
) -> None:
    clock = Clock()
    server.set("/etag.xml", rss(ITEMS), etag='"v1"')
    server.set("/plain.xml", rss(ITEMS))
    await add(database, server.url("/etag.xml"), clock)
    await add(database, server.url("/plain.xml"), clock)
    poller = make_poller(database, fetcher, clock)
    await poller.poll_due()
    clock.advance(3600)
    report = await poller.poll_due()
    statuses = {r.url.rsplit("/", 1)[-1]: r.status for r in report.results}
    assert statuses == {"etag.xml": "not_modified", "plain.xml": "unchanged"}
    assert server.requests_for("/etag.xml")[-1].headers["If-None-Match"] == '"v1"'


async def test_repeated_errors_back_off_then_disable_with_a_reason(
    database: Database, fetcher: Fetcher, server: FeedServer
) -> None:
    clock = Clock()
    server.set("/broken.xml", "oops", status=500)
    feed_id = await add(database, server.url("/broken.xml"), clock)
    poller = make_poller(database, fetcher, clock, disable_after=3)
    waits = []
    for _ in range(3):
        clock.advance(1)
        report = await poller.poll_due(force=True)
        assert report.results[0].failed
        async with database.sessions() as session:
            feed = await repo.get_feed(session, feed_id)
        assert feed is not None
        waits.append((feed.next_poll_at - clock()).total_seconds())
    assert feed.status == "disabled"
    assert "3 failed polls" in (feed.disabled_reason or "")
    assert "HTTP 500" in (feed.disabled_reason or "")
    assert 0 < waits[0] <= 120
    # A disabled feed is not polled any more, even when forced.
    clock.advance(1)
    assert (await poller.poll_due(force=True)).results == []


async def test_retry_after_is_honoured_and_not_counted_as_failure(
    database: Database, fetcher: Fetcher, server: FeedServer
) -> None:
    clock = Clock()
    server.set("/busy.xml", "slow down", status=429, headers={"Retry-After": "7200"})
    feed_id = await add(database, server.url("/busy.xml"), clock)
    poller = make_poller(database, fetcher, clock)
    report = await poller.poll_due()
    assert report.results[0].error_kind == "rate_limited"
    async with database.sessions() as session:
        feed = await repo.get_feed(session, feed_id)
    assert feed is not None and feed.error_count == 0
    assert feed.next_poll_at >= clock() + timedelta(seconds=7200)
    clock.advance(3600)
    assert (await poller.poll_due()).results == []


async def test_interval_adapts_to_how_often_a_feed_changes(
    database: Database, fetcher: Fetcher, server: FeedServer
) -> None:
    clock = Clock()
    server.set("/quiet.xml", rss(ITEMS))
    feed_id = await add(database, server.url("/quiet.xml"), clock)
    poller = make_poller(database, fetcher, clock)
    intervals = []
    for _ in range(4):
        clock.advance(1)
        await poller.poll_due(force=True)
        async with database.sessions() as session:
            feed = await repo.get_feed(session, feed_id)
        assert feed is not None
        intervals.append(feed.interval_s)
    assert intervals[-1] > intervals[1] and intervals[-1] <= 3600
    server.set("/quiet.xml", rss([Item("fresh", "Fresh item"), *ITEMS]))
    clock.advance(1)
    await poller.poll_due(force=True)
    async with database.sessions() as session:
        feed = await repo.get_feed(session, feed_id)
    assert feed is not None and feed.interval_s < intervals[-1]


async def test_a_failing_feed_does_not_stop_the_others(
    database: Database, fetcher: Fetcher, server: FeedServer
) -> None:
    clock = Clock()
    server.set("/good.xml", rss(ITEMS))
    server.set("/bad.xml", "<rss><channel><item><title>x</title>", content_type="text/xml")
    server.set("/gone.xml", "", status=404)
    for path in ("/good.xml", "/bad.xml", "/gone.xml"):
        await add(database, server.url(path), clock)
    poller = make_poller(database, fetcher, clock)
    assert await poller.count_due() == 3
    finished: list[str] = []
    report = await poller.poll_due(on_feed=lambda r: finished.append(r.url))
    assert sorted(finished) == sorted(r.url for r in report.results)
    assert await poller.count_due() == 0
    by_path = {r.url.rsplit("/", 1)[-1]: r for r in report.results}
    assert by_path["good.xml"].status == "baseline"
    assert by_path["gone.xml"].failed and "404" in (by_path["gone.xml"].error or "")
    assert len(report.results) == 3


async def test_two_pollers_never_fetch_the_same_feed_twice(
    db_url: str, fetcher: Fetcher, server: FeedServer
) -> None:
    clock = Clock()
    paths = [f"/feed-{n}.xml" for n in range(30)]
    for path in paths:
        server.set(path, rss(ITEMS), delay=0.02)
    first_db, second_db = Database(db_url), Database(db_url)
    try:
        for path in paths:
            await add(first_db, server.url(path), clock)
        one = make_poller(first_db, fetcher, clock)
        two = make_poller(second_db, fetcher, clock)
        reports = await asyncio.gather(one.poll_due(), two.poll_due())
    finally:
        await first_db.dispose()
        await second_db.dispose()
    polled = [r.feed_id for rep in reports for r in rep.results]
    assert sorted(polled) == sorted(set(polled)) and len(polled) == len(paths)
    assert all(server.hits(p) == 1 for p in paths)


async def test_lease_keeps_a_claimed_feed_from_other_pollers(database: Database) -> None:
    clock = Clock()
    await add(database, "https://feeds.example/a.xml", clock)
    async with database.sessions() as session, session.begin():
        first = await repo.claim_due_feeds(session, owner="a", now=clock(), lease_s=600, limit=10)
    async with database.sessions() as session, session.begin():
        second = await repo.claim_due_feeds(session, owner="b", now=clock(), lease_s=600, limit=10)
    assert len(first) == 1 and second == []
    # An expired lease (a crashed poller) is claimable again.
    async with database.sessions() as session, session.begin():
        later = await repo.claim_due_feeds(
            session, owner="b", now=clock() + timedelta(seconds=601), lease_s=600, limit=10
        )
    assert [f.id for f in later] == [f.id for f in first]
