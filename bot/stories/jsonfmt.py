"""Stable JSON shapes for stories and disputes, shared by the CLI, the web API and others.

Fields are snake_case; times are ISO 8601 in UTC with a trailing "Z"; `ref` is the id users type
("s12" for a story, "d4" for a dispute).
"""

from __future__ import annotations

from typing import Any

from bot.codec import facts_to_json, iso, signals_to_json
from bot.storage.search import SearchHit
from bot.types import Dispute, Story, StorySource


def story_ref(story_id: int) -> str:
    """The id users type for a story: "s12"."""
    return f"s{story_id}"


def dispute_ref(dispute_id: int) -> str:
    """The id users type for a dispute: "d4"."""
    return f"d{dispute_id}"


def source_to_json(source: StorySource) -> dict[str, Any]:
    """One outlet's report."""
    return {
        "entry_id": source.entry_id,
        "outlet": source.outlet,
        "title": source.title,
        "link": source.link,
        "published": iso(source.published),
    }


def story_to_json(story: Story) -> dict[str, Any]:
    """A story with its sources."""
    return {
        "type": "story",
        "id": story.id,
        "ref": story_ref(story.id),
        "title": story.title,
        "summary": story.summary,
        "lang": story.lang,
        "labels": list(story.labels),
        "parties": list(story.parties),
        "score": round(story.score, 3),
        "first_seen": iso(story.first_seen),
        "last_seen": iso(story.last_seen),
        "dispute_id": story.dispute_id,
        "dispute_ref": dispute_ref(story.dispute_id) if story.dispute_id is not None else None,
        "facts": facts_to_json(story.facts),
        "signals": signals_to_json(story.signals),
        "sources": [source_to_json(s) for s in story.sources],
    }


def dispute_to_json(dispute: Dispute) -> dict[str, Any]:
    """A dispute with its stories in time order."""
    return {
        "type": "dispute",
        "id": dispute.id,
        "ref": dispute_ref(dispute.id),
        "name": dispute.name,
        "parties": list(dispute.parties),
        "labels": list(dispute.labels),
        "first_activity": iso(dispute.first_activity),
        "last_activity": iso(dispute.last_activity),
        "stories": [story_to_json(s) for s in dispute.stories],
    }


def hit_to_json(hit: SearchHit) -> dict[str, Any]:
    """A search hit: the story plus its snippet and rank."""
    return {**story_to_json(hit.story), "snippet": hit.snippet, "rank": round(hit.rank, 6)}
