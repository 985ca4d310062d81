"""The story pipeline on a real database: stories, disputes, merges, baseline, hooks."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import stories_repo as repo
from bot.storage.db import Database
from bot.storage.schema import DetectionRow, EntryRow, StoryRow
from bot.stories.pipeline import StoryConfig, StoryPipeline
from bot.types import StoryChange
from tests.integration.test_stories_support import (
    EVENT,
    FOLLOW_UP,
    T0,
    UNRELATED,
    Report,
    ScriptedClassifier,
    store,
)

pytestmark = pytest.mark.storage
NOW = T0 + timedelta(days=60)


async def run(
    db: Database, pipeline: StoryPipeline, reports: Sequence[Report]
) -> list[StoryChange]:
    async with db.sessions.begin() as session:
        stored = [await store(session, r) for r in reports]
        return await pipeline.process(session, stored, NOW)


async def partition(db: Database) -> set[frozenset[str]]:
    async with db.sessions() as session:
        rows = await session.execute(select(EntryRow.story_id, EntryRow.guid))
        groups: dict[int | None, set[str]] = {}
        for sid, guid in rows.all():
            groups.setdefault(sid, set()).add(guid)
    return {frozenset(g) for sid, g in groups.items() if sid is not None}


async def test_five_outlets_make_one_story_with_five_sources(database: Database) -> None:
    pipeline = StoryPipeline(classifier=ScriptedClassifier(EVENT))
    changes = await run(database, pipeline, EVENT)
    assert len(changes) == 1
    story = changes[0].story
    assert changes[0].created and changes[0].new_dispute
    assert len(story.sources) == 5
    assert {s.outlet for s in story.sources} == {r.outlet for r in EVENT}
    assert story.first_seen == T0
    assert story.lang == "en"  # three of five reports are in English
    assert story.labels == ("cutoff", "legal")
    assert set(story.parties) == {"Microsoft", "X"}
    assert "Read more" not in story.summary and "appeared first" not in story.summary
    assert 0 < len(story.summary) <= 400
    async with database.sessions() as session:
        dispute = await repo.load_dispute(session, story.dispute_id or 0)
        assert await session.scalar(select(func.count()).select_from(DetectionRow)) == 5
    assert dispute is not None
    assert dispute.name == "Microsoft ↔ X"
    assert [s.id for s in dispute.stories] == [story.id]


async def test_follow_up_a_month_later_joins_the_dispute(database: Database) -> None:
    pipeline = StoryPipeline(classifier=ScriptedClassifier([*EVENT, FOLLOW_UP]))
    first = (await run(database, pipeline, EVENT))[0].story
    later = await run(database, pipeline, [FOLLOW_UP])
    assert len(later) == 1
    follow = later[0].story
    assert later[0].created and not later[0].new_dispute
    assert follow.id != first.id
    assert follow.dispute_id == first.dispute_id
    async with database.sessions() as session:
        dispute = await repo.load_dispute(session, first.dispute_id or 0)
    assert dispute is not None
    assert [s.id for s in dispute.stories] == [first.id, follow.id]
    assert dispute.labels == ("cutoff", "legal")
    assert dispute.first_activity == T0
    assert dispute.last_activity == FOLLOW_UP.published


async def test_follow_up_after_the_dispute_window_starts_a_new_dispute(
    database: Database,
) -> None:
    pipeline = StoryPipeline(
        StoryConfig(dispute_window_days=10), classifier=ScriptedClassifier([*EVENT, FOLLOW_UP])
    )
    first = (await run(database, pipeline, EVENT))[0].story
    later = (await run(database, pipeline, [FOLLOW_UP]))[0]
    assert later.new_dispute and later.story.dispute_id != first.dispute_id


async def test_unrelated_stories_about_the_same_company_stay_apart(database: Database) -> None:
    pipeline = StoryPipeline(classifier=ScriptedClassifier([*EVENT, *UNRELATED]))
    changes = await run(database, pipeline, [*EVENT, *UNRELATED])
    assert len(changes) == 3
    assert await partition(database) == {
        frozenset(r.guid for r in EVENT),
        frozenset({"c1"}),
        frozenset({"c2"}),
    }
    assert len({c.story.dispute_id for c in changes}) == 3


# Three reports where the first and last are too far apart to link directly: the middle one
# bridges them, so arriving last it must merge two stories.
BRIDGE = (
    Report("m1", "Tech Daily", "Apple removes Fortnite from the App Store",
           "Apple removed Fortnite from the App Store after Epic added a direct payment option.",
           0, "en", ("cutoff",), ("Apple", "Epic Games")),
    Report("m2", "Gadget Wire", "Fortnite still missing from the App Store as Apple holds firm",
           "Fortnite remains removed from the App Store while Apple refuses Epic's payment option.",
           60, "en", ("cutoff",), ("Apple", "Epic Games")),
    Report("m3", "Byte Report", "Apple keeps Fortnite off the App Store over payment option",
           "Fortnite is still removed from the App Store; Apple says the direct payment option "
           "breaks its rules.", 110, "en", ("cutoff",), ("Apple", "Epic Games")),
)  # fmt: skip


async def test_a_bridging_report_merges_two_stories(database: Database) -> None:
    pipeline = StoryPipeline(classifier=ScriptedClassifier(BRIDGE))
    await run(database, pipeline, [BRIDGE[0]])
    await run(database, pipeline, [BRIDGE[2]])
    assert len(await partition(database)) == 2
    changes = await run(database, pipeline, [BRIDGE[1]])
    assert await partition(database) == {frozenset({"m1", "m2", "m3"})}
    assert len(changes) == 1 and not changes[0].created
    assert len(changes[0].story.sources) == 3
    assert changes[0].story.first_seen == T0
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(StoryRow)) == 1
        assert (await repo.counts(session))["disputes"] == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_grouping_does_not_depend_on_arrival_order(database: Database, seed: int) -> None:
    reports = [*EVENT, *UNRELATED, *BRIDGE, FOLLOW_UP]
    pipeline = StoryPipeline(classifier=ScriptedClassifier(reports))
    shuffled = list(reports)
    random.Random(seed).shuffle(shuffled)
    for report in shuffled:
        await run(database, pipeline, [report])
    assert await partition(database) == {
        frozenset(r.guid for r in EVENT),
        frozenset({"c1"}),
        frozenset({"c2"}),
        frozenset({"m1", "m2", "m3"}),
        frozenset({"b1"}),
    }


async def test_baseline_stories_are_stored_and_flagged_backfill_to_hooks(
    database: Database,
) -> None:
    seen: list[StoryChange] = []

    async def hook(session: AsyncSession, change: StoryChange, now: datetime) -> None:
        assert session.in_transaction()
        seen.append(change)

    baseline = [Report(**{**r.__dict__, "baseline": True}) for r in EVENT[:2]]
    pipeline = StoryPipeline(classifier=ScriptedClassifier(EVENT), on_story=[hook])
    changes = await run(database, pipeline, baseline)
    assert len(changes) == 1 and [c.backfill for c in seen] == [True]
    async with database.sessions() as session:
        assert await session.scalar(select(StoryRow.is_backfill)) is True
    # A live report joining the story makes it news: the hook sees it, version grows.
    changes = await run(database, pipeline, [EVENT[2]])
    assert len(seen) == 2 and not seen[1].created and not seen[1].backfill
    assert len(seen[1].story.sources) == 3
    async with database.sessions() as session:
        row = await session.scalar(select(StoryRow))
        assert row is not None and row.version == 2 and row.is_backfill is False


async def test_non_dispute_entries_get_a_detection_but_no_story(database: Database) -> None:
    other = Report("n1", "Tech Daily", "A new phone has a bigger screen", "It is bigger.", 1, "en",
                   (), ())  # fmt: skip
    pipeline = StoryPipeline(classifier=ScriptedClassifier([other]))
    assert await run(database, pipeline, [other]) == []
    async with database.sessions() as session:
        counts = await repo.counts(session)
    assert counts == {
        "stories": 0,
        "disputes": 0,
        "entries": 1,
        "detections": 1,
        "dispute_detections": 0,
    }


async def test_min_score_keeps_weak_detections_out(database: Database) -> None:
    weak = Report(**{**EVENT[0].__dict__, "score": 0.2})
    pipeline = StoryPipeline(StoryConfig(min_score=0.5), classifier=ScriptedClassifier([weak]))
    assert await run(database, pipeline, [weak]) == []


async def test_real_classifier_groups_the_event(database: Database) -> None:
    pipeline = StoryPipeline()  # bot.detect.classify
    changes = await run(database, pipeline, EVENT[:3])
    assert len(changes) == 1
    assert len(changes[0].story.sources) == 3
    assert "Microsoft" in changes[0].story.parties


class FakeArticles:
    """An ArticleSource that serves one long article and counts calls."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    async def fetch_text(self, url: str) -> str | None:
        self.urls.append(url)
        return (
            "Microsoft said on Thursday that its advertising platform will stop supporting "
            "Twitter on April 25, 2023. Twitter now asks businesses for up to $42,000 a month "
            "for API access, which several tools refused to pay. The weather was fine."
        )


