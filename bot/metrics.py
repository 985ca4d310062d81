"""Prometheus metrics in a dedicated registry, behind small recording functions."""

from __future__ import annotations

import inspect
import logging
from collections import Counter as _Tally
from collections.abc import Awaitable, Callable, Iterable
from typing import Literal, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.types import FeedInfo

log = logging.getLogger(__name__)

T = TypeVar("T")

PollResult = Literal["ok", "not_modified", "unchanged", "error"]
EntryKind = Literal["new", "updated"]

POLL_RESULTS: tuple[PollResult, ...] = ("ok", "not_modified", "unchanged", "error")
ENTRY_KINDS: tuple[EntryKind, ...] = ("new", "updated")
DETECTION_LABELS: tuple[str, ...] = ("cutoff", "legal", "none")
FEED_STATUSES: tuple[str, ...] = ("active", "disabled")

#: The Content-Type of ``render_metrics()``: the classic Prometheus text format it writes.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REGISTRY = CollectorRegistry(auto_describe=True)

POLLS = Counter(
    "disputewatch_polls",
    "Feed polls by result.",
    ["result"],
    registry=REGISTRY,
)
FETCH_ERRORS = Counter(
    "disputewatch_fetch_errors",
    "Feed fetch errors by kind.",
    ["kind"],
    registry=REGISTRY,
)
FETCH_SECONDS = Histogram(
    "disputewatch_feed_fetch_seconds",
    "Time spent fetching one feed.",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    registry=REGISTRY,
)
ENTRIES = Counter(
    "disputewatch_entries",
    "Feed entries stored, new or updated.",
    ["kind"],
    registry=REGISTRY,
)
DETECTIONS = Counter(
    "disputewatch_detections",
    "Classified items by label (none when no label held).",
    ["label"],
    registry=REGISTRY,
)
ALERTS_SENT = Counter(
    "disputewatch_alerts_sent",
    "Alerts delivered by transport.",
    ["transport"],
    registry=REGISTRY,
)
ALERTS_FAILED = Counter(
    "disputewatch_alerts_failed",
    "Alert deliveries that failed, by transport.",
    ["transport"],
    registry=REGISTRY,
)
ALERTS_PENDING = Gauge(
    "disputewatch_alerts_pending",
    "Alerts waiting in the outbox.",
    registry=REGISTRY,
)
OUTBOX_OLDEST = Gauge(
    "disputewatch_outbox_oldest_seconds",
    "Age of the oldest pending alert in seconds (0 when none).",
    registry=REGISTRY,
)
LOOP_STALLS = Histogram(
    "disputewatch_loop_stall_seconds",
    "Times the event loop was blocked for more than 200 ms, by how long.",
    buckets=(0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
FEEDS = Gauge(
    "disputewatch_feeds",
    "Feeds by status.",
    ["status"],
    registry=REGISTRY,
)

# Create the known label values up front so every series exists (at 0) from the first scrape.
for _result in POLL_RESULTS:
    POLLS.labels(result=_result)
for _kind in ENTRY_KINDS:
    ENTRIES.labels(kind=_kind)
for _label in DETECTION_LABELS:
    DETECTIONS.labels(label=_label)
for _status in FEED_STATUSES:
    FEEDS.labels(status=_status).set(0)


def record_poll(result: PollResult, seconds: float) -> None:
    """Count one poll of a feed and how long its fetch took."""
    if result not in POLL_RESULTS:
        raise ValueError(f"unknown poll result {result!r}")
    POLLS.labels(result=result).inc()
    FETCH_SECONDS.observe(max(0.0, seconds))


def record_fetch_error(kind: str) -> None:
    """Count one fetch error of the given kind (FeedError.kind)."""
    FETCH_ERRORS.labels(kind=kind or "error").inc()


def record_entries(kind: EntryKind, n: int = 1) -> None:
    """Count ``n`` stored entries, new or updated."""
    if kind not in ENTRY_KINDS:
        raise ValueError(f"unknown entry kind {kind!r}")
    if n > 0:
        ENTRIES.labels(kind=kind).inc(n)


def record_detection(labels: Iterable[str]) -> None:
    """Count one classified item under each of its labels, or under none."""
    seen = set(labels)
    unknown = seen - set(DETECTION_LABELS)
    if unknown:
        raise ValueError(f"unknown detection label {sorted(unknown)[0]!r}")
    if not seen:
        seen = {"none"}
    for label in sorted(seen):
        DETECTIONS.labels(label=label).inc()


def record_alert(transport: str, ok: bool) -> None:
    """Count one alert delivery attempt on a transport."""
    (ALERTS_SENT if ok else ALERTS_FAILED).labels(transport=transport).inc()


def record_loop_stall(seconds: float) -> None:
    """Count one event-loop stall of the given length."""
    LOOP_STALLS.observe(max(0.0, seconds))


def set_outbox_stats(pending: int, oldest_seconds: float | None) -> None:
    """Set the outbox gauges; ``oldest_seconds`` is None when nothing is pending."""
    ALERTS_PENDING.set(max(0, pending))
    OUTBOX_OLDEST.set(max(0.0, oldest_seconds or 0.0))


def set_feed_counts(feeds: Iterable[FeedInfo]) -> None:
    """Set the feeds gauge from the current feed list."""
    tally = _Tally(feed.status for feed in feeds)
    for status in set(FEED_STATUSES) | set(tally):
        FEEDS.labels(status=status).set(tally.get(status, 0))


async def _resolve(value: T | Awaitable[T]) -> T:
    if inspect.isawaitable(value):
        return await value
    return value


def make_refresher(
    pending_stats: Callable[[], Awaitable[tuple[int, float | None]] | tuple[int, float | None]]
    | None = None,
    list_feeds: Callable[[], Awaitable[list[FeedInfo]] | list[FeedInfo]] | None = None,
) -> Callable[[], Awaitable[None]]:
    """Build the callback that updates the gauges just before a scrape.

    Give it ``OutboxWorker.pending_stats`` and ``FeedService.list`` (sync or async); a source
    that fails is logged and leaves its gauges as they were, so a scrape never fails.
    """

    async def refresh() -> None:
        if pending_stats is not None:
            try:
                pending, oldest = await _resolve(pending_stats())
            except Exception:
                log.exception("could not read the outbox stats for /metrics")
            else:
                set_outbox_stats(pending, oldest)
        if list_feeds is not None:
            try:
                feeds = await _resolve(list_feeds())
            except Exception:
                log.exception("could not list the feeds for /metrics")
            else:
                set_feed_counts(feeds)

    return refresh


def render_metrics() -> bytes:
    """Return every metric of the registry in the Prometheus text format."""
    return generate_latest(REGISTRY)
