"""Feeds, entries and guild subscriptions: every SQL statement about them lives here."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable

from bot.types import FeedInfo, FeedItem, StoredEntry

from .schema import EntryRow, FeedRow, GuildFeedRow, GuildSettingsRow

log = logging.getLogger(__name__)

_GUID_CHUNK = 400
# The tables themselves, for hot paths: Core statements skip the ORM's per-statement bookkeeping.
_FEEDS = cast(Table, FeedRow.__table__)
_ENTRIES = cast(Table, EntryRow.__table__)
# Built once with bound parameters (the guid list expands at execution), so each poll reuses the
# compiled statement instead of building and hashing a new one with 50 literal values.
_KNOWN_ENTRIES = select(
    _ENTRIES.c.guid, _ENTRIES.c.id, _ENTRIES.c.content_hash, _ENTRIES.c.first_seen_at
).where(
    _ENTRIES.c.feed_id == bindparam("feed_id"),
    _ENTRIES.c.guid.in_(bindparam("guids", expanding=True)),
)


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the poller needs to fetch a feed it has claimed."""

    id: int
    url: str
    title: str
    lang: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    baseline_done: bool
    error_count: int
    interval_s: int


# The columns of FeedState, in its field order.
_STATE_COLUMNS = tuple(_FEEDS.c[f.name] for f in fields(FeedState))


def feed_info(row: FeedRow) -> FeedInfo:
    """Turn a feed row into the FeedInfo users see."""
    return FeedInfo(
        id=row.id,
        url=row.url,
        title=row.title,
        site_url=row.site_url,
        lang=row.lang,
        status=row.status,
        disabled_reason=row.disabled_reason,
        error_count=row.error_count,
        last_error=row.last_error,
        last_polled_at=row.last_polled_at,
        last_success_at=row.last_success_at,
        next_poll_at=row.next_poll_at,
        interval_s=row.interval_s,
        added_at=row.added_at,
    )


async def add_feed(
    session: AsyncSession,
    url: str,
    *,
    now: datetime,
    interval_s: int,
    title: str = "",
    lang: str | None = None,
    site_url: str | None = None,
) -> tuple[FeedInfo, bool]:
    """Insert a feed due now; return (feed, created). An existing URL is returned as is."""
    existing = await session.scalar(select(FeedRow).where(FeedRow.url == url))
    if existing is not None:
        return feed_info(existing), False
    row = FeedRow(
        url=url,
        title=title[:500],
        lang=lang,
        site_url=site_url,
        status="active",
        baseline_done=False,
        error_count=0,
        interval_s=interval_s,
        added_at=now,
        next_poll_at=now,
        disable_announced=False,
    )
    session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        existing = await session.scalar(select(FeedRow).where(FeedRow.url == url))
        if existing is None:
            raise
        return feed_info(existing), False
    return feed_info(row), True


async def get_feed(session: AsyncSession, feed_id: int) -> FeedInfo | None:
    """Return one feed by id."""
    row = await session.get(FeedRow, feed_id)
    return feed_info(row) if row else None


async def find_feeds(session: AsyncSession, ref: str) -> list[FeedInfo]:
    """Find feeds by id, exact URL, or a case-insensitive part of the title or URL."""
    ref = ref.strip()
    if ref.isdigit():
        found = await get_feed(session, int(ref))
        return [found] if found else []
    exact = await session.scalar(select(FeedRow).where(FeedRow.url == ref))
    if exact is not None:
        return [feed_info(exact)]
    pattern = f"%{ref.lower()}%"
    rows = await session.scalars(
        select(FeedRow)
        .where(or_(func.lower(FeedRow.title).like(pattern), func.lower(FeedRow.url).like(pattern)))
        .order_by(FeedRow.id)
        .limit(25)
    )
    return [feed_info(r) for r in rows]


async def list_feeds(session: AsyncSession, guild_id: int | None = None) -> list[FeedInfo]:
    """List every feed, or the feeds a guild follows, by id."""
    stmt = select(FeedRow).order_by(FeedRow.id)
    if guild_id is not None:
        stmt = stmt.join(GuildFeedRow, GuildFeedRow.feed_id == FeedRow.id).where(
            GuildFeedRow.guild_id == guild_id
        )
    return [feed_info(r) for r in await session.scalars(stmt)]


