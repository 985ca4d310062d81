"""Where alerts go: the Transport protocol, its typed errors, and transports without discord.py.

A destination string names where a row goes: ``"channel:<id>"`` (a Discord channel, through the
bot), ``"webhook"`` (ALERT_WEBHOOK_URL) or ``"console"`` (stdout when there is no token). The
outbox worker picks the transport by the part before the colon.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import aiohttp

from bot.alerts.render import AlertMessage, render_console
from bot.errors import DisputewatchError
from bot.settings import Secret

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://discord.com/api/v10"
THREAD_NAME_MAX = 100

NotFoundWhat = Literal["channel", "message", "webhook", "thread", "unknown"]


# -- destinations ---------------------------------------------------------------------------


def channel_destination(channel_id: int) -> str:
    """The destination string of a Discord channel."""
    return f"channel:{int(channel_id)}"


def destination_kind(destination: str) -> str:
    """The transport key of a destination: "channel", "webhook" or "console"."""
    return destination.split(":", 1)[0]


def destination_channel(destination: str) -> int | None:
    """The channel id of a "channel:<id>" destination, else None."""
    kind, _, rest = destination.partition(":")
    return int(rest) if kind == "channel" and rest.isdigit() else None


# -- results and errors ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentMessage:
    """What a transport returns after sending: the message and the channel it landed in."""

    message_id: int
    channel_id: int


class TransportError(DisputewatchError):
    """A delivery failed; subclasses say what the outbox should do about it."""


class RateLimited(TransportError):
    """429: wait ``retry_after`` seconds and try again; not counted as an attempt."""

    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        super().__init__(f"{message} (retry after {retry_after:.2f}s)")
        self.retry_after = max(0.0, float(retry_after))


class TransientError(TransportError):
    """5xx, timeouts, connection errors: retry later with backoff."""


class Forbidden(TransportError):
    """403: the bot may not post there; hold the destination until an admin fixes it."""


class NotFound(TransportError):
    """404: the channel, thread, webhook or message is gone."""

    def __init__(self, message: str, *, what: NotFoundWhat = "unknown") -> None:
        super().__init__(message)
        self.what: NotFoundWhat = what


class Rejected(TransportError):
    """Another 4xx: Discord refused this message; retrying will not help."""


class Transport(Protocol):
    """Sends, edits and threads messages for one kind of destination."""

    @property
    def supports_threads(self) -> bool:
        """Say whether create_thread works (so follow-ups can go in dispute threads)."""
        ...

    async def send(
        self, dest: str, message: AlertMessage, *, nonce: str, thread_id: int | None = None
    ) -> SentMessage:
        """Post a message (in ``thread_id`` when given); Discord dedupes on ``nonce``."""
        ...

    async def edit(
        self, dest: str, message_id: int, message: AlertMessage, *, thread_id: int | None = None
    ) -> None:
        """Replace a message sent earlier."""
        ...

    async def create_thread(self, dest: str, message_id: int, name: str) -> int:
        """Start a thread on a message; return the thread's channel id."""
        ...


# -- console --------------------------------------------------------------------------------


class ConsoleTransport:
    """Print alerts as readable text blocks (used when there is no Discord token)."""

    supports_threads = False

    def __init__(self, writer: Callable[[str], object]) -> None:
        self._write = writer
        self._ids = itertools.count(1)

    async def send(
        self, dest: str, message: AlertMessage, *, nonce: str, thread_id: int | None = None
    ) -> SentMessage:
        """Print a new alert."""
        message_id = next(self._ids)
        self._write(f"\n[alert #{message_id}]\n{render_console(message)}")
        return SentMessage(message_id=message_id, channel_id=0)

    async def edit(
        self, dest: str, message_id: int, message: AlertMessage, *, thread_id: int | None = None
    ) -> None:
        """Print the updated alert, saying which one it replaces."""
        self._write(f"\n[alert #{message_id} updated]\n{render_console(message)}")

    async def create_thread(self, dest: str, message_id: int, name: str) -> int:
        """The console has no threads."""
        raise Rejected("the console has no threads")


