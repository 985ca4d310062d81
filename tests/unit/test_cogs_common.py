"""Shared cog helpers: limits, paginator, error messages; plus the interaction double."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest.mock import MagicMock

import discord
import pytest
from discord import app_commands

from bot.errors import UserError
from bot.types import Facts, Signal, Story, StorySource
from cogs import common


def make_interaction(
    *, guild_id: int | None = 111, user_id: int = 222, guild: Any = None
) -> MagicMock:
    """An Interaction double built from the real classes (misspelt attributes fail)."""
    inter = MagicMock(spec=discord.Interaction)
    inter.response = MagicMock(spec=discord.InteractionResponse)
    inter.followup = MagicMock(spec=discord.Webhook)
    inter.response.is_done.side_effect = lambda: bool(
        inter.response.defer.await_count or inter.response.send_message.await_count
    )
    inter.user = MagicMock(spec=discord.Member)
    inter.user.id = user_id
    inter.guild_id = guild_id
    inter.guild = guild
    inter.id = 333
    return inter


def sent(inter: MagicMock) -> dict[str, Any]:
    """The kwargs (and content) of the single reply, first response or followup."""
    calls = inter.response.send_message.await_args_list + inter.followup.send.await_args_list
    assert len(calls) == 1, calls
    args, kwargs = calls[0]
    return {"content": args[0] if args else kwargs.get("content"), **kwargs}


NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def make_story(story_id: int = 7, title: str = "Apple removes Fortnite", **kw: Any) -> Story:
    values: dict[str, Any] = {
        "id": story_id,
        "title": title,
        "summary": "Apple pulled the app @everyone.",
        "lang": "en",
        "labels": ("cutoff",),
        "parties": ("Apple", "Epic Games"),
        "score": 0.9,
        "facts": Facts(),
        "signals": (Signal("cutoff", "removes", 0.8),),
        "first_seen": NOW,
        "last_seen": NOW,
        "dispute_id": 3,
        "sources": (StorySource(1, "Outlet A", title, "https://a.example/x", NOW),),
    }
    values.update(kw)
    return Story(**values)


def test_fit_embed_keeps_every_limit() -> None:
    embed = discord.Embed(title="t" * 400, description="d" * 9000)
    for _ in range(40):
        embed.add_field(name="n" * 300, value="v" * 2000)
    fitted = common.fit_embed(embed).to_dict()
    assert len(fitted["title"]) <= 256
    assert len(fitted["fields"]) <= 25
    assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in fitted["fields"])
    total = len(fitted["title"]) + len(fitted.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in fitted["fields"])
    assert total <= 6000


def test_story_line_and_embed_neutralise_mentions() -> None:
    story = make_story(title="Hey @everyone <@&123> look")
    line = common.story_line(story)
    assert "@everyone" not in line and "<@&123>" not in line
    data = common.story_embed(story).to_dict()
    assert "@everyone" not in data["description"]
    assert data["url"] == "https://a.example/x"
    assert data["footer"]["text"].startswith("Story #7 · dispute #3")


def test_pages_from_lines_splits_and_numbers() -> None:
    pages = common.pages_from_lines([f"line {i}" for i in range(35)], title="T", per_page=10)
    assert len(pages) == 4
    assert pages[0].footer.text == "Page 1/4"
    assert common.pages_from_lines([], title="T", empty="none")[0].description == "none"


def test_user_message_maps_expected_errors() -> None:
    cmd = MagicMock()
    assert common.user_message(app_commands.CommandInvokeError(cmd, UserError("bad"))) == "bad"
    assert common.user_message(app_commands.CommandInvokeError(cmd, RuntimeError("x"))) is None
    assert "server" in (common.user_message(app_commands.NoPrivateMessage()) or "")
    msg = common.user_message(app_commands.MissingPermissions(["manage_guild"]))
    assert msg == "You need the Manage Server permission to do that."
    cooldown = app_commands.CommandOnCooldown(app_commands.Cooldown(1, 60), 12.3)
    assert "12 s" in (common.user_message(cooldown) or "")


def test_parse_labels_and_query() -> None:
    assert common.parse_labels("legal, cutoff,legal") == ("legal", "cutoff")
    with pytest.raises(UserError):
        common.parse_labels("war")
    with pytest.raises(UserError):
        common.check_query("x" * 201)
    assert [c.value for c in common.label_choices("legal,c")] == ["legal,cutoff"]


def test_company_canonicalises_or_refuses() -> None:
    assert common.company("twitter") == "X"
    with pytest.raises(UserError):
        common.company("Nonexistent Widgets Ltd")
    assert any(c.value == "Apple" for c in common.party_choices("app"))


async def test_paginator_pages_and_owner_only() -> None:
    pages = common.pages_from_lines([f"l{i}" for i in range(30)], title="T", per_page=10)
    inter = make_interaction(user_id=5)
    view = await common.Paginator.start(inter, common.static_source(pages))
    assert view is not None
    kwargs = sent(inter)
    assert kwargs["view"] is view and kwargs["allowed_mentions"] is common.NO_MENTIONS
    assert view.previous.disabled and not view.next.disabled

    stranger = make_interaction(user_id=6)
    assert await view.interaction_check(stranger) is False
    assert sent(stranger)["ephemeral"] is True

    owner = make_interaction(user_id=5)
    assert await view.interaction_check(owner) is True
    await view._show(owner, 2)
    edited = owner.response.edit_message.await_args.kwargs
    assert edited["embed"].footer.text == "Page 3/3"
    assert view.next.disabled and not view.previous.disabled
    view.stop()


async def test_single_page_has_no_buttons() -> None:
    inter = make_interaction()
    view = await common.Paginator.start(
        inter, common.static_source(common.pages_from_lines(["a"], title="T"))
    )
    assert view is None
    assert "view" not in sent(inter) or sent(inter)["view"] is discord.utils.MISSING
