"""URL checks: syntax, address classes, resolution through an injected resolver."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.errors import FeedError, UnsafeURLError
from bot.feeds.urlsafety import (
    SafeResolver,
    address_problem,
    check_url,
    validate_url_syntax,
)


class TableResolver(AbstractResolver):
    """Answer from a dict; unknown names fail like a DNS miss."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host not in self.table:
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        return [
            ResolveResult(hostname=host, host=ip, port=port, family=0, proto=0, flags=0)
            for ip in self.table[host]
        ]

    async def close(self) -> None:
        pass


RESOLVER = TableResolver(
    {
        "news.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
        "intranet.example": ["10.0.0.5"],
        "half.example": ["93.184.216.34", "127.0.0.1"],
        "mapped.example": ["::ffff:192.168.0.1"],
        "empty.example": [],
    }
)


@pytest.mark.parametrize(
    ("ip", "problem"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fd12::1", "a private address"),
        ("169.254.1.1", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("169.254.169.254", "the cloud metadata address"),
        ("fd00:ec2::254", "the cloud metadata address"),
        ("100.64.0.1", "a shared (carrier-grade NAT) address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("240.0.0.1", "a reserved address"),
        ("255.255.255.255", "a reserved address"),
        ("::ffff:127.0.0.1", "a loopback address inside an IPv6 address"),
        ("::ffff:169.254.169.254", "the cloud metadata address inside an IPv6 address"),
        ("2002:7f00:1::", "a loopback address inside an IPv6 address"),
        ("2002:a00:1::", "a private address inside an IPv6 address"),
        ("64:ff9b::10.0.0.1", "a private address inside an IPv6 address"),
        ("64:ff9b::127.0.0.1", "a loopback address inside an IPv6 address"),
        ("::10.0.0.1", "a private address inside an IPv6 address"),
        ("192.0.2.1", "a private address"),
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::8.8.8.8", None),
    ],
)
def test_address_problem(ip: str, problem: str | None) -> None:
    assert address_problem(ipaddress.ip_address(ip)) == problem


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://Example.COM/feed", "https://example.com/feed"),
        ("  http://example.com  ", "http://example.com/"),
        ("https://example.com:443/x?a=1#frag", "https://example.com/x?a=1"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("http://[2606:4700::1111]/x", "http://[2606:4700::1111]/x"),
        ("https://bücher.example/feed", "https://xn--bcher-kva.example/feed"),
    ],
)
def test_validate_url_syntax_normalises(url: str, normalised: str) -> None:
    assert validate_url_syntax(url) == normalised


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "empty"),
        ("example.com/feed", "no scheme"),
        ("ftp://example.com/feed", "'ftp'"),
        ("file:///etc/passwd", "'file'"),
        ("javascript:alert(1)", "'javascript'"),
        ("http://user:secret@example.com/", "user name or password"),
        ("http://user@example.com/", "user name or password"),
        ("http:///path-only", "no host"),
        ("http://exa mple.com/", "spaces"),
        ("http://example.com:99999/", "not valid"),
        ("http://%31%32%37.0.0.1/", "host name"),
        ("http://example.com%00.evil/", "host name"),
        ("http://-bad.example/", "host name"),
        ("https://example.com/" + "a" * 2048, "longer than 2048"),
    ],
)
def test_validate_url_syntax_refuses(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURLError) as info:
        validate_url_syntax(url)
    assert reason in str(info.value)
    assert info.value.kind == "unsafe_url"


async def test_check_url_public_name() -> None:
    url = await check_url("https://NEWS.example/rss", allow_private=False, resolver=RESOLVER)
    assert url == "https://news.example/rss"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://intranet.example/feed",
            "feed URL resolves to 10.0.0.5, a private address; "
            "set ALLOW_PRIVATE_FEEDS=true to allow it",
        ),
        ("http://half.example/", "resolves to 127.0.0.1, a loopback address"),
        ("http://mapped.example/", "a private address inside an IPv6 address"),
        ("http://127.0.0.1:8080/", "points to 127.0.0.1, a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "points to ::ffff:7f00:1, a loopback address inside"),
        ("http://169.254.169.254/latest/", "the cloud metadata address"),
        ("http://[fe80::1]/", "a link-local address"),
    ],
)
async def test_check_url_refuses_private(url: str, message: str) -> None:
    with pytest.raises(UnsafeURLError) as info:
        await check_url(url, allow_private=False, resolver=RESOLVER)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://intranet.example/",
        "http://127.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.1.1/",
        "http://169.254.169.254/",
        "http://[fe80::1]/",
    ],
)
async def test_check_url_allow_private(url: str) -> None:
    assert await check_url(url, allow_private=True, resolver=RESOLVER)


async def test_check_url_allowed_network() -> None:
    net = ipaddress.ip_network("10.0.0.0/24")
    url = "http://intranet.example/"
    assert await check_url(url, allow_private=False, resolver=RESOLVER, allowed_networks=[net])


async def test_check_url_scheme_refused_even_when_private_allowed() -> None:
    with pytest.raises(UnsafeURLError, match="only http and https"):
        await check_url("gopher://example.com/", allow_private=True, resolver=RESOLVER)


@pytest.mark.parametrize("host", ["unknown.example", "empty.example"])
async def test_check_url_dns_failure(host: str) -> None:
    with pytest.raises(FeedError) as info:
        await check_url(f"http://{host}/", allow_private=False, resolver=RESOLVER)
    assert info.value.kind == "dns"
    assert f"cannot resolve {host}" in str(info.value)


async def test_safe_resolver_drops_private_answers() -> None:
    safe = SafeResolver(RESOLVER)
    kept = await safe.resolve("half.example", 80)
    assert [r["host"] for r in kept] == ["93.184.216.34"]
    with pytest.raises(UnsafeURLError, match=r"10\.0\.0\.5, a private address"):
        await safe.resolve("intranet.example", 80)
    permissive = SafeResolver(RESOLVER, allow_private=True)
    assert [r["host"] for r in await permissive.resolve("intranet.example", 80)] == ["10.0.0.5"]