async def count_feeds(session: AsyncSession) -> dict[str, int]:
    """Count feeds by status."""
    rows = await session.execute(select(FeedRow.status, func.count()).group_by(FeedRow.status))
    return {status: int(n) for status, n in rows.all()}


async def last_poll_time(session: AsyncSession) -> datetime | None:
    """Return when any feed was last polled."""
    return await session.scalar(select(func.max(FeedRow.last_polled_at)))


async def remove_feed(session: AsyncSession, feed_id: int) -> bool:
    """Delete a feed and its entries; return whether it existed."""
    result = await session.execute(delete(FeedRow).where(FeedRow.id == feed_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def enable_feed(session: AsyncSession, feed_id: int, now: datetime) -> None:
    """Re-enable a disabled feed and poll it now."""
    await session.execute(
        update(FeedRow)
        .where(FeedRow.id == feed_id)
        .values(
            status="active",
            disabled_reason=None,
            error_count=0,
            next_poll_at=now,
            disable_announced=False,
        )
    )


async def subscribe(
    session: AsyncSession, guild_id: int, feed_id: int, now: datetime, added_by: int | None = None
) -> bool:
    """Make a guild follow a feed; return False when it already did."""
    if await session.get(GuildFeedRow, (guild_id, feed_id)) is not None:
        return False
    session.add(GuildFeedRow(guild_id=guild_id, feed_id=feed_id, added_at=now, added_by=added_by))
    await session.flush()
    return True


async def unsubscribe(session: AsyncSession, guild_id: int, feed_id: int) -> bool:
    """Stop a guild following a feed; return whether it did."""
    result = await session.execute(
        delete(GuildFeedRow).where(
            GuildFeedRow.guild_id == guild_id, GuildFeedRow.feed_id == feed_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def follows_all_feeds(session: AsyncSession, guild_id: int) -> bool:
    """Say whether a guild follows every feed (the default until it removes one)."""
    row = await session.get(GuildSettingsRow, guild_id)
    return row is None or bool(row.all_feeds)


async def keep_own_feed_list(session: AsyncSession, guild_id: int, now: datetime) -> None:
    """Turn "every feed" into an explicit list of today's feeds, so one can be removed."""
    row = await session.get(GuildSettingsRow, guild_id)
    if row is None:
        row = GuildSettingsRow(guild_id=guild_id, created_at=now, updated_at=now, all_feeds=True)
        session.add(row)
        await session.flush()
    if not row.all_feeds:
        return
    followed = set(await guild_feed_ids(session, guild_id))
    for feed_id in await session.scalars(select(FeedRow.id)):
        if feed_id not in followed:
            session.add(GuildFeedRow(guild_id=guild_id, feed_id=feed_id, added_at=now))
    row.all_feeds = False
    row.updated_at = now
    await session.flush()


async def guild_feed_ids(session: AsyncSession, guild_id: int) -> list[int]:
    """Return the ids of the feeds a guild follows."""
    rows = await session.scalars(
        select(GuildFeedRow.feed_id).where(GuildFeedRow.guild_id == guild_id)
    )
    return list(rows)


async def feed_guilds(session: AsyncSession, feed_id: int) -> list[int]:
    """Return the guilds that follow a feed, explicitly or through 'all feeds'."""
    explicit = set(
        await session.scalars(select(GuildFeedRow.guild_id).where(GuildFeedRow.feed_id == feed_id))
    )
    everything = set(
        await session.scalars(
            select(GuildSettingsRow.guild_id).where(GuildSettingsRow.all_feeds.is_(True))
        )
    )
    return sorted(explicit | everything)


async def claim_due_feeds(
    session: AsyncSession,
    *,
    owner: str,
    now: datetime,
    lease_s: float,
    limit: int,
    force: bool = False,
    round_start: datetime | None = None,
) -> list[FeedState]:
    """Lease up to ``limit`` due feeds to ``owner`` so no other poller fetches them.

    On PostgreSQL the candidate rows are locked with FOR UPDATE SKIP LOCKED, so concurrent
    pollers split the work; SQLite has a single writer, which serialises the claim.
    """
    f = _FEEDS.c
    free = or_(f.lease_until.is_(None), f.lease_until < now)
    conditions = [f.status == "active", free]
    if not force:
        conditions.append(f.next_poll_at <= now)
    if round_start is not None:
        conditions.append(or_(f.last_polled_at.is_(None), f.last_polled_at < round_start))
    candidates = (
        select(*_STATE_COLUMNS)
        .where(and_(*conditions))
        .order_by(f.next_poll_at, f.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    states = [FeedState(*row) for row in await session.execute(candidates)]
    if states:
        await session.execute(
            update(_FEEDS)
            .where(f.id.in_(bindparam("ids", expanding=True)))
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_s)),
            {"ids": [s.id for s in states]},
        )
    return states


async def renew_leases(session: AsyncSession, *, owner: str, until: datetime) -> int:
    """Extend every lease ``owner`` holds to ``until``; return how many feeds it holds."""
    result = await session.execute(
        update(_FEEDS).where(_FEEDS.c.lease_owner == owner).values(lease_until=until)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def release_leases(session: AsyncSession, *, owner: str) -> int:
    """Free every feed ``owner`` still holds (it stays due); return how many there were."""
    result = await session.execute(
        update(_FEEDS)
        .where(_FEEDS.c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def get_feed_state(session: AsyncSession, feed_id: int) -> FeedState | None:
    """Return what the poller needs about one feed."""
    row = (await session.execute(select(*_STATE_COLUMNS).where(_FEEDS.c.id == feed_id))).first()
    return FeedState(*row) if row else None


async def count_due(session: AsyncSession, now: datetime, *, force: bool = False) -> int:
    """Count the active feeds a poll round would fetch now."""
    conditions = [FeedRow.status == "active"]
    if not force:
        conditions.append(FeedRow.next_poll_at <= now)
    return int(await session.scalar(select(func.count()).where(*conditions)) or 0)


async def next_due_time(session: AsyncSession) -> datetime | None:
    """Return when the next active feed is due."""
    return await session.scalar(
        select(func.min(FeedRow.next_poll_at)).where(FeedRow.status == "active")
    )


async def record_success(
    session: AsyncSession,
    feed_id: int,
    *,
    now: datetime,
    next_poll_at: datetime,
    interval_s: int,
    etag: str | None,
    last_modified: str | None,
    body_hash: str | None,
    had_new: bool,
    title: str | None = None,
    site_url: str | None = None,
    lang: str | None = None,
    new_url: str | None = None,
) -> None:
    """Store a successful poll and release the lease."""
    values: dict[str, object] = {
        "last_polled_at": now,
        "last_success_at": now,
        "next_poll_at": next_poll_at,
        "interval_s": interval_s,
        "etag": etag,
        "last_modified": last_modified,
        "body_hash": body_hash,
        "error_count": 0,
        "last_error": None,
        "last_error_kind": None,
        "baseline_done": True,
        "lease_owner": None,
        "lease_until": None,
    }
    if had_new:
        values["last_new_at"] = now
    if title:
        values["title"] = title[:500]
    if site_url:
        values["site_url"] = site_url[:2048]
    if lang:
        values["lang"] = lang[:8]
    if new_url:
        taken = await session.scalar(select(FeedRow.id).where(FeedRow.url == new_url))
        if taken is None:
            values["url"] = new_url
    await session.execute(update(_FEEDS).where(_FEEDS.c.id == feed_id).values(**values))


# executemany: SET the columns named in each parameter row, WHERE id = its feed_id.
_QUIET_UPDATE = update(_FEEDS).where(_FEEDS.c.id == bindparam("feed_id"))


@dataclass(frozen=True, slots=True)
class QuietPoll:
    """A successful poll that found nothing new (304 or an unchanged body)."""

    feed_id: int
    next_poll_at: datetime
    interval_s: int
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    new_url: str | None = None


async def record_quiet_polls(
    session: AsyncSession, polls: Sequence[QuietPoll], *, now: datetime
) -> None:
    """Store many polls that found nothing new in one statement; release their leases."""
    rows = [
        {
            "feed_id": p.feed_id,
            "last_polled_at": now,
            "last_success_at": now,
            "next_poll_at": p.next_poll_at,
            "interval_s": p.interval_s,
            "etag": p.etag,
            "last_modified": p.last_modified,
            "body_hash": p.body_hash,
            "error_count": 0,
            "last_error": None,
            "last_error_kind": None,
            "baseline_done": True,
            "lease_owner": None,
            "lease_until": None,
        }
        for p in polls
    ]
    await session.execute(_QUIET_UPDATE, rows)
    for p in polls:
        if p.new_url:
            taken = await session.scalar(select(FeedRow.id).where(FeedRow.url == p.new_url))
            if taken is None:
                await session.execute(
                    update(FeedRow).where(FeedRow.id == p.feed_id).values(url=p.new_url)
                )


async def record_failure(
    session: AsyncSession,
    feed_id: int,
    *,
    now: datetime,
    error: str,
    kind: str,
    error_count: int,
    next_poll_at: datetime,
    disable_reason: str | None,
) -> None:
    """Store a failed poll (and disable the feed when given a reason); release the lease."""
    values: dict[str, object] = {
        "last_polled_at": now,
        "next_poll_at": next_poll_at,
        "error_count": error_count,
        "last_error": error[:2000],
        "last_error_kind": kind[:32],
        "lease_owner": None,
        "lease_until": None,
    }
    if disable_reason:
        values["status"] = "disabled"
        values["disabled_reason"] = disable_reason[:2000]
    await session.execute(update(_FEEDS).where(_FEEDS.c.id == feed_id).values(**values))


async def store_items(
    session: AsyncSession,
    feed_id: int,
    feed_title: str,
    items: Sequence[FeedItem],
    *,
    now: datetime,
    baseline: bool,
) -> tuple[list[StoredEntry], list[StoredEntry]]:
    """Insert unseen items and update changed ones; return (new, updated).

    Identity is (feed, guid); a changed date or order is not a change, a changed title, text or
    link is an update. On the baseline poll everything is stored but flagged as baseline.
    """
    hashed: list[tuple[FeedItem, str]] = []
    for item in items:
        try:
            item.guid.encode()
            hashed.append((item, item.content_hash))
        except UnicodeError:  # the parser cleans text; this guards other callers
            _drop(feed_id, item.guid, "its text cannot be encoded")
    known: dict[str, tuple[int, str, datetime]] = {}
    guids = [i.guid for i, _ in hashed]
    for start in range(0, len(guids), _GUID_CHUNK):
        chunk = guids[start : start + _GUID_CHUNK]
        rows = await session.execute(_KNOWN_ENTRIES, {"feed_id": feed_id, "guids": chunk})
        for guid, entry_id, content_hash, first_seen in rows.all():
            known[guid] = (entry_id, content_hash, first_seen)

    fresh: list[tuple[FeedItem, str]] = []
    changed: list[tuple[FeedItem, str, tuple[int, str, datetime]]] = []
    for item, digest in hashed:
        seen = known.get(item.guid)
        if seen is None:
            fresh.append((item, digest))
            known[item.guid] = (-1, digest, now)
        elif seen[1] != digest and seen[0] > 0:
            changed.append((item, digest, seen))
    updated: list[StoredEntry] = []
    if changed:
        changes = [
            {
                "entry_id": seen[0],
                "link": item.link,
                "title": item.title,
                "summary": item.summary,
                "content": item.content,
                "author": item.author,
                "tags": list(item.tags),
                "content_hash": digest,
                "updated_at": now,
            }
            for item, digest, seen in changed
        ]
        done = await _write_rows(
            session, feed_id, _ENTRY_UPDATE, changes, guids=[i.guid for i, _, _ in changed]
        )
        updated = [
            StoredEntry(seen[0], feed_id, feed_title, item, seen[2], True)
            for item, _, seen in changed
            if item.guid in done
        ]
    new: list[StoredEntry] = []
    if fresh:
        values = [
            {
                "feed_id": feed_id,
                "guid": item.guid,
                "link": item.link,
                "title": item.title,
                "summary": item.summary,
                "content": item.content,
                "author": item.author,
                "tags": list(item.tags),
                "lang": item.lang,
                "published_at": item.published or now,
                "published_in_feed": item.published_in_feed,
                "first_seen_at": now,
                "content_hash": digest,
                "is_baseline": baseline,
            }
            for item, digest in fresh
        ]
        ids = await _write_rows(
            session, feed_id, _ENTRY_INSERT, values, guids=[i.guid for i, _ in fresh]
        )
        new = [
            StoredEntry(ids[item.guid], feed_id, feed_title, item, now, False)
            for item, _ in fresh
            if item.guid in ids
        ]
    return new, updated


# Batched INSERT ... RETURNING, matched back by guid: asking for the rows in parameter order
# instead makes SQLAlchemy send one INSERT per row on SQLite (no sort sentinel).
_ENTRY_INSERT = insert(_ENTRIES).returning(_ENTRIES.c.guid, _ENTRIES.c.id)
# executemany: SET the columns named in each parameter row, WHERE id = its entry_id.
_ENTRY_UPDATE = update(_ENTRIES).where(_ENTRIES.c.id == bindparam("entry_id"))


async def _write_rows(
    session: AsyncSession,
    feed_id: int,
    statement: Executable,
    rows: list[dict[str, Any]],
    *,
    guids: list[str],
) -> dict[str, int]:
    """Run an entry INSERT or UPDATE for many rows; return {guid: entry id} of those written.

    The batch runs in a savepoint. When the database refuses it because of the data (a
    character it cannot store, a value too long), it is retried row by row, each in its own
    savepoint, and only the rows that still fail are dropped, logged with the feed and guid.
    """
    try:
        async with session.begin_nested():
            return await _execute_rows(session, statement, rows, guids)
    except Exception as exc:
        if not _is_bad_data(exc):
            raise
        log.warning(
            "feed %d: the database refused a batch of %d entries (%s); storing them one by one",
            feed_id,
            len(rows),
            type(exc).__name__,
        )
    written: dict[str, int] = {}
    for row, guid in zip(rows, guids, strict=True):
        try:
            async with session.begin_nested():
                written.update(await _execute_rows(session, statement, [row], [guid]))
        except Exception as exc:
            if not _is_bad_data(exc):
                raise
            _drop(feed_id, guid, f"the database refused it ({_short_reason(exc)})")
    return written


async def _execute_rows(
    session: AsyncSession, statement: Executable, rows: list[dict[str, Any]], guids: list[str]
) -> dict[str, int]:
    result = await session.execute(statement, rows)
    if statement is _ENTRY_INSERT:
        return {row[0]: row[1] for row in result}
    return {guid: int(row["entry_id"]) for row, guid in zip(rows, guids, strict=True)}


def _is_bad_data(exc: BaseException) -> bool:
    """Say whether a failed write is about the values sent, not about the database itself.

    The database says so with a data exception (SQLSTATE class 22: a NUL in a text, a value
    too long); a driver that cannot encode a parameter raises a UnicodeError or ValueError,
    which SQLAlchemy may wrap, with the driver's own error as its cause.
    """
    if isinstance(exc, DataError):
        return True
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            break
        if isinstance(seen, UnicodeError | ValueError):
            return True
        if str(getattr(seen, "sqlstate", None) or "").startswith("22"):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def _short_reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return type(orig).__name__


def _drop(feed_id: int, guid: str, why: str) -> None:
    log.warning("feed %d: dropped the entry with guid %r: %s", feed_id, guid, why)


async def feed_story_ids_since(session: AsyncSession, feed_id: int, since: datetime) -> list[int]:
    """Return the ids of stories that a feed's entries published since a time belong to."""
    rows = await session.scalars(
        select(EntryRow.story_id)
        .where(
            EntryRow.feed_id == feed_id,
            EntryRow.story_id.is_not(None),
            EntryRow.published_at >= since,
        )
        .distinct()
    )
    return sorted(int(r) for r in rows if r is not None)
