"""HTTP contract: what the bot sends to Discord, checked on a local fake REST server.

Commands go through the real CommandTree (``tree._call``); alerts through the real
DiscordChannelTransport on discord.py's HTTP client. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from unittest.mock import MagicMock

import discord
import pytest

from bot.alerts.render import AlertMessage, render_story
from bot.alerts.settings_service import GuildSettingsService
from bot.alerts.transports import Forbidden, NotFound, RateLimited, Rejected
from bot.app import App
from bot.discord_app import DisputeBot, apply_endpoints, sync_commands
from bot.feeds.service import FeedService
from bot.settings import Secret, Settings
from bot.storage.guilds_repo import GuildAlertSettings
from bot.stories.service import StoryService
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_gateway import GUILD_ID, button, slash, sub
from tests.unit.test_cogs_common import make_story

TOKEN = "MTAxMDEwMTAxMDEwMTAxMDEw.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"
CHANNEL = 555_000_000_000_000_001


@dataclass
class Env:
    fake: FakeDiscord
    bot: DisputeBot
    app: Any

    async def run(
        self, name: str, options: list[dict[str, Any]] | None = None, **kw: Any
    ) -> dict[str, Any]:
        """Run a slash command through the tree; return the interaction callback body."""
        before = len(self.fake.requests)
        payload = slash(self.fake.application_id, name, options, **kw)
        await self.bot.tree._call(discord.Interaction(data=payload, state=self.bot._connection))
        calls = [
            r for r in self.fake.requests[before:] if r.method == "POST" and "/callback" in r.path
        ]
        assert len(calls) == 1, [r.path for r in self.fake.requests[before:]]
        assert calls[0].path.endswith(f"/interactions/{payload['id']}/{payload['token']}/callback")
        return calls[0].json  # type: ignore[no-any-return]


def app_double() -> Any:
    app = MagicMock(spec=App)
    app.stories = MagicMock(spec=StoryService)
    app.feeds = MagicMock(spec=FeedService)
    app.guilds = MagicMock(spec=GuildSettingsService)
    return app


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async with FakeDiscord() as fake:
        apply_endpoints(Settings(discord_api_base=fake.base_url))
        bot = DisputeBot(app_double(), manage_app=False)
        try:
            await bot.login(TOKEN)
            yield Env(fake, bot, bot.app)
        finally:
            await bot.close()
            apply_endpoints(Settings())


# -- command replies --------------------------------------------------------------------------


async def test_search_reply_json_with_paginator_buttons(env: Env) -> None:
    hits = [SimpleNamespace(story=make_story(i), snippet="", rank=1.0) for i in range(1, 9)]
    env.app.stories.search.return_value = SimpleNamespace(hits=hits, total=20, limit=8, offset=0)
    body = await env.run("disputes", sub("search", query="fortnite"))
    assert body["type"] == 4
    data = body["data"]
    assert data["allowed_mentions"] == {"parse": []}
    assert data.get("flags", 0) & 64 == 0
    embed = data["embeds"][0]
    assert embed["title"] == "Search: fortnite" and embed["footer"]["text"] == "1–8 of 20"
    buttons = data["components"][0]["components"]
    assert [b["label"] for b in buttons] == ["Previous", "Next"]
    assert buttons[0]["disabled"] is True and buttons[1]["disabled"] is False

    # Pressing "Next" edits the same message in place (callback type 7) with page 2.
    hits2 = [SimpleNamespace(story=make_story(i), snippet="", rank=1.0) for i in range(9, 17)]
    env.app.stories.search.return_value = SimpleNamespace(hits=hits2, total=20, limit=8, offset=8)
    original = env.fake.webhook_messages(env.fake.application_id)[-1]
    before = len(env.fake.requests)
    press = button(env.fake.application_id, original, buttons[1]["custom_id"])
    env.bot._connection.parse_interaction_create(press)
    for _ in range(50):
        if any("/callback" in r.path for r in env.fake.requests[before:]):
            break
        await asyncio.sleep(0.02)
    update = next(r.json for r in env.fake.requests[before:] if "/callback" in r.path)
    assert update["type"] == 7
    assert update["data"]["embeds"][0]["footer"]["text"] == "9–16 of 20"
    assert env.app.stories.search.await_args.kwargs["offset"] == 8


async def test_configuration_reply_is_ephemeral(env: Env) -> None:
    env.app.guilds.get.return_value = GuildAlertSettings(GUILD_ID, alert_channel_id=CHANNEL)
    body = await env.run("alerts", sub("settings"))
    assert body["data"]["flags"] == 64
    assert body["data"]["allowed_mentions"] == {"parse": []}
    fields = {f["name"]: f["value"] for f in body["data"]["embeds"][0]["fields"]}
    assert fields["Channel"] == f"<#{CHANNEL}>"


async def test_user_error_is_a_clear_ephemeral_message(env: Env) -> None:
    env.app.stories.story.return_value = None
    body = await env.run("disputes", sub("show", id=99))
    assert body["data"]["content"] == "There is no story #99."
    assert body["data"]["flags"] == 64
    assert body["data"]["allowed_mentions"] == {"parse": []}


async def test_guild_only_command_in_dm(env: Env) -> None:
    body = await env.run("alerts", sub("settings"), guild_id=None)
    assert body["data"]["flags"] == 64
    assert "only works in a server" in body["data"]["content"]
    env.app.guilds.get.assert_not_awaited()


async def test_unexpected_error_is_logged_with_context_and_apologised(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    env.app.stories.story.side_effect = RuntimeError("database exploded")
    with caplog.at_level(logging.ERROR, logger="bot.discord_app"):
        body = await env.run("disputes", sub("show", id=5), user_id=4242)
    assert body["data"]["flags"] == 64 and body["data"]["content"].startswith("Sorry")
    record = next(r for r in caplog.records if r.name == "bot.discord_app")
    assert "/disputes show" in record.getMessage() and "4242" in record.getMessage()
    assert TOKEN not in caplog.text


async def test_long_data_still_fits(env: Env) -> None:
    story = make_story(1, title="T" * 1000, summary="S" * 10_000)
    env.app.stories.story.return_value = story
    body = await env.run("disputes", sub("show", id=1))
    embed = body["data"]["embeds"][0]
    assert len(embed["title"]) <= 256 and len(embed["description"]) <= 4096


# -- alert delivery -------------------------------------------------------------------------


def alert(role_id: int | None = None) -> AlertMessage:
    return render_story(make_story(1), role_id=role_id)


async def test_alert_post_edit_thread_reply_contract(env: Env) -> None:
    transport = env.bot.channel_transport
    dest = f"channel:{CHANNEL}"
    message = alert(role_id=321)
    sent = await transport.send(dest, message, nonce="n-1")
    post = env.fake.requests_for("POST", rf"/channels/{CHANNEL}/messages$")[-1].json
    assert post == {**message.to_dict(), "nonce": "n-1", "enforce_nonce": True}
    assert post["allowed_mentions"] == {"parse": [], "roles": [321]}
    assert sent.channel_id == CHANNEL

    # A retry with the same nonce does not create a second message.
    again = await transport.send(dest, message, nonce="n-1")
    assert again.message_id == sent.message_id and len(env.fake.messages(CHANNEL)) == 1

    updated = render_story(make_story(1, title="Apple removes Fortnite (2 sources)"))
    await transport.edit(dest, sent.message_id, updated)
    patch = env.fake.requests_for("PATCH", rf"/messages/{sent.message_id}$")[-1].json
    assert patch == updated.to_dict()
    assert env.fake.messages(CHANNEL)[0]["embeds"] == updated.to_dict()["embeds"]

    thread_id = await transport.create_thread(dest, sent.message_id, "Apple v Epic " * 20)
    thread_req = env.fake.requests_for("POST", r"/threads$")[-1].json
    assert len(thread_req["name"]) <= 100 and thread_req["auto_archive_duration"] == 10080
    reply = await transport.send(dest, alert(), nonce="n-2", thread_id=thread_id)
    assert reply.channel_id == thread_id and len(env.fake.messages(thread_id)) == 1


async def test_alert_faults_map_to_typed_errors(env: Env) -> None:
    transport = env.bot.channel_transport
    dest = f"channel:{CHANNEL}"
    path = rf"/channels/{CHANNEL}/messages$"

    env.fake.fail_next("POST", path, 429, retry_after=0.01)
    await transport.send(dest, alert(), nonce="a")  # discord.py waits and retries
    assert len(env.fake.requests_for("POST", path)) == 2

    env.fake.fail_next("POST", path, 429, retry_after=120.0)
    with pytest.raises(RateLimited) as limited:
        await transport.send(dest, alert(), nonce="b")
    assert limited.value.retry_after >= 60

    env.fake.fail_next("POST", path, 500)
    await transport.send(dest, alert(), nonce="c")  # one 5xx is retried by discord.py

    env.fake.fail_next("POST", path, 403)
    with pytest.raises(Forbidden):
        await transport.send(dest, alert(), nonce="d")

    env.fake.fail_next("POST", path, 404)
    with pytest.raises(NotFound) as missing:
        await transport.send(dest, alert(), nonce="e")
    assert missing.value.what == "channel"

    with pytest.raises(NotFound) as gone:
        await transport.edit(dest, 1234, alert())
    assert gone.value.what == "message"

    env.fake.fail_next("POST", path, 400, body={"message": "Invalid Form Body", "code": 50035})
    with pytest.raises(Rejected):
        await transport.send(dest, alert(), nonce="f")


async def test_forbidden_notice_goes_to_the_owner_when_no_guild_cache(env: Env) -> None:
    # Not in the guild any more: nothing is sent, nothing raises.
    await env.bot.notify_forbidden(GUILD_ID, CHANNEL, "Missing Permissions")
    assert not env.fake.requests_for("POST", r"/channels/\d+/messages$")


# -- sync -----------------------------------------------------------------------------------


async def test_sync_to_dev_guild_then_globally() -> None:
    async with FakeDiscord() as fake:
        settings = Settings(
            discord_api_base=fake.base_url,
            discord_token=Secret(TOKEN),
            dev_guild_id=GUILD_ID,
            database_url="sqlite+aiosqlite:///:memory:",
        )
        try:
            lines = await sync_commands(settings)
            names = sorted(c["name"] for c in fake.guild_commands[GUILD_ID])
            assert names == ["about", "alerts", "disputes", "feeds"]
            assert "to server" in lines[0] and any("/disputes (latest" in x for x in lines)
            alerts = next(c for c in fake.guild_commands[GUILD_ID] if c["name"] == "alerts")
            assert str(alerts["default_member_permissions"]) == "32"  # Manage Server
            assert alerts["contexts"] == [0]  # guild only
            disputes = next(c for c in fake.guild_commands[GUILD_ID] if c["name"] == "disputes")
            opts = {o["name"]: o for o in disputes["options"]}
            days = next(o for o in opts["latest"]["options"] if o["name"] == "days")
            assert (days["min_value"], days["max_value"]) == (1, 365)
            query = opts["search"]["options"][0]
            assert (query["name"], query["max_length"], query["required"]) == ("query", 200, True)
            party = next(o for o in opts["latest"]["options"] if o["name"] == "party")
            assert party["autocomplete"] is True
            assert not fake.global_commands
            await sync_commands(settings, sync_global=True)
            assert len(fake.global_commands) == 4
        finally:
            apply_endpoints(Settings())


def test_sync_without_token_exits_2(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    from bot.cli import main

    monkeypatch.setenv("DISCORD_TOKEN", "")
    monkeypatch.setattr("bot.cli.COMMAND_MODULES", ("bot.commands", "bot.discord_commands"))
    assert main(["--env-file", "/nonexistent/.env", "sync"]) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err
