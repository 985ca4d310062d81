"""Rendering alerts: exact embeds, mention policy, Discord limits."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.alerts.mentions import ZWSP, escape_markdown, neutralise_mentions, safe_text, safe_url
from bot.alerts.render import (
    AlertMessage,
    DigestItem,
    embed_length,
    fit_content,
    fit_embed,
    fit_embeds,
    render_console,
    render_digest,
    render_notice,
    render_story,
)
from bot.types import Amount, EffectiveDate, Facts, Quote, Signal, Story, StorySource

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make_story(**over: object) -> Story:
    base: dict[str, object] = {
        "id": 123,
        "title": "Apple pulls Epic's developer account",
        "summary": "Apple terminated Epic Games' developer account.",
        "lang": "en",
        "labels": ("cutoff",),
        "parties": ("Apple", "Epic Games"),
        "score": 0.9,
        "facts": Facts(
            dates=(EffectiveDate(date(2026, 3, 15), "March 15"),),
            amounts=(Amount(99.0, "USD", "year", "$99 a year"),),
            quotes=(Quote("We will fight this", "Tim Sweeney"),),
        ),
        "signals": (Signal("cutoff", "pulls", 0.6), Signal("cutoff", "developer account", 0.3)),
        "first_seen": T0,
        "last_seen": T0,
        "dispute_id": 45,
        "sources": (
            StorySource(1, "The Verge", "t", "https://verge.example/a", T0),
            StorySource(2, "Ars", "t", "https://ars.example/b", T0),
        ),
    }
    base.update(over)
    return Story(**base)  # type: ignore[arg-type]


def test_story_embed_exact() -> None:
    msg = render_story(make_story())
    assert msg.content == ""
    assert msg.allowed_mentions == {"parse": []}
    assert list(msg.embeds) == [
        {
            "type": "rich",
            "title": "Apple pulls Epic's developer account",
            "url": "https://verge.example/a",
            "description": "Apple terminated Epic Games' developer account.",
            "color": 0xE67E22,
            "timestamp": "2026-03-01T12:00:00+00:00",
            "fields": [
                {"name": "Labels", "value": "Cutoff", "inline": True},
                {"name": "Parties", "value": "Apple, Epic Games", "inline": True},
                {"name": "Effective", "value": "2026-03-15 — March 15", "inline": True},
                {"name": "Amounts", "value": "$99 a year", "inline": True},
                {"name": "Quote", "value": "“We will fight this” — Tim Sweeney", "inline": False},
                {
                    "name": "Sources (2)",
                    "value": "[The Verge](https://verge.example/a) · [Ars](https://ars.example/b)",
                    "inline": False,
                },
            ],
            "footer": {
                "text": "Flagged for “pulls” (cutoff), “developer account” (cutoff)"
                " · story s123 · dispute d45"
            },
        }
    ]


def test_role_is_the_only_allowed_mention() -> None:
    msg = render_story(make_story(), role_id=555)
    assert msg.content == "<@&555>"
    assert msg.allowed_mentions == {"parse": [], "roles": [555]}
    assert isinstance(msg.allowed_mentions["roles"][0], int)


def test_backfill_is_marked() -> None:
    msg = render_story(make_story(), backfill=True)
    embed = msg.embeds[0]
    assert embed["author"]["name"].startswith("Backfill")
    assert embed["footer"]["text"].startswith("Backfill · ")


def test_feed_text_cannot_ping_or_format() -> None:
    evil = "@everyone <@&123> **bold**"
    assert safe_text(evil) == f"@{ZWSP}everyone <@{ZWSP}&123> \\*\\*bold\\*\\*"
    assert neutralise_mentions("<@42> <@!42> @here") == f"<@{ZWSP}42> <@{ZWSP}!42> @{ZWSP}here"
    assert escape_markdown("# head\n> quote\n- item") == "\\# head\n\\> quote\n\\- item"
    msg = render_story(make_story(title=evil, summary=evil, parties=(evil,)), role_id=None)
    embed = msg.embeds[0]
    for text in (embed["title"], embed["description"], embed["fields"][1]["value"]):
        assert "@everyone" not in text
        assert "<@&123>" not in text
        assert "**" not in text
    assert msg.allowed_mentions == {"parse": []}


def test_unsafe_links_are_not_linked() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://x.example/a b)c") == "https://x.example/a%20b%29c"
    story = make_story(
        sources=(StorySource(1, "Evil](https://x)", "t", "javascript:x", T0),),
    )
    embed = render_story(story).embeds[0]
    assert "url" not in embed
    assert embed["fields"][-1]["value"] == "Evil\\](https://x)"


def test_limits_hold_with_huge_data() -> None:
    huge = "x" * 10_000
    story = make_story(
        title=huge,
        summary=huge,
        parties=tuple(f"Company {i} {huge[:300]}" for i in range(50)),
        signals=tuple(Signal("legal", huge[:500] + str(i), 0.1) for i in range(40)),
        facts=Facts(
            dates=tuple(EffectiveDate(date(2026, 1, 1), huge) for _ in range(10)),
            amounts=tuple(Amount(1.0, "USD", None, huge) for _ in range(10)),
            quotes=(Quote(huge, huge),),
        ),
        sources=tuple(
            StorySource(i, f"Outlet {i}", "t", f"https://o{i}.example/{'p' * 200}", T0)
            for i in range(200)
        ),
    )
    msg = render_story(story, role_id=1)
    embed = msg.embeds[0]
    assert len(embed["title"]) <= 256
    assert len(embed["description"]) <= 4096
    assert len(embed["fields"]) <= 25
    for f in embed["fields"]:
        assert len(f["name"]) <= 256
        assert 0 < len(f["value"]) <= 1024
    assert len(embed["footer"]["text"]) <= 2048
    assert embed["footer"]["text"].endswith("story s123 · dispute d45")
    assert embed_length(embed) <= 6000
    sources = next(f for f in embed["fields"] if f["name"].startswith("Sources"))
    assert sources["value"].endswith("more")


def test_fit_embed_and_content_and_many_embeds() -> None:
    embed = {
        "title": "t" * 300,
        "description": "d" * 5000,
        "fields": [{"name": "n" * 300, "value": "v" * 2000} for _ in range(30)],
        "footer": {"text": "f" * 3000},
        "author": {"name": "a" * 300},
    }
    fitted = fit_embed(embed)
    assert len(fitted["fields"]) <= 25
    assert embed_length(fitted) <= 6000
    assert len(fitted["title"]) == 256 and fitted["title"].endswith("…")
    assert len(fit_content("c" * 3000)) == 2000
    many = fit_embeds([{"title": "x", "description": "y" * 4000} for _ in range(12)])
    assert len(many) <= 10
    assert sum(embed_length(e) for e in many) <= 6000
    assert fit_embed({"fields": [{"name": "", "value": ""}]})["fields"][0] == {
        "name": ZWSP,
        "value": ZWSP,
    }


def test_notice_digest_console_and_roundtrip() -> None:
    notice = render_notice("Feed **X** disabled @everyone")
    assert notice.allowed_mentions == {"parse": []}
    assert "**" not in notice.embeds[0]["description"]
    digest = render_digest([make_story(), DigestItem.from_story(make_story(id=7))], "daily")
    assert digest.embeds[0]["title"] == "Daily digest: 2 dispute stories"
    assert "(story s7 · dispute d45)" in digest.embeds[0]["description"]
    assert AlertMessage.from_dict(digest.to_dict()) == digest
    text = render_console(render_story(make_story(title="a **b**")))
    assert "=== a **b** ===" in text
    assert "Sources (2): [The Verge](https://verge.example/a)" in text
