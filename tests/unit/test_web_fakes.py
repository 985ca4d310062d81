"""In-memory stand-ins for the services the web server reads (shared by the web tests)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.types import (
    Amount,
    Dispute,
    EffectiveDate,
    Facts,
    FeedInfo,
    Label,
    Quote,
    Signal,
    Story,
    StorySource,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
XSS = "<script>alert('x')</script>"


@dataclass(frozen=True)
class Hit:
    story: Story
    snippet: str
    rank: float


@dataclass(frozen=True)
class Page:
    hits: list[Hit]
    total: int
    limit: int
    offset: int


def make_story(
    sid: int,
    title: str,
    *,
    labels: tuple[Label, ...] = ("cutoff",),
    parties: tuple[str, ...] = ("Apple", "Epic Games"),
    lang: str = "en",
    age_hours: float = 1.0,
    dispute_id: int | None = None,
    summary: str | None = None,
    link: str | None = None,
) -> Story:
    seen = NOW - timedelta(hours=age_hours)
    return Story(
        id=sid,
        title=title,
        summary=summary if summary is not None else f"Summary of {title}.",
        lang=lang,
        labels=labels,
        parties=parties,
        score=0.8,
        facts=Facts(
            dates=(EffectiveDate(date(2026, 4, 1), "from April 1"),),
            amounts=(Amount(5_000_000.0, "USD", None, "$5 million"),),
            quotes=(Quote("We will appeal", "a spokesperson"),),
        ),
        signals=(Signal(labels[0] if labels else "cutoff", "cuts off access", 0.7),),
        first_seen=seen - timedelta(hours=1),
        last_seen=seen,
        dispute_id=dispute_id,
        sources=(
            StorySource(
                entry_id=sid * 10,
                outlet="Example News",
                title=title,
                link=link if link is not None else f"https://news.example/{sid}",
                published=seen,
            ),
        ),
    )


def make_feed(fid: int, title: str, *, status: str = "active", errors: int = 0) -> FeedInfo:
    return FeedInfo(
        id=fid,
        url=f"https://feeds.example/{fid}.xml",
        title=title,
        site_url=f"https://feeds.example/{fid}",
        lang="en",
        status=status,
        disabled_reason="HTTP 410" if status == "disabled" else None,
        error_count=errors,
        last_error="timeout" if errors else None,
        last_polled_at=NOW,
        last_success_at=NOW - timedelta(minutes=5),
        next_poll_at=NOW + timedelta(minutes=15),
        interval_s=900,
        added_at=NOW - timedelta(days=3),
    )


@dataclass
class FakeStories:
    """StoryReader over a list, filtering the way the real service documents."""

    stories: list[Story] = field(default_factory=list)
    disputes: dict[int, Dispute] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def _match(self, s: Story, label: str | None, party: str | None, lang: str | None) -> bool:
        return (
            (label is None or label in s.labels)
            and (party is None or party.casefold() in (p.casefold() for p in s.parties))
            and (lang is None or s.lang == lang)
        )

    async def latest(
        self,
        label: str | None = None,
        party: str | None = None,
        days: int = 7,
        lang: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> list[Story]:
        self.calls.append(
            (
                "latest",
                {
                    "label": label,
                    "party": party,
                    "days": days,
                    "lang": lang,
                    "limit": limit,
                    "offset": offset,
                },
            )
        )
        cutoff = NOW - timedelta(days=days)
        rows = [
            s for s in self.stories if s.last_seen >= cutoff and self._match(s, label, party, lang)
        ]
        rows.sort(key=lambda s: s.last_seen, reverse=True)
        return rows[offset : offset + limit]

    async def search(
        self,
        query: str,
        label: str | None = None,
        party: str | None = None,
        lang: str | None = None,
        since: datetime | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> Page:
        self.calls.append(
            ("search", {"query": query, "since": since, "limit": limit, "offset": offset})
        )
        words = query.casefold().split()
        rows = [
            s
            for s in self.stories
            if self._match(s, label, party, lang)
            and (since is None or s.last_seen >= since)
            and all(w in (s.title + " " + s.summary).casefold() for w in words)
        ]
        rows.sort(key=lambda s: s.last_seen, reverse=True)
        hits = [Hit(s, _bold(s.title, words), 1.0) for s in rows[offset : offset + limit]]
        return Page(hits, len(rows), limit, offset)

    async def story(self, story_id: int) -> Story | None:
        return next((s for s in self.stories if s.id == story_id), None)

    async def dispute(self, dispute_id: int) -> Dispute | None:
        return self.disputes.get(dispute_id)

    async def weekly_counts(self, weeks: int = 12) -> list[tuple[date, str, int]]:
        return [(date(2026, 2, 9), "cutoff", 2), (date(2026, 2, 16), "legal", 3)]


def _bold(text: str, words: list[str]) -> str:
    """Mark the query words in **bold**, like bot.storage.search does."""
    return " ".join(f"**{w}**" if w.casefold() in words else w for w in text.split())


@dataclass
class FakeFeeds:
    feeds: list[FeedInfo] = field(default_factory=list)

    async def list(self) -> list[FeedInfo]:
        return list(self.feeds)


@dataclass
class FakeHealth:
    checks: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "database": {"ok": True, "detail": "answers"},
            "poller": {"ok": True, "detail": "running"},
            "alerts": {"ok": True, "detail": "running"},
        }
    )

    async def __call__(self) -> dict[str, dict[str, Any]]:
        return {k: dict(v) for k, v in self.checks.items()}


def sample_data() -> tuple[FakeStories, FakeFeeds]:
    """A few stories (one with a hostile title), one dispute, three feeds."""
    s1 = make_story(1, "Apple cuts off Epic Games developer account", age_hours=2, dispute_id=7)
    s2 = make_story(
        2, "Epic sues Apple over App Store rules", labels=("legal",), age_hours=30, dispute_id=7
    )
    s3 = make_story(
        3,
        "Meta bloque l'accès de Apple à ses API",
        lang="fr",
        parties=("Meta", "Apple"),
        age_hours=5,
    )
    s4 = make_story(
        4,
        f"Evil {XSS} headline",
        parties=("Evil<b>Corp", "Apple"),
        summary=f"Summary with {XSS}",
        age_hours=3,
        link="javascript:alert(1)",
    )
    stories = [s1, s2, s3, s4]
    dispute = Dispute(
        id=7,
        name="Apple vs Epic Games",
        parties=("Apple", "Epic Games"),
        labels=("cutoff", "legal"),
        first_activity=s2.first_seen,
        last_activity=s1.last_seen,
        stories=(s1, s2),
    )
    feeds = [
        make_feed(1, "Example News"),
        make_feed(2, f"Broken {XSS}", errors=3),
        make_feed(3, "Gone Feed", status="disabled"),
    ]
    return FakeStories(stories, {7: dispute}), FakeFeeds(feeds)


def sequence_ids(stories: Sequence[dict[str, Any]]) -> list[int]:
    return [int(s["id"]) for s in stories]
