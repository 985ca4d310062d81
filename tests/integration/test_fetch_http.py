"""Fetcher against a local server: conditional GET, errors, limits, redirects."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web

from bot.errors import FeedError
from bot.feeds.fetch import DEFAULT_USER_AGENT, FetchConfig, Fetcher
from tests.integration.feedserver import FeedServer, Reply

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Local</title><link>http://example.com/</link>
<item><title>One</title><link>http://example.com/1</link><guid>1</guid></item>
</channel></rss>"""

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def local_config(**overrides: object) -> FetchConfig:
    """Return a config that may reach 127.0.0.1, with short timeouts."""
    values: dict[str, object] = {
        "allow_private": True,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
    }
    values.update(overrides)
    return FetchConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(local_config(), clock=lambda: NOW) as f:
        yield f


async def test_ok_then_not_modified_with_etag(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/feed", RSS, etag='"v1"')
    first = await fetcher.fetch(server.url("/feed"))
    assert first.status == "ok"
    assert first.body == RSS
    assert first.http_status == 200
    assert first.etag == '"v1"'
    assert first.body_hash == hashlib.sha256(RSS).hexdigest()
    assert first.content_type is not None and first.content_type.startswith("application/rss+xml")
    assert first.final_url == server.url("/feed")
    assert first.permanent_redirect is None
    assert first.elapsed >= 0

    second = await fetcher.fetch(server.url("/feed"), etag=first.etag)
    assert second.status == "not_modified"
    assert second.body is None
    assert second.http_status == 304
    assert second.etag == '"v1"'
    sent = server.requests_for("/feed")
    assert "If-None-Match" not in sent[0].headers
    assert sent[1].headers["If-None-Match"] == '"v1"'


async def test_not_modified_with_last_modified(server: FeedServer, fetcher: Fetcher) -> None:
    stamp = "Wed, 01 May 2024 10:00:00 GMT"
    server.set("/feed", RSS, last_modified=stamp)
    first = await fetcher.fetch(server.url("/feed"))
    assert first.status == "ok" and first.last_modified == stamp
    second = await fetcher.fetch(server.url("/feed"), last_modified=stamp)
    assert second.status == "not_modified"
    assert second.last_modified == stamp
    assert server.requests_for("/feed")[1].headers["If-Modified-Since"] == stamp


async def test_same_body_hash_is_unchanged(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/feed", RSS)
    first = await fetcher.fetch(server.url("/feed"))
    second = await fetcher.fetch(server.url("/feed"), previous_hash=first.body_hash)
    assert second.status == "unchanged"
    assert second.body is None
    assert second.body_hash == first.body_hash
    third = await fetcher.fetch(server.url("/feed"), previous_hash="0" * 64)
    assert third.status == "ok" and third.body == RSS


async def test_sends_user_agent_and_accept(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/feed", RSS)
    await fetcher.fetch(server.url("/feed"))
    headers = server.requests_for("/feed")[0].headers
    assert headers["User-Agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith("disputewatch/")
    assert "application/rss+xml" in headers["Accept"]
    assert "Cookie" not in headers


async def test_429_retry_after_seconds(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/feed", "slow down", status=429, headers={"Retry-After": "120"})
    with pytest.raises(FeedError) as info:
        await fetcher.fetch(server.url("/feed"))
    assert info.value.kind == "rate_limited"
    assert info.value.retry_after == 120
    assert "HTTP 429" in str(info.value) and "127.0.0.1" in str(info.value)


async def test_429_retry_after_http_date(server: FeedServer, fetcher: Fetcher) -> None:
    later = format_datetime(NOW + timedelta(minutes=10), usegmt=True)
    server.set("/feed", "slow down", status=429, headers={"Retry-After": later})
    with pytest.raises(FeedError) as info:
        await fetcher.fetch(server.url("/feed"))
    assert info.value.kind == "rate_limited"
    assert info.value.retry_after == 600


async def test_503_is_unavailable(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/feed", "down", status=503, headers={"Retry-After": "30"})
    with pytest.raises(FeedError) as info:
        await fetcher.fetch(server.url("/feed"))
    assert info.value.kind == "unavailable"
    assert info.value.retry_after == 30


async def test_503_without_retry_after(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/feed", "down", status=503)
    with pytest.raises(FeedError) as info:
        await fetcher.fetch(server.url("/feed"))
    assert info.value.kind == "unavailable"
    assert info.value.retry_after is None


async def test_repeated_500s(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/feed", "boom", status=500)
    for _ in range(3):
        with pytest.raises(FeedError) as info:
            await fetcher.fetch(server.url("/feed"))
        assert info.value.kind == "http_5xx"
        assert str(info.value).startswith("HTTP 500 from 127.0.0.1")
    assert server.hits("/feed") == 3


async def test_500_then_recovers(server: FeedServer, fetcher: Fetcher) -> None:
    server.set_sequence("/feed", [Reply(status=500), Reply(body=RSS)])
    with pytest.raises(FeedError):
        await fetcher.fetch(server.url("/feed"))
    assert (await fetcher.fetch(server.url("/feed"))).status == "ok"


@pytest.mark.parametrize(("status", "kind"), [(404, "http_4xx"), (403, "http_4xx"), (410, "gone")])
async def test_client_errors(server: FeedServer, fetcher: Fetcher, status: int, kind: str) -> None:
    server.set("/feed", "no", status=status)
    with pytest.raises(FeedError) as info:
        await fetcher.fetch(server.url("/feed"))
    assert info.value.kind == kind
    assert f"HTTP {status}" in str(info.value)


async def test_read_timeout(server: FeedServer) -> None:
    server.set("/slow", RSS, delay=2.0)
    async with Fetcher(local_config(read_timeout=0.3)) as fetcher:
        loop = asyncio.get_running_loop()
        start = loop.time()
        with pytest.raises(FeedError) as info:
            await fetcher.fetch(server.url("/slow"))
        assert loop.time() - start < 1.5
    assert info.value.kind == "timeout"
    assert "0.3 s" in str(info.value)


async def test_stalled_body_times_out(server: FeedServer) -> None:
    server.set("/drip", RSS * 10, chunked=True, chunk_size=100, chunk_delay=1.0)
    async with Fetcher(local_config(read_timeout=0.3)) as fetcher:
        with pytest.raises(FeedError) as info:
            await fetcher.fetch(server.url("/drip"))
    assert info.value.kind == "timeout"


async def test_total_timeout(server: FeedServer) -> None:
    server.set("/drip", RSS * 10, chunked=True, chunk_size=50, chunk_delay=0.1)
    async with Fetcher(local_config(total_timeout=0.4)) as fetcher:
        with pytest.raises(FeedError) as info:
            await fetcher.fetch(server.url("/drip"))
    assert info.value.kind == "timeout"


async def test_connection_refused(fetcher: Fetcher) -> None:
    async with FeedServer() as gone:
        url = gone.url("/feed")
    with pytest.raises(FeedError) as info:
        await fetcher.fetch(url)
    assert info.value.kind == "connection"
    assert "cannot connect to 127.0.0.1" in str(info.value)


async def test_oversize_content_length(server: FeedServer) -> None:
    server.set("/big", b"x" * 2_000)
    async with Fetcher(local_config(max_bytes=1_000)) as fetcher:
        with pytest.raises(FeedError) as info:
            await fetcher.fetch(server.url("/big"))
    assert info.value.kind == "too_large"
    assert "Content-Length: 2,000" in str(info.value)
    assert "1 kB" in str(info.value)


async def test_oversize_chunked_body(server: FeedServer) -> None:
    server.set("/big", b"x" * 50_000, chunked=True, chunk_size=1_000)
    async with Fetcher(local_config(max_bytes=10_000)) as fetcher:
        with pytest.raises(FeedError) as info:
            await fetcher.fetch(server.url("/big"))
    assert info.value.kind == "too_large"


async def test_body_at_the_cap_is_fine(server: FeedServer) -> None:
    server.set("/exact", b"x" * 10_000, chunked=True, chunk_size=999)
    async with Fetcher(local_config(max_bytes=10_000)) as fetcher:
        result = await fetcher.fetch(server.url("/exact"))
    assert result.body == b"x" * 10_000


async def test_gzip_body_is_decoded(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/gz", RSS, gzip_body=True)
    result = await fetcher.fetch(server.url("/gz"))
    assert result.body == RSS
    assert "gzip" in server.requests_for("/gz")[0].headers["Accept-Encoding"]


@pytest.mark.parametrize("raw", [False, True])
async def test_deflate_body_is_decoded(server: FeedServer, fetcher: Fetcher, raw: bool) -> None:
    if raw:
        comp = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        data = comp.compress(RSS) + comp.flush()
    else:
        data = zlib.compress(RSS)
    server.set("/deflate", data, headers={"Content-Encoding": "deflate"})
    assert (await fetcher.fetch(server.url("/deflate"))).body == RSS


async def test_gzip_bomb_is_stopped(server: FeedServer) -> None:
    bomb = gzip.compress(b"\0" * 20_000_000)
    assert len(bomb) < 100_000
    server.set("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    async with Fetcher(local_config(max_bytes=1_000_000)) as fetcher:
        with pytest.raises(FeedError) as info:
            await fetcher.fetch(server.url("/bomb"))
    assert info.value.kind == "too_large"
    assert "after decompression" in str(info.value)


async def test_corrupt_gzip(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/bad", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FeedError) as info:
        await fetcher.fetch(server.url("/bad"))
    assert info.value.kind == "bad_encoding"


async def test_truncated_gzip(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/cut", gzip.compress(RSS * 50)[:-20], headers={"Content-Encoding": "gzip"})
    with pytest.raises(FeedError) as info:
        await fetcher.fetch(server.url("/cut"))
    assert info.value.kind == "bad_encoding"
    assert "cut short" in str(info.value)


async def test_unsupported_encoding(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/br", b"\x1b\x00", headers={"Content-Encoding": "br"})
    with pytest.raises(FeedError) as info:
        await fetcher.fetch(server.url("/br"))
    assert info.value.kind == "bad_encoding"
    assert "'br'" in str(info.value)


async def test_permanent_redirect_is_reported(server: FeedServer, fetcher: Fetcher) -> None:
    server.redirect("/old", "/newer", status=301)
    server.redirect("/newer", server.url("/feed"), status=308)
    server.set("/feed", RSS)
    result = await fetcher.fetch(server.url("/old"))
    assert result.status == "ok"
    assert result.final_url == server.url("/feed")
    assert result.permanent_redirect == server.url("/feed")


async def test_temporary_redirect_is_not_permanent(server: FeedServer, fetcher: Fetcher) -> None:
    server.redirect("/old", "/tmp", status=301)
    server.redirect("/tmp", "/feed", status=302)
    server.set("/feed", RSS)
    result = await fetcher.fetch(server.url("/old"))
    assert result.final_url == server.url("/feed")
    assert result.permanent_redirect == server.url("/tmp")


async def test_conditional_headers_follow_redirects(server: FeedServer, fetcher: Fetcher) -> None:
    server.redirect("/old", "/feed", status=301)
    server.set("/feed", RSS, etag='"e"')
    result = await fetcher.fetch(server.url("/old"), etag='"e"')
    assert result.status == "not_modified"
    assert result.permanent_redirect == server.url("/feed")


async def test_redirect_loop(server: FeedServer, fetcher: Fetcher) -> None:
    server.redirect("/a", "/b")
    server.redirect("/b", "/a")
    with pytest.raises(FeedError) as info:
        await fetcher.fetch(server.url("/a"))
    assert info.value.kind == "redirect"
    assert "loop" in str(info.value)
    assert server.hits("/a") == 1 and server.hits("/b") == 1


async def test_too_many_redirects(server: FeedServer) -> None:
    for i in range(10):
        server.redirect(f"/r{i}", f"/r{i + 1}")
    server.set("/r10", RSS)
    async with Fetcher(local_config(max_redirects=3)) as fetcher:
        with pytest.raises(FeedError) as info:
            await fetcher.fetch(server.url("/r0"))
        assert info.value.kind == "redirect"
        assert "more than 3 redirects" in str(info.value)
        assert server.hits("/r4") == 0
        server.redirect("/r2", "/r10")
        assert (await fetcher.fetch(server.url("/r0"))).status == "ok"


async def test_redirect_without_location(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/feed", status=302, content_type=None)
    with pytest.raises(FeedError) as info:
        await fetcher.fetch(server.url("/feed"))
    assert info.value.kind == "redirect"
    assert "no Location" in str(info.value)


async def test_per_host_limit(server: FeedServer) -> None:
    active = 0
    peak = 0

    async def slow(request: web.Request) -> web.StreamResponse:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.05)
        active -= 1
        return web.Response(body=RSS)

    server.set_handler("/feed", slow)
    async with Fetcher(local_config(per_host=2, concurrency=10)) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(server.url("/feed")) for _ in range(8)))
    assert all(r.status == "ok" for r in results)
    assert peak == 2


async def test_global_limit(server: FeedServer) -> None:
    active = 0
    peak = 0

    async def slow(request: web.Request) -> web.StreamResponse:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.05)
        active -= 1
        return web.Response(body=RSS)

    server.set_handler("/feed", slow)
    hosts = ["127.0.0.1", "localhost"]
    async with Fetcher(local_config(per_host=5, concurrency=3)) as fetcher:
        await asyncio.gather(
            *(fetcher.fetch(server.url("/feed", host=hosts[i % 2])) for i in range(10))
        )
    assert peak == 3


async def test_closed_fetcher_refuses(server: FeedServer) -> None:
    fetcher = Fetcher(local_config())
    await fetcher.close()
    await fetcher.close()
    with pytest.raises(RuntimeError):
        await fetcher.fetch(server.url("/feed"))
