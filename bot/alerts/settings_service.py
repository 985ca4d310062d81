"""Validated changes to a server's alert settings (what /alerts … commands call)."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.detect.entities import all_parties, canonical_party, party_aliases
from bot.errors import UserError
from bot.settings import Settings
from bot.storage import guilds_repo, outbox_repo
from bot.storage.db import Database
from bot.storage.guilds_repo import DIGEST_MODES, GuildAlertSettings
from bot.types import LABELS

log = logging.getLogger(__name__)

LANGUAGES = ("en", "fr")
WATCH_MAX = 50

__all__ = ["GuildAlertSettings", "GuildSettingsService"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _snowflake(kind: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value >= 2**63:
        raise UserError(f"That is not a valid {kind} id.")
    return value


def _choices(kind: str, values: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    cleaned = []
    for value in values:
        v = value.strip().lower()
        if v not in allowed:
            raise UserError(f"Unknown {kind} {value!r}; choose from {', '.join(allowed)}.")
        if v not in cleaned:
            cleaned.append(v)
    # All of them is the same as "no filter"; store it that way so new values stay included.
    return () if set(cleaned) == set(allowed) else tuple(sorted(cleaned))


def suggest_companies(name: str, limit: int = 5) -> list[str]:
    """Canonical companies whose name or alias looks like ``name``."""
    names: dict[str, str] = {}
    for canonical in all_parties():
        for alias in [canonical, *party_aliases(canonical)]:
            names.setdefault(alias.casefold(), canonical)
    matches = difflib.get_close_matches(name.casefold(), list(names), n=limit * 3, cutoff=0.6)
    needle = name.casefold()
    if len(needle) >= 3:
        matches += [alias for alias in names if alias.startswith(needle)]
    out: list[str] = []
    for match in matches:
        canonical = names[match]
        if canonical not in out:
            out.append(canonical)
    return out[:limit]


class GuildSettingsService:
    """Read and change a server's alert settings; every change is validated."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.database = database
        self.settings = settings
        self._clock = clock

    async def get(self, guild_id: int) -> GuildAlertSettings:
        """Return a server's settings (``show all``)."""
        async with self.database.sessions() as session:
            return await guilds_repo.get_guild(session, guild_id)

    async def _update(self, guild_id: int, **changes: Any) -> GuildAlertSettings:
        async with self.database.sessions.begin() as session:
            return await guilds_repo.update_guild(session, guild_id, self._clock(), **changes)

    async def set_channel(self, guild_id: int, channel_id: int) -> GuildAlertSettings:
        """Send alerts to ``channel_id``; this also clears a hold and releases held alerts."""
        _snowflake("channel", channel_id)
        now = self._clock()
        async with self.database.sessions.begin() as session:
            before = await guilds_repo.get_guild(session, guild_id)
            after = await guilds_repo.update_guild(
                session, guild_id, now, alert_channel_id=channel_id, held_reason=None
            )
            released = 0
            new_dest = f"channel:{channel_id}"
            if before.alert_channel_id is not None:
                old_dest = f"channel:{before.alert_channel_id}"
                released = await outbox_repo.release_held(session, old_dest, now, to=new_dest)
            if before.alert_channel_id != channel_id:
                released += await outbox_repo.release_held(session, new_dest, now)
        if released:
            log.info(
                "guild %s: %d held alert(s) released to channel %s", guild_id, released, channel_id
            )
        return after

    async def clear_channel(self, guild_id: int) -> GuildAlertSettings:
        """Stop sending alerts to any channel (nothing new is queued for this server)."""
        return await self._update(guild_id, alert_channel_id=None)

    async def set_filter(
        self,
        guild_id: int,
        *,
        labels: Sequence[str] | None = None,
        min_score: float | None = None,
        languages: Sequence[str] | None = None,
    ) -> GuildAlertSettings:
        """Change the filters given (None leaves one as it is)."""
        changes: dict[str, Any] = {}
        if labels is not None:
            changes["labels"] = _choices("label", labels, LABELS)
        if languages is not None:
            changes["languages"] = _choices("language", languages, LANGUAGES)
        if min_score is not None:
            if not 0.0 <= float(min_score) <= 1.0:
                raise UserError("The minimum score must be between 0 and 1.")
            changes["min_score"] = float(min_score)
        if not changes:
            raise UserError("Give at least one of labels, min_score or languages.")
        return await self._update(guild_id, **changes)

    async def reset_filter(self, guild_id: int) -> GuildAlertSettings:
        """Go back to every label, every language and the default minimum score."""
        return await self._update(guild_id, labels=(), languages=(), min_score=None)

    async def watch(self, guild_id: int, company: str) -> GuildAlertSettings:
        """Only alert on stories involving watched companies (adds one)."""
        canonical = self._canonical(company)
        current = await self.get(guild_id)
        if canonical in current.watch:
            return current
        if len(current.watch) >= WATCH_MAX:
            raise UserError(f"A server can watch at most {WATCH_MAX} companies.")
        return await self._update(guild_id, watch=(*current.watch, canonical))

    async def unwatch(self, guild_id: int, company: str) -> GuildAlertSettings:
        """Stop watching a company."""
        current = await self.get(guild_id)
        canonical = canonical_party(company.strip()) or company.strip()
        if canonical not in current.watch:
            watched = ", ".join(current.watch) or "none"
            raise UserError(f"{company!r} is not on the watch list (watched: {watched}).")
        return await self._update(guild_id, watch=tuple(c for c in current.watch if c != canonical))

    def _canonical(self, company: str) -> str:
        name = company.strip()
        if not name:
            raise UserError("Give a company name.")
        canonical = canonical_party(name)
        if canonical is not None:
            return canonical
        close = suggest_companies(name)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UserError(f"I do not know the company {name!r}.{hint}")

    async def set_role(self, guild_id: int, role_id: int | None) -> GuildAlertSettings:
        """Ping ``role_id`` with each alert (None: ping nobody)."""
        if role_id is not None:
            _snowflake("role", role_id)
            if role_id == guild_id:
                raise UserError("Pinging @everyone is not allowed; pick a role.")
        return await self._update(guild_id, role_id=role_id)

    async def pause(self, guild_id: int) -> GuildAlertSettings:
        """Stop queueing alerts for this server until resumed."""
        return await self._update(guild_id, paused=True)

    async def resume(self, guild_id: int) -> GuildAlertSettings:
        """Queue alerts again; also clears a permission hold and releases held alerts."""
        now = self._clock()
        async with self.database.sessions.begin() as session:
            after = await guilds_repo.update_guild(
                session, guild_id, now, paused=False, held_reason=None
            )
            released = 0
            if after.alert_channel_id is not None:
                dest = f"channel:{after.alert_channel_id}"
                released = await outbox_repo.release_held(session, dest, now)
        if released:
            log.info("guild %s: %d held alert(s) released", guild_id, released)
        return after

    async def set_digest(self, guild_id: int, mode: str) -> GuildAlertSettings:
        """Group alerts into one message per hour or day ("off" for one message per story)."""
        value = mode.strip().lower()
        if value not in DIGEST_MODES:
            raise UserError(f"Digest must be one of {', '.join(DIGEST_MODES)}.")
        return await self._update(guild_id, digest=value)

    async def set_all_feeds(self, guild_id: int, enabled: bool) -> GuildAlertSettings:
        """Follow every feed (True) or only the feeds this server subscribed to (False)."""
        return await self._update(guild_id, all_feeds=bool(enabled))
