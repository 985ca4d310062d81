"""Composition root: build every service from Settings, start and stop them together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from bot import __version__, metrics
from bot.alerts.backfill import enqueue_backfill
from bot.alerts.notices import notify_feed_disabled
from bot.alerts.outbox import OutboxWorker
from bot.alerts.render import render_console
from bot.alerts.route import OutboxRouter
from bot.alerts.settings_service import GuildSettingsService
from bot.alerts.transports import ConsoleTransport, Transport, WebhookTransport
from bot.codec import iso
from bot.detect import classify
from bot.errors import StorageError, UserError
from bot.feeds.fetch import FetchConfig, Fetcher
from bot.feeds.parsepool import ParserPool
from bot.feeds.poller import Poller, PollSettings, utcnow
from bot.feeds.service import FeedService
from bot.loopwatch import LoopWatch
from bot.settings import Settings
from bot.storage import repository as repo
from bot.storage.db import Database
from bot.stories.article import FetcherArticleSource
from bot.stories.pipeline import StoryConfig, StoryPipeline
from bot.stories.service import StoryService
from bot.types import Detection, FeedItem
from bot.web import WebServer

log = logging.getLogger(__name__)

# A stop (SIGTERM) returns within this many seconds: under the 10 s target and the systemd
# unit's TimeoutStopSec=15. In-flight work gets STOP_GRACE of it, then is cancelled.
STOP_DEADLINE = 8.0
STOP_GRACE = 5.0
# /healthz reports the poller failing after this many poll rounds in a row failed as a whole.
FAILED_ROUNDS_UNHEALTHY = 3


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


def classify_and_count(item: FeedItem) -> Detection:
    """Classify an item and count the verdict for /metrics."""
    detection = classify(item)
    metrics.record_detection(detection.labels)
    return detection


class App:
    """Every long-lived service of one process, wired together.

    ``settings.role`` picks what ``start`` runs: ``all`` (everything), ``poller`` (poll feeds,
    write the outbox), ``discord`` (deliver the outbox; the bot adds its channel transport
    before ``start``) or ``web`` (the page, API and Atom feed, reading the database only).
    Every role serves ``/healthz`` and ``/metrics`` when WEB_PORT is set.
    ``console`` decides whether alerts are printed (the default for ``all`` when there is no
    Discord token).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        console: bool | None = None,
        console_writer: Callable[[str], object] | None = None,
        web: bool = True,
    ) -> None:
        self.settings = settings
        self.clock = clock
        if console is None:
            console = settings.role == "all" and not settings.discord_token
        self.console = console
        self.database = Database(settings.database_url)
        self.fetcher = Fetcher(fetch_config(settings))
        self.stories = StoryService(self.database, clock=clock)
        self.guilds = GuildSettingsService(self.database, settings)
        self.router = OutboxRouter(
            settings, console=self.console, webhook=bool(settings.alert_webhook_url)
        )
        self.pipeline = StoryPipeline(
            StoryConfig(
                story_window_hours=settings.story_window_hours,
                dispute_window_days=settings.dispute_window_days,
            ),
            classifier=classify_and_count,
            on_story=[self.router.on_story],
            article_source=FetcherArticleSource(self.fetcher) if settings.fetch_articles else None,
        )
        self.poller = Poller(
            self.database,
            self.fetcher,
            PollSettings(
                interval_min=settings.poll_interval_min,
                interval_default=settings.poll_interval_default,
                interval_max=settings.poll_interval_max,
                disable_after=settings.feed_disable_after,
                lease_s=settings.poll_lease_seconds,
            ),
            pipeline=self.pipeline,
            on_feed_disabled=self._feed_disabled,
            clock=clock,
            parser=ParserPool(settings.parse_workers),
        )
        self.feeds = FeedService(
            self.database,
            self.fetcher,
            self.poller,
            default_interval=settings.poll_interval_default,
            clock=clock,
        )
        transports: dict[str, Transport] = {}
        if self.console:
            writer = console_writer or _print_console
            transports["console"] = ConsoleTransport(writer)
        self.outbox = OutboxWorker(
            self.database, transports, clock=clock, owner_id=self.poller.owner
        )
        self.web = WebServer(
            settings.web_host,
            settings.web_port if web else 0,
            stories=self.stories,
            feeds=self.feeds,
            health=self.health,
            refresh_metrics=metrics.make_refresher(self.outbox.pending_stats, self.feeds.list),
            clock=clock,
            with_pages=settings.runs_pages,
            public_url=settings.public_url,
        )
        self.started_at = time.monotonic()
        self._stop = asyncio.Event()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._http: aiohttp.ClientSession | None = None
        self.loopwatch = LoopWatch()
        self._loopwatch_task: asyncio.Task[None] | None = None

    async def _feed_disabled(
        self, session: Any, feed_id: int, title: str, reason: str, now: datetime
    ) -> None:
        await notify_feed_disabled(session, feed_id, title, reason, now)
        self.outbox.wake()

    async def open(self) -> None:
        """Migrate the database and load the starter feeds when it is empty.

        The web role only reads: it neither migrates nor adds feeds.
        """
        if self.settings.role == "web":
            return
        await self.database.upgrade()
        if self.settings.default_feeds and self.settings.runs_poller:
            await self.feeds.ensure_starter_feeds()

    async def start(self) -> None:
        """Open, then run what the role runs (poller, alert worker) and the web server."""
        await self.open()
        self._stop.clear()
        if self._loopwatch_task is None:
            self._loopwatch_task = asyncio.create_task(self.loopwatch.run(), name="loopwatch")
        if self.settings.runs_poller:
            self._tasks["poller"] = asyncio.create_task(self._poll_loop(), name="poller")
        if self.settings.runs_discord:
            self._start_delivery()
        await self.web.start()
        if self.web.enabled:
            log.info("%s role: web server at %s", self.settings.role, self.web.url)

    def _start_delivery(self) -> None:
        if self.settings.alert_webhook_url:
            self._http = aiohttp.ClientSession()
            base = self.settings.discord_api_base or "https://discord.com/api/v10"
            self.outbox.transports["webhook"] = WebhookTransport(
                self.settings.alert_webhook_url, self._http, base
            )
        self._tasks["alerts"] = asyncio.create_task(self.outbox.run(self._stop), name="alerts")

    async def _poll_loop(self) -> None:
        await self.poller.run(self._stop, on_round=self._after_round)

    async def _after_round(self) -> None:
        self.outbox.wake()

    async def stop(self) -> None:
        """Stop every part at once within STOP_DEADLINE, then close resources.

        The outbox gives back the alerts it claimed but did not send; polling and deliveries
        still running after STOP_GRACE are cancelled; the web server finishes its requests.
        """
        self._stop.set()
        try:
            await asyncio.wait_for(
                asyncio.gather(
                    self.outbox.stop(grace=STOP_GRACE),
                    self._stop_tasks(),
                    self.web.stop(),
                    return_exceptions=True,
                ),
                timeout=STOP_DEADLINE - 1.0,
            )
        except TimeoutError:
            log.warning("stopping took over %.0fs; closing anyway", STOP_DEADLINE - 1.0)
        await self.close()

    async def _stop_tasks(self) -> None:
        """Let the poller and alert tasks end by themselves, cancel them after the grace."""
        if not self._tasks:
            return
        # The alert task ends once the outbox has stopped, which takes up to STOP_GRACE.
        _, pending = await asyncio.wait(self._tasks.values(), timeout=STOP_GRACE + 0.5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._tasks.clear()

    async def close(self) -> None:
        """Stop watching the loop, close the HTTP sessions and the database."""
        if self._loopwatch_task is not None:
            self._loopwatch_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loopwatch_task
            self._loopwatch_task = None
        if self._http is not None:
            await self._http.close()
            self._http = None
        self.poller.parser.close()
        await self.fetcher.close()
        await self.database.dispose()

    def _task_state(self, name: str) -> dict[str, Any]:
        task = self._tasks.get(name)
        if task is None:
            return {"ok": False, "detail": "not started"}
        if task.done():
            exc = None if task.cancelled() else task.exception()
            return {"ok": False, "detail": f"stopped: {exc!r}" if exc else "stopped"}
        return {"ok": True, "detail": "running"}

    async def health(self) -> dict[str, dict[str, Any]]:
        """Say which parts work: the database, the poller and the alert worker."""
        try:
            await self.database.ping()
            database: dict[str, Any] = {"ok": True, "detail": "answers"}
        except StorageError as exc:
            database = {"ok": False, "detail": str(exc)}
        checks = {"database": database}
        if self.settings.runs_poller:
            poller = self._task_state("poller")
            failed = self.poller.failed_rounds
            if poller["ok"] and failed >= FAILED_ROUNDS_UNHEALTHY:
                detail = f"{failed} poll rounds in a row failed; last: {self.poller.last_error}"
                poller = {"ok": False, "detail": detail}
            elif poller["ok"] and self.poller.last_error:
                detail = f"running; last round failed: {self.poller.last_error}"
                poller = {"ok": True, "detail": detail}
            checks["poller"] = poller
        if self.settings.runs_discord:
            checks["alerts"] = self._task_state("alerts")
        return checks

    async def about(self) -> dict[str, Any]:
        """Return version, feeds, last poll, counts and uptime."""
        async with self.database.sessions() as session:
            feeds = await repo.count_feeds(session)
            last_poll = await repo.last_poll_time(session)
        counts = await self.stories.counts()
        return {
            "version": __version__,
            "feeds_active": feeds.get("active", 0),
            "feeds_disabled": feeds.get("disabled", 0),
            "last_poll": iso(last_poll),
            "entries": counts.get("entries", 0),
            "stories": counts.get("stories", 0),
            "disputes": counts.get("disputes", 0),
            "uptime_s": round(time.monotonic() - self.started_at),
        }

    async def backfill(self, feed_id: int, guild_id: int, days: int) -> int:
        """Post a feed's dispute stories of the last ``days`` days to a server once."""
        if not 1 <= days <= 30:
            raise UserError("backfill_days must be between 1 and 30")
        settings = await self.guilds.get(guild_id)
        if settings.alert_channel_id is None:
            raise UserError("pick an alert channel first with /alerts channel")
        story_ids = await self.feeds.story_ids_since(feed_id, days)
        stories = [s for s in [await self.stories.story(i) for i in story_ids] if s is not None]
        since = self.clock() - timedelta(days=days)
        stories = [s for s in stories if s.last_seen >= since]
        async with self.database.writing(), self.database.sessions() as session, session.begin():
            queued = await enqueue_backfill(session, settings, stories, self.clock())
        self.outbox.wake()
        return queued


def _print_console(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


__all__ = ["App", "classify_and_count", "fetch_config", "render_console"]
