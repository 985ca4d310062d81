"""Read and write OPML subscription lists; the starter list of tech-news feeds."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from importlib import resources
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from bot.errors import FeedError, ParseError
from bot.feeds.urlsafety import validate_url_syntax

logger = logging.getLogger(__name__)

STARTER_RESOURCE = "starter.opml"
FEED_TYPES = frozenset({"rss", "atom", "rdf", ""})


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed of an OPML file."""

    url: str
    title: str | None
    lang: str | None = None


@dataclass(slots=True)
class OpmlResult:
    """The feeds read from an OPML file and one message per outline that was skipped."""

    feeds: list[OpmlFeed] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class _Refused(Exception):
    """Raised from expat handlers to stop on a DOCTYPE or an entity declaration."""


@dataclass(slots=True)
class _Outline:
    attrs: dict[str, str]
    line: int
    has_children: bool = False


def _refuse(*_args: object) -> None:
    raise _Refused


def _refuse_external(
    _context: str, _base: str | None, _system_id: str | None, _public_id: str | None
) -> int:
    raise _Refused


def _read_outlines(data: bytes, source: str) -> list[_Outline]:
    """Parse with expat directly: line numbers, and no DTD, so no entity expansion bombs."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse_external
    outlines: list[_Outline] = []
    stack: list[_Outline | None] = []
    root: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if not root:
            root.append(name)
        if stack and stack[-1] is not None:
            stack[-1].has_children = True
        if name == "outline":
            outline = _Outline(attrs, parser.CurrentLineNumber)
            outlines.append(outline)
            stack.append(outline)
        else:
            stack.append(None)

    def end(_name: str) -> None:
        stack.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise ParseError(
            f"{source}: refused, the file declares a DOCTYPE or entities "
            f"(line {parser.CurrentLineNumber}); OPML needs neither"
        ) from exc
    except expat.ExpatError as exc:
        raise ParseError(
            f"{source} is not valid XML: {expat.ErrorString(exc.code)} at line {exc.lineno}"
        ) from exc
    if not root or root[0] != "opml":
        found = f"<{root[0]}>" if root else "nothing"
        raise ParseError(f"{source} is not an OPML file: it starts with {found}, not <opml>")
    return outlines


def parse_opml(data: bytes, *, source: str = "FILE") -> OpmlResult:
    """Read the feeds of an OPML file (nested outlines); report each bad outline in errors."""
    result = OpmlResult()
    seen: set[str] = set()
    for outline in _read_outlines(data, source):
        attrs = {k.lower(): v for k, v in outline.attrs.items()}
        title = (attrs.get("title") or attrs.get("text") or "").strip() or None
        url = (attrs.get("xmlurl") or "").strip()
        where = f"{source}, line {outline.line}"
        named = f"outline '{title}'" if title else "an outline"
        if not url:
            kind = attrs.get("type", "").strip().lower()
            # Folders group feeds; text outlines without a type are notes, not feeds.
            if not outline.has_children and kind in ("rss", "atom", "rdf"):
                result.errors.append(f"{where}: {named} has no xmlUrl")
            elif not outline.has_children and kind == "":
                result.errors.append(f"{where}: {named} has no xmlUrl and no feeds inside")
            continue
        try:
            normalised = validate_url_syntax(url)
        except FeedError as exc:
            result.errors.append(f"{where}: {named} skipped: {exc}")
            continue
        if normalised in seen:
            continue
        seen.add(normalised)
        lang = (attrs.get("language") or "").strip() or None
        result.feeds.append(OpmlFeed(url=normalised, title=title, lang=lang))
    return result


def _xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters other than tab and newlines)."""
    return "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")


def write_opml(
    feeds: Iterable[tuple[str, str | None]], *, title: str = "disputewatch feeds", now: datetime
) -> bytes:
    """Write an OPML 2.0 document listing the feeds."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{escape(_xml_safe(title))}</title>",
        f"    <dateCreated>{format_datetime(now)}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    for url, feed_title in feeds:
        text = quoteattr(_xml_safe(feed_title or url))
        xml_url = quoteattr(_xml_safe(url))
        lines.append(f'    <outline type="rss" text={text} title={text} xmlUrl={xml_url}/>')
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")


def starter_feeds() -> list[OpmlFeed]:
    """Return the bundled starter list of English and French tech-news feeds."""
    data = resources.files("bot.feeds").joinpath(STARTER_RESOURCE).read_bytes()
    result = parse_opml(data, source=STARTER_RESOURCE)
    for error in result.errors:
        logger.warning("starter list: %s", error)
    return result.feeds
