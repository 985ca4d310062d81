"""/feeds: the feeds a server follows (add, remove, list, OPML import and export)."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserError
from cogs.common import (
    CHOICE_NAME_MAX,
    COLOUR,
    Paginator,
    clip,
    escape,
    feed_line,
    link,
    pages_from_lines,
    reply,
    static_source,
)

if TYPE_CHECKING:
    from bot.app import App
    from bot.discord_app import DisputeBot

log = logging.getLogger(__name__)

OPML_MAX_BYTES = 1_000_000
OPML_TYPES = {"text/xml", "application/xml", "text/x-opml", "application/octet-stream"}
OPML_SUFFIXES = (".opml", ".xml")
URL_MAX = 2048


def _guild_id(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise UserError("This command only works in a server.")
    return interaction.guild_id


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FeedsCog(
    commands.GroupCog, group_name="feeds", group_description="The feeds this server follows"
):
    """Feed management for server admins."""

    def __init__(self, app: App) -> None:
        self.app = app
        super().__init__()

    async def _feed_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        feeds = await self.app.feeds.list(interaction.guild_id)
        needle = current.strip().lower()
        matches = [
            f
            for f in feeds
            if needle in f.title.lower() or needle in f.url.lower() or needle == str(f.id)
        ]
        return [
            app_commands.Choice(
                name=clip(f"{f.id} · {f.title or f.url}", CHOICE_NAME_MAX), value=str(f.id)
            )
            for f in matches[:25]
        ]

    @app_commands.command(name="add", description="Follow a feed (or a site that links to one)")
    @app_commands.describe(
        url="The feed or web page address (http or https)",
        backfill_days="Also post this many past days of dispute stories from it, once",
    )
    @app_commands.checks.cooldown(5, 60.0, key=lambda i: i.guild_id)
    async def add(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 8, URL_MAX],
        backfill_days: app_commands.Range[int, 1, 30] | None = None,
    ) -> None:
        """Validate, fetch and store a feed, then report what was found."""
        guild_id = _guild_id(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.app.feeds.add(url, guild_id=guild_id, added_by=interaction.user.id)
        feed = result.feed
        title = "Feed added" if result.created else "Feed already known; this server follows it"
        embed = discord.Embed(title=title, colour=COLOUR)
        embed.add_field(name="Feed", value=link(clip(feed.title or feed.url, 200), feed.url))
        embed.add_field(name="Id", value=str(feed.id))
        embed.add_field(name="Items now", value=str(result.item_count))
        if result.discovered_from:
            embed.add_field(
                name="Found via",
                value=f"{escape(clip(result.discovered_from, 500))} links to this feed",
                inline=False,
            )
        if feed.lang:
            embed.add_field(name="Language", value=feed.lang)
        if backfill_days:
            posted = await self.app.backfill(feed.id, guild_id, backfill_days)
            embed.add_field(
                name="Backfill",
                value=f"{posted} dispute stories from the last {backfill_days} days "
                "will be posted once, marked as backfill.",
                inline=False,
            )
        embed.set_footer(text="New items are announced from now on; existing items are not.")
        await reply(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="remove", description="Stop following a feed")
    @app_commands.describe(feed="The feed (start typing its name or URL)")
    @app_commands.autocomplete(feed=_feed_autocomplete)
    async def remove(
        self, interaction: discord.Interaction, feed: app_commands.Range[str, 1, URL_MAX]
    ) -> None:
        """Unfollow a feed for this server."""
        removed = await self.app.feeds.remove(feed, guild_id=_guild_id(interaction))
        await reply(
            interaction,
            f"This server no longer follows {link(removed.title or removed.url, removed.url)}.",
            ephemeral=True,
        )

    @app_commands.command(name="list", description="The feeds this server follows, with health")
    async def list_cmd(self, interaction: discord.Interaction) -> None:
        """List feeds with their health, in pages."""
        feeds = await self.app.feeds.list(_guild_id(interaction))
        active = sum(f.status == "active" for f in feeds)
        pages = pages_from_lines(
            [feed_line(f) for f in feeds],
            title=f"Feeds ({active} active of {len(feeds)})",
            per_page=10,
            empty="This server follows no feed yet; add one with /feeds add.",
        )
        await Paginator.start(interaction, static_source(pages), ephemeral=True)

    @app_commands.command(name="import", description="Follow every feed of an OPML file")
    @app_commands.describe(file="An OPML file (at most 1 MB)")
    async def import_cmd(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """Import an OPML attachment after checking its type and size."""
        guild_id = _guild_id(interaction)
        if file.size > OPML_MAX_BYTES:
            raise UserError(f"{clip(file.filename, 100)} is too big: at most 1 MB.")
        content_type = (file.content_type or "").split(";")[0].strip().lower()
        if content_type not in OPML_TYPES and not file.filename.lower().endswith(OPML_SUFFIXES):
            raise UserError("Attach an OPML file (.opml or .xml).")
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except discord.HTTPException as exc:
            raise UserError("I could not download the attachment; try again.") from exc
        if len(data) > OPML_MAX_BYTES:
            raise UserError(f"{clip(file.filename, 100)} is too big: at most 1 MB.")
        result = await self.app.feeds.import_opml(data, source=file.filename, guild_id=guild_id)
        embed = discord.Embed(title=f"Imported {clip(file.filename, 100)}", colour=COLOUR)
        embed.add_field(name="Added", value=str(len(result.added)))
        embed.add_field(name="Already known", value=str(len(result.existing)))
        embed.add_field(name="Errors", value=str(len(result.errors)))
        if result.errors:
            embed.description = "\n".join(f"• {escape(clip(e, 200))}" for e in result.errors[:15])
            if len(result.errors) > 15:
                embed.description += f"\n… and {len(result.errors) - 15} more"
        await reply(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="export", description="Download this server's feeds as OPML")
    async def export(self, interaction: discord.Interaction) -> None:
        """Send the followed feeds as an OPML file."""
        data = await self.app.feeds.export_opml(_guild_id(interaction))
        await reply(
            interaction,
            "This server's feeds as OPML:",
            file=discord.File(io.BytesIO(data), filename="disputewatch-feeds.opml"),
            ephemeral=True,
        )


async def setup(bot: DisputeBot) -> None:
    """Add the cog (extension entry point)."""
    await bot.add_cog(FeedsCog(bot.app))
