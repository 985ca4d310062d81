"""A feed's standing lines (bot/feeds/standing.py) leave its items; the news stays."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.feeds.parse import parse_feed
from bot.feeds.standing import drop_standing_lines, standing_lines
from bot.types import FeedItem

PITCH = "Get our weekly digest of app-store fights every Friday morning."
NAMES = ["Zorbly", "Quix", "Mantle", "Orbo", "Pexa", "Tandem", "Vireo", "Wisp", "Yarrow", "Kelp"]
NAMES += [f"{n}soft" for n in NAMES]


def _items(n: int, tail: str = PITCH) -> list[FeedItem]:
    return [
        FeedItem(
            guid=f"g{i}",
            title=f"Story number {i} about a different dispute",
            summary=f"A regulator opened a case against {NAMES[i]}. {tail}",
            content=f"A regulator opened a case against {NAMES[i]}. Read {i} more "
            f"paragraphs | Comments",
        )
        for i in range(n)
    ]


def test_a_line_every_item_repeats_is_removed_and_the_news_kept() -> None:
    items = drop_standing_lines(_items(8))
    assert all(PITCH not in item.summary for item in items)
    assert all("Comments" not in item.content for item in items)
    assert items[3].summary == "A regulator opened a case against Orbo."


def test_the_hash_stays_the_one_of_what_the_outlet_sent() -> None:
    raw = _items(8)
    cleaned = drop_standing_lines(raw)
    assert [i.content_hash for i in cleaned] == [i.content_hash for i in raw]
    assert cleaned[0].summary != raw[0].summary


def test_a_small_feed_and_a_rare_line_are_left_alone() -> None:
    assert drop_standing_lines(_items(4)) == tuple(_items(4))
    items = _items(20)
    rare = [
        FeedItem(guid=i.guid, title=i.title, summary=i.summary.replace(PITCH, "")) if n >= 3 else i
        for n, i in enumerate(items)
    ]
    assert PITCH.casefold() not in standing_lines(rare)  # 3 items of 20: under a fifth


def test_one_story_repeated_under_one_title_is_not_a_standing_line() -> None:
    same = [
        FeedItem(guid=f"g{i}", title="Court fines the app maker", summary="A court fined Zorbly.")
        for i in range(6)
    ]
    assert drop_standing_lines(same) == tuple(same)


def test_the_parser_removes_them_from_a_real_shaped_feed() -> None:
    entries = "".join(
        f"<item><title>Dispute {i} of the week</title><guid>g{i}</guid>"
        f"<description>&lt;p&gt;{NAMES[i]} sued Example Corp over its store.&lt;/p&gt;"
        f"&lt;p&gt;{PITCH}&lt;/p&gt;"
        f"&lt;p&gt;Read {i + 2} remaining paragraphs | Comments&lt;/p&gt;</description></item>"
        for i in range(6)
    )
    body = f"<rss version='2.0'><channel><title>x</title>{entries}</channel></rss>".encode()
    parsed = parse_feed(body, base_url="https://example.invalid/", now=datetime.now(UTC))
    # The pitch goes, and so does the short footer that differs only by a number.
    assert [i.summary for i in parsed.items][:2] == [
        "Zorbly sued Example Corp over its store.",
        "Quix sued Example Corp over its store.",
    ]


def test_a_templated_sentence_that_differs_by_its_numbers_is_news() -> None:
    items = [
        FeedItem(
            guid=f"g{i}",
            title=f"Price alert {NAMES[i]}",
            summary=f"The token traded at ${1000 + i * 37} after the exchange paused "
            f"withdrawals for {i + 2} hours on Monday.",
        )
        for i in range(8)
    ]
    assert drop_standing_lines(items) == tuple(items)
