"""SQL of the alert outbox and the dispute threads; callers own the transaction.

Row states: ``pending`` (due at next_attempt_at), ``sending`` (claimed under a lease),
``sent`` (delivered_version == story_version), ``held`` (403, waiting for an admin),
``dropped`` / ``failed`` (terminal; ``last_error`` always says why).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.schema import DisputeThreadRow, OutboxRow, StoryRow

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
HELD = "held"
DROPPED = "dropped"
FAILED = "failed"
OPEN_STATES = (PENDING, SENDING)


def new_nonce() -> str:
    """A fresh random nonce (Discord accepts at most 25 characters)."""
    return secrets.token_hex(12)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One outbox row as the worker sees it."""

    id: int
    destination: str
    guild_id: int | None
    story_id: int | None
    kind: str
    payload: Mapping[str, Any]
    status: str
    story_version: int
    delivered_version: int
    attempts: int
    message_id: int | None
    thread_id: int | None
    nonce: str
    next_attempt_at: datetime
    last_error: str | None
    is_backfill: bool


def _item(row: OutboxRow) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        destination=row.destination,
        guild_id=row.guild_id,
        story_id=row.story_id,
        kind=row.kind,
        payload=dict(row.payload or {}),
        status=row.status,
        story_version=row.story_version,
        delivered_version=row.delivered_version,
        attempts=row.attempts,
        message_id=row.message_id,
        thread_id=row.thread_id,
        nonce=row.nonce,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        is_backfill=row.is_backfill,
    )


