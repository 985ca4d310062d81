"""Parse the real feeds kept in ../shared/data/feeds (skipped when absent)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.feeds.parse import parse_feed

SHARED_FEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "feeds"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

pytestmark = pytest.mark.shared_data


def feed_files() -> list[Path]:
    if not SHARED_FEEDS.is_dir():
        return []
    return sorted(p for p in SHARED_FEEDS.iterdir() if p.is_file())


@pytest.mark.parametrize("path", feed_files(), ids=lambda p: p.name)
def test_real_feed_parses(path: Path) -> None:
    feed = parse_feed(path.read_bytes(), base_url=f"https://feeds.example/{path.name}", now=NOW)
    assert len(feed.items) > 0
    assert feed.title
    for item in feed.items:
        assert item.title, item.guid
        assert "<" not in item.title or ">" not in item.title, item.title
        for text in (item.title, item.summary, item.content):
            assert "&amp;" not in text and "&lt;" not in text and "&#" not in text
            assert "<p>" not in text and "<a " not in text
        assert item.published is not None and item.published.tzinfo is not None
        assert item.published.utcoffset() is not None
        assert 2010 <= item.published.year <= 2030
        assert item.published_in_feed
        assert item.link is not None and item.link.startswith(("http://", "https://"))
        assert "utm_" not in item.link
        assert item.guid
    assert len({i.guid for i in feed.items}) == len(feed.items)


def test_shared_feeds_present_or_skipped() -> None:
    if not feed_files():
        pytest.skip(f"no shared feeds at {SHARED_FEEDS}")
    assert len(feed_files()) >= 1
