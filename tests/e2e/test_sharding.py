"""SHARD_COUNT / SHARD_IDS: the bot connects only its shards and answers what arrives on them."""

from __future__ import annotations

import asyncio

from discord.ext import commands

from bot.discord_app import DisputeBot, apply_endpoints, make_bot
from bot.settings import Settings
from bot.storage.guilds_repo import GuildAlertSettings
from tests.e2e.test_discord_contract import TOKEN, app_double
from tests.e2e.test_end_to_end import callbacks, until
from tests.e2e.test_gateway import channel_cmd
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_gateway import CHANNEL_ID, GUILD_ID, FakeGateway

# GUILD_ID lives on shard (GUILD_ID >> 22) % 2 == 1.


def test_without_shard_settings_the_bot_is_not_sharded() -> None:
    bot = make_bot(app_double(), Settings.from_env({}), manage_app=False)
    assert type(bot) is DisputeBot
    assert not isinstance(bot, commands.AutoShardedBot)


async def test_shard_one_of_two_identifies_and_answers_a_command() -> None:
    fake = FakeDiscord()
    gateway = FakeGateway(fake)
    await fake.start()
    settings = Settings.from_env(
        {
            "SHARD_COUNT": "2",
            "SHARD_IDS": "1",
            "DISCORD_API_BASE": fake.base_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
        }
    )
    apply_endpoints(settings)
    bot = make_bot(app_double(), settings, manage_app=False, guild_ready_timeout=0.2)
    runner = asyncio.create_task(bot.start(TOKEN, reconnect=False))
    try:
        assert isinstance(bot, commands.AutoShardedBot)
        await asyncio.wait_for(bot.wait_until_ready(), 15)
        assert gateway.shards == [[1, 2]]  # one connection, as shard 1 of 2
        assert list(bot.shards) == [1]
        assert bot.get_guild(GUILD_ID) is not None
        bot.app.guilds.set_channel.return_value = GuildAlertSettings(
            GUILD_ID, alert_channel_id=CHANNEL_ID
        )
        cmd = channel_cmd(fake, CHANNEL_ID)
        await gateway.dispatch("INTERACTION_CREATE", cmd, shard=1)
        data = (await until(lambda: callbacks(fake, cmd)))[0].json["data"]
        assert data["flags"] == 64
        bot.app.guilds.set_channel.assert_awaited_once_with(GUILD_ID, CHANNEL_ID)
        # Sharded with a count, the bot does not ask Discord how many shards to use.
        assert fake.requests_for("GET", r"/gateway/bot$") == []
    finally:
        await bot.close()
        await asyncio.wait_for(runner, 5)
        await fake.close()
        apply_endpoints(Settings())
