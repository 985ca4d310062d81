"""Write small RSS documents for tests (our own text, never publishers')."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Item:
    """One RSS item."""

    guid: str | None
    title: str
    description: str = ""
    link: str | None = None
    published: datetime | None = None


def rss(items: Sequence[Item], *, title: str = "Test feed", lang: str = "en") -> str:
    """Return an RSS 2.0 document with these items."""
    parts = []
    for item in items:
        fields = [f"<title>{escape(item.title)}</title>"]
        if item.guid is not None:
            fields.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
        if item.link:
            fields.append(f"<link>{escape(item.link)}</link>")
        if item.description:
            fields.append(f"<description>{escape(item.description)}</description>")
        when = item.published or datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
        fields.append(f"<pubDate>{format_datetime(when)}</pubDate>")
        parts.append("<item>" + "".join(fields) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://news.example/</link>"
        f"<language>{lang}</language><description>t</description>"
        + "".join(parts)
        + "</channel></rss>"
    )
