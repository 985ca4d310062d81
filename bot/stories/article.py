"""Article pages for teaser-only feed items: fetch safely, keep the main text (trafilatura)."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from typing import Any, Protocol, cast

from bot.errors import FeedError
from bot.feeds.fetch import Fetcher

log = logging.getLogger(__name__)

MAX_ARTICLE_CHARS = 20_000


class ArticleSource(Protocol):
    """Somewhere to get an article's main text from its URL."""

    async def fetch_text(self, url: str) -> str | None:
        """Return the article's main text, or None when it cannot be had."""
        ...


def _extractor() -> Callable[..., str | None] | None:
    try:
        module: Any = importlib.import_module("trafilatura")
    except ImportError:
        return None
    return cast(Callable[..., "str | None"], module.extract)


def extract_main_text(html: str, url: str | None = None) -> str | None:
    """The main text of an HTML page (boilerplate, menus and comments dropped), or None.

    Needs the optional `trafilatura` package (extra `articles`); None without it.
    """
    extract = _extractor()
    if extract is None:
        log.info("trafilatura is not installed; article pages are not used")
        return None
    found = extract(
        html,
        url=url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
    )
    if not found:
        return None
    return found[:MAX_ARTICLE_CHARS]


def _decode(body: bytes, content_type: str | None) -> str:
    charset = "utf-8"
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


class FetcherArticleSource:
    """Fetch article pages with the feeds' Fetcher (same limits and SSRF guard)."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher

    async def fetch_text(self, url: str) -> str | None:
        """Fetch `url` and return its main text, or None on any failure."""
        try:
            result = await self._fetcher.fetch(url)
        except FeedError as exc:
            log.info("article %s not fetched: %s", url, exc)
            return None
        if result.body is None:
            return None
        html = _decode(result.body, result.content_type)
        return await asyncio.to_thread(extract_main_text, html, result.final_url)
