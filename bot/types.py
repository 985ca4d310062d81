"""Plain, frozen data passed between the parts of the pipeline."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

Label = Literal["cutoff", "legal"]
LABELS: tuple[Label, ...] = ("cutoff", "legal")


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One normalised feed entry: plain text, absolute canonical link, UTC time."""

    guid: str
    title: str
    summary: str = ""
    content: str = ""
    link: str | None = None
    published: datetime | None = None
    published_in_feed: bool = False
    author: str | None = None
    tags: tuple[str, ...] = ()
    lang: str | None = None
    # The content hash of the entry as the outlet sent it, when the parser has since removed
    # the feed's standing lines from it (bot/feeds/standing.py); empty otherwise.
    source_hash: str = ""

    @property
    def content_hash(self) -> str:
        """Hash of what the outlet sent; a change means the entry was updated."""
        if self.source_hash:
            return self.source_hash
        h = hashlib.sha256()
        for part in (self.title, self.summary, self.content, self.link or ""):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Signal:
    """A phrase that fired in the detector, shown to users as the reason."""

    label: Label
    phrase: str
    weight: float


@dataclass(frozen=True, slots=True)
class EffectiveDate:
    """A date the story says something takes effect."""

    when: date
    text: str


@dataclass(frozen=True, slots=True)
class Amount:
    """A money amount: value (the low end of a range), ISO currency, optional period and high end.

    `text` is what readers see: the amount with its currency and period ("$42,000–$210,000 a
    month").
    """

    value: float
    currency: str
    period: str | None
    text: str
    high: float | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quote and, when known, who said it."""

    text: str
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """Key facts extracted from a story."""

    dates: tuple[EffectiveDate, ...] = ()
    amounts: tuple[Amount, ...] = ()
    quotes: tuple[Quote, ...] = ()

    def is_empty(self) -> bool:
        """Say whether no fact was found."""
        return not (self.dates or self.amounts or self.quotes)


@dataclass(frozen=True, slots=True)
class Detection:
    """The detector's verdict on one item."""

    labels: tuple[Label, ...]
    score: float
    confidence: Mapping[str, float]
    parties: tuple[str, ...]
    signals: tuple[Signal, ...]
    facts: Facts
    lang: str

    @property
    def is_dispute(self) -> bool:
        """Say whether at least one label holds."""
        return bool(self.labels)


@dataclass(frozen=True, slots=True)
class StorySource:
    """One outlet's report of a story."""

    entry_id: int
    outlet: str
    title: str
    link: str | None
    published: datetime


@dataclass(frozen=True, slots=True)
class Story:
    """One event reported by one or more outlets."""

    id: int
    title: str
    summary: str
    lang: str
    labels: tuple[Label, ...]
    parties: tuple[str, ...]
    score: float
    facts: Facts
    signals: tuple[Signal, ...]
    first_seen: datetime
    last_seen: datetime
    dispute_id: int | None
    sources: tuple[StorySource, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Dispute:
    """Stories of the same parties over time: a timeline."""

    id: int
    name: str
    parties: tuple[str, ...]
    labels: tuple[Label, ...]
    first_activity: datetime
    last_activity: datetime
    stories: tuple[Story, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """A feed as users see it: where it is and how healthy it is."""

    id: int
    url: str
    title: str
    site_url: str | None
    lang: str | None
    status: str  # "active" | "disabled"
    disabled_reason: str | None
    error_count: int
    last_error: str | None
    last_polled_at: datetime | None
    last_success_at: datetime | None
    next_poll_at: datetime
    interval_s: int
    added_at: datetime


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry just stored by the poller, handed to the pipeline in the same transaction."""

    id: int
    feed_id: int
    feed_title: str
    item: FeedItem
    first_seen: datetime
    is_update: bool


@dataclass(frozen=True, slots=True)
class StoryChange:
    """A story the pipeline created or changed (new outlet, labels, parties, summary...).

    ``backfill`` says the story is made only of baseline entries (a feed's first poll): it is
    not news, so no new alert is sent for it, but messages already posted about it are edited.
    """

    story: Story
    created: bool
    new_dispute: bool
    backfill: bool = False
