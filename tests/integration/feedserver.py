"""A local feed server for tests: scripted responses on 127.0.0.1, counters and request logs.

Usage::

    async with FeedServer() as server:
        server.set("/feed.xml", body=rss_bytes, etag='"v1"')   # answers 304 to If-None-Match
        server.set("/slow", body="...", delay=2.0)
        server.redirect("/old", "/feed.xml", status=301)
        server.set_sequence("/flaky", [Reply(status=500), Reply(body="ok")])
        url = server.url("/feed.xml")
        ...
        assert server.hits("/feed.xml") == 1
        assert server.requests_for("/feed.xml")[-1].headers["If-None-Match"] == '"v1"'
"""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict, CIMultiDictProxy

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Reply:
    """One scripted response.

    ``body`` may be str (UTF-8 encoded) or bytes. ``chunked`` streams the body without a
    Content-Length in pieces of ``chunk_size`` bytes, sleeping ``chunk_delay`` between them.
    ``gzip_body`` compresses the body and sets Content-Encoding: gzip. When ``etag`` or
    ``last_modified`` is set, a matching conditional request gets a 304.
    """

    body: bytes | str = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = "application/rss+xml; charset=utf-8"
    delay: float = 0.0
    etag: str | None = None
    last_modified: str | None = None
    chunked: bool = False
    chunk_size: int = 64 * 1024
    chunk_delay: float = 0.0
    gzip_body: bool = False


@dataclass(frozen=True)
class ReceivedRequest:
    """What the server saw of one request."""

    method: str
    path: str
    query: str
    headers: CIMultiDictProxy[str]


class FeedServer:
    """Async context manager serving scripted replies on 127.0.0.1 at a random port."""

    def __init__(self) -> None:
        self._routes: dict[str, list[Reply] | Handler] = {}
        self._hits: Counter[str] = Counter()
        self.requests: list[ReceivedRequest] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def __aenter__(self) -> FeedServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """Return http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, *, host: str | None = None) -> str:
        """Return the absolute URL of a path, optionally under another host name (same port)."""
        if not path.startswith("/"):
            path = "/" + path
        return f"http://{host or '127.0.0.1'}:{self.port}{path}"

    def set(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        content_type: str | None = Reply.content_type,
        etag: str | None = None,
        last_modified: str | None = None,
        chunked: bool = False,
        chunk_size: int = Reply.chunk_size,
        chunk_delay: float = 0.0,
        gzip_body: bool = False,
    ) -> None:
        """Serve the same reply for every request to path (arguments are Reply's fields)."""
        self._routes[path] = [
            Reply(
                body=body,
                status=status,
                headers=dict(headers or {}),
                content_type=content_type,
                delay=delay,
                etag=etag,
                last_modified=last_modified,
                chunked=chunked,
                chunk_size=chunk_size,
                chunk_delay=chunk_delay,
                gzip_body=gzip_body,
            )
        ]

    def set_sequence(self, path: str, replies: Sequence[Reply]) -> None:
        """Serve replies in order; the last one repeats once the others are used up."""
        if not replies:
            raise ValueError("need at least one reply")
        self._routes[path] = list(replies)

    def set_handler(self, path: str, handler: Handler) -> None:
        """Serve path with a custom aiohttp handler."""
        self._routes[path] = handler

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        """Redirect path to location (a path on this server or an absolute URL)."""
        self.set(path, status=status, headers={"Location": location}, content_type=None)

    def hits(self, path: str) -> int:
        """Return how many requests path received."""
        return self._hits[path]

    def requests_for(self, path: str) -> list[ReceivedRequest]:
        """Return the requests path received, oldest first."""
        return [r for r in self.requests if r.path == path]

    def reset_log(self) -> None:
        """Forget counters and logged requests (routes stay)."""
        self._hits.clear()
        self.requests.clear()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self._hits[path] += 1
        self.requests.append(
            ReceivedRequest(request.method, path, request.query_string, request.headers)
        )
        route = self._routes.get(path)
        if route is None:
            return web.Response(status=404, text="not found")
        if callable(route):
            return await route(request)
        reply = route[min(self._hits[path], len(route)) - 1]
        return await self._reply(request, reply)

    async def _reply(self, request: web.Request, reply: Reply) -> web.StreamResponse:
        if reply.delay:
            await asyncio.sleep(reply.delay)
        headers: CIMultiDict[str] = CIMultiDict(reply.headers)
        if reply.etag is not None:
            headers["ETag"] = reply.etag
        if reply.last_modified is not None:
            headers["Last-Modified"] = reply.last_modified
        if reply.content_type is not None and "Content-Type" not in headers:
            headers["Content-Type"] = reply.content_type
        if reply.status == 200 and _not_modified(request, reply):
            headers.pop("Content-Type", None)
            return web.Response(status=304, headers=headers)
        body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
        if reply.gzip_body:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        if not reply.chunked:
            return web.Response(status=reply.status, body=body, headers=headers)
        response = web.StreamResponse(status=reply.status, headers=headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), reply.chunk_size):
            await response.write(body[start : start + reply.chunk_size])
            if reply.chunk_delay:
                await asyncio.sleep(reply.chunk_delay)
        await response.write_eof()
        return response


def _not_modified(request: web.Request, reply: Reply) -> bool:
    inm = request.headers.get("If-None-Match")
    if reply.etag is not None and inm is not None:
        return reply.etag in {tag.strip() for tag in inm.split(",")} or inm.strip() == "*"
    ims = request.headers.get("If-Modified-Since")
    return reply.last_modified is not None and ims == reply.last_modified


class StaticResolver(AbstractResolver):
    """A resolver answering from a table, e.g. {"public.test": ["127.0.0.1"]}.

    A host may map to several answers given as a list of lists: each resolution consumes the next
    answer (the last repeats), which lets a test change the answer between check and connect.
    Unknown hosts fail like a real DNS miss. ``calls`` counts resolutions per host.
    """

    def __init__(self, table: Mapping[str, Sequence[str] | Sequence[Sequence[str]]]) -> None:
        self._table = dict(table)
        self.calls: Counter[str] = Counter()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the table's next answer for host."""
        self.calls[host] += 1
        entry = self._table.get(host)
        if entry is None:
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        answers = entry if entry and not isinstance(entry[0], str) else [entry]
        answer = answers[min(self.calls[host], len(answers)) - 1]
        return [
            ResolveResult(
                hostname=host,
                host=ip,
                port=port,
                family=socket.AF_INET6 if ":" in ip else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for ip in answer
            if isinstance(ip, str)
        ]

    async def close(self) -> None:
        """Nothing to release."""
