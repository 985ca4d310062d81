"""A local fake of the Discord REST API: records every request, keeps messages, injects faults.

Usage::

    async with FakeDiscord() as fake:
        ...  # point the code at fake.base_url ("http://127.0.0.1:PORT/api/v10")
        fake.fail_next("POST", r"/channels/\\d+/messages$", 429, retry_after=0.01)
        assert fake.messages(123)[0]["content"] == "hi"

Every answer carries ``Content-Type: application/json`` exactly (discord.py reads anything else as
text). A 429 carries ``Via``, ``Retry-After`` and a ``retry_after`` body like Discord's, so
discord.py retries instead of assuming a Cloudflare ban. ``enforce_nonce`` is honoured the way
Discord does: a second create with the same nonce in the same channel returns the first message
instead of creating another. Executing a webhook ignores ``nonce`` and ``enforce_nonce``, as
Discord does (they are documented for Create Message only; discord/discord-api-docs#6647).

The application is built in ``__init__`` so a gateway (or any extra route) can be added to
``fake.app`` before ``start()``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

API = "/api/v10"
JSON_CT = "application/json"

# Kept on stored messages for assertions, never sent back (Discord does not echo them).
_PRIVATE_KEYS = frozenset({"allowed_mentions", "interaction_token"})

JSON_BODY = web.RequestKey("json_body", object)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str  # full path, e.g. /api/v10/channels/1/messages
    query: dict[str, str]
    json: Any
    headers: dict[str, str]

    @property
    def api_path(self) -> str:
        """The path without the /api/v10 prefix."""
        return self.path[len(API) :] if self.path.startswith(API) else self.path


@dataclass
class Fault:
    """A programmed answer for the next matching requests."""

    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float = 0.05
    delay: float = 0.0
    body: dict[str, Any] | None = None
    is_global: bool = False
    delay_after: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        """Say whether this fault applies to a request."""
        return (self.method == "*" or self.method == method) and bool(self.pattern.search(path))


@dataclass
class _Webhook:
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Answer JSON with a Content-Type of exactly application/json."""
    resp = web.Response(body=json.dumps(data).encode("utf-8"), status=status, headers=headers or {})
    resp.headers["Content-Type"] = JSON_CT
    return resp