async def test_teasers_are_summarised_from_the_article_page(database: Database) -> None:
    teaser = Report(**{**EVENT[0].__dict__, "summary": "Microsoft drops Twitter. Read more"})
    articles = FakeArticles()
    pipeline = StoryPipeline(classifier=ScriptedClassifier([teaser]), article_source=articles)
    story = (await run(database, pipeline, [teaser]))[0].story
    assert articles.urls and articles.urls[0].endswith("/a1")
    assert "April 25, 2023" in story.summary and "$42,000" in story.summary
    assert "weather" not in story.summary
    # Facts found in the article page join the story's facts.
    assert [a.value for a in story.facts.amounts] == [42000.0]
    assert [d.when.isoformat() for d in story.facts.dates] == ["2023-04-25"]


async def test_without_an_article_the_feed_text_is_used(database: Database) -> None:
    class Nothing:
        async def fetch_text(self, url: str) -> str | None:
            return None

    teaser = Report(**{**EVENT[1].__dict__})
    pipeline = StoryPipeline(classifier=ScriptedClassifier([teaser]), article_source=Nothing())
    story = (await run(database, pipeline, [teaser]))[0].story
    assert story.summary.startswith("Starting April 25")


async def test_an_entry_that_stops_being_a_dispute_leaves_its_story(database: Database) -> None:
    classifier = ScriptedClassifier(EVENT[:2])
    pipeline = StoryPipeline(classifier=classifier)
    async with database.sessions.begin() as session:
        stored = [await store(session, r) for r in EVENT[:2]]
        await pipeline.process(session, stored, NOW)
    # The second report is corrected and no longer about the dispute.
    classifier.by_guid = {EVENT[0].guid: EVENT[0]}
    updated = replace(stored[1], is_update=True)
    async with database.sessions.begin() as session:
        changes = await pipeline.process(session, [updated], NOW)
    assert len(changes) == 1 and [s.entry_id for s in changes[0].story.sources] == [stored[0].id]
    # Then the first one too: the story and its dispute disappear.
    classifier.by_guid = {}
    async with database.sessions.begin() as session:
        assert await pipeline.process(session, [replace(stored[0], is_update=True)], NOW) == []
    async with database.sessions() as session:
        counts = await repo.counts(session)
    assert counts["stories"] == 0 and counts["disputes"] == 0 and counts["detections"] == 2


