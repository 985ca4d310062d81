"""Helpers for the stories tests: feeds, entries and a scripted classifier (no tests here)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.schema import EntryRow, FeedRow
from bot.types import Detection, Facts, FeedItem, Label, Signal, StoredEntry

T0 = datetime(2023, 4, 20, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Report:
    """One outlet's report, written for these tests."""

    guid: str
    outlet: str
    title: str
    summary: str
    hours: float
    lang: str
    labels: tuple[Label, ...]
    parties: tuple[str, ...]
    score: float = 0.8
    baseline: bool = False
    content: str = ""

    @property
    def published(self) -> datetime:
        return T0 + timedelta(hours=self.hours)


# Five outlets, one event: Microsoft stops supporting Twitter in its ad platform.
EVENT = (
    Report(
        "a1",
        "Tech Daily",
        "Microsoft drops Twitter from its advertising platform",
        "Microsoft Advertising will stop supporting Twitter from April 25, 2023, removing the "
        "option to manage accounts and schedule posts. The company gave no reason, but Twitter "
        "now charges businesses up to $42,000 a month for API access. Read more",
        0,
        "en",
        ("cutoff",),
        ("Microsoft", "X"),
    ),
    Report(
        "a2",
        "Gadget Wire",
        "Microsoft Ads ends Twitter support as API fees climb",
        "Starting April 25, the Microsoft ad platform will no longer support Twitter. Elon "
        "Musk answered that it was time for a lawsuit.",
        3,
        "en",
        ("cutoff",),
        ("Microsoft", "X"),
    ),
    Report(
        "a3",
        "Le Journal Tech",
        "Microsoft retire Twitter de sa plateforme publicitaire",
        "À partir du 25 avril 2023, Twitter ne sera plus pris en charge par la plateforme "
        "publicitaire de Microsoft. Elon Musk menace d'un procès. L'article Microsoft retire "
        "Twitter est apparu en premier sur Le Journal Tech.",
        5,
        "fr",
        ("cutoff",),
        ("Microsoft", "X"),
    ),
    Report(
        "a4",
        "Numérique Hebdo",
        "Elon Musk menace Microsoft d'un procès après l'abandon de Twitter",
        "Microsoft abandonne Twitter dans sa plateforme publicitaire le 25 avril. Le patron de "
        "Twitter accuse l'éditeur d'avoir utilisé ses données illégalement. Lire la suite",
        20,
        "fr",
        ("cutoff", "legal"),
        ("X", "Microsoft"),
    ),
    Report(
        "a5",
        "Byte Report",
        "Musk threatens to sue Microsoft after it drops Twitter from ad tools",
        "Elon Musk says Microsoft trained illegally using Twitter data after the company "
        "dropped Twitter from its ad platform. He called it lawsuit time. The post Musk "
        "threatens to sue Microsoft appeared first on Byte Report.",
        30,
        "en",
        ("cutoff", "legal"),
        ("X", "Microsoft"),
    ),
)

FOLLOW_UP = Report(
    "b1",
    "Tech Daily",
    "X sues Microsoft over its use of Twitter data",
    "X filed a lawsuit in a New York court claiming Microsoft used Twitter data beyond what its "
    "developer agreement allowed. The complaint seeks damages.",
    24 * 30,
    "en",
    ("legal",),
    ("X", "Microsoft"),
)

UNRELATED = (
    Report(
        "c1",
        "Tech Daily",
        "FTC sues to block Microsoft's Activision Blizzard deal",
        "The Federal Trade Commission asked a judge to stop the acquisition, arguing it would "
        "hurt competition in consoles and cloud gaming.",
        2,
        "en",
        ("legal",),
        ("FTC", "Microsoft"),
    ),
    Report(
        "c2",
        "Gadget Wire",
        "Microsoft pulls a rival browser installer from the Windows store",
        "A browser maker says Microsoft removed its installer from the Windows store without "
        "warning, cutting off its main distribution channel on the platform.",
        6,
        "en",
        ("cutoff",),
        ("Microsoft", "Opera"),
    ),
)


class ScriptedClassifier:
    """Return the Detection written in each Report, keyed by guid."""

    def __init__(self, reports: Sequence[Report]) -> None:
        self.by_guid: Mapping[str, Report] = {r.guid: r for r in reports}
        self.calls = 0

    def __call__(self, item: FeedItem) -> Detection:
        self.calls += 1
        r = self.by_guid.get(item.guid)
        if r is None:
            return Detection((), 0.0, {}, (), (), Facts(), item.lang or "en")
        signals = tuple(Signal(label, "drops", 0.5) for label in r.labels)
        return Detection(
            r.labels,
            r.score,
            {label: r.score for label in r.labels},
            r.parties,
            signals,
            Facts(),
            r.lang,
        )


async def feed_id(session: AsyncSession, outlet: str) -> int:
    """Return the id of the outlet's feed, creating it."""
    from sqlalchemy import select

    found = await session.scalar(select(FeedRow.id).where(FeedRow.title == outlet))
    if found is not None:
        return found
    slug = hashlib.sha1(outlet.encode()).hexdigest()[:8]
    row = FeedRow(
        url=f"https://{slug}.example.com/feed.xml",
        title=outlet,
        added_at=T0,
        next_poll_at=T0,
    )
    session.add(row)
    await session.flush()
    return row.id


async def store(session: AsyncSession, report: Report) -> StoredEntry:
    """Store a report as an entry and return what the poller would hand the pipeline."""
    fid = await feed_id(session, report.outlet)
    slug = hashlib.sha1(report.outlet.encode()).hexdigest()[:8]
    item = FeedItem(
        guid=report.guid,
        title=report.title,
        summary=report.summary,
        content=report.content,
        link=f"https://{slug}.example.com/{report.guid}",
        published=report.published,
        published_in_feed=True,
        lang=report.lang,
    )
    row = EntryRow(
        feed_id=fid,
        guid=item.guid,
        link=item.link,
        title=item.title,
        summary=item.summary,
        content=item.content,
        tags=[],
        lang=item.lang,
        published_at=report.published,
        published_in_feed=True,
        first_seen_at=report.published + timedelta(minutes=5),
        content_hash=item.content_hash,
        is_baseline=report.baseline,
    )
    session.add(row)
    await session.flush()
    return StoredEntry(row.id, fid, report.outlet, item, row.first_seen_at, False)
