"""CLI side of Discord: ``python -m bot sync``. discord.py is imported only when it runs."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.commands import settings_for

log = logging.getLogger(__name__)


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
    from bot import discord_app

    settings = settings_for(args)
    if not settings.discord_token:
        sys.stderr.write(f"error: {discord_app.NO_TOKEN}\n")
        return 2
    lines = asyncio.run(discord_app.sync_for_cli(settings, sync_global=bool(args.sync_global)))
    for line in lines:
        print(line)
    return 0
