"""Per-server alert settings (guild_settings rows) as frozen dataclasses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.schema import GuildSettingsRow

DIGEST_MODES = ("off", "hourly", "daily")


@dataclass(frozen=True, slots=True)
class GuildAlertSettings:
    """How one server wants its alerts; empty labels/languages mean "all"."""

    guild_id: int
    alert_channel_id: int | None = None
    role_id: int | None = None
    labels: tuple[str, ...] = ()
    min_score: float | None = None  # None: ALERT_MIN_SCORE
    languages: tuple[str, ...] = ()
    watch: tuple[str, ...] = ()
    paused: bool = False
    digest: str = "off"
    held_reason: str | None = None
    all_feeds: bool = True


def _settings(row: GuildSettingsRow) -> GuildAlertSettings:
    return GuildAlertSettings(
        guild_id=row.guild_id,
        alert_channel_id=row.alert_channel_id,
        role_id=row.role_id,
        labels=tuple(row.labels or ()),
        min_score=row.min_score,
        languages=tuple(row.languages or ()),
        watch=tuple(row.watch or ()),
        paused=bool(row.paused),
        digest=row.digest or "off",
        held_reason=row.held_reason,
        all_feeds=bool(row.all_feeds),
    )


async def get_guild(session: AsyncSession, guild_id: int) -> GuildAlertSettings:
    """Return a server's settings (the defaults when it never changed any)."""
    row = await session.get(GuildSettingsRow, guild_id)
    return _settings(row) if row is not None else GuildAlertSettings(guild_id=guild_id)


async def update_guild(
    session: AsyncSession, guild_id: int, now: datetime, **changes: Any
) -> GuildAlertSettings:
    """Change some settings of a server, creating its row when needed."""
    unknown = set(changes) - set(GuildAlertSettings.__dataclass_fields__) - {"guild_id"}
    if unknown or "guild_id" in changes:
        raise ValueError(
            f"unknown guild setting(s): {sorted(unknown | ({'guild_id'} & set(changes)))}"
        )
    row = await session.get(GuildSettingsRow, guild_id, with_for_update=True)
    if row is None:
        row = GuildSettingsRow(
            guild_id=guild_id,
            labels=[],
            languages=[],
            watch=[],
            paused=False,
            digest="off",
            all_feeds=True,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
    for key, value in changes.items():
        setattr(row, key, list(value) if isinstance(value, tuple) else value)
    row.updated_at = now
    await session.flush()
    return _settings(row)


async def guilds_with_channel(
    session: AsyncSession, guild_ids: Iterable[int] | None = None
) -> list[GuildAlertSettings]:
    """Return the servers that have an alert channel (optionally only among ``guild_ids``)."""
    query = select(GuildSettingsRow).where(GuildSettingsRow.alert_channel_id.is_not(None))
    if guild_ids is not None:
        ids = list(guild_ids)
        if not ids:
            return []
        query = query.where(GuildSettingsRow.guild_id.in_(ids))
    rows = await session.scalars(query.order_by(GuildSettingsRow.guild_id))
    return [_settings(r) for r in rows]


async def guilds_with_channel_id(session: AsyncSession, channel_id: int) -> list[int]:
    """Return the servers whose alert channel is ``channel_id``."""
    rows = await session.scalars(
        select(GuildSettingsRow.guild_id).where(GuildSettingsRow.alert_channel_id == channel_id)
    )
    return list(rows)


async def hold_guild(session: AsyncSession, guild_id: int, reason: str, now: datetime) -> bool:
    """Mark a server's alerts held; return True only when it was not held before."""
    result = await session.execute(
        update(GuildSettingsRow)
        .where(GuildSettingsRow.guild_id == guild_id, GuildSettingsRow.held_reason.is_(None))
        .values(held_reason=reason, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def clear_channel(
    session: AsyncSession, guild_id: int, channel_id: int, now: datetime
) -> bool:
    """Forget a server's alert channel if it is still ``channel_id``; return whether it was."""
    result = await session.execute(
        update(GuildSettingsRow)
        .where(
            GuildSettingsRow.guild_id == guild_id,
            GuildSettingsRow.alert_channel_id == channel_id,
        )
        .values(alert_channel_id=None, held_reason=None, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
