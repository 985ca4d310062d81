"""/feeds and /alerts callbacks with spec'd service doubles."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot.alerts.settings_service import GuildSettingsService
from bot.app import App
from bot.errors import UserError
from bot.feeds.service import AddFeedResult, FeedService, ImportResult
from bot.storage.guilds_repo import GuildAlertSettings
from bot.types import FeedInfo
from cogs.alerts import AlertsCog
from cogs.feeds import FeedsCog
from tests.unit.test_cogs_common import make_interaction, sent

NOW = datetime(2025, 3, 10, tzinfo=UTC)


def feed(feed_id: int = 4, **kw: Any) -> FeedInfo:
    values: dict[str, Any] = {
        "id": feed_id,
        "url": f"https://news.example/{feed_id}.xml",
        "title": f"News {feed_id}",
        "site_url": None,
        "lang": "en",
        "status": "active",
        "disabled_reason": None,
        "error_count": 0,
        "last_error": None,
        "last_polled_at": NOW,
        "last_success_at": NOW,
        "next_poll_at": NOW,
        "interval_s": 900,
        "added_at": NOW,
    }
    values.update(kw)
    return FeedInfo(**values)


def make_app() -> Any:
    app = MagicMock(spec=App)
    app.feeds = MagicMock(spec=FeedService)
    app.guilds = MagicMock(spec=GuildSettingsService)
    app.backfill = AsyncMock(return_value=2)
    return app


def attachment(name: str, size: int, content_type: str | None, data: bytes = b"") -> Any:
    att = MagicMock(spec=discord.Attachment)
    att.filename, att.size, att.content_type = name, size, content_type
    att.read = AsyncMock(return_value=data)
    return att


# -- /feeds ---------------------------------------------------------------------------------


async def test_feeds_add_reports_discovery_and_backfill() -> None:
    cog = FeedsCog(make_app())
    cog.app.feeds.add.return_value = AddFeedResult(feed(), True, "https://news.example/", 12)
    inter = make_interaction(guild_id=50, user_id=60)
    await cog.add.callback(cog, inter, url="https://news.example/", backfill_days=3)
    cog.app.feeds.add.assert_awaited_once_with("https://news.example/", guild_id=50, added_by=60)
    cog.app.backfill.assert_awaited_once_with(4, 50, 3)
    inter.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    reply = sent(inter)
    assert reply["ephemeral"] is True
    fields = {f.name: f.value for f in reply["embed"].fields}
    assert fields["Items now"] == "12" and "links to this feed" in fields["Found via"]
    assert "2 dispute stories" in fields["Backfill"]


async def test_feeds_add_error_from_service_propagates_as_user_error() -> None:
    cog = FeedsCog(make_app())
    cog.app.feeds.add.side_effect = UserError("not a feed")
    with pytest.raises(UserError):
        await cog.add.callback(cog, make_interaction(), url="https://x.example/")
    cog.app.backfill.assert_not_awaited()


async def test_feeds_list_pages_with_health() -> None:
    cog = FeedsCog(make_app())
    feeds = [feed(i) for i in range(1, 13)]
    feeds[0] = feed(1, status="disabled", disabled_reason="HTTP 410")
    cog.app.feeds.list.return_value = feeds
    inter = make_interaction()
    await cog.list_cmd.callback(cog, inter)
    reply = sent(inter)
    assert reply["ephemeral"] is True and reply["view"] is not discord.utils.MISSING
    assert "disabled: HTTP 410" in reply["embed"].description
    assert reply["embed"].title == "Feeds (11 active of 12)"


@pytest.mark.parametrize(
    ("name", "size", "ctype", "message"),
    [
        ("feeds.opml", 2_000_000, "text/xml", "too big"),
        ("cat.png", 100, "image/png", "OPML file"),
    ],
)
async def test_feeds_import_validates_attachment(
    name: str, size: int, ctype: str, message: str
) -> None:
    cog = FeedsCog(make_app())
    att = attachment(name, size, ctype)
    with pytest.raises(UserError, match=message):
        await cog.import_cmd.callback(cog, make_interaction(), file=att)
    att.read.assert_not_awaited()
    cog.app.feeds.import_opml.assert_not_awaited()


async def test_feeds_import_reports_counts() -> None:
    cog = FeedsCog(make_app())
    cog.app.feeds.import_opml.return_value = ImportResult([feed(1)], [feed(2)], ["x: bad url"])
    inter = make_interaction(guild_id=9)
    await cog.import_cmd.callback(cog, inter, file=attachment("a.opml", 10, None, b"<opml/>"))
    cog.app.feeds.import_opml.assert_awaited_once_with(b"<opml/>", source="a.opml", guild_id=9)
    embed = sent(inter)["embed"]
    assert [f.value for f in embed.fields] == ["1", "1", "1"]
    assert "bad url" in embed.description


async def test_feeds_export_sends_file() -> None:
    cog = FeedsCog(make_app())
    cog.app.feeds.export_opml.return_value = b"<opml version='2.0'/>"
    inter = make_interaction()
    await cog.export.callback(cog, inter)
    reply = sent(inter)
    assert reply["file"].filename.endswith(".opml") and reply["ephemeral"] is True


async def test_feed_autocomplete_filters() -> None:
    cog = FeedsCog(make_app())
    cog.app.feeds.list.return_value = [feed(1), feed(2, title="Le Monde Tech")]
    choices = await cog._feed_autocomplete(make_interaction(), "monde")
    assert [(c.name, c.value) for c in choices] == [("2 · Le Monde Tech", "2")]


# -- /alerts --------------------------------------------------------------------------------


def guild_with(missing: set[str]) -> tuple[Any, Any]:
    guild = MagicMock(spec=discord.Guild)
    guild.id = 111
    guild.me = MagicMock(spec=discord.Member)
    channel = MagicMock(spec=discord.TextChannel)
    channel.id = 777
    channel.mention = "<#777>"
    perms = discord.Permissions.all()
    for name in missing:
        setattr(perms, name, False)
    channel.permissions_for.return_value = perms
    return guild, channel


async def test_alerts_channel_names_missing_permissions() -> None:
    cog = AlertsCog(make_app())
    guild, channel = guild_with({"embed_links", "send_messages_in_threads"})
    with pytest.raises(UserError) as info:
        await cog.channel.callback(cog, make_interaction(guild=guild), channel=channel)
    assert "Embed Links, Send Messages in Threads" in str(info.value)
    cog.app.guilds.set_channel.assert_not_awaited()


async def test_alerts_channel_sets_and_confirms_ephemerally() -> None:
    cog = AlertsCog(make_app())
    guild, channel = guild_with(set())
    cog.app.guilds.set_channel.return_value = GuildAlertSettings(111, alert_channel_id=777)
    inter = make_interaction(guild=guild)
    await cog.channel.callback(cog, inter, channel=channel)
    cog.app.guilds.set_channel.assert_awaited_once_with(111, 777)
    reply = sent(inter)
    assert reply["ephemeral"] is True and "<#777>" in reply["content"]
    assert reply["embed"].fields[0].value == "<#777>"


async def test_alerts_filter_parses_lists_and_keeps_omitted() -> None:
    cog = AlertsCog(make_app())
    guild, _ = guild_with(set())
    cog.app.guilds.set_filter.return_value = GuildAlertSettings(111, labels=("legal",))
    await cog.filter.callback(cog, make_interaction(guild=guild), labels="Legal", min_score=0.7)
    cog.app.guilds.set_filter.assert_awaited_once_with(
        111, labels=("legal",), min_score=0.7, languages=None
    )
    with pytest.raises(UserError):
        await cog.filter.callback(cog, make_interaction(guild=guild), languages="de")


async def test_alerts_role_refuses_everyone() -> None:
    cog = AlertsCog(make_app())
    guild, _ = guild_with(set())
    role = MagicMock(spec=discord.Role)
    role.is_default.return_value = True
    with pytest.raises(UserError, match="everyone"):
        await cog.role.callback(cog, make_interaction(guild=guild), role=role)


async def test_alerts_simple_switches_call_the_service() -> None:
    cog = AlertsCog(make_app())
    guild, _ = guild_with(set())
    for name in ("pause", "resume"):
        getattr(cog.app.guilds, name).return_value = GuildAlertSettings(111, paused=True)
        inter = make_interaction(guild=guild)
        await getattr(cog, name).callback(cog, inter)
        getattr(cog.app.guilds, name).assert_awaited_once_with(111)
        assert sent(inter)["ephemeral"] is True
    cog.app.guilds.set_digest.return_value = GuildAlertSettings(111, digest="daily")
    await cog.digest.callback(cog, make_interaction(guild=guild), mode="daily")
    cog.app.guilds.set_digest.assert_awaited_once_with(111, "daily")


async def test_alerts_outside_a_guild() -> None:
    cog = AlertsCog(make_app())
    with pytest.raises(UserError, match="server"):
        await cog.settings.callback(cog, make_interaction(guild=None, guild_id=None))
