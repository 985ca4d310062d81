"""The outbox worker: claims due alert rows, delivers them, records what Discord answered.

Crash safety. A row is marked ``sending`` under a lease (committed) before its transport call,
and its ``nonce`` is sent with ``enforce_nonce: true``. If the process dies after Discord
created the message but before the message id was recorded, the row's lease expires and a
worker sends it again with the SAME nonce into the same channel (or the same thread: the
thread is recorded on the row before the first send), and Discord answers with the message it
already created instead of posting a second one. So a (channel, story) gets at most one message
across crashes, and none is lost because an unrecorded row is always re-sent.

Several workers (one per Discord process, on PostgreSQL) share the outbox: rows are claimed
with ``FOR UPDATE SKIP LOCKED`` under a short lease (``lease_s``, 30 s) that a heartbeat renews
every third of it while the worker is busy, so a slow delivery keeps its rows and a crashed
worker's rows are claimed again about ``lease_s`` later. A clean stop gives back what it holds.

The residual window, honestly: Discord only remembers a nonce for a few minutes, so a crash
followed by a re-send later than that can duplicate the message; the short lease keeps the
re-send well inside that window. Webhook execution has no nonce (Discord ignores it there), so for
a webhook the answered message id is what prevents a second post: it is kept in memory until it
is recorded, a failed record is retried (the next claim of the row, or ``stop``) instead of
posting again. A process killed between Discord's answer and the record, or a send whose answer
never came (timeout, connection reset, abandoned at shutdown), can still duplicate a webhook
message; see docs/discord.md. An edit repeated after a crash is harmless (same content).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, or_

from bot import metrics
from bot.alerts.notices import enqueue_notice
from bot.alerts.render import AlertMessage
from bot.alerts.transports import (
    Forbidden,
    NotFound,
    RateLimited,
    Rejected,
    TransientError,
    Transport,
    destination_channel,
    destination_kind,
)
from bot.storage import guilds_repo, outbox_repo
from bot.storage.db import Database
from bot.storage.outbox_repo import OutboxItem
from bot.storage.schema import KeyValueRow, OutboxRow

log = logging.getLogger(__name__)

# Seconds ``stop`` lets in-flight deliveries finish before abandoning them (and their rows).
STOP_GRACE = 5.0
# Seconds ``stop`` gives the database to take the unsent claimed rows back.
RELEASE_TIMEOUT = 1.5

OnForbidden = Callable[[int, int, str], Awaitable[None]]
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


LEASE_S = 30.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class DeliveryReport:
    """What one pass of the worker did."""

    claimed: int = 0
    sent: int = 0
    edited: int = 0
    retried: int = 0
    held: int = 0
    dropped: int = 0
    failed: int = 0
    lost_lease: int = 0

    def add(self, outcome: str) -> None:
        """Count one row's outcome."""
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict[str, int]:
        """The counts as a dict (for logs and metrics)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


_MESSAGE_GONE = "message_gone"


class _LeaseLost(Exception):
    """Another worker took the row over; it will finish the job."""


class OutboxWorker:
    """Deliver outbox rows through the transports keyed "channel", "webhook" and "console"."""

    def __init__(
        self,
        database: Database,
        transports: Mapping[str, Transport],
        *,
        clock: Clock = _utcnow,
        owner_id: str,
        on_forbidden: OnForbidden | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        batch_size: int = 50,
        lease_s: float = LEASE_S,
        poll_interval: float = 2.0,
        max_attempts: int = 10,
        backoff_base: float = 5.0,
        backoff_max: float = 900.0,
        max_rate_limit_wait: float = 60.0,
    ) -> None:
        self.database = database
        self.transports = dict(transports)
        self.owner_id = owner_id
        self.on_forbidden = on_forbidden
        self.batch_size = batch_size
        self.lease_s = lease_s
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_rate_limit_wait = max_rate_limit_wait
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._stopping = False
        self._wake = asyncio.Event()
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._passes: set[asyncio.Future[list[None]]] = set()
        # Row id -> (message Discord created for it, version sent), until that is recorded.
        self._learned: dict[int, tuple[int, int]] = {}

    # -- loop -------------------------------------------------------------------------------

    async def run(self, stop_event: asyncio.Event) -> None:
        """Deliver due rows until ``stop_event`` is set or ``stop()`` is called."""
        log.info("outbox worker %s started (%s)", self.owner_id, ", ".join(sorted(self.transports)))
        while not stop_event.is_set() and not self._stopping:
            full = False
            try:
                report = await self.deliver_due(self._clock())
                full = report.claimed >= self.batch_size
            except Exception:
                log.exception("outbox pass failed; retrying in %.1fs", self.poll_interval)
            if full:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            self._wake.clear()
        log.info("outbox worker %s stopped", self.owner_id)

    def wake(self) -> None:
        """Look for due rows now (e.g. right after a story was stored)."""
        self._wake.set()

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop claiming, let in-flight deliveries finish within ``grace``, give back the rest.

        Each group stops between two deliveries and gives its unsent rows back at once. A
        delivery still in flight after ``grace`` is abandoned; its row is given back too, and
        its re-send carries the same nonce, so it becomes the same message.
        """
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=grace)
        except TimeoutError:
            log.warning(
                "outbox worker %s: deliveries still in flight after %.1fs; abandoning them",
                self.owner_id,
                grace,
            )
            for task in list(self._passes):
                task.cancel()
            await asyncio.gather(*self._passes, return_exceptions=True)
        await self._record_learned()
        try:
            released = await asyncio.wait_for(self._release(None), timeout=RELEASE_TIMEOUT)
        except Exception as exc:  # the database is gone: the leases expire instead
            log.warning("outbox worker %s: claimed rows not given back: %s", self.owner_id, exc)
        else:
            if released:
                log.info("outbox worker %s: %d claimed row(s) given back", self.owner_id, released)

    async def _record_learned(self) -> None:
        """Record the messages sent whose ids could not be recorded yet (before giving back)."""
        for row_id, (message_id, version) in list(self._learned.items()):
            try:
                async with asyncio.timeout(RELEASE_TIMEOUT):
                    async with self.database.sessions.begin() as session:
                        row = await outbox_repo.owned_row(session, row_id, self.owner_id)
                        if row is not None and row.message_id is None:
                            outbox_repo.record_delivery(
                                row,
                                version=version,
                                now=self._clock(),
                                message_id=message_id,
                            )
            except Exception as exc:
                log.warning("outbox row %s: message %s not recorded: %s", row_id, message_id, exc)
                continue
            self._learned.pop(row_id, None)

    async def _release(self, items: list[OutboxItem] | None) -> int:
        """Give claimed rows back to pending (``items``, or every row this worker holds)."""
        ids = None if items is None else [item.id for item in items]
        async with self.database.writing(), self.database.sessions.begin() as session:
            return await outbox_repo.release_owned(session, self.owner_id, self._clock(), ids=ids)

    async def _heartbeat(self) -> None:
        """Renew the leases of the rows being delivered, every third of the lease."""
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                until = self._clock() + timedelta(seconds=self.lease_s)
                async with self.database.sessions.begin() as session:
                    await outbox_repo.extend_leases(session, owner=self.owner_id, until=until)
            except Exception:
                log.exception("outbox worker %s: renewing its leases failed", self.owner_id)

    async def pending_stats(self) -> tuple[int, float]:
        """Return (rows waiting to be delivered, age in seconds of the oldest)."""
        async with self.database.sessions() as session:
            return await outbox_repo.pending_stats(session, self._clock())

    # -- one pass -------------------------------------------------------------------------

    async def deliver_due(self, now: datetime) -> DeliveryReport:
        """Claim the rows due at ``now`` and deliver them (in order within a destination)."""
        report = DeliveryReport()
        if self._stopping:
            return report
        self._busy += 1
        self._idle.clear()
        try:
            async with self.database.sessions.begin() as session:
                items = await outbox_repo.claim_due(
                    session,
                    owner=self.owner_id,
                    now=now,
                    lease_s=self.lease_s,
                    limit=self.batch_size,
                    where=self._destinations_filter(),
                )
            report.claimed = len(items)
            groups: dict[str, list[OutboxItem]] = {}
            for item in items:
                groups.setdefault(item.destination, []).append(item)
            heartbeat = (
                asyncio.create_task(self._heartbeat(), name="outbox-leases") if items else None
            )
            work = asyncio.ensure_future(
                asyncio.gather(*(self._deliver_group(g, now, report) for g in groups.values()))
            )
            self._passes.add(work)
            try:
                await work  # cancelling our caller cancels the pass too
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
                # stop() abandoned the pass: what was not recorded is given back by stop().
            finally:
                self._passes.discard(work)
                if heartbeat is not None:
                    heartbeat.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await heartbeat
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._idle.set()
        if report.claimed:
            log.info("outbox pass: %s", report.as_dict())
        return report

    def _destinations_filter(self) -> ColumnElement[bool]:
        clauses: list[ColumnElement[bool]] = []
        for kind in self.transports:
            if kind == "channel":
                clauses.append(OutboxRow.destination.like("channel:%"))
            else:
                clauses.append(OutboxRow.destination == kind)
        return or_(*clauses) if clauses else false()

    async def _deliver_group(
        self, items: list[OutboxItem], now: datetime, report: DeliveryReport
    ) -> None:
        for index, item in enumerate(items):
            if self._stopping:
                # Shutting down: give the rest of the group back now rather than after the lease.
                with contextlib.suppress(Exception):
                    await self._release(items[index:])
                break
            try:
                outcome = await self._deliver(item, now)
                report.add("dropped" if outcome == _MESSAGE_GONE else outcome)
                metrics.record_alert(
                    destination_kind(item.destination), outcome in ("sent", "edited")
                )
                if outcome in ("held", "dropped"):
                    # The whole destination was held or dropped, its other rows with it.
                    break
            except _LeaseLost:
                self._learned.pop(item.id, None)  # the new holder re-sends it
                report.add("lost_lease")
            except Exception:
                # The row stays "sending"; its lease expires and it is retried with its nonce.
                log.exception("outbox row %s: unexpected error; retried after its lease", item.id)

    async def _deliver(self, item: OutboxItem, now: datetime) -> str:
        transport = self.transports[destination_kind(item.destination)]
        try:
            message = AlertMessage.from_dict(item.payload["message"])
        except (KeyError, TypeError, ValueError) as exc:
            return await self._finish(item, outbox_repo.FAILED, f"unreadable payload: {exc!r}")
        rate_limited = 0
        thread_id = item.thread_id
        while True:
            try:
                if item.message_id is not None:
                    if item.story_version > item.delivered_version:
                        await transport.edit(
                            item.destination, item.message_id, message, thread_id=thread_id
                        )
                    await self._record(item, message_id=None)
                    return "edited"
                learned = self._learned.get(item.id)
                if learned is None:
                    if thread_id is None:
                        thread_id = await self._thread_for(item, transport)
                    sent = await transport.send(
                        item.destination, message, nonce=item.nonce, thread_id=thread_id
                    )
                    # Kept until recorded: if recording fails, the next try records this id
                    # instead of posting again (webhooks have no nonce to fall back on).
                    learned = self._learned[item.id] = (sent.message_id, item.story_version)
                else:
                    log.info(
                        "outbox row %s: recording message %s sent earlier", item.id, learned[0]
                    )
                message_id, version = learned
                await self._record(
                    dataclasses.replace(item, story_version=version), message_id=message_id
                )
                self._learned.pop(item.id, None)
                return "sent"
            except RateLimited as exc:
                rate_limited += 1
                wait = exc.retry_after
                if self._stopping or wait > self.max_rate_limit_wait or rate_limited > 5:
                    due = self._clock() + timedelta(seconds=wait)
                    return await self._retry(item, f"rate limited: {exc}", due, count=False)
                log.info("outbox row %s rate limited; waiting %.2fs", item.id, wait)
                await self._sleep(wait)
            except TransientError as exc:
                attempts = item.attempts + 1
                if attempts >= self.max_attempts:
                    reason = f"gave up after {attempts} attempts: {exc}"
                    return await self._finish(item, outbox_repo.FAILED, reason)
                due = self._clock() + timedelta(seconds=self.backoff(attempts))
                return await self._retry(item, str(exc), due, count=True)
            except Forbidden as exc:
                return await self._hold(item, str(exc))
            except NotFound as exc:
                if thread_id is not None and exc.what in ("thread", "channel", "unknown"):
                    return await self._thread_gone(item, thread_id, str(exc))
                if exc.what == "message":
                    reason = (
                        f"message {item.message_id} was deleted in Discord; update not delivered"
                    )
                    await self._finish(item, outbox_repo.DROPPED, reason)
                    return _MESSAGE_GONE
                return await self._gone(item, exc)
            except Rejected as exc:
                return await self._finish(item, outbox_repo.FAILED, f"rejected: {exc}")

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt ``attempts + 1``: exponential, capped, with jitter."""
        delay = min(self.backoff_max, self.backoff_base * (2 ** (attempts - 1)))
        return float(delay / 2 + self._rng.uniform(0, delay / 2))

    # -- threads ----------------------------------------------------------------------------

    async def _thread_for(self, item: OutboxItem, transport: Transport) -> int | None:
        """The dispute thread a story row should go to, created on the dispute's first message."""
        dispute_id = item.payload.get("dispute_id")
        if item.kind != "story" or dispute_id is None or not transport.supports_threads:
            return None
        async with self.database.sessions.begin() as session:
            thread_id = await outbox_repo.get_thread(session, item.destination, int(dispute_id))
            if thread_id is not None:
                await outbox_repo.set_thread(session, item.id, thread_id)
                return thread_id
            root = await outbox_repo.dispute_root(
                session, item.destination, int(dispute_id), exclude_row=item.id
            )
        if root is None:
            return None
        name = str(item.payload.get("thread_name") or f"dispute d{dispute_id}")
        try:
            thread_id = await transport.create_thread(item.destination, root, name)
        except (Rejected, Forbidden, NotFound) as exc:
            log.warning(
                "outbox row %s: no thread for dispute d%s (%s); posting in the channel",
                item.id,
                dispute_id,
                exc,
            )
            if isinstance(exc, Forbidden) and item.guild_id is not None:
                await self._tell_once(
                    item.guild_id,
                    f"no-threads:{item.destination}",
                    "I may not create threads in the alert channel (Create Public Threads and "
                    "Send Messages in Threads), so follow-ups of a dispute are posted in the "
                    "channel instead of the dispute's thread.",
                )
            return None
        async with self.database.sessions.begin() as session:
            await outbox_repo.save_thread(
                session, item.destination, int(dispute_id), thread_id, root
            )
            await outbox_repo.set_thread(session, item.id, thread_id)
        return thread_id

    async def _tell_once(self, guild_id: int, key: str, text: str) -> None:
        """Queue a notice for a server's alert channel unless it was already told."""
        now = self._clock()
        async with self.database.sessions.begin() as session:
            if await session.get(KeyValueRow, key) is not None:
                return
            session.add(KeyValueRow(key=key, value=now.isoformat(), updated_at=now))
            await enqueue_notice(session, guild_id, text, now)

    async def _thread_gone(self, item: OutboxItem, thread_id: int, reason: str) -> str:
        dispute_id = item.payload.get("dispute_id")
        async with self.database.sessions.begin() as session:
            if dispute_id is not None:
                await outbox_repo.forget_thread(session, item.destination, int(dispute_id))
            row = await self._owned(session, item)
            row.thread_id = None
            row.message_id = None
            outbox_repo.record_retry(
                row,
                error=f"thread {thread_id} is gone ({reason}); posting in the channel",
                due=self._clock(),
                count_attempt=False,
            )
        log.warning("outbox row %s: thread %s gone; will post in the channel", item.id, thread_id)
        return "retried"

    # -- recording ------------------------------------------------------------------------

    async def _owned(self, session: Any, item: OutboxItem) -> OutboxRow:
        row = await outbox_repo.owned_row(session, item.id, self.owner_id)
        if row is None:
            log.warning(
                "outbox row %s: lease lost before recording; another worker has it", item.id
            )
            raise _LeaseLost
        return row

    async def _record(self, item: OutboxItem, *, message_id: int | None) -> None:
        """Record that the claimed version reached Discord (the step a crash can interrupt)."""
        async with self.database.sessions.begin() as session:
            row = await self._owned(session, item)
            outbox_repo.record_delivery(
                row, version=item.story_version, now=self._clock(), message_id=message_id
            )

    async def _retry(self, item: OutboxItem, error: str, due: datetime, *, count: bool) -> str:
        async with self.database.sessions.begin() as session:
            row = await self._owned(session, item)
            outbox_repo.record_retry(row, error=error, due=due, count_attempt=count)
        log.info("outbox row %s to %s: %s; next try %s", item.id, item.destination, error, due)
        return "retried"

    async def _finish(self, item: OutboxItem, status: str, reason: str) -> str:
        async with self.database.sessions.begin() as session:
            row = await self._owned(session, item)
            outbox_repo.record_terminal(row, status=status, error=reason)
        log.warning("outbox row %s to %s %s: %s", item.id, item.destination, status, reason)
        return status

    async def _hold(self, item: OutboxItem, reason: str) -> str:
        """403: hold the destination's alerts and tell the server's admins once."""
        channel_id = destination_channel(item.destination)
        now = self._clock()
        newly = True
        async with self.database.sessions.begin() as session:
            await self._owned(session, item)
            if item.guild_id is not None:
                newly = await guilds_repo.hold_guild(session, item.guild_id, reason, now)
            held = await outbox_repo.hold_destination(session, item.destination, reason)
        log.warning(
            "alerts to %s held (%d row(s)): %s; fix the permission, then /alerts resume",
            item.destination,
            held,
            reason,
        )
        if newly and self.on_forbidden is not None and item.guild_id and channel_id:
            try:
                await self.on_forbidden(item.guild_id, channel_id, reason)
            except Exception:
                log.exception("telling guild %s about the missing permission failed", item.guild_id)
        return "held"

    async def _gone(self, item: OutboxItem, exc: NotFound) -> str:
        """404 on the channel or webhook: forget it and drop its alerts with the reason."""
        channel_id = destination_channel(item.destination)
        what = "channel" if channel_id is not None else exc.what
        reason = f"{what} not found (deleted?): {exc}"
        async with self.database.sessions.begin() as session:
            await self._owned(session, item)
            if item.guild_id is not None and channel_id is not None:
                await guilds_repo.clear_channel(session, item.guild_id, channel_id, self._clock())
            dropped = await outbox_repo.drop_destination(session, item.destination, reason)
        log.warning(
            "%s gone%s; %d alert(s) dropped: %s",
            item.destination,
            ": alert channel setting cleared" if channel_id is not None else "",
            dropped,
            reason,
        )
        return "dropped"
