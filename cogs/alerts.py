"""/alerts: where and which dispute alerts this server gets."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.alerts.settings_service import GuildAlertSettings
from bot.discord_app import missing_channel_permissions
from bot.errors import UserError
from cogs.common import (
    COLOUR,
    clip,
    escape,
    label_choices,
    parse_labels,
    party_choices,
    reply,
)

if TYPE_CHECKING:
    from bot.app import App
    from bot.discord_app import DisputeBot

log = logging.getLogger(__name__)

LANGUAGES = ("en", "fr")


def _guild(interaction: discord.Interaction) -> discord.Guild:
    if interaction.guild is None:
        raise UserError("This command only works in a server.")
    return interaction.guild


def parse_languages(raw: str | None) -> tuple[str, ...]:
    """Parse 'en,fr' into supported languages or raise a UserError."""
    if not raw:
        return ()
    parts = tuple(dict.fromkeys(p.strip().lower() for p in raw.split(",") if p.strip()))
    bad = [p for p in parts if p not in LANGUAGES]
    if bad:
        raise UserError(f"Unknown language {clip(bad[0], 20)!r}; use {', '.join(LANGUAGES)}.")
    return parts


def settings_embed(settings: GuildAlertSettings) -> discord.Embed:
    """Render a server's alert settings."""
    embed = discord.Embed(title="Alert settings", colour=COLOUR)
    channel = settings.alert_channel_id
    embed.add_field(name="Channel", value=f"<#{channel}>" if channel else "not set")
    embed.add_field(
        name="Role pinged", value=f"<@&{settings.role_id}>" if settings.role_id else "none"
    )
    state = "paused" if settings.paused else "active"
    if settings.held_reason:
        state = f"held: {escape(clip(settings.held_reason, 200))}"
    embed.add_field(name="State", value=state)
    embed.add_field(name="Labels", value=", ".join(settings.labels) or "all")
    score = settings.min_score
    embed.add_field(name="Minimum score", value=f"{score:.2f}" if score is not None else "default")
    embed.add_field(name="Languages", value=", ".join(settings.languages) or "all")
    embed.add_field(name="Digest", value=settings.digest)
    watch = ", ".join(escape(w) for w in settings.watch)
    embed.add_field(name="Watched companies", value=watch or "none (every company)", inline=False)
    return embed


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AlertsCog(
    commands.GroupCog, group_name="alerts", group_description="Dispute alerts in this server"
):
    """Alert configuration for server admins; every reply is ephemeral."""

    def __init__(self, app: App) -> None:
        self.app = app
        super().__init__()

    async def _party_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return party_choices(current)

    async def _watched_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        settings = await self.app.guilds.get(interaction.guild_id)
        needle = current.strip().lower()
        return [
            app_commands.Choice(name=w, value=w) for w in settings.watch if needle in w.lower()
        ][:25]

    async def _labels_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return label_choices(current)

    async def _confirm(
        self, interaction: discord.Interaction, text: str, settings: GuildAlertSettings
    ) -> None:
        await reply(interaction, text, embed=settings_embed(settings), ephemeral=True)

    @app_commands.command(name="channel", description="Post alerts in this channel")
    @app_commands.describe(channel="A text channel where I can post, embed links and use threads")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Set the alert channel after checking the bot can post there."""
        guild = _guild(interaction)
        me = guild.me
        if me is None:
            raise UserError("I can't see my own permissions in this server; try again in a minute.")
        missing = missing_channel_permissions(channel, me)
        if missing:
            raise UserError(
                f"I can't post alerts in {channel.mention}: I'm missing "
                f"{', '.join(missing)} there. Grant them (channel settings → Permissions) "
                "and run this again."
            )
        settings = await self.app.guilds.set_channel(guild.id, channel.id)
        await self._confirm(interaction, f"Alerts will be posted in {channel.mention}.", settings)

    @app_commands.command(name="filter", description="Which disputes to announce")
    @app_commands.describe(
        labels="Comma-separated: cutoff, legal (empty = all)",
        min_score="Only stories the detector is at least this sure of (0 to 1)",
        languages="Comma-separated: en, fr (empty = all)",
    )
    @app_commands.autocomplete(labels=_labels_autocomplete)
    async def filter(
        self,
        interaction: discord.Interaction,
        labels: app_commands.Range[str, 0, 50] | None = None,
        min_score: app_commands.Range[float, 0.0, 1.0] | None = None,
        languages: app_commands.Range[str, 0, 20] | None = None,
    ) -> None:
        """Change the filters given; omitted ones stay as they are."""
        guild = _guild(interaction)
        settings = await self.app.guilds.set_filter(
            guild.id,
            labels=parse_labels(labels) if labels is not None else None,
            min_score=min_score,
            languages=parse_languages(languages) if languages is not None else None,
        )
        await self._confirm(interaction, "Alert filter updated.", settings)

    @app_commands.command(name="watch", description="Only announce disputes involving a company")
    @app_commands.describe(company_name="The company (start typing)")
    @app_commands.rename(company_name="company")
    @app_commands.autocomplete(company_name=_party_autocomplete)
    async def watch(
        self, interaction: discord.Interaction, company_name: app_commands.Range[str, 1, 200]
    ) -> None:
        """Add a company to the watch list."""
        settings = await self.app.guilds.watch(_guild(interaction).id, company_name)
        await self._confirm(interaction, f"Watching {escape(company_name)}.", settings)

    @app_commands.command(name="unwatch", description="Stop watching a company")
    @app_commands.describe(company_name="A watched company")
    @app_commands.rename(company_name="company")
    @app_commands.autocomplete(company_name=_watched_autocomplete)
    async def unwatch(
        self, interaction: discord.Interaction, company_name: app_commands.Range[str, 1, 200]
    ) -> None:
        """Remove a company from the watch list."""
        settings = await self.app.guilds.unwatch(_guild(interaction).id, company_name)
        await self._confirm(interaction, f"No longer watching {escape(company_name)}.", settings)

    @app_commands.command(name="role", description="Ping a role with each alert (empty = none)")
    @app_commands.describe(role="The role to ping; leave empty to stop pinging")
    async def role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        """Set or clear the role pinged by alerts."""
        guild = _guild(interaction)
        if role is not None and role.is_default():
            raise UserError("Pinging @everyone is not allowed; pick a role.")
        settings = await self.app.guilds.set_role(guild.id, role.id if role else None)
        text = f"Alerts will ping {role.mention}." if role else "Alerts will ping nobody."
        await self._confirm(interaction, text, settings)

    @app_commands.command(name="pause", description="Stop posting alerts until resumed")
    async def pause(self, interaction: discord.Interaction) -> None:
        """Pause alerts."""
        settings = await self.app.guilds.pause(_guild(interaction).id)
        await self._confirm(
            interaction, "Alerts paused; /alerts resume turns them back on.", settings
        )

    @app_commands.command(name="resume", description="Post alerts again")
    async def resume(self, interaction: discord.Interaction) -> None:
        """Resume alerts."""
        settings = await self.app.guilds.resume(_guild(interaction).id)
        await self._confirm(interaction, "Alerts resumed.", settings)

    @app_commands.command(name="digest", description="One message per period instead of each alert")
    @app_commands.describe(mode="off: each alert at once; hourly or daily: a summary")
    async def digest(
        self, interaction: discord.Interaction, mode: Literal["off", "hourly", "daily"]
    ) -> None:
        """Set the digest mode."""
        settings = await self.app.guilds.set_digest(_guild(interaction).id, mode)
        await self._confirm(interaction, f"Digest: {mode}.", settings)

    @app_commands.command(name="settings", description="Show this server's alert settings")
    async def settings(self, interaction: discord.Interaction) -> None:
        """Show the settings."""
        settings = await self.app.guilds.get(_guild(interaction).id)
        await reply(interaction, embed=settings_embed(settings), ephemeral=True)


async def setup(bot: DisputeBot) -> None:
    """Add the cog (extension entry point)."""
    await bot.add_cog(AlertsCog(bot.app))
