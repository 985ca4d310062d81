"""The real bot on the fake gateway (READY, GUILD_CREATE, INTERACTION_CREATE) with app doubles."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.discord_app import DisputeBot, apply_endpoints
from bot.settings import Settings
from bot.storage.guilds_repo import GuildAlertSettings
from tests.e2e.test_discord_contract import TOKEN, app_double
from tests.e2e.test_end_to_end import callbacks, until
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_gateway import (
    CHANNEL_ID,
    GUILD_ID,
    SYSTEM_CHANNEL_ID,
    FakeGateway,
    guild,
    slash,
    sub,
    text_channel,
)

EMBED_LINKS = 1 << 14
THREADS = 1 << 38


@pytest.fixture
async def running() -> AsyncIterator[tuple[FakeDiscord, FakeGateway, DisputeBot]]:
    fake = FakeDiscord()
    # The alert channel denies the bot's role Embed Links and Send Messages in Threads.
    deny = [{"id": str(GUILD_ID + 5), "type": 0, "allow": "0", "deny": str(EMBED_LINKS | THREADS)}]
    channels = [
        text_channel(CHANNEL_ID, "disputes"),
        text_channel(CHANNEL_ID + 5, "locked", overwrites=deny),
        text_channel(SYSTEM_CHANNEL_ID, "general"),
    ]
    gateway = FakeGateway(fake, [guild(fake.bot_user_id, channels=channels)])
    await fake.start()
    apply_endpoints(Settings(discord_api_base=fake.base_url, discord_gateway_url=fake.gateway_url))
    bot = DisputeBot(app_double(), manage_app=False, guild_ready_timeout=0.2)
    runner = asyncio.create_task(bot.start(TOKEN, reconnect=False))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        yield fake, gateway, bot
    finally:
        await bot.close()
        await asyncio.wait_for(runner, 5)
        await fake.close()
        apply_endpoints(Settings())


def channel_cmd(fake: FakeDiscord, channel_id: int) -> dict[str, Any]:
    resolved = {
        "channels": {str(channel_id): {**text_channel(channel_id, "x"), "permissions": "0"}}
    }
    options = sub("channel", channel=(7, str(channel_id)))
    return slash(fake.application_id, "alerts", options, resolved=resolved)


async def test_identify_uses_minimal_intents(running: Any) -> None:
    _fake, gateway, bot = running
    identify = next(p for p in gateway.received if p["op"] == 2)
    assert identify["d"]["intents"] == 1  # GUILDS only
    assert TOKEN not in repr(bot.app) and bot.get_guild(GUILD_ID).me is not None


async def test_alerts_channel_over_the_gateway(running: Any) -> None:
    fake, gateway, bot = running
    bot.app.guilds.set_channel.return_value = GuildAlertSettings(
        GUILD_ID, alert_channel_id=CHANNEL_ID
    )
    cmd = channel_cmd(fake, CHANNEL_ID)
    await gateway.dispatch("INTERACTION_CREATE", cmd)
    data = (await until(lambda: callbacks(fake, cmd)))[0].json["data"]
    assert data["flags"] == 64 and data["allowed_mentions"] == {"parse": []}
    bot.app.guilds.set_channel.assert_awaited_once_with(GUILD_ID, CHANNEL_ID)


async def test_alerts_channel_names_what_is_missing(running: Any) -> None:
    fake, gateway, bot = running
    cmd = channel_cmd(fake, CHANNEL_ID + 5)
    await gateway.dispatch("INTERACTION_CREATE", cmd)
    data = (await until(lambda: callbacks(fake, cmd)))[0].json["data"]
    assert data["flags"] == 64
    assert "missing Embed Links, Send Messages in Threads" in data["content"]
    bot.app.guilds.set_channel.assert_not_awaited()


async def test_forbidden_notice_once_in_the_system_channel(running: Any) -> None:
    fake, _gateway, bot = running
    await bot.notify_forbidden(GUILD_ID, CHANNEL_ID, "Missing Permissions")
    await bot.notify_forbidden(GUILD_ID, CHANNEL_ID, "Missing Permissions")
    notices = fake.messages(SYSTEM_CHANNEL_ID)
    assert len(notices) == 1
    assert f"<#{CHANNEL_ID}>" in notices[0]["embeds"][0]["description"]
    post = fake.requests_for("POST", rf"/channels/{SYSTEM_CHANNEL_ID}/messages$")[0].json
    assert post["allowed_mentions"] == {"parse": []}
