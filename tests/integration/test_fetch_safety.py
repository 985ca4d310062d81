"""The SSRF guard in the fetcher: before connecting, at connection time and on every redirect."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.errors import FeedError, UnsafeURLError
from bot.feeds import fetch as fetch_module
from bot.feeds.fetch import FetchConfig, Fetcher
from tests.integration.feedserver import FeedServer, StaticResolver

RSS = b'<rss version="2.0"><channel><title>t</title></channel></rss>'

# 127.0.0.1 stands in for a public host: the test resolver maps public names to it and the
# config lets the connector reach it, while every other private address stays refused.
LOCAL_AS_PUBLIC = FetchConfig(allowed_networks=("127.0.0.1/32",), connect_timeout=2)


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


def resolver() -> StaticResolver:
    return StaticResolver(
        {
            "public.test": ["127.0.0.1"],
            "private.test": ["10.0.0.2"],
            "mixed.test": ["127.0.0.1", "192.168.1.1"],
            "metadata.test": ["169.254.169.254"],
            "localhost": ["127.0.0.1"],
        }
    )


async def test_public_name_is_fetched(server: FeedServer) -> None:
    server.set("/feed", RSS)
    async with Fetcher(LOCAL_AS_PUBLIC, resolver=resolver()) as fetcher:
        result = await fetcher.fetch(server.url("/feed", host="public.test"))
    assert result.status == "ok"
    assert result.final_url == server.url("/feed", host="public.test")


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("http://10.0.0.1/feed", "10.0.0.1, a private address"),
        ("http://private.test/feed", "resolves to 10.0.0.2, a private address"),
        ("http://metadata.test/latest", "169.254.169.254, the cloud metadata address"),
        ("http://169.254.169.254/latest/meta-data/", "the cloud metadata address"),
        ("http://[::ffff:10.1.2.3]/", "a private address inside an IPv6 address"),
        ("http://[::1]:8080/", "a loopback address"),
        ("http://mixed.test/", "192.168.1.1, a private address"),
        ("file:///etc/passwd", "only http and https"),
    ],
)
async def test_redirect_to_private_is_refused(
    server: FeedServer, location: str, expected: str
) -> None:
    server.redirect("/feed", location)
    async with Fetcher(LOCAL_AS_PUBLIC, resolver=resolver()) as fetcher:
        with pytest.raises(UnsafeURLError) as info:
            await fetcher.fetch(server.url("/feed", host="public.test"))
    message = str(info.value)
    assert info.value.kind == "unsafe_url"
    assert message.startswith("redirect from public.test")
    assert expected in message


async def test_redirect_to_private_allowed_when_configured(server: FeedServer) -> None:
    server.redirect("/feed", server.url("/real", host="localhost"))
    server.set("/real", RSS)
    async with Fetcher(FetchConfig(allow_private=True), resolver=resolver()) as fetcher:
        result = await fetcher.fetch(server.url("/feed", host="public.test"))
    assert result.final_url == server.url("/real", host="localhost")


async def test_dns_rebinding_is_stopped_at_connection_time(server: FeedServer) -> None:
    server.set("/feed", RSS)
    # The first answer (seen by the check) is public, the second (seen by the connector) is not.
    rebinding = StaticResolver({"rebind.test": [["93.184.216.34"], ["127.0.0.1"]]})
    async with Fetcher(FetchConfig(connect_timeout=2), resolver=rebinding) as fetcher:
        with pytest.raises(UnsafeURLError) as info:
            await fetcher.fetch(server.url("/feed", host="rebind.test"))
    assert "127.0.0.1, a loopback address" in str(info.value)
    assert rebinding.calls["rebind.test"] == 2
    assert server.hits("/feed") == 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1/feed", "points to 127.0.0.1, a loopback address"),
        ("http://10.0.0.5/feed", "points to 10.0.0.5, a private address"),
        ("http://[::ffff:127.0.0.1]/feed", "a loopback address inside an IPv6 address"),
        ("http://169.254.10.1/feed", "a link-local address"),
        ("http://169.254.169.254/feed", "the cloud metadata address"),
        ("http://100.64.1.1/feed", "carrier-grade NAT"),
        ("http://0.0.0.0/feed", "an unspecified address"),
        ("ftp://example.com/feed", "only http and https"),
        ("http://user:pw@example.com/feed", "user name or password"),
    ],
)
async def test_unsafe_urls_refused_before_any_request(url: str, expected: str) -> None:
    async with Fetcher(FetchConfig()) as fetcher:
        with pytest.raises(UnsafeURLError) as info:
            await fetcher.fetch(url)
    assert expected in str(info.value)


async def test_private_refusal_explains_the_setting() -> None:
    async with Fetcher(FetchConfig(), resolver=resolver()) as fetcher:
        with pytest.raises(UnsafeURLError) as info:
            await fetcher.check("http://private.test/rss")
    assert str(info.value) == (
        "feed URL resolves to 10.0.0.2, a private address; set ALLOW_PRIVATE_FEEDS=true to allow it"
    )


async def test_loopback_allowed_with_allow_private(server: FeedServer) -> None:
    server.set("/feed", RSS)
    async with Fetcher(FetchConfig(allow_private=True)) as fetcher:
        for url in (server.url("/feed"), server.url("/feed", host="localhost")):
            assert (await fetcher.fetch(url)).status == "ok"


async def test_unknown_host_is_dns_error() -> None:
    async with Fetcher(FetchConfig(), resolver=resolver()) as fetcher:
        with pytest.raises(FeedError) as info:
            await fetcher.fetch("http://nowhere.test/feed")
    assert info.value.kind == "dns"
    assert "cannot resolve nowhere.test" in str(info.value)


async def test_a_public_host_is_resolved_once_by_the_check() -> None:
    names = resolver()
    async with Fetcher(LOCAL_AS_PUBLIC, resolver=names) as fetcher:
        for path in ("/a", "/b", "/a"):
            assert await fetcher.check(f"http://public.test{path}") == f"http://public.test{path}"
    assert names.calls["public.test"] == 1


async def test_a_refused_host_is_checked_again_every_time() -> None:
    names = resolver()
    async with Fetcher(LOCAL_AS_PUBLIC, resolver=names) as fetcher:
        for _ in range(2):
            with pytest.raises(UnsafeURLError):
                await fetcher.check("http://private.test/rss")
    assert names.calls["private.test"] == 2


async def test_the_check_trusts_a_host_only_for_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module, "PUBLIC_HOST_TTL", 0.0)
    # Public at first, private on the next lookup: with the trust expired the check sees it.
    names = StaticResolver({"turns.test": [["93.184.216.34"], ["10.0.0.7"]]})
    async with Fetcher(FetchConfig(), resolver=names) as fetcher:
        await fetcher.check("http://turns.test/feed")
        with pytest.raises(UnsafeURLError) as info:
            await fetcher.check("http://turns.test/feed")
    assert "10.0.0.7, a private address" in str(info.value)


async def test_a_trusted_host_is_still_filtered_at_connection_time(server: FeedServer) -> None:
    server.set("/feed", RSS)
    # The check (trusted afterwards) sees a public address, the connector a loopback one.
    names = StaticResolver({"rebind.test": [["93.184.216.34"], ["127.0.0.1"]]})
    async with Fetcher(FetchConfig(connect_timeout=2), resolver=names) as fetcher:
        await fetcher.check(server.url("/feed", host="rebind.test"))
        for _ in range(2):
            with pytest.raises(UnsafeURLError) as info:
                await fetcher.fetch(server.url("/feed", host="rebind.test"))
            assert "127.0.0.1, a loopback address" in str(info.value)
    assert server.hits("/feed") == 0
