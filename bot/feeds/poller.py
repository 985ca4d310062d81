"""The poller: claim due feeds, fetch, parse, store what is new, hand it to the pipeline."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import re
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.errors import FeedError, ParseError
from bot.feeds.fetch import Fetcher, FetchResult
from bot.feeds.parse import ParsedFeed, discover_feeds, looks_like_html
from bot.feeds.parsepool import ParserPool
from bot.feeds.schedule import adapt_interval, backoff_delay, jittered
from bot.storage import repository as repo
from bot.storage.db import Database
from bot.types import StoredEntry, StoryChange

log = logging.getLogger(__name__)
_DRIVER_PREFIX = re.compile(r"^\([\w.]+\)\s*")

# How long a claimed feed stays reserved for the poller that claimed it. While the poller works
# on its claims a heartbeat renews them every third of this, so a slow fetch keeps its feeds; a
# clean stop gives them back at once, and after a crash they are free again within this time.
LEASE_SECONDS = 60
# What users see (the feed list, notices) when polling failed on our side; details go to the log.
INTERNAL_ERROR = "internal error on the bot's side (details in its log); the feed will be retried"
# Seconds before the next round after a round that failed as a whole.
ROUND_RETRY_SECONDS = 30.0
CLAIM_BATCH = 100
# Items stored and classified per transaction; the event loop runs other work between batches.
STORE_BATCH = 200


def utcnow() -> datetime:
    """Return the current UTC time."""
    return datetime.now(UTC)


class EntryProcessor(Protocol):
    """What the poller hands new entries to (the story pipeline), inside its transaction."""

    async def process(
        self, session: AsyncSession, entries: Sequence[StoredEntry], now: datetime
    ) -> list[StoryChange]:
        """Classify, group and store; return the stories created or changed."""


FeedDisabledHook = Callable[[AsyncSession, int, str, str, datetime], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PollSettings:
    """The poller's knobs (from Settings)."""

    interval_min: int = 300
    interval_default: int = 900
    interval_max: int = 21_600
    disable_after: int = 10
    backoff_base: int = 60
    lease_s: float = LEASE_SECONDS

    def __post_init__(self) -> None:
        if self.lease_s <= 0:
            raise ValueError("lease_s must be positive")


@dataclass(slots=True)
class FeedPollResult:
    """What polling one feed did."""

    feed_id: int
    url: str
    title: str
    status: str  # ok | baseline | not_modified | unchanged | error | disabled
    error: str | None = None
    error_kind: str | None = None
    new_entries: list[StoredEntry] = field(default_factory=list)
    updated_entries: list[StoredEntry] = field(default_factory=list)
    stories: list[StoryChange] = field(default_factory=list)
    warning: str | None = None
    # Bookkeeping of a poll that found nothing new, written in bulk with the round's others.
    quiet: repo.QuietPoll | None = None

    @property
    def failed(self) -> bool:
        """Say whether this feed's poll failed."""
        return self.status in {"error", "disabled"}


@dataclass(slots=True)
class PollReport:
    """Everything one round of polling did."""

    results: list[FeedPollResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FeedPollResult]:
        """Return the feeds that failed."""
        return [r for r in self.results if r.failed]

    @property
    def new_entries(self) -> list[StoredEntry]:
        """Return the new entries, in feed order."""
        return [e for r in self.results for e in r.new_entries]

    @property
    def stories(self) -> list[StoryChange]:
        """Return the stories created or changed, last change of each story only."""
        latest: dict[int, StoryChange] = {}
        for r in self.results:
            for change in r.stories:
                previous = latest.get(change.story.id)
                created = change.created or (previous.created if previous else False)
                latest[change.story.id] = StoryChange(
                    change.story,
                    created,
                    change.new_dispute or bool(previous and previous.new_dispute),
                    change.backfill,
                )
        return list(latest.values())


