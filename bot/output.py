"""Command-line output: readable tables for people, JSON lines for scripts."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TextIO

from bot.codec import iso
from bot.types import FeedInfo, StoredEntry


def emit_json(record: Mapping[str, Any], out: TextIO | None = None) -> None:
    """Write one JSON object on one line."""
    stream = out or sys.stdout
    stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def print_table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], out: TextIO | None = None
) -> None:
    """Print rows as aligned columns, shrinking the widest column to fit the terminal."""
    stream = out or sys.stdout
    data = [[_cell(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in data:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    total = shutil.get_terminal_size((120, 20)).columns
    while sum(widths) + 2 * (len(widths) - 1) > total and max(widths) > 12:
        widest = widths.index(max(widths))
        widths[widest] -= 1
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    stream.write(line.rstrip() + "\n")
    for row in data:
        cells = [_clip(c, w).ljust(w) for c, w in zip(row, widths, strict=True)]
        stream.write("  ".join(cells).rstrip() + "\n")


def _cell(value: str) -> str:
    return " ".join(str(value).split())


def _clip(value: str, width: int) -> str:
    return value if len(value) <= width else value[: max(0, width - 1)] + "…"


def short_time(value: datetime | None) -> str:
    """Format a time for a table cell."""
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def feed_json(feed: FeedInfo) -> dict[str, Any]:
    """Describe a feed for scripts (stable snake_case fields)."""
    return {
        "type": "feed",
        "id": feed.id,
        "url": feed.url,
        "title": feed.title,
        "site_url": feed.site_url,
        "lang": feed.lang,
        "status": feed.status,
        "disabled_reason": feed.disabled_reason,
        "error_count": feed.error_count,
        "last_error": feed.last_error,
        "last_poll": iso(feed.last_polled_at),
        "last_success": iso(feed.last_success_at),
        "next_poll": iso(feed.next_poll_at),
        "interval_s": feed.interval_s,
        "added_at": iso(feed.added_at),
    }


def entry_json(entry: StoredEntry) -> dict[str, Any]:
    """Describe a stored entry for scripts."""
    item = entry.item
    return {
        "type": "entry",
        "id": entry.id,
        "feed_id": entry.feed_id,
        "feed": entry.feed_title,
        "guid": item.guid,
        "title": item.title,
        "link": item.link,
        "published": iso(item.published),
        "author": item.author,
        "lang": item.lang,
        "updated": entry.is_update,
    }
