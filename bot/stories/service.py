"""What the Discord cogs, the web pages and the CLI ask about stories and disputes.

Ids: a story is "s123" or "123", a dispute is "d45" (the same ids appear in Discord embeds and
the web API).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from bot.errors import UserError
from bot.storage import stories_repo as repo
from bot.storage.db import Database
from bot.storage.search import MAX_LIMIT, SearchPage, search_stories
from bot.stories.parties import canonical
from bot.types import LABELS, Dispute, Label, Story

log = logging.getLogger(__name__)

MAX_DAYS = 3650
MAX_WEEKS = 520
_REF = re.compile(r"^\s*(?:(?P<kind>[sd])\s*)?#?(?P<id>\d{1,12})\s*$", re.IGNORECASE)
_LANG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")

RefKind = Literal["story", "dispute"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def parse_ref(ref: str | int) -> tuple[RefKind, int]:
    """Read "s123"/"123" (a story) or "d45" (a dispute); UserError otherwise."""
    if isinstance(ref, int):
        if ref < 1:
            raise UserError("ids are positive numbers")
        return "story", ref
    match = _REF.match(ref)
    if not match or int(match.group("id")) < 1:
        raise UserError(
            f"{ref[:40]!r} is not an id; use s123 (or 123) for a story, d45 for a dispute"
        )
    kind: RefKind = "dispute" if (match.group("kind") or "s").lower() == "d" else "story"
    return kind, int(match.group("id"))


def check_label(label: str | None) -> Label | None:
    """A known label or None; UserError for anything else."""
    if label is None or label == "":
        return None
    for known in LABELS:
        if label.strip().lower() == known:
            return known
    raise UserError(f"unknown label {label[:40]!r}; use one of: {', '.join(LABELS)}")


def check_lang(lang: str | None) -> str | None:
    """A language code ("en", "fr") or None; UserError for anything else."""
    if lang is None or lang == "":
        return None
    value = lang.strip().lower()
    if not _LANG.match(value):
        raise UserError(f"{lang[:20]!r} is not a language code (like en or fr)")
    return value


def check_page(limit: int, offset: int) -> None:
    """UserError unless 1 <= limit <= MAX_LIMIT and offset >= 0."""
    if not 1 <= limit <= MAX_LIMIT:
        raise UserError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise UserError("offset must be 0 or more")


def check_party(party: str | None) -> str | None:
    """The canonical party for a name or alias ("Twitter" -> "X"), or None."""
    if party is None or not party.strip():
        return None
    if len(party) > 100:
        raise UserError("the company name is too long")
    return canonical(party)


class StoryService:
    """Read stories and disputes for users; every argument is checked (UserError)."""

    def __init__(self, database: Database, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self.database = database
        self._clock = clock

    async def latest(
        self,
        label: str | None = None,
        party: str | None = None,
        days: int = 7,
        lang: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> list[Story]:
        """Newest stories of the last `days` days, newest activity first."""
        stories, _ = await self.latest_page(label, party, days, lang, limit, offset)
        return stories

    async def latest_page(
        self,
        label: str | None = None,
        party: str | None = None,
        days: int = 7,
        lang: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> tuple[list[Story], int]:
        """Like `latest`, with how many stories match in all (for paging)."""
        if not 1 <= days <= MAX_DAYS:
            raise UserError(f"days must be between 1 and {MAX_DAYS}")
        check_page(limit, offset)
        since = self._clock() - timedelta(days=days)
        async with self.database.reading() as session:
            return await repo.latest_stories(
                session,
                label=check_label(label),
                party=check_party(party),
                lang=check_lang(lang),
                since=since,
                limit=limit,
                offset=offset,
            )

    async def search(
        self,
        query: str,
        label: str | None = None,
        party: str | None = None,
        lang: str | None = None,
        since: datetime | date | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> SearchPage:
        """Full-text search over stories, best first; see bot.storage.search."""
        check_page(limit, offset)
        if isinstance(since, datetime):
            if since.tzinfo is None:
                raise UserError("since must carry a time zone")
            since_dt: datetime | None = since
        elif isinstance(since, date):
            since_dt = datetime(since.year, since.month, since.day, tzinfo=UTC)
        else:
            since_dt = None
        async with self.database.reading() as session:
            return await search_stories(
                session,
                query,
                label=check_label(label),
                party=check_party(party),
                lang=check_lang(lang),
                since=since_dt,
                limit=limit,
                offset=offset,
            )

    async def story(self, story_id: int | str) -> Story | None:
        """One story with its sources ("s123", "123" or 123), or None."""
        kind, number = parse_ref(story_id)
        if kind != "story":
            raise UserError(f"{story_id!r} is a dispute id; stories look like s123")
        async with self.database.reading() as session:
            return await repo.load_story(session, number)

    async def dispute(self, dispute_id: int | str) -> Dispute | None:
        """One dispute with its stories in order ("d45", "45" or 45), or None."""
        if isinstance(dispute_id, str):
            text = dispute_id.strip()
            kind, number = parse_ref(text if text[:1].lower() == "d" else f"d{text}")
            if kind != "dispute":
                raise UserError(f"{dispute_id!r} is not a dispute id; disputes look like d45")
        else:
            _, number = parse_ref(dispute_id)
        async with self.database.reading() as session:
            return await repo.load_dispute(session, number)

    async def show(self, ref: str) -> Story | Dispute | None:
        """A story ("s123"/"123") or a dispute ("d45"), or None when there is none."""
        kind, number = parse_ref(ref)
        if kind == "dispute":
            return await self.dispute(number)
        return await self.story(number)

    async def company(self, name: str) -> list[Dispute]:
        """Disputes naming a company (canonical name or alias), most recently active first."""
        party = check_party(name)
        if party is None:
            raise UserError("give a company name")
        async with self.database.reading() as session:
            return await repo.disputes_of(session, party)

    async def weekly_counts(self, weeks: int = 12) -> list[tuple[date, Label, int]]:
        """Stories started per week and label, oldest week first (weeks start on Monday)."""
        if not 1 <= weeks <= MAX_WEEKS:
            raise UserError(f"weeks must be between 1 and {MAX_WEEKS}")
        start = repo.week_start(self._clock()) - timedelta(weeks=weeks - 1)
        since = datetime(start.year, start.month, start.day, tzinfo=UTC)
        async with self.database.reading() as session:
            return await repo.weekly_counts(session, since)

    async def counts(self) -> dict[str, int]:
        """How many stories, disputes, entries and detections are stored."""
        async with self.database.reading() as session:
            return await repo.counts(session)
