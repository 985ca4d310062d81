"""What the web server needs from the rest of the bot, as small protocols tests can fake."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from bot.types import Dispute, FeedInfo, Story


class SearchHitLike(Protocol):
    """One search result: a story, a snippet with the matched words in **bold**, a rank."""

    @property
    def story(self) -> Story: ...

    @property
    def snippet(self) -> str: ...

    @property
    def rank(self) -> float: ...


class SearchPageLike(Protocol):
    """A page of search results and the total number of matches."""

    @property
    def hits(self) -> Sequence[SearchHitLike]: ...

    @property
    def total(self) -> int: ...


class StoryReader(Protocol):
    """The read side of the stories service (bot.stories.service.StoryService)."""

    async def latest(
        self,
        label: str | None = None,
        party: str | None = None,
        days: int = 7,
        lang: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> list[Story]: ...

    async def search(
        self,
        query: str,
        label: str | None = None,
        party: str | None = None,
        lang: str | None = None,
        since: datetime | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> SearchPageLike: ...

    async def story(self, story_id: int) -> Story | None: ...

    async def dispute(self, dispute_id: int) -> Dispute | None: ...

    async def weekly_counts(self, weeks: int = 12) -> Sequence[tuple[date, str, int]]: ...


class FeedLister(Protocol):
    """The feeds service: every feed with its health."""

    async def list(self) -> list[FeedInfo]: ...


class HealthSource(Protocol):
    """``App.health``: {"database": {"ok": True, "detail": "..."}, "poller": {...}, ...}."""

    def __call__(self) -> Awaitable[dict[str, dict[str, Any]]]: ...


class MetricsRefresh(Protocol):
    """Update the gauges just before a scrape (see ``bot.metrics.make_refresher``)."""

    def __call__(self) -> Awaitable[None]: ...


class Clock(Protocol):
    """Return the current UTC time."""

    def __call__(self) -> datetime: ...
