"""Helpers shared by the cogs: replies that fit Discord's limits, a paginator, error messages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import discord
from discord import app_commands

from bot.alerts import render
from bot.alerts.mentions import safe_text, safe_url
from bot.alerts.render import truncate
from bot.detect.entities import all_parties, canonical_party
from bot.errors import UserError
from bot.types import LABELS, Dispute, FeedInfo, Story

log = logging.getLogger(__name__)

# Discord's documented limits (the embed ones live in bot.alerts.render).
CONTENT_MAX = 2000
EMBED_TITLE_MAX = render.TITLE_MAX
EMBED_DESCRIPTION_MAX = render.DESCRIPTION_MAX
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100

QUERY_MAX = 200
PAGE_SIZE = 8
PAGINATOR_TIMEOUT = 300.0
COLOUR = discord.Colour(0xE67E22)
NO_MENTIONS = discord.AllowedMentions.none()


def clip(text: str, limit: int) -> str:
    """Cut text to ``limit`` characters, ending with an ellipsis when cut."""
    return truncate(text.strip(), limit)


def fit_content(text: str) -> str:
    """Keep message content within Discord's 2,000 characters."""
    return render.fit_content(text)


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Return a copy of ``embed`` that respects every Discord embed limit."""
    return discord.Embed.from_dict(render.fit_embed(embed.to_dict()))


def escape(text: str) -> str:
    """Escape markdown and mentions in text that came from a feed or a user."""
    return safe_text(text)


def link(text: str, url: str | None) -> str:
    """A masked link when the URL is a safe http(s) one, else the plain escaped text."""
    safe = safe_url(url)
    return f"[{escape(text)}]({safe})" if safe else escape(text)


def ts(when: datetime | None, style: str = "R") -> str:
    """A Discord timestamp tag, rendered in each reader's time zone."""
    if when is None:
        return "never"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return f"<t:{int(when.timestamp())}:{style}>"


# -- replies ---------------------------------------------------------------------------------


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    file: discord.File | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> None:
    """Answer an interaction (first response or followup) within limits, pinging nobody."""
    missing = discord.utils.MISSING
    text = fit_content(content) if content is not None else missing
    fitted = fit_embed(embed) if embed is not None else missing
    # A followup once the interaction has been answered (or deferred), else the answer itself.
    send = (
        interaction.followup.send
        if interaction.response.is_done()
        else interaction.response.send_message
    )
    await send(
        text,
        embed=fitted,
        file=file or missing,
        view=view or missing,
        ephemeral=ephemeral,
        allowed_mentions=NO_MENTIONS,
    )


# -- errors ----------------------------------------------------------------------------------


def _perm_names(perms: Sequence[str]) -> str:
    return ", ".join(p.replace("_", " ").replace("guild", "server").title() for p in perms)


def user_message(error: app_commands.AppCommandError) -> str | None:
    """The message to show for an expected error, or None when it is a bug."""
    if isinstance(error, app_commands.CommandInvokeError):
        original = error.original
        if isinstance(original, UserError):
            return str(original)
        return None
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {_perm_names(error.missing_permissions)} permission to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"I need the {_perm_names(error.missing_permissions)} permission to do that."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.TransformerError):
        return f"That value is not valid: {clip(str(error.value), 100)!r}."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


# -- paginator -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a long reply."""

    embed: discord.Embed
    has_next: bool


PageSource = Callable[[int], Awaitable[Page]]


def pages_from_lines(
    lines: Sequence[str],
    *,
    title: str,
    per_page: int = PAGE_SIZE * 2,
    empty: str = "Nothing to show.",
) -> list[discord.Embed]:
    """Split lines into embeds that each fit the description limit."""
    pages: list[discord.Embed] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        line = clip(line, 1000)
        if chunk and (len(chunk) >= per_page or size + len(line) + 1 > EMBED_DESCRIPTION_MAX):
            pages.append(discord.Embed(title=title, description="\n".join(chunk), colour=COLOUR))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk or not pages:
        text = "\n".join(chunk) if chunk else empty
        pages.append(discord.Embed(title=title, description=text, colour=COLOUR))
    if len(pages) > 1:
        for i, page in enumerate(pages, 1):
            page.set_footer(text=f"Page {i}/{len(pages)}")
    return pages


