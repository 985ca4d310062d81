"""Turn stories and notices into transport-neutral messages that respect Discord's limits.

``fit_embed``/``fit_embeds``/``fit_content`` are the one place Discord's size limits are
enforced; the cogs reuse them for command replies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.alerts.mentions import ZWSP, allowed_mentions, role_mention, safe_text, safe_url
from bot.types import Facts, Label, Signal, Story

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000
EMBEDS_MAX = 10
ELLIPSIS = "…"
# A story alert stays short so its facts and sources always fit beside it.
STORY_SUMMARY_MAX = 1500
WHY_MAX = 300

COLOURS: dict[frozenset[str], int] = {
    frozenset({"cutoff"}): 0xE67E22,
    frozenset({"legal"}): 0x3498DB,
    frozenset({"cutoff", "legal"}): 0xE74C3C,
}
NOTICE_COLOUR = 0x95A5A6
DIGEST_COLOUR = 0x9B59B6
LABEL_NAMES: dict[str, str] = {"cutoff": "Cutoff", "legal": "Legal"}


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """A message any transport can send: content, embeds (Discord JSON) and allowed_mentions."""

    content: str = ""
    embeds: tuple[dict[str, Any], ...] = ()
    allowed_mentions: dict[str, Any] = field(default_factory=allowed_mentions)

    def to_dict(self) -> dict[str, Any]:
        """The JSON body fields Discord expects (also how the outbox stores it)."""
        return {
            "content": self.content,
            "embeds": [dict(e) for e in self.embeds],
            "allowed_mentions": dict(self.allowed_mentions),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertMessage:
        """Rebuild a message stored with ``to_dict``."""
        return cls(
            content=str(data.get("content") or ""),
            embeds=tuple(dict(e) for e in data.get("embeds") or ()),
            allowed_mentions=dict(data.get("allowed_mentions") or allowed_mentions()),
        )


@dataclass(frozen=True, slots=True)
class DigestItem:
    """What a digest lists about one story."""

    story_id: int
    title: str
    link: str | None
    labels: tuple[str, ...]
    parties: tuple[str, ...]
    dispute_id: int | None

    @classmethod
    def from_story(cls, story: Story) -> DigestItem:
        """Keep what the digest shows of a story."""
        return cls(
            story_id=story.id,
            title=story.title,
            link=first_link(story),
            labels=tuple(story.labels),
            parties=tuple(story.parties),
            dispute_id=story.dispute_id,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the outbox payload."""
        return {
            "story_id": self.story_id,
            "title": self.title,
            "link": self.link,
            "labels": list(self.labels),
            "parties": list(self.parties),
            "dispute_id": self.dispute_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DigestItem:
        """Rebuild an item stored with ``to_dict``."""
        dispute = data.get("dispute_id")
        return cls(
            story_id=int(data["story_id"]),
            title=str(data.get("title") or ""),
            link=data.get("link"),
            labels=tuple(data.get("labels") or ()),
            parties=tuple(data.get("parties") or ()),
            dispute_id=int(dispute) if dispute is not None else None,
        )


# -- limits ---------------------------------------------------------------------------------


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    cut = text[: limit - 1]
    # A lone trailing backslash would escape the ellipsis; drop it.
    if cut.endswith("\\") and not cut.endswith("\\\\"):
        cut = cut[:-1]
    return cut + ELLIPSIS


def fit_content(text: str, limit: int = CONTENT_MAX) -> str:
    """Fit message content within Discord's 2000 characters."""
    return truncate(text, limit)


def embed_length(embed: Mapping[str, Any]) -> int:
    """Count the characters Discord counts toward the 6000 total of an embed."""
    total = len(str(embed.get("title") or "")) + len(str(embed.get("description") or ""))
    total += len(str((embed.get("footer") or {}).get("text") or ""))
    total += len(str((embed.get("author") or {}).get("name") or ""))
    for f in embed.get("fields") or ():
        total += len(str(f.get("name") or "")) + len(str(f.get("value") or ""))
    return total


def fit_embed(embed: Mapping[str, Any], total_max: int = EMBED_TOTAL_MAX) -> dict[str, Any]:
    """Return a copy of ``embed`` within every Discord limit, whatever the data.

    Each part is cut to its own limit; when the whole is still too long the description is
    shortened first, then the footer and author, then trailing fields dropped, then the title.
    """
    out: dict[str, Any] = dict(embed)
    if "title" in out:
        out["title"] = truncate(str(out["title"]), TITLE_MAX)
    if "description" in out:
        out["description"] = truncate(str(out["description"]), DESCRIPTION_MAX)
    if "footer" in out:
        footer = dict(out["footer"])
        footer["text"] = truncate(str(footer.get("text") or ""), FOOTER_MAX)
        out["footer"] = footer
    if "author" in out:
        author = dict(out["author"])
        author["name"] = truncate(str(author.get("name") or ""), AUTHOR_MAX)
        out["author"] = author
    if "fields" in out:
        out["fields"] = [
            {
                **f,
                "name": truncate(str(f.get("name") or ""), FIELD_NAME_MAX) or ZWSP,
                "value": truncate(str(f.get("value") or ""), FIELD_VALUE_MAX) or ZWSP,
            }
            for f in list(out["fields"])[:FIELDS_MAX]
        ]
    excess = embed_length(out) - total_max
    if excess > 0 and out.get("description"):
        keep = max(0, len(out["description"]) - excess)
        out["description"] = truncate(out["description"], keep)
        excess = embed_length(out) - total_max
    for key, sub in (("footer", "text"), ("author", "name")):
        if excess > 0 and out.get(key):
            part = dict(out[key])
            part[sub] = truncate(str(part.get(sub) or ""), max(0, len(part[sub]) - excess))
            out[key] = part
            excess = embed_length(out) - total_max
    while excess > 0 and out.get("fields"):
        out["fields"] = out["fields"][:-1]
        excess = embed_length(out) - total_max
    if excess > 0 and out.get("title"):
        out["title"] = truncate(out["title"], max(0, len(out["title"]) - excess))
    return out


def fit_embeds(embeds: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Fit a message's embeds: at most 10, 6000 characters in all (later embeds dropped)."""
    out: list[dict[str, Any]] = []
    used = 0
    for embed in list(embeds)[:EMBEDS_MAX]:
        fitted = fit_embed(embed, EMBED_TOTAL_MAX - used)
        size = embed_length(fitted)
        if used + size > EMBED_TOTAL_MAX or (out and size == 0):
            break
        out.append(fitted)
        used += size
    return out


def join_within(parts: Sequence[str], sep: str, limit: int) -> str:
    """Join whole parts while they fit in ``limit``; say how many were left out."""
    out: list[str] = []
    for i, part in enumerate(parts):
        remaining = len(parts) - i
        more = f"{sep}+{remaining - 1} more" if remaining > 1 else ""
        candidate = sep.join([*out, part])
        if len(candidate) + len(more) <= limit:
            out.append(part)
            continue
        tail = f"+{remaining} more"
        while out and len(sep.join([*out, tail])) > limit:
            out.pop()
            remaining += 1
            tail = f"+{remaining} more"
        return sep.join([*out, tail]) if out else truncate(part, limit)
    return sep.join(out)


# -- stories --------------------------------------------------------------------------------


def first_link(story: Story) -> str | None:
    """The first source's usable link, the one the title points to."""
    for source in story.sources:
        url = safe_url(source.link)
        if url:
            return url
    return None


def label_text(labels: Iterable[str]) -> str:
    """Labels as users read them."""
    return ", ".join(LABEL_NAMES.get(label, label) for label in labels)


def ref_text(story_id: int, dispute_id: int | None) -> str:
    """The references users type in /disputes show."""
    ref = f"story s{story_id}"
    return f"{ref} · dispute d{dispute_id}" if dispute_id is not None else ref


def _why(signals: Sequence[Signal]) -> str:
    seen: list[str] = []
    for signal in sorted(signals, key=lambda s: -s.weight):
        phrase = f"“{signal.phrase}” ({signal.label})"
        if phrase not in seen:
            seen.append(phrase)
    return "Flagged for " + ", ".join(seen[:5]) if seen else ""


def _fact_fields(facts: Facts) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = []
    if facts.dates:
        value = "\n".join(
            f"{d.when.isoformat()} — {safe_text(d.text)}" if d.text else d.when.isoformat()
            for d in facts.dates[:3]
        )
        fields.append({"name": "Effective", "value": value, "inline": True})
    if facts.amounts:
        fields.append(
            {
                "name": "Amounts",
                "value": "\n".join(safe_text(a.text) for a in facts.amounts[:3]),
                "inline": True,
            }
        )
    if facts.quotes:
        quote = facts.quotes[0]
        value = f"“{safe_text(quote.text)}”"
        if quote.speaker:
            value += f" — {safe_text(quote.speaker)}"
        fields.append({"name": "Quote", "value": value, "inline": False})
    return fields


def _sources_value(story: Story) -> str:
    parts: list[str] = []
    for source in story.sources:
        outlet = safe_text(source.outlet or "source")
        url = safe_url(source.link)
        parts.append(f"[{outlet}]({url})" if url else outlet)
    return join_within(parts, " · ", FIELD_VALUE_MAX)


def _colour(labels: Iterable[Label | str]) -> int:
    return COLOURS.get(frozenset(labels), NOTICE_COLOUR)


def _iso(when: datetime) -> str:
    return when.isoformat()


def story_embed(story: Story, *, backfill: bool = False) -> dict[str, Any]:
    """The embed of one story, within Discord's limits."""
    embed: dict[str, Any] = {
        "type": "rich",
        "title": safe_text(story.title) or "(untitled)",
        "description": truncate(safe_text(story.summary), STORY_SUMMARY_MAX),
        "color": _colour(story.labels),
        "timestamp": _iso(story.first_seen),
    }
    url = first_link(story)
    if url:
        embed["url"] = url
    if backfill:
        embed["author"] = {"name": "Backfill: an earlier story, not breaking news"}
    fields: list[dict[str, Any]] = []
    if story.labels:
        fields.append({"name": "Labels", "value": label_text(story.labels), "inline": True})
    if story.parties:
        parties = [safe_text(p) for p in story.parties]
        fields.append(
            {"name": "Parties", "value": join_within(parties, ", ", 1024), "inline": True}
        )
    fields.extend(_fact_fields(story.facts))
    if story.sources:
        fields.append(
            {
                "name": f"Sources ({len(story.sources)})",
                "value": _sources_value(story),
                "inline": False,
            }
        )
    embed["fields"] = fields
    # The explanation is cut short; the references users type never are.
    why = truncate(_why(story.signals), WHY_MAX)
    ref = ref_text(story.id, story.dispute_id)
    footer = f"{why} · {ref}" if why else ref
    if backfill:
        footer = f"Backfill · {footer}"
    embed["footer"] = {"text": footer}
    if not embed["description"]:
        del embed["description"]
    return fit_embed(embed)


def render_story(
    story: Story, *, backfill: bool = False, role_id: int | None = None
) -> AlertMessage:
    """Render a story alert; the configured role (only) is pinged in ``content``."""
    content = role_mention(role_id) if role_id is not None else ""
    return AlertMessage(
        content=fit_content(content),
        embeds=tuple(fit_embeds([story_embed(story, backfill=backfill)])),
        allowed_mentions=allowed_mentions(role_id),
    )


def render_notice(text: str) -> AlertMessage:
    """Render a notice to a server's admins (feed disabled, missing permission...)."""
    embed = {
        "type": "rich",
        "title": "disputewatch notice",
        "description": safe_text(text),
        "color": NOTICE_COLOUR,
    }
    return AlertMessage(embeds=(fit_embed(embed),), allowed_mentions=allowed_mentions())


def render_digest(
    stories: Sequence[Story | DigestItem], period: str, *, role_id: int | None = None
) -> AlertMessage:
    """Render one digest message listing the stories of a period ("hourly" or "daily")."""
    items = [s if isinstance(s, DigestItem) else DigestItem.from_story(s) for s in stories]
    lines = []
    for item in items:
        title = safe_text(item.title) or "(untitled)"
        url = safe_url(item.link)
        head = f"[{title}]({url})" if url else title
        meta = ", ".join(x for x in (label_text(item.labels), ", ".join(item.parties)) if x)
        ref = ref_text(item.story_id, item.dispute_id)
        lines.append(f"• {head} — {safe_text(meta)} ({ref})" if meta else f"• {head} ({ref})")
    description = join_within(lines, "\n", DESCRIPTION_MAX)
    count = len(items)
    embed = {
        "type": "rich",
        "title": f"{'Hourly' if period == 'hourly' else 'Daily'} digest: "
        f"{count} dispute stor{'y' if count == 1 else 'ies'}",
        "description": description or "No new stories.",
        "color": DIGEST_COLOUR,
    }
    return AlertMessage(
        content=role_mention(role_id) if role_id is not None else "",
        embeds=(fit_embed(embed),),
        allowed_mentions=allowed_mentions(role_id),
    )


_UNESCAPE = re.compile(r"\\([^\w\s])")


def _plain(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text).replace(ZWSP, "")


def render_console(message: AlertMessage) -> str:
    """Render a message as a readable plain-text block for a terminal."""
    lines: list[str] = []
    if message.content:
        lines.append(_plain(message.content))
    for embed in message.embeds:
        author = (embed.get("author") or {}).get("name")
        if author:
            lines.append(f"[{_plain(author)}]")
        title = _plain(str(embed.get("title") or ""))
        lines.append(f"=== {title} ===")
        if embed.get("url"):
            lines.append(str(embed["url"]))
        if embed.get("description"):
            lines.append(_plain(str(embed["description"])))
        for f in embed.get("fields") or ():
            lines.append(f"{_plain(str(f['name']))}: {_plain(str(f['value']))}")
        footer = (embed.get("footer") or {}).get("text")
        if footer:
            lines.append(f"-- {_plain(footer)}")
        if embed.get("timestamp"):
            lines.append(f"-- {embed['timestamp']}")
    return "\n".join(lines) + "\n"
