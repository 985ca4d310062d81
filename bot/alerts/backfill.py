"""Backfill: post a feed's recent dispute stories to one server once, marked as backfill."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.route import story_payload
from bot.storage import outbox_repo
from bot.storage.guilds_repo import GuildAlertSettings
from bot.types import Story

log = logging.getLogger(__name__)


async def enqueue_backfill(
    session: AsyncSession, guild: GuildAlertSettings, stories: Sequence[Story], now: datetime
) -> int:
    """Queue stories not yet posted to the server's alert channel; return how many were queued.

    A story already posted there (or queued) is skipped, so a second backfill posts nothing.
    """
    if guild.alert_channel_id is None:
        return 0
    destination = f"channel:{guild.alert_channel_id}"
    queued = 0
    for story in sorted(stories, key=lambda s: s.first_seen):
        existing = [
            r
            for r in await outbox_repo.story_rows(session, story.id)
            if r.destination == destination
        ]
        if existing:
            continue
        await outbox_repo.upsert_story_row(
            session,
            destination=destination,
            guild_id=guild.guild_id,
            story_id=story.id,
            payload=story_payload(story, backfill=True, role_id=None),
            now=now,
            held_reason=guild.held_reason,
            is_backfill=True,
            existing=None,
        )
        queued += 1
    log.info("backfill for guild %s: %d stories queued", guild.guild_id, queued)
    return queued
