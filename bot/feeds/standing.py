"""A feed's standing lines: sentences the outlet repeats in many of its items.

Outlets end or open every item with the same line ("Read 3 remaining paragraphs | Comments",
"Suivez toutes les annonces en direct sur X", a newsletter pitch, a photo credit). The forms in
``bot/stories/data/boilerplate.json`` know the common ones; this finds the rest in the feed
itself: a sentence (numbers aside in short lines) found in at least ``MIN_ITEMS`` items with
different titles, and in at least ``MIN_SHARE`` of the feed's items, says nothing about any one
story and is removed from every item's summary and content.

The item keeps the hash of what the outlet sent (``FeedItem.source_hash``), so a line that
becomes standing or stops being standing as items come and go does not make an item look
updated.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from bot.types import FeedItem

logger = logging.getLogger(__name__)

MIN_ITEMS = 3
MIN_SHARE = 0.2
# Fewer items than this and a repeat is as likely a running story as a standing line.
MIN_FEED_ITEMS = 5
MIN_WORDS = 3
MAX_SENTENCE_CHARS = 300
# Numbers are set aside only in short lines (a counter in a footer); a longer sentence that
# differs only by its numbers ("Bitcoin is at $61,200 after …") is a templated item's news.
NUMBERED_MAX_WORDS = 8

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)|\s*\n\s*")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_SPACE = re.compile(r"\s+")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _key(sentence: str) -> str | None:
    words = len(sentence.split())
    if len(sentence) > MAX_SENTENCE_CHARS or words < MIN_WORDS:
        return None
    key = sentence.casefold()
    if words <= NUMBERED_MAX_WORDS:
        key = _DIGITS.sub("0", key)  # "Read 3 remaining paragraphs | Comments"
    return _SPACE.sub(" ", key).strip()


def standing_lines(items: Sequence[FeedItem]) -> frozenset[str]:
    """Return the keys of the sentences repeated across the feed's items."""
    texts = [(item.title, f"{item.summary}\n{item.content}") for item in items]
    texts = [(t, body) for t, body in texts if body.strip()]
    if len(texts) < MIN_FEED_ITEMS:
        return frozenset()
    titles: dict[str, set[str]] = {}
    per_item: Counter[str] = Counter()
    for title, body in texts:
        keys = {k for s in _sentences(body) if (k := _key(s)) is not None}
        per_item.update(keys)
        for k in keys:
            titles.setdefault(k, set()).add(title.casefold().strip())
    needed = max(MIN_ITEMS, MIN_SHARE * len(texts))
    return frozenset(k for k, n in per_item.items() if n >= needed and len(titles[k]) >= MIN_ITEMS)


def _without(text: str, lines: frozenset[str]) -> str:
    if not text:
        return text
    kept = [s for s in _sentences(text) if _key(s) not in lines]
    return " ".join(kept)


def drop_standing_lines(items: Sequence[FeedItem]) -> tuple[FeedItem, ...]:
    """Remove the feed's standing lines from its items' summaries and contents."""
    lines = standing_lines(items)
    if not lines:
        return tuple(items)
    logger.debug("%d standing lines removed from a feed of %d items", len(lines), len(items))
    out: list[FeedItem] = []
    for item in items:
        summary = _without(item.summary, lines)
        content = _without(item.content, lines)
        if summary == item.summary and content == item.content:
            out.append(item)
        else:
            out.append(
                replace(
                    item,
                    summary=summary,
                    content=content,
                    source_hash=item.source_hash or item.content_hash,
                )
            )
    return tuple(out)
