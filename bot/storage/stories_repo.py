"""All SQL for detections, stories and disputes; returns domain dataclasses, never ORM rows."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, TextClause, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.codec import facts_from_json, facts_to_json, signals_from_json, signals_to_json
from bot.storage.schema import DetectionRow, DisputeRow, EntryRow, FeedRow, StoryRow
from bot.types import (
    LABELS,
    Detection,
    Dispute,
    Facts,
    Label,
    Signal,
    Story,
    StorySource,
)

log = logging.getLogger(__name__)


def _label(value: str) -> Label:
    for label in LABELS:
        if label == value:
            return label
    raise ValueError(f"unknown label {value!r}")


def _labels(values: Iterable[str]) -> tuple[Label, ...]:
    present = set(values)
    return tuple(label for label in LABELS if label in present)


# --- locking ------------------------------------------------------------------------------------

STORIES_LOCK_KEY = 0x6477_5354  # "dwST"


async def lock_stories(session: AsyncSession) -> None:
    """Serialise story grouping across processes until the transaction ends.

    On PostgreSQL several pollers may run the pipeline at once; without this two of them could
    each start a story for the same event. SQLite already allows a single writer.
    """
    if session.get_bind().dialect.name != "sqlite":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=STORIES_LOCK_KEY)
        )


# --- detections ---------------------------------------------------------------------------------


async def save_detection(
    session: AsyncSession, entry_id: int, detection: Detection, now: datetime
) -> None:
    """Insert or replace the detector's verdict on an entry."""
    row = await session.get(DetectionRow, entry_id)
    if row is None:
        row = DetectionRow(entry_id=entry_id)
        session.add(row)
    row.labels = list(detection.labels)
    row.score = detection.score
    row.confidence = dict(detection.confidence)
    row.parties = list(detection.parties)
    row.signals = signals_to_json(detection.signals)
    row.facts = facts_to_json(detection.facts)
    row.lang = detection.lang
    row.is_dispute = detection.is_dispute
    row.classified_at = now
    await session.flush()


def _detection(row: DetectionRow) -> Detection:
    return Detection(
        labels=_labels(row.labels),
        score=row.score,
        confidence=dict(row.confidence or {}),
        parties=tuple(row.parties or ()),
        signals=signals_from_json(row.signals),
        facts=facts_from_json(row.facts),
        lang=row.lang,
    )


# --- members: entries with their detection, as the pipeline groups them -------------------------


@dataclass(frozen=True, slots=True)
class Member:
    """An entry that belongs (or may belong) to a story, with its detection."""

    entry_id: int
    story_id: int | None
    outlet: str
    title: str
    summary: str
    content: str
    link: str | None
    published: datetime
    first_seen: datetime
    is_baseline: bool
    detection: Detection


def outlet_name(feed_title: str | None, link: str | None) -> str:
    """The outlet shown for a source: the feed's title, else the link's host."""
    if feed_title and feed_title.strip():
        return feed_title.strip()
    host = urlsplit(link or "").hostname or ""
    return host.removeprefix("www.") or "unknown"


def _member_query() -> Any:
    return (
        select(EntryRow, DetectionRow, FeedRow.title)
        .join(DetectionRow, DetectionRow.entry_id == EntryRow.id)
        .join(FeedRow, FeedRow.id == EntryRow.feed_id)
    )


def _member(entry: EntryRow, det: DetectionRow, feed_title: str | None) -> Member:
    # A feed can claim a future date; the event cannot be later than when we saw it.
    published = min(entry.published_at, entry.first_seen_at)
    return Member(
        entry_id=entry.id,
        story_id=entry.story_id,
        outlet=outlet_name(feed_title, entry.link),
        title=entry.title,
        summary=entry.summary,
        content=entry.content,
        link=entry.link,
        published=published,
        first_seen=entry.first_seen_at,
        is_baseline=entry.is_baseline,
        detection=_detection(det),
    )


async def members_by_entry(session: AsyncSession, entry_ids: Iterable[int]) -> list[Member]:
    """Load entries (that have a detection) by id."""
    ids = sorted(set(entry_ids))
    if not ids:
        return []
    rows = await session.execute(_member_query().where(EntryRow.id.in_(ids)))
    return [_member(e, d, t) for e, d, t in rows.all()]


async def members_by_story(session: AsyncSession, story_ids: Iterable[int]) -> list[Member]:
    """Load every entry of these stories."""
    ids = sorted(set(story_ids))
    if not ids:
        return []
    rows = await session.execute(_member_query().where(EntryRow.story_id.in_(ids)))
    return [_member(e, d, t) for e, d, t in rows.all()]


