"""Mention policy: text from feeds never pings anyone; only a configured role may be pinged."""

from __future__ import annotations

import re
from typing import Any

ZWSP = "\u200b"

# Inline markdown Discord interprets anywhere in a line; backslash first so it is not doubled.
_INLINE = re.compile(r"([\\*_~`|\[\]])")
# Block markdown that only counts at the start of a line: headers, subtext, quotes, lists.
_LINE_START = re.compile(r"(?m)^(\s*)([#>\-+]|\d+\.)")
# Same pattern discord.utils.escape_mentions uses, widened to ids of any length.
_MENTION = re.compile(r"@(everyone|here|[!&]?\d+)")
_MASKED_LINK_UNSAFE = re.compile(r"[\s()<>\[\]]")


def escape_markdown(text: str) -> str:
    """Backslash-escape the markdown Discord would interpret in ``text``."""
    text = _INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)


def neutralise_mentions(text: str) -> str:
    """Break @everyone, @here, <@id>, <@!id> and <@&id> with a zero-width space."""
    return _MENTION.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)


def safe_text(text: str) -> str:
    """Make feed text inert: no markdown, no mentions."""
    return neutralise_mentions(escape_markdown(text))


def safe_url(url: str | None) -> str | None:
    """Return an http(s) URL usable in an embed or a masked link, or None."""
    if not url:
        return None
    url = url.strip()
    if not re.match(r"(?i)^https?://[^\s/]+", url) or len(url) > 2048:
        return None
    return _MASKED_LINK_UNSAFE.sub(lambda m: f"%{ord(m.group(0)):02X}", url)


def role_mention(role_id: int) -> str:
    """The text that pings a role."""
    return f"<@&{int(role_id)}>"


def allowed_mentions(role_id: int | None = None) -> dict[str, Any]:
    """Discord's allowed_mentions: nothing parsed; only the configured role when given."""
    result: dict[str, Any] = {"parse": []}
    if role_id is not None:
        result["roles"] = [int(role_id)]
    return result
