"""Refuse feed URLs that are not http(s) or that point at non-public addresses (SSRF guard).

Two layers work together: ``check_url`` gives a clear answer before anything is fetched (and on
every redirect hop), and ``SafeResolver`` filters addresses again at connection time, so a DNS
answer that changes between the check and the connection (DNS rebinding) cannot reach a private
address.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from bot.errors import FeedError, UnsafeURLError

logger = logging.getLogger(__name__)

MAX_URL_LENGTH = 2048
ALLOWED_SCHEMES = frozenset({"http", "https"})
ALLOW_HINT = "set ALLOW_PRIVATE_FEEDS=true to allow it"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_METADATA_V4 = ipaddress.IPv4Address("169.254.169.254")
_METADATA_V6 = ipaddress.IPv6Address("fd00:ec2::254")
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*")


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 form carries (mapped, 6to4, NAT64, Teredo, compat)."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    packed = addr.packed
    if any(addr in net for net in _NAT64):
        return ipaddress.IPv4Address(packed[-4:])
    # Deprecated IPv4-compatible form ::a.b.c.d (but not :: and ::1 themselves).
    if packed[:12] == bytes(12) and int(addr) > 1:
        return ipaddress.IPv4Address(packed[-4:])
    return None


def address_problem(addr: IPAddress) -> str | None:
    """Say why an address is not public ("a private address"), or None when it is."""
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.scope_id:
            addr = ipaddress.IPv6Address(int(addr))
        inner = _embedded_ipv4(addr)
        if inner is not None:
            problem = address_problem(inner)
            return f"{problem} inside an IPv6 address" if problem else None
        if addr == _METADATA_V6:
            return "the cloud metadata address"
    if addr == _METADATA_V4:
        return "the cloud metadata address"
    if addr.is_unspecified:
        return "an unspecified address"
    if addr.is_loopback:
        return "a loopback address"
    if addr.is_link_local:
        return "a link-local address"
    if addr.is_multicast:
        return "a multicast address"
    if isinstance(addr, ipaddress.IPv4Address) and addr in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    if addr.is_reserved:
        return "a reserved address"
    if addr.is_private:
        return "a private address"
    if not addr.is_global:
        return "a non-public address"
    return None


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _refusal(addr: IPAddress, problem: str, *, resolved: bool) -> UnsafeURLError:
    verb = "resolves to" if resolved else "points to"
    return UnsafeURLError(f"feed URL {verb} {addr}, {problem}; {ALLOW_HINT}")


def validate_url_syntax(url: str) -> str:
    """Check a URL's shape (scheme, host, length, no credentials) and return it normalised."""
    url = url.strip()
    if not url:
        raise UnsafeURLError("the feed URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURLError(f"the feed URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise UnsafeURLError("the feed URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURLError(f"the feed URL is not valid: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"'{scheme}'" if scheme else "no scheme"
        raise UnsafeURLError(f"the feed URL has {shown}; only http and https are allowed")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURLError("the feed URL contains a user name or password; remove them")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURLError("the feed URL has no host name")
    ip = _parse_ip(host)
    if ip is None:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise UnsafeURLError(f"the feed URL's host name '{host}' is not valid") from exc
        # Anything beyond letters, digits, '-' and '_' could be read differently by the HTTP
        # client than by this check (percent-escapes, NUL bytes...).
        if not _HOST_NAME.fullmatch(host):
            raise UnsafeURLError(f"the feed URL's host name '{host}' is not valid")
        netloc_host = host
    else:
        netloc_host = f"[{ip.compressed}]" if ip.version == 6 else ip.compressed
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc_host = f"{netloc_host}:{port}"
    return urlunsplit((scheme, netloc_host, parts.path or "/", parts.query, ""))


async def resolve_all(host: str, resolver: AbstractResolver | None = None) -> list[IPAddress]:
    """Resolve a host name to all its addresses; FeedError(kind="dns") when it cannot."""
    own = resolver is None
    active: AbstractResolver = DefaultResolver() if resolver is None else resolver
    try:
        results = await active.resolve(host, 0, family=socket.AF_UNSPEC)
    except OSError as exc:
        raise FeedError(f"cannot resolve {host}: {exc.strerror or exc}", kind="dns") from exc
    finally:
        if own:
            await active.close()
    addrs: list[IPAddress] = []
    for result in results:
        ip = _parse_ip(result["host"])
        if ip is not None and ip not in addrs:
            addrs.append(ip)
    if not addrs:
        raise FeedError(f"cannot resolve {host}: no address found", kind="dns")
    return addrs


def check_addresses(
    addrs: Iterable[IPAddress], *, allowed_networks: Iterable[IPNetwork] = ()
) -> tuple[IPAddress, str] | None:
    """Return the first non-public address and why, ignoring allowed networks; else None."""
    nets = tuple(allowed_networks)
    for addr in addrs:
        if any(addr.version == net.version and addr in net for net in nets):
            continue
        problem = address_problem(addr)
        if problem is not None:
            return addr, problem
    return None


async def check_url(
    url: str,
    *,
    allow_private: bool,
    resolver: AbstractResolver | None = None,
    allowed_networks: Iterable[IPNetwork] = (),
) -> str:
    """Refuse a URL unless http(s) and every address it resolves to is public; normalise it."""
    normalised = validate_url_syntax(url)
    if allow_private:
        return normalised
    host = urlsplit(normalised).hostname or ""
    literal = _parse_ip(host)
    addrs = [literal] if literal is not None else await resolve_all(host, resolver)
    bad = check_addresses(addrs, allowed_networks=allowed_networks)
    if bad is not None:
        raise _refusal(bad[0], bad[1], resolved=literal is None)
    return normalised


class SafeResolver(AbstractResolver):
    """Resolver for the fetcher's connector: drop non-public addresses at connection time."""

    def __init__(
        self,
        inner: AbstractResolver | None = None,
        *,
        allow_private: bool = False,
        allowed_networks: Iterable[IPNetwork] = (),
    ) -> None:
        self._inner = inner
        self._owns_inner = inner is None
        self.allow_private = allow_private
        self.allowed_networks = tuple(allowed_networks)

    @property
    def inner(self) -> AbstractResolver:
        """Return the wrapped resolver, creating aiohttp's default one on first use."""
        if self._inner is None:
            self._inner = DefaultResolver()
        return self._inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve through the wrapped resolver and keep only the addresses we may connect to."""
        results = await self.inner.resolve(host, port, family)
        if self.allow_private:
            return results
        kept: list[ResolveResult] = []
        dropped: tuple[IPAddress, str] | None = None
        for result in results:
            ip = _parse_ip(result["host"])
            bad = (
                (None, "not an IP address")
                if ip is None
                else check_addresses([ip], allowed_networks=self.allowed_networks)
            )
            if bad is None:
                kept.append(result)
            elif ip is not None:
                dropped = (ip, bad[1])
                logger.warning("dropped %s for %s at connection time: %s", ip, host, bad[1])
        if not kept:
            if dropped is not None:
                raise _refusal(dropped[0], dropped[1], resolved=True)
            raise FeedError(f"cannot resolve {host}: no address found", kind="dns")
        return kept

    async def close(self) -> None:
        """Close the wrapped resolver when we created it."""
        if self._owns_inner and self._inner is not None:
            self._owns_inner = False
            await self._inner.close()