async def stories_active_between(
    session: AsyncSession, start: datetime, end: datetime
) -> list[int]:
    """Ids of stories whose span [first_seen, last_seen] meets [start, end]."""
    rows = await session.execute(
        select(StoryRow.id).where(StoryRow.last_seen_at >= start, StoryRow.first_seen_at <= end)
    )
    return [r for (r,) in rows.all()]


async def detach_entries(session: AsyncSession, entry_ids: Iterable[int]) -> set[int]:
    """Take entries out of their stories; return the stories they were in."""
    ids = sorted(set(entry_ids))
    if not ids:
        return set()
    rows = await session.execute(
        select(EntryRow.story_id).where(EntryRow.id.in_(ids), EntryRow.story_id.is_not(None))
    )
    stories = {s for (s,) in rows.all() if s is not None}
    await session.execute(update(EntryRow).where(EntryRow.id.in_(ids)).values(story_id=None))
    return stories


async def attach_entries(session: AsyncSession, story_id: int, entry_ids: Iterable[int]) -> None:
    """Point entries at a story."""
    ids = sorted(set(entry_ids))
    if ids:
        await session.execute(
            update(EntryRow).where(EntryRow.id.in_(ids)).values(story_id=story_id)
        )


# --- stories ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoryData:
    """What the pipeline computed for a story."""

    title: str
    summary: str
    lang: str
    labels: tuple[Label, ...]
    parties: tuple[str, ...]
    score: float
    facts: Facts
    signals: tuple[Signal, ...]
    first_seen: datetime
    last_seen: datetime
    search_text: str
    is_backfill: bool


@dataclass(frozen=True, slots=True)
class StoryState:
    """The stored fields the pipeline compares against."""

    id: int
    title: str
    summary: str
    version: int
    dispute_id: int | None
    first_seen: datetime
    labels: tuple[Label, ...]
    parties: tuple[str, ...]
    facts: Facts
    signals: tuple[Signal, ...]


async def story_states(session: AsyncSession, ids: Iterable[int]) -> dict[int, StoryState]:
    """Stored fields of these stories that an alert shows, with version, dispute, first seen."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(
            StoryRow.id,
            StoryRow.title,
            StoryRow.summary,
            StoryRow.version,
            StoryRow.dispute_id,
            StoryRow.first_seen_at,
            StoryRow.labels,
            StoryRow.parties,
            StoryRow.facts,
            StoryRow.signals,
        ).where(StoryRow.id.in_(wanted))
    )
    return {
        r[0]: StoryState(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            _labels(r[6] or ()),
            tuple(r[7] or ()),
            facts_from_json(r[8]),
            signals_from_json(r[9]),
        )
        for r in rows.all()
    }


def _apply(row: StoryRow, data: StoryData, now: datetime) -> None:
    row.title = data.title
    row.summary = data.summary
    row.lang = data.lang
    row.labels = list(data.labels)
    row.parties = list(data.parties)
    row.score = data.score
    row.facts = facts_to_json(data.facts)
    row.signals = signals_to_json(data.signals)
    row.first_seen_at = data.first_seen
    row.last_seen_at = data.last_seen
    row.search_text = data.search_text
    row.is_backfill = data.is_backfill
    row.updated_at = now


async def create_story(session: AsyncSession, data: StoryData, now: datetime) -> int:
    """Insert a story (version 1) and return its id."""
    row = StoryRow(version=1)
    _apply(row, data, now)
    session.add(row)
    await session.flush()
    return row.id


async def update_story(
    session: AsyncSession, story_id: int, data: StoryData, now: datetime, *, bump: bool
) -> int:
    """Store new fields for a story; bump its version when told; return the version."""
    row = await session.get(StoryRow, story_id)
    if row is None:
        raise LookupError(f"story {story_id} vanished")
    _apply(row, data, now)
    if bump:
        row.version = row.version + 1
    await session.flush()
    return row.version


async def set_story_dispute(session: AsyncSession, story_id: int, dispute_id: int | None) -> None:
    """Put a story in a dispute (or in none)."""
    await session.execute(
        update(StoryRow).where(StoryRow.id == story_id).values(dispute_id=dispute_id)
    )


async def delete_stories(session: AsyncSession, story_ids: Iterable[int]) -> None:
    """Delete stories (their entries must have been moved or detached first)."""
    ids = sorted(set(story_ids))
    if ids:
        await session.execute(delete(StoryRow).where(StoryRow.id.in_(ids)))


async def load_stories(session: AsyncSession, ids: Sequence[int]) -> list[Story]:
    """Stories with their sources, in the order of `ids` (missing ids skipped)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    rows = (await session.execute(select(StoryRow).where(StoryRow.id.in_(wanted)))).scalars()
    by_id = {r.id: r for r in rows}
    sources: dict[int, list[StorySource]] = defaultdict(list)
    entries = await session.execute(
        select(
            EntryRow.id,
            EntryRow.story_id,
            EntryRow.title,
            EntryRow.link,
            EntryRow.published_at,
            EntryRow.first_seen_at,
            FeedRow.title,
        )
        .join(FeedRow, FeedRow.id == EntryRow.feed_id)
        .where(EntryRow.story_id.in_(wanted))
        .order_by(EntryRow.published_at, EntryRow.id)
    )
    for entry_id, story_id, title, link, published, first_seen, feed_title in entries.all():
        if story_id is not None:
            sources[story_id].append(
                StorySource(
                    entry_id=entry_id,
                    outlet=outlet_name(feed_title, link),
                    title=title,
                    link=link,
                    published=min(published, first_seen),
                )
            )
    return [_story(by_id[i], tuple(sources[i])) for i in wanted if i in by_id]