def static_source(embeds: Sequence[discord.Embed]) -> PageSource:
    """A page source over embeds already built."""

    async def source(index: int) -> Page:
        return Page(embeds[index], index + 1 < len(embeds))

    return source


class Paginator(discord.ui.View):
    """Previous/next buttons over a page source; only the invoking user can press them."""

    def __init__(
        self, owner_id: int, source: PageSource, *, timeout: float = PAGINATOR_TIMEOUT
    ) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.source = source
        self.index = 0
        self.interaction: discord.Interaction | None = None

    @classmethod
    async def start(
        cls,
        interaction: discord.Interaction,
        source: PageSource,
        *,
        ephemeral: bool = False,
        idle: float = PAGINATOR_TIMEOUT,
    ) -> Paginator | None:
        """Send the first page, with buttons only when there is more than one page."""
        page = await source(0)
        if not page.has_next:
            await reply(interaction, embed=page.embed, ephemeral=ephemeral)
            return None
        view = cls(interaction.user.id, source, timeout=idle)
        view.interaction = interaction
        view._sync(page)
        await reply(interaction, embed=page.embed, view=view, ephemeral=ephemeral)
        return view

    def _sync(self, page: Page) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = not page.has_next

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Let only the user who ran the command turn the pages."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "Only the person who ran this command can turn its pages; run it yourself.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return False

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        page = await self.source(index)
        self.index = index
        self._sync(page)
        await interaction.response.edit_message(
            embed=fit_embed(page.embed), view=self, allowed_mentions=NO_MENTIONS
        )

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, emoji="◀️")
    async def previous(
        self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]
    ) -> None:
        """Show the previous page."""
        await self._show(interaction, max(0, self.index - 1))

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary, emoji="▶️")
    async def next(
        self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]
    ) -> None:
        """Show the next page."""
        await self._show(interaction, self.index + 1)

    async def on_timeout(self) -> None:
        """Grey the buttons out once they stop working."""
        self.previous.disabled = True
        self.next.disabled = True
        if self.interaction is not None:
            try:
                await self.interaction.edit_original_response(view=self)
            except discord.HTTPException:
                log.debug("could not disable paginator buttons", exc_info=True)


# -- rendering domain objects ----------------------------------------------------------------


def labels_text(labels: Sequence[str]) -> str:
    """Labels as short tags."""
    return " ".join(f"`{label}`" for label in labels) or "—"


def story_line(story: Story) -> str:
    """One line for a list of stories."""
    url = next((s.link for s in story.sources if s.link), None)
    head = link(clip(story.title, 180), url)
    parties = ", ".join(story.parties[:4])
    extra = f" — {escape(parties)}" if parties else ""
    return f"`#{story.id}` {head}{extra} · {labels_text(story.labels)} · {ts(story.first_seen)}"


def story_embed(story: Story) -> discord.Embed:
    """A full view of one story: summary, labels, parties, facts, why, sources."""
    url = safe_url(next((s.link for s in story.sources if s.link), None))
    embed = discord.Embed(
        title=clip(story.title, EMBED_TITLE_MAX),
        url=url,
        description=escape(story.summary) if story.summary else None,
        colour=COLOUR,
        timestamp=story.first_seen,
    )
    embed.add_field(name="Labels", value=labels_text(story.labels), inline=True)
    embed.add_field(name="Parties", value=escape(", ".join(story.parties)) or "—", inline=True)
    embed.add_field(name="Score", value=f"{story.score:.2f}", inline=True)
    facts: list[str] = []
    facts += [f"📅 {escape(d.text)} ({d.when.isoformat()})" for d in story.facts.dates]
    facts += [f"💰 {escape(a.text)}" for a in story.facts.amounts]
    facts += [
        f"💬 “{escape(clip(q.text, 200))}”" + (f" — {escape(q.speaker)}" if q.speaker else "")
        for q in story.facts.quotes
    ]
    if facts:
        embed.add_field(name="Key facts", value="\n".join(facts), inline=False)
    if story.signals:
        why = ", ".join(f"{s.label}: “{escape(s.phrase)}”" for s in story.signals[:6])
        embed.add_field(name="Why", value=why, inline=False)
    if story.sources:
        lines = [link(s.outlet, s.link) for s in story.sources]
        embed.add_field(name=f"Sources ({len(lines)})", value="\n".join(lines), inline=False)
    footer = f"Story #{story.id}"
    if story.dispute_id is not None:
        footer += f" · dispute #{story.dispute_id}"
    embed.set_footer(text=f"{footer} · {story.lang}")
    return embed


