"""JSON API: stories (latest or searched) and one story or dispute by id."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.stories.jsonfmt import dispute_to_json, story_to_json
from bot.types import Story
from bot.web import keys
from bot.web.query import StoryFilters, parse_filters

# Ids are SQL integers; anything larger cannot exist and must not reach the database driver.
MAX_ID = 2**63 - 1


def path_id(request: web.Request, what: str) -> int:
    """Return the integer id in the path, or raise 404 when it cannot exist."""
    value = int(request.match_info["id"])
    if value > MAX_ID:
        raise web.HTTPNotFound(reason=f"{what} {value} not found")
    return value


async def find_stories(
    request: web.Request, filters: StoryFilters
) -> tuple[list[Story], list[str | None], int | None, bool]:
    """Run a filtered listing or search; return stories, snippets, total and whether more exist."""
    stories = request.app[keys.STORIES]
    if filters.q:
        page = await stories.search(
            filters.q,
            label=filters.label,
            party=filters.party,
            lang=filters.lang,
            since=filters.since,
            limit=filters.limit,
            offset=filters.offset,
        )
        found = [hit.story for hit in page.hits]
        snippets: list[str | None] = [hit.snippet for hit in page.hits]
        more = filters.offset + len(found) < page.total
        return found, snippets, page.total, more
    now = request.app[keys.CLOCK]()
    # One extra row says whether a next page exists without a count query.
    rows = await stories.latest(
        label=filters.label,
        party=filters.party,
        days=filters.window_days(now),
        lang=filters.lang,
        limit=filters.limit + 1,
        offset=filters.offset,
    )
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    if filters.since is not None:
        since = filters.since
        kept = [s for s in rows if s.last_seen >= since]
        # Rows come newest first: once one is older than `since`, so is every later page.
        more = more and len(kept) == len(rows)
        rows = kept
    return rows, [None] * len(rows), None, more


async def list_stories(request: web.Request) -> web.Response:
    """GET /api/stories: label, party, lang, q, since, days, limit (≤ 100), offset."""
    filters = parse_filters(request.query)
    found, snippets, total, more = await find_stories(request, filters)
    items: list[dict[str, Any]] = []
    for story, snippet in zip(found, snippets, strict=True):
        item = story_to_json(story)
        if snippet is not None:
            item["snippet"] = snippet
        items.append(item)
    return web.json_response(
        {
            "stories": items,
            "limit": filters.limit,
            "offset": filters.offset,
            "total": total,
            "next_offset": filters.offset + filters.limit if more else None,
        }
    )


async def get_story(request: web.Request) -> web.Response:
    """GET /api/stories/{id}."""
    story_id = path_id(request, "story")
    story = await request.app[keys.STORIES].story(story_id)
    if story is None:
        raise web.HTTPNotFound(reason=f"story {story_id} not found")
    return web.json_response(story_to_json(story))


async def get_dispute(request: web.Request) -> web.Response:
    """GET /api/disputes/{id}."""
    dispute_id = path_id(request, "dispute")
    dispute = await request.app[keys.STORIES].dispute(dispute_id)
    if dispute is None:
        raise web.HTTPNotFound(reason=f"dispute {dispute_id} not found")
    return web.json_response(dispute_to_json(dispute))


def add_routes(app: web.Application) -> None:
    """Register the JSON API routes."""
    app.router.add_get("/api/stories", list_stories)
    app.router.add_get(r"/api/stories/{id:\d{1,30}}", get_story)
    app.router.add_get(r"/api/disputes/{id:\d{1,30}}", get_dispute)
