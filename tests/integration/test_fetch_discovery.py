"""Fetch then parse against the local server: feeds, HTML pages with discovery, encodings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import ParseError
from bot.feeds.fetch import FetchConfig, Fetcher
from bot.feeds.parse import discover_feeds, looks_like_html, parse_feed
from tests.integration.feedserver import FeedServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
NOW = datetime(2024, 3, 8, 12, 0, tzinfo=UTC)

PAGE = """<!doctype html><html><head><title>Site</title>
<link rel="alternate" type="application/rss+xml" title="Main feed" href="/feeds/main.rss">
</head><body><p>Welcome</p></body></html>"""


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchConfig(allow_private=True, connect_timeout=2)) as f:
        yield f


async def test_html_page_leads_to_its_feed(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/", PAGE, content_type="text/html; charset=utf-8")
    server.set("/feeds/main.rss", (FIXTURES / "messy.rss").read_bytes())
    page = await fetcher.fetch(server.url("/"))
    assert page.body is not None
    assert looks_like_html(page.body, page.content_type)
    with pytest.raises(ParseError, match="HTML page"):
        parse_feed(page.body, base_url=page.final_url, content_type=page.content_type, now=NOW)
    found = discover_feeds(page.body, page.final_url)
    assert [(f.url, f.title) for f in found] == [(server.url("/feeds/main.rss"), "Main feed")]
    result = await fetcher.fetch(found[0].url)
    assert result.body is not None
    assert not looks_like_html(result.body, result.content_type)
    feed = parse_feed(
        result.body, base_url=result.final_url, content_type=result.content_type, now=NOW
    )
    assert feed.site_url == server.url("/")
    assert feed.items[0].link == server.url("/2024/03/acme-globex?id=7")


async def test_charset_from_content_type(server: FeedServer, fetcher: Fetcher) -> None:
    server.set(
        "/latin1",
        (FIXTURES / "latin1-no-declaration.rss").read_bytes(),
        content_type="application/rss+xml; charset=ISO-8859-1",
    )
    result = await fetcher.fetch(server.url("/latin1"))
    assert result.body is not None
    feed = parse_feed(
        result.body, base_url=result.final_url, content_type=result.content_type, now=NOW
    )
    assert feed.items[0].title == "Fermeture annoncée du réseau café"


async def test_gzipped_cp1252_feed(server: FeedServer, fetcher: Fetcher) -> None:
    server.set("/cp", (FIXTURES / "cp1252.rss").read_bytes(), gzip_body=True)
    result = await fetcher.fetch(server.url("/cp"))
    assert result.body is not None
    feed = parse_feed(result.body, base_url=result.final_url, now=NOW)
    assert "150 M€" in feed.items[0].title
