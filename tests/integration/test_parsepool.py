"""Parsing in worker processes gives the same items and the same errors as parsing inline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import ParseError
from bot.feeds.parsepool import INLINE_BYTES, ParserPool
from tests.integration.rssgen import Item, rss

NOW = datetime(2026, 11, 28, tzinfo=UTC)


async def test_worker_processes_parse_like_the_main_process() -> None:
    body = rss(
        [Item(f"id-{n}", f"Story {n} &amp; more", f"<p>Body {n}</p>") for n in range(300)]
    ).encode()
    assert len(body) > INLINE_BYTES
    pool, inline = ParserPool(1), ParserPool(0)
    try:
        remote = await pool.parse(body, base_url="https://x.example/", content_type=None, now=NOW)
        local = await inline.parse(body, base_url="https://x.example/", content_type=None, now=NOW)
        assert remote == local
        assert len(remote.items) == 300 and remote.items[0].title == "Story 0 & more"
        broken = b"<html><body>" + b"x" * INLINE_BYTES + b"<p>not a feed"
        with pytest.raises(ParseError):
            await pool.parse(broken, base_url="https://x.example/", content_type=None, now=NOW)
    finally:
        pool.close()


async def test_a_pool_that_cannot_start_falls_back_to_inline_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(self: ParserPool) -> None:
        raise OSError("no processes for you")

    monkeypatch.setattr(ParserPool, "_ensure", refuse)
    pool = ParserPool(2)
    body = rss([Item(f"id-{n}", f"Story {n}", "x" * 200) for n in range(200)]).encode()
    parsed = await pool.parse(body, base_url="https://x.example/", content_type=None, now=NOW)
    assert len(parsed.items) == 200 and pool.workers == 0
