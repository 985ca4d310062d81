"""Which destinations want a story (pure), and the pipeline hook that queues outbox rows."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.digest import add_to_digest
from bot.alerts.render import render_story
from bot.settings import Settings
from bot.storage import guilds_repo, outbox_repo, repository
from bot.storage.guilds_repo import GuildAlertSettings
from bot.storage.schema import EntryRow
from bot.types import Story, StoryChange

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Destination:
    """A place that wants a story, and how it wants it."""

    destination: str  # "channel:<id>" | "webhook" | "console"
    guild_id: int | None = None
    role_id: int | None = None
    digest: str = "off"
    held_reason: str | None = None


def effective_min_score(guild: GuildAlertSettings, default: float) -> float:
    """The minimum score that applies to a server."""
    return guild.min_score if guild.min_score is not None else default


def rejection(
    guild: GuildAlertSettings, story: Story, *, follows: bool, default_min_score: float
) -> str | None:
    """Say why a server does not want a story, or None when it does."""
    if guild.alert_channel_id is None:
        return "no alert channel"
    if guild.paused:
        return "paused"
    if not story.labels:
        return "not a dispute"
    if not follows:
        return "does not follow any of the story's feeds"
    if guild.labels and not set(story.labels) & set(guild.labels):
        return "label filtered out"
    if story.score < effective_min_score(guild, default_min_score):
        return "score below the minimum"
    if guild.languages and story.lang not in guild.languages:
        return "language filtered out"
    if guild.watch and not set(story.parties) & set(guild.watch):
        return "no watched company involved"
    return None


def route_story(
    story: Story,
    guilds: Iterable[GuildAlertSettings],
    followers: Collection[int],
    *,
    default_min_score: float,
    default_languages: Sequence[str] = ("en", "fr"),
    console: bool = False,
    webhook: bool = False,
) -> list[Destination]:
    """Return the destinations that want ``story``.

    ``followers`` are the guild ids that follow one of the story's feeds (explicitly or through
    "all feeds"). Held servers still get their rows, in the held state, so nothing is lost.
    The webhook and the console use the global defaults (ALERT_MIN_SCORE, ALERT_LANGUAGES).
    """
    out: list[Destination] = []
    for guild in guilds:
        reason = rejection(
            guild, story, follows=guild.guild_id in followers, default_min_score=default_min_score
        )
        if reason is not None:
            continue
        out.append(
            Destination(
                destination=f"channel:{guild.alert_channel_id}",
                guild_id=guild.guild_id,
                role_id=guild.role_id,
                digest=guild.digest,
                held_reason=guild.held_reason,
            )
        )
    wants_global = (
        bool(story.labels)
        and story.score >= default_min_score
        and (not default_languages or story.lang in default_languages)
    )
    if wants_global and webhook:
        out.append(Destination("webhook"))
    if wants_global and console:
        out.append(Destination("console"))
    return out


def story_payload(story: Story, *, backfill: bool, role_id: int | None) -> dict[str, Any]:
    """The outbox payload of a story alert: the rendered message and what threads need."""
    parties = " vs ".join(story.parties[:3])
    thread_name = parties or (f"dispute d{story.dispute_id}" if story.dispute_id else story.title)
    return {
        "message": render_story(story, backfill=backfill, role_id=role_id).to_dict(),
        "dispute_id": story.dispute_id,
        "thread_name": thread_name[:100],
        "role_id": role_id,
    }


async def story_feed_ids(session: AsyncSession, story: Story) -> list[int]:
    """The feeds the story's entries came from."""
    entry_ids = [s.entry_id for s in story.sources]
    query = select(EntryRow.feed_id).where(EntryRow.story_id == story.id)
    if entry_ids:
        query = select(EntryRow.feed_id).where(
            (EntryRow.story_id == story.id) | EntryRow.id.in_(entry_ids)
        )
    return sorted(set(await session.scalars(query)))


class OutboxRouter:
    """The pipeline hook: queue (or update) outbox rows in the story's own transaction."""

    def __init__(self, settings: Settings, *, console: bool, webhook: bool) -> None:
        self.settings = settings
        self.console = console
        self.webhook = webhook

    async def on_story(self, session: AsyncSession, change: StoryChange, now: datetime) -> None:
        """Queue the alerts of a new or changed story; every message already posted is edited.

        This is the one path by which a posted alert follows its story, whatever changed it (a
        poll, a feed's first poll with backfill, a re-classified entry, a merge): each channel
        message gets one outbox row, and a change bumps the row's version, so a burst of
        changes before the worker's next round is one edit showing the final state. A story
        made only of baseline entries (``change.backfill``) goes to no new destination.
        """
        story = change.story
        backfill = change.backfill
        destinations: list[Destination] = []
        if not backfill:
            destinations = await self._destinations(session, story)
        existing = {r.destination: r for r in await outbox_repo.story_rows(session, story.id)}
        counts: dict[str, int] = {}
        for dest in destinations:
            if dest.digest != "off" and dest.guild_id is not None:
                action = await add_to_digest(
                    session,
                    destination=dest.destination,
                    guild_id=dest.guild_id,
                    period=dest.digest,
                    role_id=dest.role_id,
                    story=story,
                    created=change.created,
                    now=now,
                    held_reason=dest.held_reason,
                )
            else:
                row = existing.pop(dest.destination, None)
                marked = row.is_backfill if row is not None else backfill
                action = await outbox_repo.upsert_story_row(
                    session,
                    destination=dest.destination,
                    guild_id=dest.guild_id,
                    story_id=story.id,
                    payload=story_payload(story, backfill=marked, role_id=dest.role_id),
                    now=now,
                    held_reason=dest.held_reason,
                    is_backfill=marked,
                    existing=row,
                )
            counts[action] = counts.get(action, 0) + 1
        # Messages already sent (or queued) stay accurate even if the story no longer passes a
        # filter, and keep the backfill mark they were posted with.
        for row in existing.values():
            role_id = (row.payload or {}).get("role_id")
            action = await outbox_repo.upsert_story_row(
                session,
                destination=row.destination,
                guild_id=row.guild_id,
                story_id=story.id,
                payload=story_payload(story, backfill=row.is_backfill, role_id=role_id),
                now=now,
                held_reason=None,
                is_backfill=row.is_backfill,
                existing=row,
            )
            counts[action] = counts.get(action, 0) + 1
        if counts:
            log.debug("story s%s routed: %s", story.id, counts)

    async def _destinations(self, session: AsyncSession, story: Story) -> list[Destination]:
        followers: set[int] = set()
        for feed_id in await story_feed_ids(session, story):
            followers.update(await repository.feed_guilds(session, feed_id))
        guilds = await guilds_repo.guilds_with_channel(session, followers)
        return route_story(
            story,
            guilds,
            followers,
            default_min_score=self.settings.alert_min_score,
            default_languages=self.settings.alert_languages,
            console=self.console,
            webhook=self.webhook,
        )
