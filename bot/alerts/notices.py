"""Notices to a server's alert channel: a feed was disabled, a permission is missing..."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.render import render_notice
from bot.storage import guilds_repo, outbox_repo, repository

log = logging.getLogger(__name__)


async def enqueue_notice(session: AsyncSession, guild_id: int, text: str, now: datetime) -> bool:
    """Queue a notice for a server's alert channel; False (and a log line) when it has none."""
    guild = await guilds_repo.get_guild(session, guild_id)
    if guild.alert_channel_id is None:
        log.warning("notice for guild %s not queued (no alert channel): %s", guild_id, text)
        return False
    await outbox_repo.add_row(
        session,
        destination=f"channel:{guild.alert_channel_id}",
        guild_id=guild_id,
        kind="notice",
        payload={"message": render_notice(text).to_dict()},
        now=now,
        held_reason=guild.held_reason,
    )
    return True


async def notify_feed_disabled(
    session: AsyncSession, feed_id: int, feed_title: str, reason: str, now: datetime
) -> int:
    """Tell every server following a feed that it was disabled; return how many were told."""
    text = (
        f"The feed “{feed_title or f'#{feed_id}'}” (id {feed_id}) was disabled: {reason}. "
        "Use /feeds to re-enable or remove it."
    )
    told = 0
    for guild_id in await repository.feed_guilds(session, feed_id):
        if await enqueue_notice(session, guild_id, text, now):
            told += 1
    log.info("feed %s disabled (%s): notice queued for %d server(s)", feed_id, reason, told)
    return told