def _locking(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# -- writing rows (router) ------------------------------------------------------------------


async def story_rows(session: AsyncSession, story_id: int) -> list[OutboxRow]:
    """The story rows of a story, locked for update on PostgreSQL."""
    query = select(OutboxRow).where(OutboxRow.story_id == story_id, OutboxRow.kind == "story")
    if _locking(session):
        query = query.with_for_update()
    return list(await session.scalars(query))


async def upsert_story_row(
    session: AsyncSession,
    *,
    destination: str,
    guild_id: int | None,
    story_id: int,
    payload: Mapping[str, Any],
    now: datetime,
    held_reason: str | None,
    is_backfill: bool,
    existing: OutboxRow | None,
) -> str:
    """Insert the row of (destination, story), or bump its version; return what happened.

    Terminal rows (dropped, failed) are left alone: their message is gone or refused. A payload
    equal to the row's is no change: nothing is edited for it.
    """
    if existing is None:
        session.add(
            OutboxRow(
                destination=destination,
                guild_id=guild_id,
                story_id=story_id,
                kind="story",
                payload=dict(payload),
                status=HELD if held_reason else PENDING,
                story_version=1,
                delivered_version=0,
                attempts=0,
                next_attempt_at=now,
                last_error=f"held: {held_reason}" if held_reason else None,
                nonce=new_nonce(),
                is_backfill=is_backfill,
                created_at=now,
            )
        )
        await session.flush()
        return "inserted"
    if existing.status in (DROPPED, FAILED) or _as_json(payload) == _as_json(existing.payload):
        return "unchanged"
    existing.payload = dict(payload)
    existing.story_version = existing.story_version + 1
    if existing.status == SENT:
        existing.status = PENDING
        existing.next_attempt_at = now
        existing.attempts = 0
    await session.flush()
    return "updated"


def _as_json(payload: Mapping[str, Any] | None) -> Any:
    """The payload as the JSON column stores it (tuples become lists)."""
    return json.loads(json.dumps(payload or {}, sort_keys=True))


async def add_row(
    session: AsyncSession,
    *,
    destination: str,
    guild_id: int | None,
    kind: str,
    payload: Mapping[str, Any],
    now: datetime,
    due: datetime | None = None,
    held_reason: str | None = None,
) -> int:
    """Insert a notice or digest row; return its id."""
    row = OutboxRow(
        destination=destination,
        guild_id=guild_id,
        story_id=None,
        kind=kind,
        payload=dict(payload),
        status=HELD if held_reason else PENDING,
        story_version=1,
        delivered_version=0,
        attempts=0,
        next_attempt_at=due or now,
        last_error=f"held: {held_reason}" if held_reason else None,
        nonce=new_nonce(),
        is_backfill=False,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


async def digest_rows(session: AsyncSession, destination: str, since: datetime) -> list[OutboxRow]:
    """Digest rows of a destination due at or after ``since`` (locked on PostgreSQL)."""
    query = (
        select(OutboxRow)
        .where(
            OutboxRow.destination == destination,
            OutboxRow.kind == "digest",
            OutboxRow.next_attempt_at >= since,
        )
        .order_by(OutboxRow.next_attempt_at)
    )
    if _locking(session):
        query = query.with_for_update()
    return list(await session.scalars(query))


# -- claiming and recording (worker) --------------------------------------------------------


async def claim_due(
    session: AsyncSession,
    *,
    owner: str,
    now: datetime,
    lease_s: float,
    limit: int,
    where: ColumnElement[bool] | None = None,
) -> list[OutboxItem]:
    """Claim due rows (pending and due, or sending with an expired lease) under a lease.

    ``where`` narrows the rows (e.g. to the destinations this worker has transports for).
    """
    query = (
        select(OutboxRow)
        .where(
            or_(
                and_(OutboxRow.status == PENDING, OutboxRow.next_attempt_at <= now),
                and_(OutboxRow.status == SENDING, OutboxRow.lease_until < now),
            ),
            where if where is not None else true(),
        )
        .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
        .limit(limit)
    )
    if _locking(session):
        query = query.with_for_update(skip_locked=True)
    rows = list(await session.scalars(query))
    until = now + timedelta(seconds=lease_s)
    for row in rows:
        row.status = SENDING
        row.lease_owner = owner
        row.lease_until = until
    await session.flush()
    return [_item(r) for r in rows]


async def extend_leases(session: AsyncSession, *, owner: str, until: datetime) -> int:
    """Push back the lease of every row ``owner`` is sending (its heartbeat); return how many."""
    result = await session.execute(
        update(OutboxRow)
        .where(OutboxRow.lease_owner == owner, OutboxRow.status == SENDING)
        .values(lease_until=until)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def owned_row(session: AsyncSession, row_id: int, owner: str) -> OutboxRow | None:
    """The row if this worker still holds its lease (locked on PostgreSQL)."""
    query = select(OutboxRow).where(
        OutboxRow.id == row_id, OutboxRow.lease_owner == owner, OutboxRow.status == SENDING
    )
    if _locking(session):
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def release_owned(
    session: AsyncSession, owner: str, now: datetime, *, ids: Sequence[int] | None = None
) -> int:
    """Give a worker's claimed rows back (pending, due now); ``ids`` narrows them. Return how many.

    A row whose message may already be in Discord is safe to give back: its re-send carries the
    same nonce.
    """
    query = update(OutboxRow).where(OutboxRow.lease_owner == owner, OutboxRow.status == SENDING)
    if ids is not None:
        query = query.where(OutboxRow.id.in_(list(ids)))
    result = await session.execute(
        query.values(status=PENDING, next_attempt_at=now, lease_owner=None, lease_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def set_thread(session: AsyncSession, row_id: int, thread_id: int | None) -> None:
    """Remember which thread a row goes to, before sending, so a re-send goes there too."""
    await session.execute(
        update(OutboxRow).where(OutboxRow.id == row_id).values(thread_id=thread_id)
    )


def record_delivery(
    row: OutboxRow, *, version: int, now: datetime, message_id: int | None = None
) -> None:
    """Record that ``version`` of the row reached Discord; pending again if it changed since."""
    if message_id is not None:
        row.message_id = message_id
        row.sent_at = row.sent_at or now
    row.delivered_version = max(row.delivered_version, version)
    row.attempts = 0
    row.last_error = None
    row.lease_owner = None
    row.lease_until = None
    if row.story_version > row.delivered_version:
        row.status = PENDING
        row.next_attempt_at = now
    else:
        row.status = SENT


def record_retry(row: OutboxRow, *, error: str, due: datetime, count_attempt: bool) -> None:
    """Put a row back to pending for a later attempt."""
    row.status = PENDING
    row.next_attempt_at = due
    row.last_error = error
    row.lease_owner = None
    row.lease_until = None
    if count_attempt:
        row.attempts += 1


def record_terminal(row: OutboxRow, *, status: str, error: str) -> None:
    """End a row (dropped or failed) with its reason."""
    row.status = status
    row.last_error = error
    row.lease_owner = None
    row.lease_until = None


async def hold_destination(session: AsyncSession, destination: str, reason: str) -> int:
    """Hold every open row of a destination; return how many."""
    result = await session.execute(
        update(OutboxRow)
        .where(OutboxRow.destination == destination, OutboxRow.status.in_(OPEN_STATES))
        .values(status=HELD, last_error=f"held: {reason}", lease_owner=None, lease_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def drop_destination(session: AsyncSession, destination: str, reason: str) -> int:
    """Drop every open or held row of a destination with a reason; return how many."""
    result = await session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.destination == destination,
            OutboxRow.status.in_((*OPEN_STATES, HELD)),
        )
        .values(status=DROPPED, last_error=reason, lease_owner=None, lease_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def release_held(
    session: AsyncSession, destination: str, now: datetime, *, to: str | None = None
) -> int:
    """Make a destination's held rows due again, moved to ``to`` when given; return how many.

    A held row whose story is already queued for ``to`` is dropped with that reason.
    """
    rows = list(
        await session.scalars(
            select(OutboxRow).where(OutboxRow.destination == destination, OutboxRow.status == HELD)
        )
    )
    released = 0
    for row in rows:
        if to is not None and to != destination:
            if row.story_id is not None and await _exists(session, to, row.story_id, row.kind):
                record_terminal(row, status=DROPPED, error=f"already queued for {to}")
                continue
            row.destination = to
            row.message_id = None
            row.thread_id = None
            row.delivered_version = 0
        row.status = PENDING
        row.next_attempt_at = now
        row.attempts = 0
        row.last_error = None
        released += 1
    await session.flush()
    return released


async def _exists(session: AsyncSession, destination: str, story_id: int, kind: str) -> bool:
    found = await session.scalar(
        select(OutboxRow.id).where(
            OutboxRow.destination == destination,
            OutboxRow.story_id == story_id,
            OutboxRow.kind == kind,
        )
    )
    return found is not None


async def pending_stats(session: AsyncSession, now: datetime) -> tuple[int, float]:
    """Return (rows waiting to be delivered, age in seconds of the oldest one)."""
    row = (
        await session.execute(
            select(func.count(OutboxRow.id), func.min(OutboxRow.created_at)).where(
                OutboxRow.status.in_(OPEN_STATES)
            )
        )
    ).one()
    count = int(row[0] or 0)
    oldest: datetime | None = row[1]
    if oldest is None:
        return count, 0.0
    # func.min keeps the column's type, so UTCDateTime hands back an aware datetime.
    return count, max(0.0, (now - oldest).total_seconds())


async def rows_for(session: AsyncSession, destination: str) -> Sequence[OutboxItem]:
    """Every row of a destination, oldest first (for commands and tests)."""
    rows = await session.scalars(
        select(OutboxRow).where(OutboxRow.destination == destination).order_by(OutboxRow.id)
    )
    return [_item(r) for r in rows]


# -- dispute threads ------------------------------------------------------------------------


async def get_thread(session: AsyncSession, destination: str, dispute_id: int) -> int | None:
    """The thread holding a dispute's follow-ups in a channel, if any."""
    row = await session.get(DisputeThreadRow, (destination, dispute_id))
    return row.thread_id if row is not None else None


async def save_thread(
    session: AsyncSession, destination: str, dispute_id: int, thread_id: int, root_message_id: int
) -> None:
    """Remember a dispute's thread in a channel."""
    row = await session.get(DisputeThreadRow, (destination, dispute_id))
    if row is None:
        session.add(
            DisputeThreadRow(
                destination=destination,
                dispute_id=dispute_id,
                thread_id=thread_id,
                root_message_id=root_message_id,
            )
        )
    else:
        row.thread_id = thread_id
        row.root_message_id = root_message_id
    await session.flush()


async def forget_thread(session: AsyncSession, destination: str, dispute_id: int) -> None:
    """Forget a dispute's thread (it was deleted)."""
    row = await session.get(DisputeThreadRow, (destination, dispute_id))
    if row is not None:
        await session.delete(row)
        await session.flush()


async def dispute_root(
    session: AsyncSession, destination: str, dispute_id: int, exclude_row: int
) -> int | None:
    """The first message a destination got about a dispute (outside any thread), if any."""
    return await session.scalar(
        select(OutboxRow.message_id)
        .join(StoryRow, StoryRow.id == OutboxRow.story_id)
        .where(
            OutboxRow.destination == destination,
            OutboxRow.kind == "story",
            OutboxRow.id != exclude_row,
            OutboxRow.message_id.is_not(None),
            OutboxRow.thread_id.is_(None),
            StoryRow.dispute_id == dispute_id,
        )
        .order_by(OutboxRow.sent_at, OutboxRow.id)
        .limit(1)
    )


async def move_story_rows(session: AsyncSession, from_ids: Sequence[int], to_id: int) -> int:
    """Hand the alerts of stories merged into another over to it, before they are deleted.

    A destination that already saw one of the merged stories keeps that message: the row now
    points at the surviving story, so the next delivery edits it instead of posting again. Where
    the surviving story already has a row for the destination, the extra row goes with its story.
    """
    ids = [i for i in dict.fromkeys(from_ids) if i != to_id]
    if not ids:
        return 0
    taken = set(
        await session.scalars(
            select(OutboxRow.destination).where(
                OutboxRow.story_id == to_id, OutboxRow.kind == "story"
            )
        )
    )
    rows = await session.scalars(
        select(OutboxRow)
        .where(OutboxRow.story_id.in_(ids), OutboxRow.kind == "story")
        .order_by(OutboxRow.sent_at.is_(None), OutboxRow.id)
    )
    moved = 0
    for row in rows:
        if row.destination in taken:
            continue
        taken.add(row.destination)
        row.story_id = to_id
        moved += 1
    await session.flush()
    return moved