async def test_a_reclassified_entry_changing_labels_or_parties_changes_the_story(
    database: Database,
) -> None:
    seen: list[StoryChange] = []

    async def hook(session: AsyncSession, change: StoryChange, now: datetime) -> None:
        seen.append(change)

    classifier = ScriptedClassifier(EVENT[:1])
    pipeline = StoryPipeline(classifier=classifier, on_story=[hook])
    async with database.sessions.begin() as session:
        [stored] = [await store(session, EVENT[0])]
        await pipeline.process(session, [stored], NOW)
    again = replace(stored, is_update=True)
    # Same text, same verdict: nothing to tell.
    async with database.sessions.begin() as session:
        assert await pipeline.process(session, [again], NOW) == []
    # The same text classified anew (a better detector): a label and a party more.
    classifier.by_guid = {
        EVENT[0].guid: replace(
            EVENT[0], labels=("cutoff", "legal"), parties=("Microsoft", "X", "Elon Musk")
        )
    }
    async with database.sessions.begin() as session:
        [change] = await pipeline.process(session, [again], NOW)
    assert change.story.labels == ("cutoff", "legal")
    assert "Elon Musk" in change.story.parties
    assert [c.created for c in seen] == [True, False]
    async with database.sessions() as session:
        assert await session.scalar(select(StoryRow.version)) == 2


async def test_concurrent_pipelines_do_not_split_an_event(database: Database) -> None:
    pipeline = StoryPipeline(classifier=ScriptedClassifier(EVENT))

    async def first() -> None:
        async with database.sessions.begin() as session:
            await pipeline.process(session, [await store(session, EVENT[0])], NOW)
            await asyncio.sleep(0.3)  # hold the transaction open while the other one runs

    async def second() -> None:
        await asyncio.sleep(0.1)
        async with database.sessions.begin() as session:
            await pipeline.process(session, [await store(session, EVENT[1])], NOW)

    await asyncio.gather(first(), second())
    assert await partition(database) == {frozenset({"a1", "a2"})}