# -- Discord over plain HTTP ----------------------------------------------------------------


def retry_after_seconds(headers: Mapping[str, str], body: Any = None) -> float:
    """Read how long Discord asks us to wait from a 429's JSON body or headers (default 1 s)."""
    if isinstance(body, dict) and isinstance(body.get("retry_after"), int | float):
        return float(body["retry_after"])
    for name in ("Retry-After", "X-RateLimit-Reset-After"):
        raw = headers.get(name)
        if raw:
            try:
                return float(raw)
            except ValueError:
                continue
    return 1.0


_NOT_FOUND_CODES: dict[int, NotFoundWhat] = {
    10003: "channel",
    10008: "message",
    10015: "webhook",
}


class DiscordHTTP:
    """Send JSON to Discord's REST API and map failures to the typed transport errors.

    ``secrets`` are scrubbed from every error message: webhook URLs and tokens never reach logs.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_base: str = DEFAULT_API_BASE,
        *,
        headers: Mapping[str, str] | None = None,
        secrets: tuple[str, ...] = (),
        timeout: float = 30.0,
    ) -> None:
        self.session = session
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self._headers = dict(headers or {})
        self._secrets = tuple(s for s in secrets if s)
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        what: NotFoundWhat = "unknown",
    ) -> Any:
        """Do one request; return the decoded JSON body (None when empty)."""
        url = f"{self.api_base}{path}"
        shown = self._scrub(f"{method} {path}")
        try:
            async with self.session.request(
                method,
                url,
                json=dict(json_body) if json_body is not None else None,
                params=dict(params or {}),
                headers=self._headers,
                timeout=self._timeout,
            ) as resp:
                raw = await resp.read()
                status = resp.status
                headers = dict(resp.headers)
        except TimeoutError as exc:
            raise TransientError(f"{shown}: timed out") from exc
        except aiohttp.ClientError as exc:
            raise TransientError(f"{shown}: {self._scrub(f'{type(exc).__name__}: {exc}')}") from exc
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if 200 <= status < 300:
            return body
        detail = ""
        if isinstance(body, dict):
            detail = self._scrub(str(body.get("message") or ""))
        text = f"{shown}: HTTP {status}" + (f" {detail}" if detail else "")
        if status == 429:
            raise RateLimited(retry_after_seconds(headers, body), text)
        if status >= 500:
            raise TransientError(text)
        if status in (401, 403):
            raise Forbidden(text)
        if status == 404:
            code = body.get("code") if isinstance(body, dict) else None
            found = _NOT_FOUND_CODES.get(code, what) if isinstance(code, int) else what
            if what == "thread" and found == "channel":
                found = "thread"  # a deleted thread is an "Unknown Channel" too
            raise NotFound(text, what=found)
        raise Rejected(text)


def _body(message: AlertMessage) -> dict[str, Any]:
    return message.to_dict()


_WEBHOOK = re.compile(r"/api/(?:v\d+/)?webhooks/(\d+)/([A-Za-z0-9_\-]+)")


class WebhookTransport:
    """Deliver to one Discord webhook (ALERT_WEBHOOK_URL) without discord.py.

    Discord's execute-webhook endpoint ignores ``nonce`` (documented for Create Message only); it
    is sent anyway, harmless and ready should Discord honour it. ``?wait=true`` makes Discord
    answer with the message, whose id the outbox records (see OutboxWorker for what that
    guarantees).
    """

    supports_threads = False

    def __init__(
        self,
        url: Secret,
        session: aiohttp.ClientSession,
        api_base: str = DEFAULT_API_BASE,
    ) -> None:
        match = _WEBHOOK.search(url.get())
        if match is None:
            raise ValueError("not a Discord webhook URL (…/api/webhooks/ID/TOKEN)")
        self._id = match.group(1)
        token = match.group(2)
        self._path = f"/webhooks/{self._id}/{token}"
        self._http = DiscordHTTP(session, api_base, secrets=(token, url.get()))

    def __repr__(self) -> str:
        return f"WebhookTransport(id={self._id}, token=***)"

    async def send(
        self, dest: str, message: AlertMessage, *, nonce: str, thread_id: int | None = None
    ) -> SentMessage:
        """POST the message with ?wait=true so Discord returns it."""
        params = {"wait": "true"}
        if thread_id is not None:
            params["thread_id"] = str(thread_id)
        body = {**_body(message), "nonce": nonce, "enforce_nonce": True}
        data = await self._http.request(
            "POST", self._path, json_body=body, params=params, what="webhook"
        )
        if not isinstance(data, dict) or "id" not in data:
            raise TransientError("webhook answered without a message")
        return SentMessage(message_id=int(data["id"]), channel_id=int(data.get("channel_id", 0)))

    async def edit(
        self, dest: str, message_id: int, message: AlertMessage, *, thread_id: int | None = None
    ) -> None:
        """PATCH a message the webhook sent."""
        params = {"thread_id": str(thread_id)} if thread_id is not None else None
        await self._http.request(
            "PATCH",
            f"{self._path}/messages/{int(message_id)}",
            json_body=_body(message),
            params=params,
            what="message",
        )

    async def create_thread(self, dest: str, message_id: int, name: str) -> int:
        """A webhook cannot start threads on its messages."""
        raise Rejected("webhooks cannot start threads")


class BotRestTransport:
    """Deliver to channels with a bot token over plain HTTP (no gateway, no discord.py).

    Useful for processes that only deliver alerts (``run --role poller``) and in tests against
    the fake Discord; the discord.py transport in bot/discord_app.py does the same job inside
    the bot process.
    """

    supports_threads = True

    def __init__(
        self,
        token: Secret,
        session: aiohttp.ClientSession,
        api_base: str = DEFAULT_API_BASE,
    ) -> None:
        self._http = DiscordHTTP(
            session,
            api_base,
            headers={
                "Authorization": f"Bot {token.get()}",
                "User-Agent": "DiscordBot (https://github.com/disputewatch, 0.1) disputewatch",
            },
            secrets=(token.get(),),
        )

    def __repr__(self) -> str:
        return "BotRestTransport(token=***)"

    async def send(
        self, dest: str, message: AlertMessage, *, nonce: str, thread_id: int | None = None
    ) -> SentMessage:
        """POST /channels/{id}/messages (the thread's id when replying in a thread)."""
        channel_id = thread_id if thread_id is not None else _channel(dest)
        body = {**_body(message), "nonce": nonce, "enforce_nonce": True}
        data = await self._http.request(
            "POST",
            f"/channels/{channel_id}/messages",
            json_body=body,
            what="thread" if thread_id is not None else "channel",
        )
        if not isinstance(data, dict) or "id" not in data:
            raise TransientError("Discord answered without a message")
        return SentMessage(message_id=int(data["id"]), channel_id=int(data["channel_id"]))

    async def edit(
        self, dest: str, message_id: int, message: AlertMessage, *, thread_id: int | None = None
    ) -> None:
        """PATCH /channels/{id}/messages/{message_id}."""
        channel_id = thread_id if thread_id is not None else _channel(dest)
        await self._http.request(
            "PATCH",
            f"/channels/{channel_id}/messages/{int(message_id)}",
            json_body=_body(message),
            what="message",
        )

    async def create_thread(self, dest: str, message_id: int, name: str) -> int:
        """POST /channels/{id}/messages/{message_id}/threads."""
        data = await self._http.request(
            "POST",
            f"/channels/{_channel(dest)}/messages/{int(message_id)}/threads",
            json_body={"name": name[:THREAD_NAME_MAX] or "dispute", "auto_archive_duration": 10080},
            what="message",
        )
        if not isinstance(data, dict) or "id" not in data:
            raise TransientError("Discord answered without a thread")
        return int(data["id"])


def _channel(dest: str) -> int:
    channel_id = destination_channel(dest)
    if channel_id is None:
        raise Rejected(f"{dest!r} is not a channel destination")
    return channel_id