def _payload(request: web.Request) -> dict[str, Any]:
    body = request[JSON_BODY]
    return body if isinstance(body, dict) else {}


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class FakeDiscord:
    """An aiohttp app on 127.0.0.1 (random port) that speaks enough Discord REST for the bot."""

    def __init__(
        self,
        *,
        bot_user_id: int = 900_000_000_000_000_001,
        application_id: int = 900_000_000_000_000_002,
        bot_name: str = "disputewatch",
        host: str = "127.0.0.1",
    ) -> None:
        self.host = host
        self.bot_user_id = bot_user_id
        self.application_id = application_id
        self.bot_name = bot_name
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.channels: dict[int, dict[int, dict[str, Any]]] = {}
        self.threads: dict[int, dict[str, Any]] = {}
        self.webhooks: dict[int, _Webhook] = {}
        self.interaction_responses: list[dict[str, Any]] = []
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        # Channels answering 403/404 until changed: channel_id -> status.
        self.channel_status: dict[int, int] = {}
        self._nonces: dict[tuple[str, str], dict[str, Any]] = {}
        self._ids = itertools.count(1_100_000_000_000_000_000)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self.app = web.Application(middlewares=[self._middleware])
        self._add_routes()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a random local port."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None)
        assert sockets
        self._port = int(sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def port(self) -> int:
        """The port the fake listens on."""
        return self._port

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://{self.host}:{self._port}"

    @property
    def base_url(self) -> str:
        """The REST base to give the bot (DISCORD_API_BASE)."""
        return f"{self.url}{API}"

    @property
    def gateway_url(self) -> str:
        """The websocket URL announced by GET /gateway (served only if a gateway is added)."""
        return f"ws://{self.host}:{self._port}/gateway"

    # -- programming faults and reading state ----------------------------------------------

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float = 0.05,
        delay: float = 0.0,
        body: dict[str, Any] | None = None,
        is_global: bool = False,
    ) -> Fault:
        """Answer the next ``times`` requests matching (method, regex searched in path) with status.

        ``method`` may be "*". ``status`` 0 means "no fault, only the delay".
        """
        fault = Fault(
            method=method.upper(),
            pattern=re.compile(path_regex),
            status=status,
            times=times,
            retry_after=retry_after,
            delay=delay,
            body=body,
            is_global=is_global,
        )
        self.faults.append(fault)
        return fault

    def delay_next(self, method: str, path_regex: str, seconds: float, *, times: int = 1) -> Fault:
        """Delay the next matching requests, then answer them normally."""
        return self.fail_next(method, path_regex, 0, times=times, delay=seconds)

    def delay_response_next(
        self, method: str, path_regex: str, seconds: float, *, times: int = 1
    ) -> Fault:
        """Handle the next matching requests at once, but hold their answers back.

        This is the window where Discord has created a message the client has not heard of.
        """
        fault = self.fail_next(method, path_regex, 0, times=times)
        fault.delay_after = seconds
        return fault

    def messages(self, channel_id: int) -> list[dict[str, Any]]:
        """The messages currently in a channel or thread, oldest first."""
        return list(self.channels.get(int(channel_id), {}).values())

    def webhook_messages(self, webhook_id: int) -> list[dict[str, Any]]:
        """The messages a webhook (or interaction followups of an application) created."""
        hook = self.webhooks.get(int(webhook_id))
        return list(hook.messages.values()) if hook else []

    def requests_for(self, method: str, path_regex: str) -> list[RecordedRequest]:
        """The recorded requests matching (method, regex searched in the path)."""
        pattern = re.compile(path_regex)
        return [
            r
            for r in self.requests
            if (method == "*" or r.method == method.upper()) and pattern.search(r.path)
        ]

    def next_id(self) -> int:
        """A fresh snowflake-like id."""
        return next(self._ids)

    # -- plumbing --------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body and request.content_type == "application/json":
            raw = await request.read()
            body = json.loads(raw) if raw else None
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                json=body,
                headers={k: v for k, v in request.headers.items()},
            )
        )
        request[JSON_BODY] = body
        for fault in list(self.faults):
            if fault.times > 0 and fault.matches(request.method, request.path):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                if fault.status:
                    return self._fault_response(fault)
                if fault.delay_after:
                    response = await handler(request)
                    await asyncio.sleep(fault.delay_after)
                    return response
                break
        return await handler(request)

    def _fault_response(self, fault: Fault) -> web.Response:
        status = fault.status
        if status == 429:
            data = fault.body or {
                "message": "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.is_global,
            }
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(fault.retry_after),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": str(fault.retry_after),
                "X-RateLimit-Bucket": "fakebucket",
                "X-RateLimit-Scope": "user",
            }
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
            return json_response(data, status, headers)
        messages = {403: "Missing Permissions", 404: "Unknown Channel", 401: "401: Unauthorized"}
        codes = {403: 50013, 404: 10003, 401: 0}
        data = fault.body or {
            "message": messages.get(status, "Internal Server Error"),
            "code": codes.get(status, 0),
        }
        return json_response(data, status)

    def _add_routes(self) -> None:
        r = self.app.router
        r.add_get(f"{API}/users/@me", self._users_me)
        r.add_get(f"{API}/oauth2/applications/@me", self._application)
        r.add_get(f"{API}/applications/@me", self._application)
        r.add_get(f"{API}/gateway", self._gateway)
        r.add_get(f"{API}/gateway/bot", self._gateway_bot)
        r.add_put(f"{API}/applications/{{app_id}}/commands", self._put_global_commands)
        r.add_get(f"{API}/applications/{{app_id}}/commands", self._get_global_commands)
        r.add_put(
            f"{API}/applications/{{app_id}}/guilds/{{guild_id}}/commands", self._put_guild_commands
        )
        r.add_get(
            f"{API}/applications/{{app_id}}/guilds/{{guild_id}}/commands", self._get_guild_commands
        )
        r.add_post(f"{API}/channels/{{channel_id}}/messages", self._create_message)
        r.add_get(f"{API}/channels/{{channel_id}}/messages", self._list_messages)
        r.add_get(f"{API}/channels/{{channel_id}}/messages/{{mid}}", self._get_message)
        r.add_patch(f"{API}/channels/{{channel_id}}/messages/{{mid}}", self._edit_message)
        r.add_delete(f"{API}/channels/{{channel_id}}/messages/{{mid}}", self._delete_message)
        r.add_post(f"{API}/channels/{{channel_id}}/messages/{{mid}}/threads", self._create_thread)
        r.add_post(f"{API}/interactions/{{iid}}/{{token}}/callback", self._interaction_callback)
        r.add_post(f"{API}/webhooks/{{wid}}/{{token}}", self._webhook_execute)
        r.add_get(f"{API}/webhooks/{{wid}}/{{token}}/messages/{{mid}}", self._webhook_get)
        r.add_patch(f"{API}/webhooks/{{wid}}/{{token}}/messages/{{mid}}", self._webhook_edit)
        r.add_delete(f"{API}/webhooks/{{wid}}/{{token}}/messages/{{mid}}", self._webhook_delete)

    # -- objects ---------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        """The bot's user object."""
        return {
            "id": str(self.bot_user_id),
            "username": self.bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "flags": 0,
            "public_flags": 0,
        }

    def _message(
        self,
        channel_id: int,
        payload: dict[str, Any],
        *,
        webhook_id: int | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "id": str(message_id or self.next_id()),
            "channel_id": str(channel_id),
            "content": payload.get("content") or "",
            "embeds": list(payload.get("embeds") or []),
            "author": self.bot_user(),
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "pinned": False,
            "type": 0,
            "flags": int(payload.get("flags") or 0),
            "components": list(payload.get("components") or []),
        }
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        if webhook_id is not None:
            msg["webhook_id"] = str(webhook_id)
        msg["allowed_mentions"] = payload.get("allowed_mentions")
        return msg

    @staticmethod
    def _public(msg: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in msg.items() if k not in _PRIVATE_KEYS}

    def _channel_error(self, channel_id: int) -> web.Response | None:
        status = self.channel_status.get(channel_id)
        if status == 403:
            return json_response({"message": "Missing Permissions", "code": 50013}, 403)
        if status == 404:
            return json_response({"message": "Unknown Channel", "code": 10003}, 404)
        return None

    def _dedupe(self, scope: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        nonce = payload.get("nonce")
        if nonce is None or not payload.get("enforce_nonce"):
            return None
        return self._nonces.get((scope, str(nonce)))

    def _remember_nonce(self, scope: str, payload: dict[str, Any], msg: dict[str, Any]) -> None:
        nonce = payload.get("nonce")
        if nonce is not None and payload.get("enforce_nonce"):
            self._nonces[(scope, str(nonce))] = msg

    # -- handlers: identity, gateway, commands ---------------------------------------------

    async def _users_me(self, request: web.Request) -> web.Response:
        return json_response(self.bot_user())

    async def _application(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "id": str(self.application_id),
                "name": self.bot_name,
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": {
                    "id": "900000000000000003",
                    "username": "owner",
                    "discriminator": "0",
                    "global_name": None,
                    "avatar": None,
                },
                "verify_key": "0" * 64,
                "flags": 0,
                "bot": self.bot_user(),
            }
        )

    async def _gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url})

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    def _commands_from(self, payload: Any, guild_id: int | None) -> list[dict[str, Any]]:
        out = []
        for cmd in payload or []:
            item = dict(cmd)
            item.setdefault("type", 1)
            item.setdefault("description", "")
            item.update(
                {
                    "id": str(self.next_id()),
                    "application_id": str(self.application_id),
                    "version": str(self.next_id()),
                }
            )
            if guild_id is not None:
                item["guild_id"] = str(guild_id)
            out.append(item)
        return out

    async def _put_global_commands(self, request: web.Request) -> web.Response:
        self.global_commands = self._commands_from(request[JSON_BODY], None)
        return json_response(self.global_commands)

    async def _get_global_commands(self, request: web.Request) -> web.Response:
        return json_response(self.global_commands)

    async def _put_guild_commands(self, request: web.Request) -> web.Response:
        guild_id = int(request.match_info["guild_id"])
        self.guild_commands[guild_id] = self._commands_from(request[JSON_BODY], guild_id)
        return json_response(self.guild_commands[guild_id])

    async def _get_guild_commands(self, request: web.Request) -> web.Response:
        return json_response(self.guild_commands.get(int(request.match_info["guild_id"]), []))

    # -- handlers: channel messages and threads ---------------------------------------------

    async def _create_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel_id"])
        error = self._channel_error(channel_id)
        if error is not None:
            return error
        payload = _payload(request)
        existing = self._dedupe(f"channel:{channel_id}", payload)
        if existing is not None:
            return json_response(self._public(existing))
        msg = self._message(channel_id, payload)
        self.channels.setdefault(channel_id, {})[int(msg["id"])] = msg
        self._remember_nonce(f"channel:{channel_id}", payload, msg)
        return json_response(self._public(msg))

    async def _list_messages(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel_id"])
        limit = int(request.query.get("limit", "50"))
        newest_first = list(reversed(self.messages(channel_id)))[:limit]
        return json_response([self._public(m) for m in newest_first])

    def _find(self, request: web.Request) -> dict[str, Any] | None:
        channel_id = int(request.match_info["channel_id"])
        return self.channels.get(channel_id, {}).get(int(request.match_info["mid"]))

    async def _get_message(self, request: web.Request) -> web.Response:
        msg = self._find(request)
        if msg is None:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        return json_response(self._public(msg))

    async def _edit_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel_id"])
        error = self._channel_error(channel_id)
        if error is not None:
            return error
        msg = self._find(request)
        if msg is None:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        self._apply_edit(msg, _payload(request))
        return json_response(self._public(msg))

    @staticmethod
    def _apply_edit(msg: dict[str, Any], payload: dict[str, Any]) -> None:
        for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
            if key in payload:
                msg[key] = payload[key] if payload[key] is not None else msg.get(key)
        msg["edited_timestamp"] = _now_iso()

    async def _delete_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel_id"])
        self.channels.get(channel_id, {}).pop(int(request.match_info["mid"]), None)
        return web.Response(status=204)

    async def _create_thread(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel_id"])
        error = self._channel_error(channel_id)
        if error is not None:
            return error
        msg = self._find(request)
        if msg is None:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        if "thread" in msg:
            return json_response(
                {"message": "A thread has already been created for this message", "code": 160004},
                400,
            )
        payload = _payload(request)
        # Discord gives a thread started from a message the message's id.
        thread_id = int(msg["id"])
        thread = {
            "id": str(thread_id),
            "type": 11,
            "guild_id": payload.get("guild_id", "0"),
            "parent_id": str(channel_id),
            "owner_id": str(self.bot_user_id),
            "name": payload.get("name", ""),
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": payload.get("auto_archive_duration", 1440),
                "archive_timestamp": _now_iso(),
                "locked": False,
            },
            "flags": 0,
        }
        self.threads[thread_id] = thread
        msg["thread"] = thread
        self.channels.setdefault(thread_id, {})
        return json_response(thread, 201)

    # -- handlers: interactions and webhooks -------------------------------------------------

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        payload = _payload(request)
        token = request.match_info["token"]
        record = {
            "interaction_id": request.match_info["iid"],
            "token": token,
            "type": payload.get("type"),
            "data": payload.get("data"),
        }
        self.interaction_responses.append(record)
        hook = self.webhooks.setdefault(self.application_id, _Webhook())
        data = payload.get("data") or {}
        original_id = self.next_id()
        msg = self._message(0, data, webhook_id=self.application_id, message_id=original_id)
        msg["interaction_token"] = token
        if payload.get("type") in (4, 5):
            hook.messages[original_id] = msg
        response: dict[str, Any] = {
            "interaction": {
                "id": request.match_info["iid"],
                "type": 2,
                "response_message_id": str(original_id),
                "response_message_loading": payload.get("type") == 5,
                "response_message_ephemeral": bool(int(data.get("flags") or 0) & 64),
            },
        }
        if payload.get("type") == 4:
            response["resource"] = {"type": 4, "message": self._public(msg)}
        if request.query.get("with_response") in ("1", "true", "True"):
            return json_response(response)
        return web.Response(status=204)

    def _original(self, wid: int, token: str) -> dict[str, Any] | None:
        hook = self.webhooks.get(wid)
        if hook is None:
            return None
        for msg in hook.messages.values():
            if msg.get("interaction_token") == token:
                return msg
        return None

    async def _webhook_execute(self, request: web.Request) -> web.Response:
        wid = int(request.match_info["wid"])
        payload = _payload(request)
        wait = request.query.get("wait", "false").lower() in ("1", "true")
        thread_id = request.query.get("thread_id")
        channel_id = int(thread_id) if thread_id else wid
        msg = self._message(channel_id, payload, webhook_id=wid)
        msg["interaction_token"] = None
        self.webhooks.setdefault(wid, _Webhook()).messages[int(msg["id"])] = msg
        if thread_id:
            self.channels.setdefault(int(thread_id), {})[int(msg["id"])] = msg
        return json_response(self._public(msg)) if wait else web.Response(status=204)

    def _webhook_message(self, request: web.Request) -> dict[str, Any] | None:
        wid = int(request.match_info["wid"])
        mid = request.match_info["mid"]
        if mid == "@original":
            return self._original(wid, request.match_info["token"])
        hook = self.webhooks.get(wid)
        return hook.messages.get(int(mid)) if hook else None

    async def _webhook_get(self, request: web.Request) -> web.Response:
        msg = self._webhook_message(request)
        if msg is None:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        return json_response(self._public(msg))

    async def _webhook_edit(self, request: web.Request) -> web.Response:
        msg = self._webhook_message(request)
        if msg is None:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        self._apply_edit(msg, _payload(request))
        return json_response(self._public(msg))

    async def _webhook_delete(self, request: web.Request) -> web.Response:
        wid = int(request.match_info["wid"])
        msg = self._webhook_message(request)
        hook = self.webhooks.get(wid)
        if msg is not None and hook is not None:
            hook.messages.pop(int(msg["id"]), None)
        return web.Response(status=204)
