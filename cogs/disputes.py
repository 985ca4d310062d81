"""/disputes: look stories and disputes up, search them, see the numbers."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts import weekly_bar_chart
from bot.errors import UserError
from cogs.common import (
    CHOICE_NAME_MAX,
    COLOUR,
    PAGE_SIZE,
    Page,
    Paginator,
    check_query,
    clip,
    company,
    dispute_lines,
    escape,
    pages_from_lines,
    party_choices,
    reply,
    static_source,
    story_embed,
    story_line,
)

if TYPE_CHECKING:
    from bot.app import App
    from bot.discord_app import DisputeBot

log = logging.getLogger(__name__)

STATS_WEEKS = 12
CHART_NAME = "disputes.png"


class DisputesCog(commands.GroupCog, group_name="disputes", group_description="Tech disputes"):
    """Read-only lookups over stored stories and disputes."""

    def __init__(self, app: App) -> None:
        self.app = app
        super().__init__()

    # -- autocomplete ------------------------------------------------------------------------

    async def _party_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return party_choices(current)

    async def _story_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        current = current.strip().lstrip("#")
        if current and not current.isdigit():
            page = await self.app.stories.search(current[:200], limit=25, offset=0)
            stories = [hit.story for hit in page.hits]
        else:
            stories = await self.app.stories.latest(limit=25, offset=0)
            stories = [s for s in stories if str(s.id).startswith(current)]
        return [
            app_commands.Choice(name=clip(f"#{s.id} {s.title}", CHOICE_NAME_MAX), value=s.id)
            for s in stories[:25]
        ]

    # -- commands ----------------------------------------------------------------------------

    @app_commands.command(name="latest", description="The latest dispute stories")
    @app_commands.describe(
        label="Only this kind of dispute",
        party="Only stories involving this company",
        days="How many days back (default 7)",
    )
    @app_commands.autocomplete(party=_party_autocomplete)
    async def latest(
        self,
        interaction: discord.Interaction,
        label: Literal["cutoff", "legal"] | None = None,
        party: app_commands.Range[str, 1, 200] | None = None,
        days: app_commands.Range[int, 1, 365] = 7,
    ) -> None:
        """List recent stories, newest first, with pages."""
        canonical = company(party) if party else None
        title = "Latest disputes" + (f" — {canonical}" if canonical else "")
        if label:
            title += f" ({label})"

        async def source(index: int) -> Page:
            stories = await self.app.stories.latest(
                label=label,
                party=canonical,
                days=days,
                lang=None,
                limit=PAGE_SIZE + 1,
                offset=index * PAGE_SIZE,
            )
            lines = [story_line(s) for s in stories[:PAGE_SIZE]]
            empty = f"No dispute stories in the last {days} days."
            embed = pages_from_lines(lines, title=title, empty=empty)[0]
            embed.set_footer(text=f"Page {index + 1} · last {days} days")
            return Page(embed, len(stories) > PAGE_SIZE)

        await Paginator.start(interaction, source)

    @app_commands.command(name="search", description="Search stored dispute stories")
    @app_commands.describe(
        query="Words to look for (titles, summaries, companies)",
        label="Only this kind of dispute",
        party="Only stories involving this company",
    )
    @app_commands.autocomplete(party=_party_autocomplete)
    async def search(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, 200],
        label: Literal["cutoff", "legal"] | None = None,
        party: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        """Full-text search with pages."""
        text = check_query(query)
        canonical = company(party) if party else None
        title = clip(f"Search: {text}", 200)

        async def source(index: int) -> Page:
            result = await self.app.stories.search(
                text,
                label=label,
                party=canonical,
                lang=None,
                since=None,
                limit=PAGE_SIZE,
                offset=index * PAGE_SIZE,
            )
            lines = []
            for hit in result.hits:
                line = story_line(hit.story)
                if hit.snippet:
                    line += f"\n> {escape(clip(hit.snippet, 200))}"
                lines.append(line)
            embed = pages_from_lines(lines, title=title, empty="No story matches that search.")[0]
            shown = result.offset + len(result.hits)
            if result.total:
                embed.set_footer(text=f"{result.offset + 1}–{shown} of {result.total}")
            return Page(embed, shown < result.total)

        await Paginator.start(interaction, source)

    @app_commands.command(name="show", description="Show one story in full")
    @app_commands.rename(story_id="id")
    @app_commands.describe(story_id="The story number (start typing to search)")
    @app_commands.autocomplete(story_id=_story_autocomplete)
    async def show(
        self, interaction: discord.Interaction, story_id: app_commands.Range[int, 1]
    ) -> None:
        """Show a story's summary, facts and sources."""
        story = await self.app.stories.story(story_id)
        if story is None:
            raise UserError(f"There is no story #{story_id}.")
        await reply(interaction, embed=story_embed(story))

    @app_commands.command(name="company", description="A company's disputes as a timeline")
    @app_commands.describe(name="The company")
    @app_commands.autocomplete(name=_party_autocomplete)
    async def company_cmd(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 200]
    ) -> None:
        """List the company's disputes, each with its stories in order."""
        canonical = company(name)
        disputes = await self.app.stories.company(canonical)
        lines = [line for d in disputes for line in dispute_lines(d)]
        pages = pages_from_lines(
            lines,
            title=f"Disputes involving {canonical}",
            empty=f"No dispute involving {canonical} yet.",
        )
        await Paginator.start(interaction, static_source(pages))

    @app_commands.command(name="stats", description="Dispute counts by label and week")
    @app_commands.checks.cooldown(2, 30.0, key=lambda i: (i.guild_id, i.user.id))
    async def stats(self, interaction: discord.Interaction) -> None:
        """Totals and a weekly chart."""
        await interaction.response.defer(thinking=True)
        counts = await self.app.stories.counts()
        weekly = await self.app.stories.weekly_counts(STATS_WEEKS)
        embed = discord.Embed(title="Dispute statistics", colour=COLOUR)
        for key, value in counts.items():
            embed.add_field(name=str(key).replace("_", " ").capitalize(), value=str(value))
        by_label: dict[str, int] = {}
        for _, label, count in weekly:
            by_label[label] = by_label.get(label, 0) + count
        summary = ", ".join(f"{label}: {n}" for label, n in sorted(by_label.items())) or "none"
        embed.add_field(name=f"Last {STATS_WEEKS} weeks", value=summary, inline=False)
        png = await asyncio.to_thread(
            weekly_bar_chart, list(weekly), title=f"Dispute stories per week ({STATS_WEEKS} weeks)"
        )
        file = discord.File(io.BytesIO(png), filename=CHART_NAME)
        embed.set_image(url=f"attachment://{CHART_NAME}")
        await reply(interaction, embed=embed, file=file)


async def setup(bot: DisputeBot) -> None:
    """Add the cog (extension entry point)."""
    await bot.add_cog(DisputesCog(bot.app))
