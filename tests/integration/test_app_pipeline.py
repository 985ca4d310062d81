"""The whole pipeline in console mode: feeds in, one alert per story out, edited as outlets join."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.errors import UserError
from bot.metrics import REGISTRY
from bot.settings import Settings
from bot.storage import outbox_repo
from tests.integration.cli import cli_env, run_cli
from tests.integration.feedserver import FeedServer
from tests.integration.rssgen import Item, rss

WHEN = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
NOISE = [Item(f"n{k}", f"A new laptop with a brighter screen, model {k}") for k in range(3)]
FIRST = Item(
    "a-1",
    "Apple removes Fortnite from the App Store after Epic Games adds its own payments",
    "Apple pulled the game on Thursday; Epic Games said it would sue Apple in federal court.",
    link="https://outlet-a.example/apple-fortnite",
    published=WHEN,
)
SECOND = Item(
    "b-1",
    "Epic Games sues Apple after Fortnite is pulled from the App Store",
    "The lawsuit filed in California says Apple removed Fortnite to protect its 30% fee.",
    link="https://outlet-b.example/epic-sues",
    published=WHEN.replace(hour=14),
)


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


def settings(db_url: str) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": db_url,
            "DEFAULT_FEEDS": "false",
            "ALLOW_PRIVATE_FEEDS": "true",
            "WEB_PORT": "0",
        }
    )


async def test_one_alert_per_story_then_an_edit(db_url: str, server: FeedServer) -> None:
    printed: list[str] = []
    app = App(settings(db_url), console_writer=printed.append)
    server.set("/a.xml", rss(NOISE, title="Outlet A"))
    server.set("/b.xml", rss(NOISE[:1], title="Outlet B"))
    try:
        await app.open()
        await app.feeds.add(server.url("/a.xml"))
        await app.feeds.add(server.url("/b.xml"))
        await app.outbox.deliver_due(datetime.now(UTC))
        assert printed == []  # the first fetch of a feed is a silent baseline

        server.set("/a.xml", rss([FIRST, *NOISE], title="Outlet A"))
        detected_before = _sample("disputewatch_detections_total", label="cutoff")
        report = await app.poller.poll_due(force=True)
        [change] = report.stories
        assert change.created and "cutoff" in change.story.labels
        assert {"Apple", "Epic Games"} <= set(change.story.parties)
        sent_before = _sample("disputewatch_alerts_sent_total", transport="console")
        delivered = await app.outbox.deliver_due(datetime.now(UTC))
        assert delivered.sent == 1
        assert _sample("disputewatch_alerts_sent_total", transport="console") == sent_before + 1
        assert _sample("disputewatch_detections_total", label="cutoff") == detected_before + 1
        assert len(printed) == 1 and "Fortnite" in printed[0]

        server.set("/b.xml", rss([SECOND, *NOISE[:1]], title="Outlet B"))
        report = await app.poller.poll_due(force=True)
        [change] = report.stories
        assert not change.created
        assert {s.outlet for s in change.story.sources} == {"Outlet A", "Outlet B"}
        delivered = await app.outbox.deliver_due(datetime.now(UTC))
        assert delivered.sent == 0 and delivered.edited == 1
        assert len(printed) == 2 and "updated" in printed[1]

        # Nothing new: nothing more is printed, however often the worker runs.
        await app.poller.poll_due(force=True)
        await app.outbox.deliver_due(datetime.now(UTC))
        assert len(printed) == 2

        found = await app.stories.search("Fortnite")
        assert found.total == 1 and found.hits[0].story.id == change.story.id
        about = await app.about()
        assert about["stories"] == 1 and about["feeds_active"] == 2
    finally:
        await app.close()


async def test_scan_prints_entries_then_stories(
    db_url: str, server: FeedServer, tmp_path: Path
) -> None:
    env = cli_env(db_url)
    server.set("/a.xml", rss(NOISE, title="Outlet A"))
    added = await run_cli("feeds", "add", server.url("/a.xml"), env=env, cwd=tmp_path)
    assert added.code == 0, added.err
    server.set("/a.xml", rss([FIRST, *NOISE], title="Outlet A"))
    scan = await run_cli("scan", "--all", "--json", env=env, cwd=tmp_path)
    assert scan.code == 0, scan.err
    records = scan.records()
    assert [r["type"] for r in records] == ["entry", "story"]
    story = records[1]
    assert story["created"] is True and "Apple" in story["parties"]

    search = await run_cli("search", "Fortnite", "--json", env=env, cwd=tmp_path)
    assert search.code == 0, search.err
    assert [r["id"] for r in search.records()] == [story["id"]]
    show = await run_cli("show", f"s{story['id']}", "--json", env=env, cwd=tmp_path)
    assert show.code == 0 and show.records()[0]["title"] == story["title"]
    human = await run_cli("scan", "--all", env=env, cwd=tmp_path)
    assert human.code == 0 and "0 new entries" in human.err


async def test_backfill_posts_recent_stories_once(db_url: str, server: FeedServer) -> None:
    printed: list[str] = []
    app = App(settings(db_url), console_writer=printed.append)
    guild, channel = 333333333333333333, 444444444444444444
    server.set("/a.xml", rss([FIRST, *NOISE], title="Outlet A"))
    try:
        await app.open()
        added = await app.feeds.add(server.url("/a.xml"))
        # The first fetch is a silent baseline, but its dispute items still form stories.
        await app.outbox.deliver_due(datetime.now(UTC))
        assert printed == []
        with pytest.raises(UserError, match="alert channel"):
            await app.backfill(added.feed.id, guild, 30)
        await app.guilds.set_channel(guild, channel)
        assert await app.backfill(added.feed.id, guild, 30) == 1
        assert await app.backfill(added.feed.id, guild, 30) == 0  # never twice
        with pytest.raises(UserError, match="between 1 and 30"):
            await app.backfill(added.feed.id, guild, 90)
        async with app.database.sessions() as session:
            rows = await outbox_repo.rows_for(session, f"channel:{channel}")
        assert len(rows) == 1 and rows[0].is_backfill
    finally:
        await app.close()


async def test_a_disabled_feed_is_announced_to_its_servers(db_url: str, server: FeedServer) -> None:
    env = {
        "DATABASE_URL": db_url,
        "DEFAULT_FEEDS": "false",
        "ALLOW_PRIVATE_FEEDS": "true",
        "WEB_PORT": "0",
        "FEED_DISABLE_AFTER": "1",
    }
    app = App(Settings.from_env(env), console_writer=lambda _text: None)
    guild, channel = 555555555555555555, 666666666666666666
    server.set("/a.xml", rss(NOISE, title="Outlet A"))
    try:
        await app.open()
        await app.feeds.add(server.url("/a.xml"))
        await app.guilds.set_channel(guild, channel)
        server.set("/a.xml", "gone", status=500)
        report = await app.poller.poll_due(force=True)
        assert [r.status for r in report.results] == ["disabled"]
        async with app.database.sessions() as session:
            rows = await outbox_repo.rows_for(session, f"channel:{channel}")
        [notice] = rows
        assert notice.kind == "notice"
        text = str(notice.payload)
        assert "Outlet A" in text and "disabled" in text
    finally:
        await app.close()
