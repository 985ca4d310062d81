"""Server-rendered HTML pages: dashboard, search, story, dispute timeline, feeds, chart."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from bot.charts import weekly_bar_chart
from bot.web import keys
from bot.web.api import find_stories, path_id
from bot.web.query import StoryFilters, parse_filters

HTML = "text/html"
DASHBOARD_DAYS = 30
PAGE_SIZE = 20
CHART_WEEKS = 12


def template_env() -> Environment:
    """Build the Jinja2 environment: templates from the package, autoescape on for all."""
    env = Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["dt"] = format_time
    env.filters["mark_snippet"] = mark_snippet
    env.filters["safe_url"] = safe_url
    return env


def format_time(when: datetime | None) -> str:
    """Format a UTC time for people: 2026-01-31 14:05 UTC."""
    if when is None:
        return "never"
    return when.strftime("%Y-%m-%d %H:%M UTC")


def safe_url(url: str | None) -> str:
    """Return ``url`` when it is http(s), else "#": feed text must not become javascript: links."""
    if url and urlsplit(url.strip()).scheme.lower() in {"http", "https"}:
        return url.strip()
    return "#"


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def mark_snippet(snippet: str) -> Markup:
    """Escape a search snippet and turn its **bold** hits into <mark> elements."""
    escaped = str(escape(snippet))
    return Markup(_BOLD.sub(r"<mark>\1</mark>", escaped))


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    """Render a template into an HTML response."""
    template = request.app[keys.TEMPLATES].get_template(name)
    body = template.render(request_path=request.path, **context)
    return web.Response(text=body, status=status, content_type=HTML, charset="utf-8")


def _page_url(path: str, filters: StoryFilters, offset: int) -> str:
    params = {
        "q": filters.q,
        "label": filters.label,
        "party": filters.party,
        "lang": filters.lang,
        "offset": str(offset) if offset else None,
    }
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{path}?{query}" if query else path


async def dashboard(request: web.Request) -> web.Response:
    """GET /: recent stories, the weekly chart and the feeds' health at a glance."""
    filters = parse_filters(
        request.query,
        allowed=("label", "party", "lang", "offset"),
        default_limit=PAGE_SIZE,
        default_days=DASHBOARD_DAYS,
    )
    found, _, _, more = await find_stories(request, filters)
    feeds = await request.app[keys.FEEDS].list()
    statuses = Counter(feed.status for feed in feeds)
    failing = [feed for feed in feeds if feed.status == "active" and feed.error_count > 0]
    return render(
        request,
        "dashboard.html",
        stories=found,
        filters=filters,
        feed_count=len(feeds),
        statuses=dict(sorted(statuses.items())),
        failing=failing,
        next_url=_page_url("/", filters, filters.offset + filters.limit) if more else None,
        prev_url=(
            _page_url("/", filters, max(0, filters.offset - filters.limit))
            if filters.offset
            else None
        ),
    )


async def search(request: web.Request) -> web.Response:
    """GET /search?q=: stories matching a query, with highlighted snippets."""
    filters = parse_filters(
        request.query,
        allowed=("q", "label", "party", "lang", "since", "offset"),
        default_limit=PAGE_SIZE,
    )
    results: list[tuple[Any, str]] = []
    total: int | None = None
    more = False
    if filters.q:
        found, snippets, total, more = await find_stories(request, filters)
        results = [(s, snip or s.summary) for s, snip in zip(found, snippets, strict=True)]
    return render(
        request,
        "search.html",
        filters=filters,
        results=results,
        total=total,
        next_url=_page_url("/search", filters, filters.offset + filters.limit) if more else None,
        prev_url=(
            _page_url("/search", filters, max(0, filters.offset - filters.limit))
            if filters.offset
            else None
        ),
    )


async def story_page(request: web.Request) -> web.Response:
    """GET /stories/{id}: one story, its facts and its sources."""
    story_id = path_id(request, "story")
    story = await request.app[keys.STORIES].story(story_id)
    if story is None:
        raise web.HTTPNotFound(reason=f"story {story_id} not found")
    return render(request, "story.html", story=story)


async def dispute_page(request: web.Request) -> web.Response:
    """GET /disputes/{id}: the dispute's stories as a timeline, oldest first."""
    dispute_id = path_id(request, "dispute")
    dispute = await request.app[keys.STORIES].dispute(dispute_id)
    if dispute is None:
        raise web.HTTPNotFound(reason=f"dispute {dispute_id} not found")
    timeline = sorted(dispute.stories, key=lambda s: (s.first_seen, s.id))
    return render(request, "dispute.html", dispute=dispute, timeline=timeline)


async def feeds_page(request: web.Request) -> web.Response:
    """GET /feeds: every feed with its health."""
    feeds = await request.app[keys.FEEDS].list()
    feeds.sort(key=lambda f: (f.status != "disabled", -f.error_count, f.title.casefold()))
    return render(request, "feeds.html", feeds=feeds)


async def chart_png(request: web.Request) -> web.Response:
    """GET /chart.png: disputes per week and label."""
    counts = await request.app[keys.STORIES].weekly_counts(weeks=CHART_WEEKS)
    # Drawing is CPU work; keep it off the event loop.
    png = await asyncio.to_thread(weekly_bar_chart, counts)
    return web.Response(
        body=png, content_type="image/png", headers={"Cache-Control": "max-age=300"}
    )


def add_routes(app: web.Application) -> None:
    """Register the HTML pages and the static files."""
    app.router.add_get("/", dashboard)
    app.router.add_get("/search", search)
    app.router.add_get(r"/stories/{id:\d{1,30}}", story_page)
    app.router.add_get(r"/disputes/{id:\d{1,30}}", dispute_page)
    app.router.add_get("/feeds", feeds_page)
    app.router.add_get("/chart.png", chart_png)
