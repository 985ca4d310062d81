"""CLI side of Discord: ``python -m bot sync`` and the bot runner used by ``python -m bot run``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import discord

from bot.app import App
from bot.commands import settings_for
from bot.discord_app import DisputeBot, apply_endpoints, invite_url
from bot.errors import ConfigError
from bot.settings import Settings

log = logging.getLogger(__name__)

NO_TOKEN = (
    "DISCORD_TOKEN is not set: copy the token from the Bot page of your Discord application "
    "into .env (see docs/discord.md)"
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `sync` subcommand."""
    sync = sub.add_parser(
        "sync",
        help="register the slash commands with Discord",
        description="Log in (no gateway) and sync the slash commands: instantly to DEV_GUILD_ID "
        "when it is set, else globally (Discord may take up to an hour to show them).",
    )
    sync.add_argument(
        "--global",
        dest="sync_global",
        action="store_true",
        help="sync globally even when DEV_GUILD_ID is set",
    )
    sync.set_defaults(handler=_sync)


def _sync(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    if not settings.discord_token:
        sys.stderr.write(f"error: {NO_TOKEN}\n")
        return 2
    try:
        lines = asyncio.run(sync_commands(settings, sync_global=bool(args.sync_global)))
    except discord.LoginFailure:
        sys.stderr.write("error: Discord rejected DISCORD_TOKEN; reset it on the Bot page\n")
        return 2
    except discord.HTTPException as exc:
        sys.stderr.write(f"error: Discord refused the sync: HTTP {exc.status} {exc.text}\n")
        return 1
    for line in lines:
        print(line)
    return 0


def describe_commands(commands: list[discord.app_commands.AppCommand]) -> list[str]:
    """One line per synced command, subcommands listed."""
    lines = []
    for cmd in sorted(commands, key=lambda c: c.name):
        subs = [o.name for o in cmd.options if isinstance(o, discord.app_commands.AppCommandGroup)]
        suffix = f" ({', '.join(subs)})" if subs else ""
        lines.append(f"  /{cmd.name}{suffix}")
    return lines


async def sync_commands(settings: Settings, *, sync_global: bool = False) -> list[str]:
    """Log in over REST only, sync the command tree, and describe what was synced."""
    if not settings.discord_token:
        raise ConfigError(NO_TOKEN)
    apply_endpoints(settings)
    app = App(settings)
    bot = DisputeBot(app, manage_app=False)
    try:
        async with bot:
            await bot.login(settings.discord_token.get())
            if settings.dev_guild_id and not sync_global:
                guild = discord.Object(id=settings.dev_guild_id)
                bot.tree.copy_global_to(guild=guild)
                synced = await bot.tree.sync(guild=guild)
                where = f"to server {settings.dev_guild_id} (instant)"
            else:
                synced = await bot.tree.sync()
                where = "globally (may take up to an hour to appear)"
            application_id = bot.application_id
    finally:
        await app.close()
    lines = [f"synced {len(synced)} commands {where}:", *describe_commands(synced)]
    if application_id:
        lines.append(f"invite link: {invite_url(application_id)}")
    return lines


async def run_discord(app: App, *, manage_app: bool = True) -> None:
    """Run the bot until it is closed; with ``manage_app`` it starts and stops ``app`` too."""
    settings = app.settings
    if not settings.discord_token:
        raise ConfigError(NO_TOKEN)
    apply_endpoints(settings)
    bot = DisputeBot(app, manage_app=manage_app)
    async with bot:
        await bot.start(settings.discord_token.get())
