"""An Atom 1.0 feed of detected dispute stories."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from aiohttp import web

from bot.types import Story
from bot.web import keys
from bot.web.query import parse_filters

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
TAG_AUTHORITY = "tag:disputewatch,2026:"

# Characters XML 1.0 does not allow; feed text may carry them and they would break every reader.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

ET.register_namespace("", ATOM_NS)


def story_tag(story_id: int) -> str:
    """Return the stable Atom id of a story."""
    return f"{TAG_AUTHORITY}story/{story_id}"


def _clean(text: str) -> str:
    return _INVALID_XML.sub("", text)


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _clean(text)
    return el


def render_atom(
    stories: Sequence[Story],
    *,
    base_url: str,
    self_url: str,
    title: str,
    feed_key: str,
    now: datetime,
) -> bytes:
    """Render stories as an Atom document (UTF-8 bytes); ``base_url`` has no trailing slash."""
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", f"{TAG_AUTHORITY}{feed_key}")
    _sub(feed, "title", title)
    _sub(feed, "updated", _iso(max((s.last_seen for s in stories), default=now)))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{base_url}/")
    _sub(feed, "generator", "disputewatch")
    author = _sub(feed, "author")
    _sub(author, "name", "disputewatch")
    for story in stories:
        page = f"{base_url}/stories/{story.id}"
        article = next((s.link for s in story.sources if s.link), None)
        entry = _sub(feed, "entry")
        _sub(entry, "id", story_tag(story.id))
        _sub(entry, "title", story.title)
        _sub(entry, "updated", _iso(story.last_seen))
        _sub(entry, "published", _iso(story.first_seen))
        _sub(entry, "link", rel="alternate", type="text/html", href=article or page)
        if article:
            _sub(entry, "link", rel="related", type="text/html", href=page)
        for label in story.labels:
            _sub(entry, "category", term=label, label=label)
        for party in story.parties:
            _sub(entry, "category", term=party, scheme=f"{base_url}/parties")
        outlets = ", ".join(dict.fromkeys(s.outlet for s in story.sources))
        summary = story.summary or story.title
        if outlets:
            summary = f"{summary}\n\nSources: {outlets}"
        _sub(entry, "summary", summary, type="text")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


FEED_DAYS = 30
FEED_LIMIT = 50


async def atom_feed(request: web.Request) -> web.Response:
    """GET /feed.atom?label=&party=&lang=: the latest dispute stories as Atom."""
    filters = parse_filters(request.query, allowed=("label", "party", "lang"))
    rows = await request.app[keys.STORIES].latest(
        label=filters.label,
        party=filters.party,
        days=FEED_DAYS,
        lang=filters.lang,
        limit=FEED_LIMIT,
    )
    disputes = [story for story in rows if story.labels]
    # A configured public URL wins: the Host header is the client's to choose.
    base = request.app[keys.PUBLIC_URL] or str(request.url.origin())
    parts = [p for p in (filters.label, filters.party, filters.lang) if p]
    title = "disputewatch: " + (" · ".join(parts) if parts else "tech disputes")
    key = "feed" + "".join(f"/{k}={v}" for k, v in sorted(request.query.items()) if v)
    body = render_atom(
        disputes,
        base_url=base,
        self_url=f"{base}{request.rel_url}",
        title=title,
        feed_key=key,
        now=request.app[keys.CLOCK](),
    )
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
