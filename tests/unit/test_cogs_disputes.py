"""/disputes and /about callbacks with spec'd service doubles."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot.app import App
from bot.errors import UserError
from bot.stories.service import StoryService
from bot.types import Dispute
from cogs.admin import AdminCog, format_uptime
from cogs.disputes import DisputesCog
from tests.unit.test_cogs_common import NOW, make_interaction, make_story, sent


def make_app() -> Any:
    app = MagicMock(spec=App)
    app.stories = MagicMock(spec=StoryService)
    return app


@pytest.fixture
def cog() -> DisputesCog:
    return DisputesCog(make_app())


async def test_latest_pages_when_more_than_a_page(cog: DisputesCog) -> None:
    cog.app.stories.latest.return_value = [make_story(i) for i in range(1, 10)]
    inter = make_interaction()
    await cog.latest.callback(cog, inter, label="legal", party="twitter", days=3)
    call = cog.app.stories.latest.await_args.kwargs
    assert call == {
        "label": "legal",
        "party": "X",
        "days": 3,
        "lang": None,
        "limit": 9,
        "offset": 0,
    }
    reply = sent(inter)
    assert reply["view"] is not discord.utils.MISSING
    assert reply["embed"].description.count("`#") == 8
    assert reply["allowed_mentions"].to_dict() == {"parse": []}


async def test_latest_unknown_company_is_a_user_error(cog: DisputesCog) -> None:
    with pytest.raises(UserError, match="don't know the company"):
        await cog.latest.callback(cog, make_interaction(), party="Widgets Nowhere")
    cog.app.stories.latest.assert_not_awaited()


async def test_search_shows_snippets_and_total(cog: DisputesCog) -> None:
    hit = SimpleNamespace(story=make_story(4), snippet="app **removed**", rank=1.0)
    cog.app.stories.search.return_value = SimpleNamespace(hits=[hit], total=1, limit=8, offset=0)
    inter = make_interaction()
    await cog.search.callback(cog, inter, query=" fortnite ")
    assert cog.app.stories.search.await_args.args == ("fortnite",)
    embed = sent(inter)["embed"]
    assert "\\*\\*removed\\*\\*" in embed.description
    assert embed.footer.text == "1–1 of 1"


async def test_search_rejects_long_query(cog: DisputesCog) -> None:
    with pytest.raises(UserError):
        await cog.search.callback(cog, make_interaction(), query="q" * 201)


async def test_show_missing_story(cog: DisputesCog) -> None:
    cog.app.stories.story.return_value = None
    with pytest.raises(UserError, match="no story #9"):
        await cog.show.callback(cog, make_interaction(), story_id=9)


async def test_show_story(cog: DisputesCog) -> None:
    cog.app.stories.story.return_value = make_story(9)
    inter = make_interaction()
    await cog.show.callback(cog, inter, story_id=9)
    assert sent(inter)["embed"].title == "Apple removes Fortnite"


async def test_company_timeline(cog: DisputesCog) -> None:
    dispute = Dispute(
        5,
        "Apple v Epic",
        ("Apple", "Epic Games"),
        ("legal",),
        NOW,
        NOW,
        (make_story(1), make_story(2)),
    )
    cog.app.stories.company.return_value = [dispute]
    inter = make_interaction()
    await cog.company_cmd.callback(cog, inter, name="apple")
    cog.app.stories.company.assert_awaited_once_with("Apple")
    embed = sent(inter)["embed"]
    assert "dispute #5" in embed.description and "`#2`" in embed.description


async def test_stats_attaches_png_chart(cog: DisputesCog) -> None:
    cog.app.stories.counts.return_value = {"stories": 3, "disputes": 1}
    cog.app.stories.weekly_counts.return_value = [(date(2025, 3, 3), "legal", 2)]
    inter = make_interaction()
    await cog.stats.callback(cog, inter)
    inter.response.defer.assert_awaited_once()
    reply = sent(inter)
    assert reply["file"].filename == "disputes.png"
    assert reply["file"].fp.read(8) == b"\x89PNG\r\n\x1a\n"
    assert reply["embed"].image.url == "attachment://disputes.png"


async def test_story_autocomplete_searches_text(cog: DisputesCog) -> None:
    hit = SimpleNamespace(story=make_story(12, title="x" * 150), snippet="", rank=1.0)
    cog.app.stories.search.return_value = SimpleNamespace(hits=[hit], total=1, limit=25, offset=0)
    choices = await cog._story_autocomplete(make_interaction(), "fort")
    assert choices[0].value == 12 and len(choices[0].name) <= 100


async def test_about() -> None:
    app = make_app()
    app.about = AsyncMock(
        return_value={"version": "0.1.0", "feeds_active": 3, "last_poll": None, "uptime_s": 90061}
    )
    cog = AdminCog(app)
    inter = make_interaction()
    await cog.about.callback(cog, inter)
    fields = {f.name: f.value for f in sent(inter)["embed"].fields}
    assert fields["Version"] == "0.1.0" and fields["Last poll"] == "never"
    assert fields["Uptime"] == format_uptime(90061) == "1d 1h 1m"