def dispute_lines(dispute: Dispute) -> list[str]:
    """A dispute as a heading line followed by its stories, oldest first."""
    head = (
        f"**{escape(dispute.name)}** (dispute #{dispute.id}) · {labels_text(dispute.labels)}"
        f" · {ts(dispute.first_activity, 'D')} → {ts(dispute.last_activity, 'D')}"
    )
    stories = sorted(dispute.stories, key=lambda s: s.first_seen)
    return [head] + [f"  {ts(s.first_seen, 'd')} {story_line(s)}" for s in stories]


def feed_line(feed: FeedInfo) -> str:
    """One feed with its health."""
    if feed.status != "active":
        health = f"⛔ disabled: {escape(clip(feed.disabled_reason or 'unknown', 120))}"
    elif feed.error_count:
        health = f"⚠️ {feed.error_count} errors: {escape(clip(feed.last_error or '', 120))}"
    else:
        health = f"✅ ok, last success {ts(feed.last_success_at)}"
    return f"`{feed.id}` {link(clip(feed.title or feed.url, 100), feed.url)} — {health}"


# -- autocomplete ----------------------------------------------------------------------------


def label_choices(current: str) -> list[app_commands.Choice[str]]:
    """Labels matching what the user typed, including comma-separated lists."""
    *done, last = [p.strip().lower() for p in current.split(",")]
    prefix = ",".join(done)
    out = [
        app_commands.Choice(name=",".join([*done, label]), value=",".join([*done, label]))
        for label in LABELS
        if label.startswith(last) and label not in done
    ]
    if prefix and not out:
        out.append(app_commands.Choice(name=prefix, value=prefix))
    return out[:CHOICES_MAX]


def name_choices(names: Sequence[str], current: str) -> list[app_commands.Choice[str]]:
    """Names containing what the user typed, prefix matches first."""
    needle = current.strip().lower()
    starts = [n for n in names if n.lower().startswith(needle)]
    contains = [n for n in names if needle in n.lower() and n not in starts]
    return [
        app_commands.Choice(name=clip(n, CHOICE_NAME_MAX), value=clip(n, CHOICE_NAME_MAX))
        for n in (starts + contains)[:CHOICES_MAX]
    ]


def parse_labels(raw: str | None) -> tuple[str, ...]:
    """Parse 'cutoff,legal' into known labels or raise a UserError."""
    if not raw:
        return ()
    parts = tuple(dict.fromkeys(p.strip().lower() for p in raw.split(",") if p.strip()))
    bad = [p for p in parts if p not in LABELS]
    if bad:
        raise UserError(f"Unknown label {bad[0]!r}; use {', '.join(LABELS)}.")
    return parts


def check_query(query: str) -> str:
    """Trim a search query and enforce its length."""
    query = query.strip()
    if not query:
        raise UserError("Type something to search for.")
    if len(query) > QUERY_MAX:
        raise UserError(f"Keep the query under {QUERY_MAX} characters.")
    return query


def party_choices(current: str) -> list[app_commands.Choice[str]]:
    """Companies from the gazetteer matching what the user typed."""
    return name_choices(all_parties(), current)


def company(name: str) -> str:
    """The canonical name of a company the user typed, or a UserError."""
    name = name.strip()
    if not name or len(name) > QUERY_MAX:
        raise UserError("Give a company name, e.g. Apple.")
    canonical = canonical_party(name)
    if canonical is None:
        raise UserError(f"I don't know the company {clip(name, 100)!r}; pick one from the list.")
    return canonical
