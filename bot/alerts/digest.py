"""Digests: one message per hour or day listing the stories of that period."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.render import DigestItem, render_digest
from bot.storage import outbox_repo
from bot.types import Story

log = logging.getLogger(__name__)

PERIODS: dict[str, timedelta] = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}


def period_end(now: datetime, period: str) -> datetime:
    """The end (UTC) of the period containing ``now``: the next full hour or midnight."""
    if period == "hourly":
        start = now.replace(minute=0, second=0, microsecond=0)
    elif period == "daily":
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        raise ValueError(f"unknown digest period {period!r}")
    return start + PERIODS[period]


def digest_payload(items: list[DigestItem], period: str, role_id: int | None) -> dict[str, Any]:
    """The outbox payload of a digest: its items and the rendered message."""
    return {
        "period": period,
        "role_id": role_id,
        "items": [i.to_dict() for i in items],
        "message": render_digest(items, period, role_id=role_id).to_dict(),
    }


async def add_to_digest(
    session: AsyncSession,
    *,
    destination: str,
    guild_id: int,
    period: str,
    role_id: int | None,
    story: Story,
    created: bool,
    now: datetime,
    held_reason: str | None,
) -> str:
    """Put a story in the destination's open digest, or refresh it where it is listed.

    A story already listed in a digest that went out is not listed again. Returns what
    happened: "added", "updated", "already_sent" or "created".
    """
    item = DigestItem.from_story(story)
    # A digest that could list this story ends after the story was first seen.
    rows = await outbox_repo.digest_rows(session, destination, story.first_seen)
    for row in rows:
        items = [DigestItem.from_dict(d) for d in (row.payload or {}).get("items", [])]
        if any(i.story_id == story.id for i in items):
            if row.status in (outbox_repo.PENDING, outbox_repo.HELD):
                items = [item if i.story_id == story.id else i for i in items]
                row.payload = digest_payload(items, period, role_id)
                row.story_version += 1
                await session.flush()
                return "updated"
            return "already_sent"
    due = period_end(now, period)
    for row in rows:
        if row.status in (outbox_repo.PENDING, outbox_repo.HELD) and row.next_attempt_at == due:
            items = [DigestItem.from_dict(d) for d in (row.payload or {}).get("items", [])]
            row.payload = digest_payload([*items, item], period, role_id)
            row.story_version += 1
            await session.flush()
            return "added"
    await outbox_repo.add_row(
        session,
        destination=destination,
        guild_id=guild_id,
        kind="digest",
        payload=digest_payload([item], period, role_id),
        now=now,
        due=due,
        held_reason=held_reason,
    )
    log.debug(
        "new %s digest for %s due %s (story %s, created=%s)",
        period,
        destination,
        due,
        story.id,
        created,
    )
    return "created"
