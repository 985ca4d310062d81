"""A minimal Discord gateway on the fake REST server, plus payload builders for tests.

It speaks JSON text frames: HELLO on connect; IDENTIFY → READY then GUILD_CREATE for each guild;
HEARTBEAT → HEARTBEAT_ACK. Tests push events (INTERACTION_CREATE…) with ``dispatch``.

Usage::

    async with FakeDiscord() as fake:   # build FakeGateway(fake) *before* start()
        ...
"""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from bot.discord_app import INVITE_PERMISSIONS
from tests.fakes.fake_discord import FakeDiscord

GUILD_ID = 800_000_000_000_000_001
CHANNEL_ID = 800_000_000_000_000_010
SYSTEM_CHANNEL_ID = 800_000_000_000_000_011
ADMIN_ID = 800_000_000_000_000_100
OWNER_ID = 800_000_000_000_000_101
# Everything the bot needs, as a Discord permissions string (see docs/discord.md).
BOT_PERMISSIONS = INVITE_PERMISSIONS.value
ADMIN_PERMISSIONS = (1 << 41) - 1  # every classic permission, Administrator included


def now_iso() -> str:
    """An ISO timestamp, as Discord sends them."""
    return datetime.now(UTC).isoformat()


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    """A user object."""
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def member(
    user_id: int,
    name: str,
    *,
    roles: list[int] | None = None,
    bot: bool = False,
    permissions: int | None = None,
) -> dict[str, Any]:
    """A guild member object (with permissions when it comes in an interaction)."""
    data: dict[str, Any] = {
        "user": user(user_id, name, bot=bot),
        "roles": [str(r) for r in roles or []],
        "joined_at": now_iso(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
        "premium_since": None,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def text_channel(
    channel_id: int,
    name: str,
    *,
    guild_id: int = GUILD_ID,
    overwrites: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A guild text channel object."""
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": 0,
        "permission_overwrites": overwrites or [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def role(role_id: int, name: str, permissions: int, position: int = 0) -> dict[str, Any]:
    """A role object."""
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": False,
        "mentionable": True,
        "flags": 0,
    }


def guild(
    bot_user_id: int,
    *,
    guild_id: int = GUILD_ID,
    channels: list[dict[str, Any]] | None = None,
    everyone_permissions: int = 1024 | 2048 | 65536,
    bot_role_permissions: int = BOT_PERMISSIONS,
) -> dict[str, Any]:
    """A GUILD_CREATE payload: @everyone, the bot's role, channels and the bot's member."""
    bot_role = guild_id + 5
    return {
        "id": str(guild_id),
        "name": "Test Server",
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(OWNER_ID),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [
            role(guild_id, "@everyone", everyone_permissions),
            role(bot_role, "disputewatch", bot_role_permissions, 1),
        ],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_id": str(SYSTEM_CHANNEL_ID),
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "joined_at": now_iso(),
        "large": False,
        "unavailable": False,
        "member_count": 3,
        "voice_states": [],
        "members": [member(bot_user_id, "disputewatch", roles=[bot_role], bot=True)],
        "channels": channels
        or [
            text_channel(CHANNEL_ID, "disputes", guild_id=guild_id),
            text_channel(SYSTEM_CHANNEL_ID, "general", guild_id=guild_id),
        ],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


_interaction_ids = itertools.count(700_000_000_000_000_001)


def slash(
    application_id: int,
    name: str,
    options: list[dict[str, Any]] | None = None,
    *,
    guild_id: int | None = GUILD_ID,
    channel_id: int = CHANNEL_ID,
    user_id: int = ADMIN_ID,
    permissions: int = ADMIN_PERMISSIONS,
    resolved: dict[str, Any] | None = None,
    app_permissions: int = BOT_PERMISSIONS,
) -> dict[str, Any]:
    """An APPLICATION_COMMAND interaction payload as Discord sends it."""
    iid = next(_interaction_ids)
    data: dict[str, Any] = {
        "id": str(iid),
        "application_id": str(application_id),
        "type": 2,
        "token": f"token-{iid}",
        "version": 1,
        "channel_id": str(channel_id),
        "channel": (
            {
                **text_channel(channel_id, "disputes", guild_id=guild_id),
                "permissions": str(permissions),
            }
            if guild_id
            else {"id": str(channel_id), "type": 1, "recipients": [user(user_id, "admin")]}
        ),
        "data": {"id": str(iid + 1), "name": name, "type": 1, "options": options or []},
        "app_permissions": str(app_permissions),
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild_id or 0)},
        "context": 0 if guild_id else 1,
        "attachment_size_limit": 10_485_760,
    }
    if resolved:
        data["data"]["resolved"] = resolved
    if guild_id:
        data["guild_id"] = str(guild_id)
        data["guild_locale"] = "en-US"
        data["member"] = member(user_id, "admin", permissions=permissions)
    else:
        data["user"] = user(user_id, "admin")
    return data


def sub(name: str, **values: Any) -> list[dict[str, Any]]:
    """Options for `/group name key=value …` (strings type 3, ints 4, floats 10)."""
    opts = []
    for key, value in values.items():
        kind = 4 if isinstance(value, int) else 10 if isinstance(value, float) else 3
        if isinstance(value, tuple):  # (type, value) for channels (7), roles (8)...
            kind, value = value
        opts.append({"name": key, "type": kind, "value": value})
    return [{"name": name, "type": 1, "options": opts}]


def button(
    application_id: int,
    message: dict[str, Any],
    custom_id: str,
    *,
    user_id: int = ADMIN_ID,
    guild_id: int = GUILD_ID,
) -> dict[str, Any]:
    """A MESSAGE_COMPONENT (button press) interaction on ``message``."""
    iid = next(_interaction_ids)
    return {
        "id": str(iid),
        "application_id": str(application_id),
        "type": 3,
        "token": f"token-{iid}",
        "version": 1,
        "guild_id": str(guild_id),
        "channel_id": str(CHANNEL_ID),
        "channel": text_channel(CHANNEL_ID, "disputes", guild_id=guild_id),
        "member": member(user_id, "someone", permissions=ADMIN_PERMISSIONS),
        "message": message,
        "data": {"custom_id": custom_id, "component_type": 2},
        "app_permissions": str(BOT_PERMISSIONS),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild_id)},
        "context": 0,
        "attachment_size_limit": 10_485_760,
    }


class FakeGateway:
    """Serve ws://…/gateway on a FakeDiscord; push events to the connected bot.

    Several connections (shards, processes) may be open at once: each gets its own READY, and
    ``dispatch`` goes to the latest one unless a shard id is given.
    """

    def __init__(self, fake: FakeDiscord, guilds: list[dict[str, Any]] | None = None) -> None:
        self.fake = fake
        self.guilds = guilds if guilds is not None else [guild(fake.bot_user_id)]
        self.received: list[dict[str, Any]] = []
        self.identified = asyncio.Event()
        self._ws: web.WebSocketResponse | None = None
        self._by_shard: dict[int, web.WebSocketResponse] = {}
        self._seq = 0
        fake.app.router.add_get("/gateway", self._handle)

    @property
    def shards(self) -> list[list[int] | None]:
        """The ``shard`` field of every IDENTIFY received ([id, count], or None unsharded)."""
        return [p["d"].get("shard") for p in self.received if p.get("op") == 2]

    async def dispatch(self, event: str, data: Any, *, shard: int | None = None) -> None:
        """Send one DISPATCH (op 0) event to the bot (to the connection of ``shard`` if given)."""
        ws = self._ws if shard is None else self._by_shard.get(shard)
        if ws is None or ws.closed:
            raise RuntimeError("no bot is connected to the fake gateway")
        await self._send(ws, event, data)

    async def _send(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        self._seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45_000}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            self.received.append(payload)
            op = payload.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                shard = payload["d"].get("shard")
                if shard:
                    self._by_shard[int(shard[0])] = ws
                await self._ready(ws, shard)
                self.identified.set()
        return ws

    async def _ready(self, ws: web.WebSocketResponse, shard: list[int] | None) -> None:
        fake = self.fake
        # A guild lives on one shard only, as on Discord: (guild_id >> 22) % shard_count.
        guilds = [
            g for g in self.guilds if not shard or (int(g["id"]) >> 22) % shard[1] == shard[0]
        ]
        await self._send(
            ws,
            "READY",
            {
                "v": 10,
                "user": {**fake.bot_user(), "verified": True, "mfa_enabled": False},
                "session_id": "fake-session",
                "resume_gateway_url": fake.gateway_url,
                "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
                "application": {"id": str(fake.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                **({"shard": shard} if shard else {}),
            },
        )
        for data in guilds:
            await self._send(ws, "GUILD_CREATE", data)