def _story(row: StoryRow, sources: tuple[StorySource, ...]) -> Story:
    return Story(
        id=row.id,
        title=row.title,
        summary=row.summary,
        lang=row.lang,
        labels=_labels(row.labels),
        parties=tuple(row.parties or ()),
        score=row.score,
        facts=facts_from_json(row.facts),
        signals=signals_from_json(row.signals),
        first_seen=row.first_seen_at,
        last_seen=row.last_seen_at,
        dispute_id=row.dispute_id,
        sources=sources,
    )


async def load_story(session: AsyncSession, story_id: int) -> Story | None:
    """One story with its sources, or None."""
    found = await load_stories(session, [story_id])
    return found[0] if found else None


def json_list_has(
    session: AsyncSession, table: str, column: str, param: str, value: str
) -> TextClause:
    """A WHERE clause: the JSON list `table.column` holds `value` (case-insensitive)."""
    if session.get_bind().dialect.name == "sqlite":
        sql = (
            f"EXISTS (SELECT 1 FROM json_each({table}.{column}) "
            f"WHERE lower(json_each.value) = lower(:{param}))"
        )
    else:
        sql = (
            f"EXISTS (SELECT 1 FROM json_array_elements_text({table}.{column}) AS jv(v) "
            f"WHERE lower(jv.v) = lower(:{param}))"
        )
    return text(sql).bindparams(**{param: value})


def story_filters(
    session: AsyncSession,
    *,
    label: str | None = None,
    party: str | None = None,
    lang: str | None = None,
    since: datetime | None = None,
) -> list[ColumnElement[bool] | TextClause]:
    """WHERE clauses on stories shared by listing and search."""
    clauses: list[ColumnElement[bool] | TextClause] = []
    if label:
        clauses.append(json_list_has(session, "stories", "labels", "f_label", label))
    if party:
        clauses.append(json_list_has(session, "stories", "parties", "f_party", party))
    if lang:
        clauses.append(StoryRow.lang == lang)
    if since is not None:
        clauses.append(StoryRow.last_seen_at >= since)
    return clauses


