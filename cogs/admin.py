"""/about: what this bot is and how it is doing."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs.common import COLOUR, reply, ts

if TYPE_CHECKING:
    from bot.app import App
    from bot.discord_app import DisputeBot

log = logging.getLogger(__name__)

# Keys of App.about() shown with a friendly name, in this order; others follow as they are.
_NAMES: dict[str, str] = {
    "version": "Version",
    "feeds_active": "Active feeds",
    "feeds_disabled": "Disabled feeds",
    "feeds": "Feeds",
    "last_poll": "Last poll",
    "stories": "Stories stored",
    "entries": "Entries stored",
    "uptime_s": "Uptime",
}


def format_uptime(seconds: float) -> str:
    """Say '3d 4h 5m' for a duration in seconds."""
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days}d"] if days else []
    if days or hours:
        parts.append(f"{hours}h")
    parts.append(f"{minutes}m")
    return " ".join(parts)


def _value(key: str, value: Any) -> str:
    if value is None:
        return "never" if key == "last_poll" else "—"
    if key == "uptime_s":
        return format_uptime(float(value))
    if key == "last_poll":
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return f"{ts(when)} ({ts(when, 'f')})"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
    return str(value)


def about_embed(info: dict[str, Any]) -> discord.Embed:
    """Render App.about() as an embed."""
    embed = discord.Embed(
        title="disputewatch",
        description="Watches tech news for disputes between tech companies: platform cutoffs "
        "and legal fights, in English and French.",
        colour=COLOUR,
    )
    keys = [k for k in _NAMES if k in info] + [k for k in info if k not in _NAMES]
    for key in keys:
        name = _NAMES.get(key, key.replace("_", " ").capitalize())
        embed.add_field(name=name, value=_value(key, info[key]))
    return embed


class AdminCog(commands.Cog):
    """Commands about the bot itself."""

    def __init__(self, app: App) -> None:
        self.app = app

    @app_commands.command(name="about", description="Version, feeds, last poll, uptime")
    async def about(self, interaction: discord.Interaction) -> None:
        """Show the bot's status."""
        info = await self.app.about()
        await reply(interaction, embed=about_embed(info), ephemeral=True)


async def setup(bot: DisputeBot) -> None:
    """Add the cog (extension entry point)."""
    await bot.add_cog(AdminCog(bot.app))
