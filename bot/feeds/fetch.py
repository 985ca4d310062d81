"""Fetch feeds politely: one shared session, limits, conditional GET, SSRF guard on every hop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import ipaddress
import logging
import time
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Literal
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver

from bot import __version__
from bot.errors import FeedError, UnsafeURLError
from bot.feeds.schedule import parse_retry_after
from bot.feeds.urlsafety import IPNetwork, SafeResolver, check_url, validate_url_syntax

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = f"disputewatch/{__version__} (+https://github.com/disputewatch/disputewatch)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/feed+json;q=0.9, application/xml;q=0.8, text/xml;q=0.8, "
    "text/html;q=0.5, */*;q=0.1"
)
ACCEPT_ENCODING = "gzip, deflate"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
CHUNK_SIZE = 64 * 1024
# How long a host whose every address was public is trusted by the pre-fetch check (the same as
# the connector's DNS cache). The connector's resolver still filters every address it connects
# to, so this only spares a DNS lookup per fetch; it never lets a private address through.
PUBLIC_HOST_TTL = 60.0
_MAX_TRUSTED_HOSTS = 10_000

FetchStatus = Literal["ok", "not_modified", "unchanged"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """Limits and identity of the fetcher; allowed_networks are CIDRs allowed even if private."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    concurrency: int = 20
    per_host: int = 2
    user_agent: str = DEFAULT_USER_AGENT
    allow_private: bool = False
    total_timeout: float = 120.0
    allowed_networks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.per_host < 1:
            raise ValueError("concurrency and per_host must be at least 1")
        if self.max_bytes < 1 or self.max_redirects < 0:
            raise ValueError("max_bytes must be positive and max_redirects not negative")
        for cidr in self.allowed_networks:
            ipaddress.ip_network(cidr, strict=False)

    @property
    def networks(self) -> tuple[IPNetwork, ...]:
        """Return allowed_networks parsed."""
        return tuple(ipaddress.ip_network(c, strict=False) for c in self.allowed_networks)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch got.

    ``status`` is "ok" (body to parse), "not_modified" (HTTP 304) or "unchanged" (HTTP 200 whose
    body hash equals ``previous_hash``); body is None unless status is "ok".
    ``permanent_redirect`` is the URL reached through permanent redirects (301/308) only, which
    the caller may store as the feed's new address.
    """

    status: FetchStatus
    final_url: str
    http_status: int
    elapsed: float
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    content_type: str | None = None
    permanent_redirect: str | None = None


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:g} MB"
    if n >= 1_000:
        return f"{n / 1_000:g} kB"
    return f"{n} bytes"


@functools.lru_cache(maxsize=4096)
def _host(url: str) -> str:
    """Name the server of a URL for messages and logs (never the path or query: tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


@functools.lru_cache(maxsize=4096)
def _valid_syntax(url: str) -> str:
    """validate_url_syntax, remembered: feeds are fetched again and again by the same URL."""
    return validate_url_syntax(url)


class _Decoder:
    """Incremental Content-Encoding decoder that never produces more than it is allowed."""

    def __init__(self, encoding: str, host: str) -> None:
        self._host = host
        self._encoding = encoding
        self._obj: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding != "deflate" and encoding not in ("", "identity"):
            raise FeedError(
                f"{host} sent an unsupported Content-Encoding '{encoding}'", kind="bad_encoding"
            )

    def feed(self, data: bytes, limit: int) -> bytes:
        """Decode a chunk; return at most limit + 1 bytes so the caller can see an overflow."""
        if self._encoding in ("", "identity"):
            return data
        if self._obj is None:
            # "deflate" is zlib-wrapped by the standard but raw deflate in the wild.
            raw = not data or (data[0] & 0x0F) != 8
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        try:
            return self._obj.decompress(data, limit + 1)
        except zlib.error as exc:
            raise FeedError(
                f"the {self._encoding} data from {self._host} is corrupt: {exc}",
                kind="bad_encoding",
            ) from exc

    def finish(self) -> None:
        """Check that a compressed stream ended properly."""
        if self._obj is not None and not self._obj.eof:
            raise FeedError(
                f"the {self._encoding} data from {self._host} was cut short", kind="bad_encoding"
            )


@dataclass(slots=True)
class _HostSlot:
    sem: asyncio.Semaphore
    users: int = 0


class Fetcher:
    """Fetch feeds over one shared aiohttp session with global and per-host limits."""

    def __init__(
        self,
        config: FetchConfig | None = None,
        *,
        resolver: AbstractResolver | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.config = config or FetchConfig()
        self._clock = clock
        self._networks = self.config.networks
        self._resolver = SafeResolver(
            resolver,
            allow_private=self.config.allow_private,
            allowed_networks=self._networks,
        )
        # host -> monotonic time until which the pre-fetch check trusts it (see PUBLIC_HOST_TTL)
        self._public_until: dict[str, float] = {}
        self._session: aiohttp.ClientSession | None = None
        self._global = asyncio.Semaphore(self.config.concurrency)
        self._hosts: dict[str, _HostSlot] = {}
        self._closed = False

    async def __aenter__(self) -> Fetcher:
        self._ensure_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("the fetcher is closed")
        if self._session is None:
            cfg = self.config
            connector = aiohttp.TCPConnector(
                resolver=self._resolver,
                limit=cfg.concurrency,
                limit_per_host=cfg.per_host,
                ttl_dns_cache=60,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=cfg.connect_timeout,
                    sock_connect=cfg.connect_timeout,
                    sock_read=cfg.read_timeout,
                ),
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
                headers={"User-Agent": cfg.user_agent},
            )
        return self._session

    async def close(self) -> None:
        """Close the session and the resolver; the fetcher cannot be used afterwards."""
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self._resolver.close()

    async def check(self, url: str) -> str:
        """Check a URL with this fetcher's safety policy and return it normalised."""
        normalised = _valid_syntax(url)
        if self.config.allow_private:
            return normalised
        host = urlsplit(normalised).hostname or ""
        now = time.monotonic()
        if self._public_until.get(host, 0.0) > now:
            return normalised
        try:
            async with asyncio.timeout(self.config.connect_timeout):
                checked = await check_url(
                    normalised,
                    allow_private=False,
                    resolver=self._resolver.inner,
                    allowed_networks=self._networks,
                )
        except TimeoutError as exc:
            raise FeedError(f"resolving {_host(url)} timed out", kind="dns") from exc
        if len(self._public_until) >= _MAX_TRUSTED_HOSTS:
            self._public_until = {h: t for h, t in self._public_until.items() if t > now}
            if len(self._public_until) >= _MAX_TRUSTED_HOSTS:
                self._public_until.clear()
        self._public_until[host] = now + PUBLIC_HOST_TTL
        return checked

    @contextlib.asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        slot = self._hosts.get(host)
        if slot is None:
            slot = self._hosts[host] = _HostSlot(asyncio.Semaphore(self.config.per_host))
        slot.users += 1
        try:
            async with slot.sem:
                yield
        finally:
            slot.users -= 1
            if slot.users == 0:
                del self._hosts[host]

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        previous_hash: str | None = None,
    ) -> FetchResult:
        """GET a feed (conditionally), following safe redirects; raise FeedError on failure."""
        session = self._ensure_session()
        headers = {"Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with self._global:
            current = await self.check(url)
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.config.total_timeout):
                    result = await self._follow(
                        session, current, headers, etag, last_modified, previous_hash, started
                    )
            except FeedError as exc:
                logger.info("fetch from %s failed (%s): %s", _host(current), exc.kind, exc)
                raise
            except TimeoutError as exc:
                raise FeedError(
                    f"fetching from {_host(current)} took longer than "
                    f"{self.config.total_timeout:g} s",
                    kind="timeout",
                ) from exc
        logger.debug(
            "fetched %s: %s (HTTP %d) in %.2f s",
            _host(result.final_url),
            result.status,
            result.http_status,
            result.elapsed,
        )
        return result

    async def _follow(
        self,
        session: aiohttp.ClientSession,
        current: str,
        headers: dict[str, str],
        etag: str | None,
        last_modified: str | None,
        previous_hash: str | None,
        started: float,
    ) -> FetchResult:
        visited = {current}
        permanent: str | None = None
        only_permanent = True
        for hop in range(self.config.max_redirects + 1):
            host = _host(current)
            async with self._host_slot(host), self._request(session, current, headers) as resp:
                if resp.status not in REDIRECT_STATUSES:
                    return await self._finish(
                        resp, current, etag, last_modified, previous_hash, started, permanent
                    )
                location = resp.headers.get("Location", "").strip()
                status = resp.status
            if not location:
                raise FeedError(
                    f"HTTP {status} redirect from {host} has no Location header", kind="redirect"
                )
            if hop == self.config.max_redirects:
                break
            target = urljoin(current, location)
            try:
                target = await self.check(target)
            except UnsafeURLError as exc:
                raise UnsafeURLError(f"redirect from {host} refused: {exc}") from exc
            if target in visited:
                raise FeedError(
                    f"redirect loop: {host} redirects back to {_host(target)}", kind="redirect"
                )
            visited.add(target)
            only_permanent = only_permanent and status in PERMANENT_REDIRECTS
            if only_permanent:
                permanent = target
            current = target
        raise FeedError(
            f"more than {self.config.max_redirects} redirects, last from {_host(current)}",
            kind="redirect",
        )

    @contextlib.asynccontextmanager
    async def _request(
        self, session: aiohttp.ClientSession, url: str, headers: dict[str, str]
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send one GET and translate aiohttp's errors into FeedError."""
        host = _host(url)
        cfg = self.config
        try:
            async with session.get(url, headers=headers, allow_redirects=False) as resp:
                yield resp
        except FeedError:
            raise
        except aiohttp.ClientConnectorDNSError as exc:
            name = urlsplit(url).hostname
            reason = exc.os_error.strerror or exc.os_error
            raise FeedError(f"cannot resolve {name}: {reason}", kind="dns") from exc
        except aiohttp.ConnectionTimeoutError as exc:
            raise FeedError(
                f"connecting to {host} timed out after {cfg.connect_timeout:g} s", kind="timeout"
            ) from exc
        except aiohttp.ServerTimeoutError as exc:
            raise FeedError(
                f"{host} sent nothing for {cfg.read_timeout:g} s", kind="timeout"
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            raise FeedError(
                f"cannot connect to {host}: {exc.os_error.strerror or exc.os_error}",
                kind="connection",
            ) from exc
        except aiohttp.ClientPayloadError as exc:
            raise FeedError(
                f"the response from {host} was cut short: {exc}", kind="connection"
            ) from exc
        except aiohttp.InvalidURL as exc:
            raise UnsafeURLError(f"the feed URL is not valid: {exc}") from exc
        except aiohttp.ClientResponseError as exc:
            raise FeedError(
                f"{host} sent a malformed HTTP response: {exc.message}", kind="connection"
            ) from exc
        except aiohttp.ClientError as exc:
            raise FeedError(
                f"connection to {host} failed: {exc or type(exc).__name__}", kind="connection"
            ) from exc

    async def _finish(
        self,
        resp: aiohttp.ClientResponse,
        url: str,
        etag: str | None,
        last_modified: str | None,
        previous_hash: str | None,
        started: float,
        permanent: str | None,
    ) -> FetchResult:
        status = resp.status
        host = _host(url)
        if status == 304:
            return FetchResult(
                status="not_modified",
                final_url=url,
                http_status=status,
                elapsed=time.monotonic() - started,
                etag=resp.headers.get("ETag") or etag,
                last_modified=resp.headers.get("Last-Modified") or last_modified,
                content_type=resp.headers.get("Content-Type"),
                permanent_redirect=permanent,
            )
        if not 200 <= status < 300:
            raise self._http_error(resp, host)
        body = await self._read_body(resp, host)
        body_hash = hashlib.sha256(body).hexdigest()
        unchanged = previous_hash is not None and previous_hash == body_hash
        return FetchResult(
            status="unchanged" if unchanged else "ok",
            final_url=url,
            http_status=status,
            elapsed=time.monotonic() - started,
            body=None if unchanged else body,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
            body_hash=body_hash,
            content_type=resp.headers.get("Content-Type"),
            permanent_redirect=permanent,
        )

    def _http_error(self, resp: aiohttp.ClientResponse, host: str) -> FeedError:
        status = resp.status
        reason = f" ({resp.reason})" if resp.reason else ""
        message = f"HTTP {status} from {host}{reason}"
        if status in (429, 503):
            retry_after = parse_retry_after(resp.headers.get("Retry-After"), self._clock())
            if retry_after is not None:
                message += f"; retry after {retry_after:.0f} s"
            kind = "rate_limited" if status == 429 else "unavailable"
            return FeedError(message, kind=kind, retry_after=retry_after)
        if status == 410:
            return FeedError(f"{message}: the feed was removed", kind="gone")
        if 400 <= status < 500:
            return FeedError(message, kind="http_4xx")
        if status >= 500:
            return FeedError(message, kind="http_5xx")
        return FeedError(f"{message}: not a response a feed reader can use", kind="http_other")

    async def _read_body(self, resp: aiohttp.ClientResponse, host: str) -> bytes:
        """Read the body in chunks, decoding it ourselves so the cap holds after decompression."""
        cap = self.config.max_bytes
        declared = resp.content_length
        if declared is not None and declared > cap:
            raise FeedError(
                f"the feed is larger than {_size(cap)} (Content-Length: {declared:,} bytes)",
                kind="too_large",
            )
        encoding = resp.headers.get("Content-Encoding", "").strip().lower()
        decoder = _Decoder(encoding, host)
        body = bytearray()
        received = 0
        async for chunk in resp.content.iter_chunked(CHUNK_SIZE):
            received += len(chunk)
            if received > cap:
                raise FeedError(f"the feed is larger than {_size(cap)}", kind="too_large")
            body += decoder.feed(chunk, cap - len(body))
            if len(body) > cap:
                break
        if len(body) > cap:
            raise FeedError(
                f"the feed is larger than {_size(cap)} after decompression", kind="too_large"
            )
        decoder.finish()
        return bytes(body)