async def latest_stories(
    session: AsyncSession,
    *,
    label: str | None = None,
    party: str | None = None,
    lang: str | None = None,
    since: datetime | None = None,
    limit: int = 10,
    offset: int = 0,
) -> tuple[list[Story], int]:
    """Newest stories first (by last activity) matching the filters, and how many match."""
    clauses = story_filters(session, label=label, party=party, lang=lang, since=since)
    total = await session.scalar(select(func.count()).select_from(StoryRow).where(*clauses))
    ids = await session.execute(
        select(StoryRow.id)
        .where(*clauses)
        .order_by(StoryRow.last_seen_at.desc(), StoryRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return await load_stories(session, [i for (i,) in ids.all()]), int(total or 0)


# --- disputes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisputeHead:
    """A dispute without its stories."""

    id: int
    name: str
    parties: tuple[str, ...]
    labels: tuple[Label, ...]
    first_activity: datetime
    last_activity: datetime


def _head(row: DisputeRow) -> DisputeHead:
    return DisputeHead(
        id=row.id,
        name=row.name,
        parties=tuple(row.parties or ()),
        labels=_labels(row.labels),
        first_activity=row.first_activity,
        last_activity=row.last_activity,
    )


async def disputes_active_since(session: AsyncSession, since: datetime) -> list[DisputeHead]:
    """Disputes with activity at or after `since`."""
    rows = await session.execute(select(DisputeRow).where(DisputeRow.last_activity >= since))
    return [_head(r) for r in rows.scalars()]


async def create_dispute(
    session: AsyncSession,
    name: str,
    parties: Sequence[str],
    labels: Sequence[str],
    first: datetime,
    last: datetime,
) -> int:
    """Insert a dispute and return its id."""
    row = DisputeRow(
        name=name,
        parties=list(parties),
        labels=list(labels),
        first_activity=first,
        last_activity=last,
    )
    session.add(row)
    await session.flush()
    return row.id


async def refresh_dispute(session: AsyncSession, dispute_id: int) -> bool:
    """Recompute a dispute's labels and activity span from its stories; delete it if empty.

    Return whether it still exists.
    """
    rows = (
        await session.execute(
            select(StoryRow.labels, StoryRow.first_seen_at, StoryRow.last_seen_at).where(
                StoryRow.dispute_id == dispute_id
            )
        )
    ).all()
    if not rows:
        await session.execute(delete(DisputeRow).where(DisputeRow.id == dispute_id))
        return False
    labels = _labels(label for r in rows for label in r[0] or ())
    await session.execute(
        update(DisputeRow)
        .where(DisputeRow.id == dispute_id)
        .values(
            labels=list(labels),
            first_activity=min(r[1] for r in rows),
            last_activity=max(r[2] for r in rows),
        )
    )
    return True


async def load_disputes(session: AsyncSession, ids: Sequence[int]) -> list[Dispute]:
    """Disputes with their stories in time order, in the order of `ids`."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    heads = {
        r.id: _head(r)
        for r in (await session.execute(select(DisputeRow).where(DisputeRow.id.in_(wanted))))
        .scalars()
        .all()
    }
    story_rows = await session.execute(
        select(StoryRow.id, StoryRow.dispute_id)
        .where(StoryRow.dispute_id.in_(wanted))
        .order_by(StoryRow.first_seen_at, StoryRow.id)
    )
    pairs = story_rows.all()
    stories = {s.id: s for s in await load_stories(session, [sid for sid, _ in pairs])}
    by_dispute: dict[int, list[Story]] = defaultdict(list)
    for sid, did in pairs:
        if did is not None and sid in stories:
            by_dispute[did].append(stories[sid])
    return [
        Dispute(
            id=h.id,
            name=h.name,
            parties=h.parties,
            labels=h.labels,
            first_activity=h.first_activity,
            last_activity=h.last_activity,
            stories=tuple(by_dispute[h.id]),
        )
        for h in (heads[i] for i in wanted if i in heads)
    ]


async def load_dispute(session: AsyncSession, dispute_id: int) -> Dispute | None:
    """One dispute with its stories in order, or None."""
    found = await load_disputes(session, [dispute_id])
    return found[0] if found else None


async def disputes_of(session: AsyncSession, party: str, *, limit: int = 25) -> list[Dispute]:
    """Disputes naming this (canonical) party, most recently active first."""
    ids = await session.execute(
        select(DisputeRow.id)
        .where(json_list_has(session, "disputes", "parties", "f_party", party))
        .order_by(DisputeRow.last_activity.desc(), DisputeRow.id.desc())
        .limit(limit)
    )
    return await load_disputes(session, [i for (i,) in ids.all()])


# --- statistics ---------------------------------------------------------------------------------


def week_start(when: datetime) -> date:
    """The Monday (UTC) of the week holding `when`."""
    day = when.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


async def weekly_counts(session: AsyncSession, since: datetime) -> list[tuple[date, Label, int]]:
    """How many stories of each label started each week since `since`, oldest week first."""
    rows = await session.execute(
        select(StoryRow.first_seen_at, StoryRow.labels).where(StoryRow.first_seen_at >= since)
    )
    counts: dict[tuple[date, Label], int] = defaultdict(int)
    for first_seen, labels in rows.all():
        for label in _labels(labels or ()):
            counts[(week_start(first_seen), label)] += 1
    return [
        (week, label, n)
        for (week, label), n in sorted(
            counts.items(), key=lambda kv: (kv[0][0], LABELS.index(kv[0][1]))
        )
    ]


async def counts(session: AsyncSession) -> dict[str, int]:
    """Row counts for /about: stories, disputes, entries, detections, dispute detections."""
    out: dict[str, int] = {}
    for name, stmt in (
        ("stories", select(func.count()).select_from(StoryRow)),
        ("disputes", select(func.count()).select_from(DisputeRow)),
        ("entries", select(func.count()).select_from(EntryRow)),
        ("detections", select(func.count()).select_from(DetectionRow)),
        (
            "dispute_detections",
            select(func.count()).select_from(DetectionRow).where(DetectionRow.is_dispute),
        ),
    ):
        out[name] = int(await session.scalar(stmt) or 0)
    return out
