"""Composition root: build every service from Settings, start and stop them together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot import __version__
from bot.feeds.fetch import FetchConfig, Fetcher
from bot.feeds.poller import Poller, PollSettings, utcnow
from bot.feeds.service import FeedService
from bot.settings import Settings
from bot.storage import repository as repo
from bot.storage.db import Database

log = logging.getLogger(__name__)

STOP_TIMEOUT = 8.0


def fetch_config(settings: Settings) -> FetchConfig:
    """Build the fetcher's limits from the settings."""
    return FetchConfig(
        connect_timeout=settings.fetch_connect_timeout,
        read_timeout=settings.fetch_read_timeout,
        max_bytes=settings.fetch_max_bytes,
        max_redirects=settings.fetch_max_redirects,
        concurrency=settings.fetch_concurrency,
        per_host=settings.fetch_per_host,
        allow_private=settings.allow_private_feeds,
    )


class App:
    """Every long-lived service of one process, wired together."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.clock = clock
        self.database = Database(settings.database_url)
        self.fetcher = Fetcher(fetch_config(settings))
        self.poller = Poller(
            self.database,
            self.fetcher,
            PollSettings(
                interval_min=settings.poll_interval_min,
                interval_default=settings.poll_interval_default,
                interval_max=settings.poll_interval_max,
                disable_after=settings.feed_disable_after,
            ),
            clock=clock,
        )
        self.feeds = FeedService(
            self.database,
            self.fetcher,
            self.poller,
            default_interval=settings.poll_interval_default,
            clock=clock,
        )
        self.started_at = time.monotonic()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def open(self) -> None:
        """Migrate the database and load the starter feeds when it is empty."""
        await self.database.upgrade()
        if self.settings.default_feeds:
            await self.feeds.ensure_starter_feeds()

    async def start(self) -> None:
        """Open, then run the poller in the background."""
        await self.open()
        self._stop.clear()
        self._tasks.append(asyncio.create_task(self.poller.run(self._stop), name="poller"))

    async def stop(self) -> None:
        """Stop background work, wait for it (bounded), and close every resource."""
        self._stop.set()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self._tasks.clear()
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session and the database."""
        await self.fetcher.close()
        await self.database.dispose()

    async def about(self) -> dict[str, Any]:
        """Return version, feeds, last poll, counts and uptime."""
        async with self.database.sessions() as session:
            feeds = await repo.count_feeds(session)
            last_poll = await repo.last_poll_time(session)
            entries = await repo.count_entries(session)
        return {
            "version": __version__,
            "feeds_active": feeds.get("active", 0),
            "feeds_disabled": feeds.get("disabled", 0),
            "last_poll": last_poll.isoformat() if last_poll else None,
            "entries": entries,
            "uptime_s": round(time.monotonic() - self.started_at),
        }
