"""The memoised feedparser base-URI join changes no parse result."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from bot.feeds.parse import ParsedFeed, parse_feed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
NOW = datetime(2024, 3, 8, 12, 0, tzinfo=UTC)

XML_BASE_ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/blog/">
  <title>Base</title><id>urn:x</id><updated>2024-03-01T00:00:00Z</updated>
  <link href="home.html"/>
  <entry xml:base="posts/"><id>a</id><title>A</title><updated>2024-03-01T00:00:00Z</updated>
    <link href="a.html"/></entry>
  <entry xml:base="javascript:alert(1)//"><id>b</id><title>B</title>
    <updated>2024-03-01T00:00:00Z</updated><link href="b.html"/></entry>
  <entry xml:base="https://other.example/x/"><id>c</id><title>C</title>
    <updated>2024-03-01T00:00:00Z</updated><link href="../c.html?utm_source=rss"/></entry>
</feed>"""


def _bodies() -> Iterator[bytes]:
    yield XML_BASE_ATOM
    for path in sorted(FIXTURES.iterdir()):
        if path.suffix in (".xml", ".rss"):
            yield path.read_bytes()


def _parse_all(base: str) -> list[ParsedFeed | str]:
    results: list[ParsedFeed | str] = []
    for body in _bodies():
        try:
            results.append(parse_feed(body, base_url=base, content_type=None, now=NOW))
        except Exception as exc:  # the same error must come back either way
            results.append(f"{type(exc).__name__}: {exc}")
    return results


@pytest.mark.parametrize(
    "base", ["https://example.com/feeds/main.xml", "http://127.0.0.1:8080/feed/1.xml"]
)
def test_memoised_base_uri_gives_the_same_results(
    base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    memoised = feedparser.mixin.make_safe_absolute_uri
    assert hasattr(memoised, "cache_info")  # the patch is in place
    with_cache = _parse_all(base)
    monkeypatch.setattr(feedparser.mixin, "make_safe_absolute_uri", memoised.__wrapped__)
    without = _parse_all(base)
    assert with_cache == without


def test_xml_base_still_resolves_links() -> None:
    parsed = parse_feed(
        XML_BASE_ATOM, base_url="https://example.com/feeds/main.xml", content_type=None, now=NOW
    )
    links = {item.title: item.link for item in parsed.items}
    assert links == {
        "A": "https://example.com/blog/posts/a.html",
        "B": "https://example.com/blog/b.html",  # a javascript: base is ignored
        "C": "https://other.example/c.html",
    }