class Poller:
    """Poll due feeds politely; several pollers may share one PostgreSQL database."""

    def __init__(
        self,
        database: Database,
        fetcher: Fetcher,
        settings: PollSettings,
        *,
        pipeline: EntryProcessor | None = None,
        on_feed_disabled: FeedDisabledHook | None = None,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        owner: str | None = None,
        parser: ParserPool | None = None,
    ) -> None:
        self.database = database
        self.parser = parser or ParserPool(0)
        self.fetcher = fetcher
        self.settings = settings
        self.pipeline = pipeline
        self.on_feed_disabled = on_feed_disabled
        self.clock = clock
        self.rng = rng or random.Random()
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.last_round_at: datetime | None = None
        self.last_error: str | None = None
        # Rounds in a row that failed as a whole (the database refusing writes, a bug...).
        self.failed_rounds = 0
        self.retry_wait = ROUND_RETRY_SECONDS
        self._running = False

    @property
    def alive(self) -> bool:
        """Say whether the run loop is going."""
        return self._running

    async def count_due(self, *, force: bool = False) -> int:
        """Count the feeds ``poll_due`` would fetch now (for a progress bar)."""
        async with self.database.sessions() as session:
            return await repo.count_due(session, self.clock(), force=force)

    async def poll_due(
        self,
        *,
        force: bool = False,
        on_feed: Callable[[FeedPollResult], None] | None = None,
    ) -> PollReport:
        """Poll every due feed once (every active feed with ``force``).

        ``on_feed`` is called as each feed finishes (the command line draws progress with it).
        """
        report = PollReport()
        round_start = self.clock()
        heartbeat = asyncio.create_task(self._heartbeat(), name="poller-lease-heartbeat")
        try:
            while True:
                now = self.clock()
                async with (
                    self.database.writing(),
                    self.database.sessions() as session,
                    session.begin(),
                ):
                    claimed = await repo.claim_due_feeds(
                        session,
                        owner=self.owner,
                        now=now,
                        lease_s=self.settings.lease_s,
                        limit=CLAIM_BATCH,
                        force=force,
                        round_start=round_start,
                    )
                if not claimed:
                    break
                results = await asyncio.gather(*(self._poll_reporting(f, on_feed) for f in claimed))
                await self._record_quiet(results)
                report.results.extend(results)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            # Stopped or failed mid-round: give back the feeds not finished, due as they were.
            await self._release_claims()
        self.last_round_at = self.clock()
        return report

    async def _heartbeat(self) -> None:
        """Renew this poller's leases every third of their length while a round runs."""
        while True:
            await asyncio.sleep(self.settings.lease_s / 3)
            try:
                async with (
                    self.database.writing(),
                    self.database.sessions() as session,
                    session.begin(),
                ):
                    await repo.renew_leases(
                        session,
                        owner=self.owner,
                        until=self.clock() + timedelta(seconds=self.settings.lease_s),
                    )
            except Exception:  # the next beat tries again; the round itself reports real trouble
                log.warning("could not renew the poller's feed leases", exc_info=True)

    async def _release_claims(self) -> None:
        """Free every feed this poller still holds, so another poller can take it now."""
        try:
            async with (
                self.database.writing(),
                self.database.sessions() as session,
                session.begin(),
            ):
                released = await repo.release_leases(session, owner=self.owner)
        except Exception:  # they expire on their own within the lease length
            log.warning("could not release the poller's feed leases", exc_info=True)
            return
        if released:
            log.info("released %d feed leases", released)

    async def ingest(
        self, feed_id: int, fetched: FetchResult, parsed: ParsedFeed | None = None
    ) -> FeedPollResult:
        """Store a fetch made elsewhere (adding a feed) as this feed's poll.

        ``parsed`` is the caller's parse of ``fetched``, so the body is not parsed twice.
        """
        async with self.database.sessions() as session:
            feed = await repo.get_feed_state(session, feed_id)
        if feed is None:
            raise FeedError(f"feed {feed_id} no longer exists", kind="gone")
        try:
            result = await self._store(feed, fetched, parsed)
        except ParseError as exc:
            return await self._fail(feed, str(exc), "parse", None)
        await self._record_quiet([result])
        return result

    async def _record_quiet(self, results: Sequence[FeedPollResult]) -> None:
        quiet = [r.quiet for r in results if r.quiet is not None]
        if quiet:
            async with (
                self.database.writing(),
                self.database.sessions() as session,
                session.begin(),
            ):
                await repo.record_quiet_polls(session, quiet, now=self.clock())

    async def _poll_reporting(
        self, feed: repo.FeedState, on_feed: Callable[[FeedPollResult], None] | None
    ) -> FeedPollResult:
        result = await self._poll_one(feed)
        if on_feed is not None:
            on_feed(result)
        return result

    async def _poll_one(self, feed: repo.FeedState) -> FeedPollResult:
        started = asyncio.get_running_loop().time()
        try:
            fetched = await self.fetcher.fetch(
                feed.url,
                etag=feed.etag,
                last_modified=feed.last_modified,
                previous_hash=feed.body_hash,
            )
        except FeedError as exc:
            metrics.record_fetch_error(exc.kind)
            metrics.record_poll("error", asyncio.get_running_loop().time() - started)
            return await self._fail(feed, str(exc), exc.kind, exc.retry_after)
        except Exception:  # a bug must not stop the other feeds
            log.exception("unexpected error fetching feed %d (%s)", feed.id, feed.url)
            metrics.record_fetch_error("internal")
            return await self._fail(feed, INTERNAL_ERROR, "internal", None)
        metrics.record_poll(fetched.status, asyncio.get_running_loop().time() - started)
        try:
            return await self._store(feed, fetched)
        except ParseError as exc:
            metrics.record_fetch_error("parse")
            return await self._fail(feed, str(exc), "parse", None)
        except Exception:
            log.exception("unexpected error storing feed %d (%s)", feed.id, feed.url)
            metrics.record_fetch_error("internal")
            return await self._fail(feed, INTERNAL_ERROR, "internal", None)

    async def _store(
        self, feed: repo.FeedState, fetched: FetchResult, parsed: ParsedFeed | None = None
    ) -> FeedPollResult:
        now = self.clock()
        result = FeedPollResult(feed.id, feed.url, feed.title, fetched.status)
        title: str | None = None
        site_url: str | None = None
        lang: str | None = None
        if fetched.status == "ok" and fetched.body is not None:
            if parsed is None:
                if looks_like_html(fetched.body, fetched.content_type):
                    found = discover_feeds(fetched.body, fetched.final_url)
                    hint = f"; it links to the feed {found[0].url}" if found else ""
                    raise ParseError(f"this address is a web page, not a feed{hint}")
                parsed = await self.parser.parse(
                    fetched.body,
                    base_url=fetched.final_url,
                    content_type=fetched.content_type,
                    now=now,
                )
            result.warning = parsed.warning
            title, site_url, lang = parsed.title or None, parsed.site_url, parsed.lang
            feed_title = title or feed.title or feed.url
            result.title = feed_title
            items = parsed.items
            if lang and not feed.lang:
                items = tuple(i if i.lang else replace(i, lang=lang) for i in items)
            new: list[StoredEntry] = []
            updated: list[StoredEntry] = []
            # A few hundred items per transaction, the loop free in between: a feed of 19,000
            # new items never holds the loop (nor SQLite's write lock) for the whole feed. The
            # feed's bookkeeping is written with its last batch, so after a crash mid-feed the
            # next poll fetches it again and stores the rest, nothing twice.
            starts = range(0, max(len(items), 1), STORE_BATCH)
            for start in starts:
                if start:
                    await asyncio.sleep(0)
                async with (
                    self.database.writing(),
                    self.database.sessions() as session,
                    session.begin(),
                ):
                    batch_new, batch_updated = await repo.store_items(
                        session,
                        feed.id,
                        feed_title,
                        items[start : start + STORE_BATCH],
                        now=now,
                        baseline=not feed.baseline_done,
                    )
                    new += batch_new
                    updated += batch_updated
                    if self.pipeline is not None and (batch_new or batch_updated):
                        result.stories += await self.pipeline.process(
                            session, [*batch_new, *batch_updated], now
                        )
                    if start == starts[-1]:
                        interval = self._interval(feed, bool(new or updated))
                        await repo.record_success(
                            session,
                            feed.id,
                            now=now,
                            next_poll_at=now + timedelta(seconds=jittered(interval, self.rng)),
                            interval_s=interval,
                            etag=fetched.etag,
                            last_modified=fetched.last_modified,
                            body_hash=fetched.body_hash,
                            had_new=bool(new),
                            title=title,
                            site_url=site_url,
                            lang=lang,
                            new_url=fetched.permanent_redirect,
                        )
            if not feed.baseline_done:
                result.status = "baseline"
                result.stories = [s for s in result.stories if not s.created]
            else:
                result.new_entries, result.updated_entries = new, updated
            metrics.record_entries("new", len(new))
            metrics.record_entries("updated", len(updated))
            return result
        # Nothing changed: the bookkeeping is batched with the other quiet feeds of the round.
        interval = self._interval(feed, False)
        result.quiet = repo.QuietPoll(
            feed_id=feed.id,
            next_poll_at=now + timedelta(seconds=jittered(interval, self.rng)),
            interval_s=interval,
            etag=fetched.etag or feed.etag,
            last_modified=fetched.last_modified or feed.last_modified,
            body_hash=fetched.body_hash or feed.body_hash,
            new_url=fetched.permanent_redirect,
        )
        return result

    def _interval(self, feed: repo.FeedState, changed: bool) -> int:
        s = self.settings
        current = feed.interval_s or s.interval_default
        return round(
            adapt_interval(current, changed=changed, min_s=s.interval_min, max_s=s.interval_max)
        )

    async def _fail(
        self, feed: repo.FeedState, error: str, kind: str, retry_after: float | None
    ) -> FeedPollResult:
        now = self.clock()
        failures = feed.error_count + 1
        delay = backoff_delay(
            failures,
            base_s=self.settings.backoff_base,
            max_s=self.settings.interval_max,
            rng=self.rng,
        )
        if retry_after is not None:
            delay = max(delay, min(retry_after, 7 * 86_400))
        if kind == "internal":
            # Our failure, not the feed's: poll it again as usual.
            delay = jittered(self._interval(feed, False), self.rng)
        # Rate limiting is the server asking us to wait, not the feed being broken; an internal
        # error (a bug, the database) is not the feed's fault either.
        counts = kind not in {"rate_limited", "internal"}
        error_count = failures if counts else feed.error_count
        reason = None
        if counts and error_count >= self.settings.disable_after:
            reason = (
                f"disabled after {error_count} failed polls in a row; last error: {error}. "
                "Fix the address or re-add the feed to enable it again."
            )
        async with self.database.writing(), self.database.sessions() as session, session.begin():
            await repo.record_failure(
                session,
                feed.id,
                now=now,
                error=error,
                kind=kind,
                error_count=error_count,
                next_poll_at=now + timedelta(seconds=delay),
                disable_reason=reason,
            )
            if reason and self.on_feed_disabled is not None:
                await self.on_feed_disabled(session, feed.id, feed.title or feed.url, reason, now)
        if reason:
            log.warning("feed %d (%s) disabled: %s", feed.id, feed.url, reason)
        else:
            log.info("feed %d (%s) failed (%s): %s", feed.id, feed.url, kind, error)
        return FeedPollResult(
            feed.id,
            feed.url,
            feed.title,
            "disabled" if reason else "error",
            error=reason or error,
            error_kind=kind,
        )

    async def run(
        self, stop: asyncio.Event, on_round: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """Poll due feeds until ``stop`` is set; errors are logged and the loop goes on.

        ``on_round`` runs after each round that polled something (the app wakes the alert
        worker with it).
        """
        self._running = True
        try:
            while not stop.is_set():
                try:
                    report = await self._round_unless_stopped(stop)
                    if report is None:
                        break
                    self.last_error = None
                    self.failed_rounds = 0
                    if report.results and on_round is not None:
                        await on_round()
                    if report.results:
                        log.info(
                            "polled %d feeds: %d new entries, %d failed",
                            len(report.results),
                            len(report.new_entries),
                            len(report.failed),
                        )
                    wait = await self._seconds_until_next()
                except Exception as exc:
                    log.exception("poll round failed")
                    # First line only: a database error's next lines quote the SQL.
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    # "(sqlalchemy.dialects…Error) cannot…": the driver's class says nothing.
                    self.last_error = _DRIVER_PREFIX.sub("", first) or type(exc).__name__
                    self.failed_rounds += 1
                    wait = self.retry_wait
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=wait)
        finally:
            self._running = False

    async def _round_unless_stopped(self, stop: asyncio.Event) -> PollReport | None:
        """Run one round; when ``stop`` is set first, cancel it (its claims are released)."""
        round_task = asyncio.create_task(self.poll_due(), name="poll-round")
        stopping = asyncio.create_task(stop.wait(), name="poll-stop")
        try:
            await asyncio.wait({round_task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not round_task.done():
                round_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({round_task})
        if round_task.cancelled():
            log.info("poll round stopped; its unfinished feeds were given back")
            return None
        return round_task.result()

    async def _seconds_until_next(self) -> float:
        async with self.database.sessions() as session:
            due = await repo.next_due_time(session)
        if due is None:
            return 60.0
        return min(60.0, max(1.0, (due - self.clock()).total_seconds()))
