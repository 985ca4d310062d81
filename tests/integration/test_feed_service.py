"""Per-server feed lists: every feed by default, an own list once the server removes one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import UserError
from bot.feeds.fetch import FetchConfig, Fetcher
from bot.feeds.poller import Poller, PollSettings
from bot.feeds.service import FeedService
from bot.storage import repository as repo
from bot.storage.db import Database

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
GUILD, OTHER = 111111111111111111, 222222222222222222


async def test_servers_follow_every_feed_until_they_remove_one(database: Database) -> None:
    fetcher = Fetcher(FetchConfig())
    service = FeedService(
        database,
        fetcher,
        Poller(database, fetcher, PollSettings()),
        default_interval=900,
        clock=lambda: NOW,
    )
    try:
        async with database.sessions() as session, session.begin():
            for name in ("alpha", "beta", "gamma"):
                await repo.add_feed(
                    session, f"https://{name}.example/feed", now=NOW, interval_s=900, title=name
                )
        assert [f.title for f in await service.list(GUILD)] == ["alpha", "beta", "gamma"]

        removed = await service.remove("beta", guild_id=GUILD)
        assert removed.title == "beta"
        assert [f.title for f in await service.list(GUILD)] == ["alpha", "gamma"]
        assert [f.title for f in await service.list(OTHER)] == ["alpha", "beta", "gamma"]
        assert len(await service.list()) == 3  # the feed itself stays for other servers

        async with database.sessions() as session:
            assert GUILD not in await repo.feed_guilds(session, removed.id)
        with pytest.raises(UserError, match="no feed matches"):
            await service.remove("beta", guild_id=GUILD)

        opml = (
            b'<?xml version="1.0"?><opml version="2.0"><body>'
            b'<outline type="rss" text="delta" xmlUrl="https://delta.example/feed"/>'
            b"</body></opml>"
        )
        result = await service.import_opml(opml, source="mine.opml", guild_id=GUILD)
        assert [f.title for f in result.added] == ["delta"]
        assert [f.title for f in await service.list(GUILD)] == ["alpha", "gamma", "delta"]
        exported = await service.export_opml(GUILD)
        assert b"delta.example" in exported and b"beta.example" not in exported
    finally:
        await fetcher.close()


async def test_bad_opml_is_a_clear_error_and_writes_nothing(database: Database) -> None:
    fetcher = Fetcher(FetchConfig())
    service = FeedService(
        database, fetcher, Poller(database, fetcher, PollSettings()), default_interval=900
    )
    try:
        with pytest.raises(UserError, match=r"broken\.opml"):
            await service.import_opml(b"<opml><body><outline", source="broken.opml")
        assert await service.list() == []
    finally:
        await fetcher.close()
