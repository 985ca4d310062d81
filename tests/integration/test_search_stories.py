"""Full-text search over stories on SQLite FTS5 and PostgreSQL tsvector, through the service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import select

from bot.errors import UserError
from bot.storage.db import Database, alembic_config
from bot.storage.schema import EntryRow, StoryRow
from bot.storage.search import (
    SOURCE_SUMMARIES_TOTAL,
    SOURCE_SUMMARY_CHARS,
    build_search_text,
    capped_summaries,
)
from bot.stories.pipeline import StoryPipeline
from bot.stories.service import StoryService
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

X_ONLY = Report(
    "x1",
    "Gadget Wire",
    "X throttles links to Substack newsletters",
    "Posts linking to Substack now load slower and can no longer be liked, writers say.",
    24 * 40,
    "en",
    ("cutoff",),
    ("X", "Substack"),
)
FRENCH = Report(
    "f1",
    "Le Journal Tech",
    "Le procès antitrust contre Google s'ouvre à Washington",
    "Le ministère américain de la Justice poursuit Google pour abus de position dominante dans "
    "la recherche en ligne. Le procès doit durer dix semaines.",
    24 * 50,
    "fr",
    ("legal",),
    ("Google", "US DOJ"),
)
ALL = (*EVENT, FOLLOW_UP, *UNRELATED, X_ONLY, FRENCH)


@pytest.fixture
async def service(database: Database) -> StoryService:
    pipeline = StoryPipeline(classifier=ScriptedClassifier(ALL))
    async with database.sessions.begin() as session:
        for report in ALL:
            entry = await store(session, report)
            await pipeline.process(session, [entry], T0 + timedelta(days=60))
    return StoryService(database, clock=lambda: T0 + timedelta(days=55))


def titles(page_hits: object) -> set[str]:
    return {h.story.title for h in page_hits}  # type: ignore[attr-defined]


async def test_an_alias_finds_the_party_stories(service: StoryService) -> None:
    page = await service.search("Twitter")
    assert X_ONLY.title in titles(page.hits)  # only "X" and "Substack" in its text
    assert FOLLOW_UP.title in titles(page.hits)
    assert UNRELATED[0].title not in titles(page.hits)


async def test_french_words_match_with_or_without_accents(service: StoryService) -> None:
    for query in ("procès", "proces", "PROCÈS antitrust"):
        page = await service.search(query)
        assert FRENCH.title in titles(page.hits), query


async def test_light_stems_match_inflections(service: StoryService) -> None:
    assert FRENCH.title in titles((await service.search("poursuites")).hits)
    assert FOLLOW_UP.title in titles((await service.search("sued")).hits)  # title says "sues"


async def test_words_of_a_french_source_find_an_english_story(service: StoryService) -> None:
    page = await service.search("plateforme publicitaire")
    assert [len(h.story.sources) for h in page.hits] == [5]
    assert page.hits[0].story.lang == "en"
    assert "**plateforme** **publicitaire**" in page.hits[0].snippet


async def test_outlet_names_are_searchable(service: StoryService) -> None:
    page = await service.search("Numérique Hebdo")
    assert len(page.hits) == 1 and len(page.hits[0].story.sources) == 5


async def test_snippets_mark_hits_in_bold(service: StoryService) -> None:
    page = await service.search("abus")
    assert page.total == 1
    assert "**abus**" in page.hits[0].snippet


async def test_every_word_must_match(service: StoryService) -> None:
    assert titles((await service.search("Microsoft consoles")).hits) == {UNRELATED[0].title}
    assert (await service.search("Substack consoles")).total == 0


async def test_filters(service: StoryService) -> None:
    legal = await service.search("Microsoft", label="legal")
    assert all("legal" in h.story.labels for h in legal.hits) and legal.total >= 2
    fr = await service.search("Google", lang="fr")
    assert titles(fr.hits) == {FRENCH.title}
    assert (await service.search("Google", lang="en")).total == 0
    by_alias = await service.search("data", party="Twitter")
    assert by_alias.hits and all("X" in h.story.parties for h in by_alias.hits)
    recent = await service.search("Microsoft", since=date(2023, 5, 1))
    assert titles(recent.hits) == {FOLLOW_UP.title}
    aware = await service.search("Microsoft", since=datetime(2023, 5, 1, tzinfo=UTC))
    assert aware.total == recent.total


async def test_pagination(service: StoryService) -> None:
    everything = await service.search("Microsoft", limit=10)
    assert everything.total == 4 == len(everything.hits)
    seen = []
    for offset in range(4):
        page = await service.search("Microsoft", limit=1, offset=offset)
        assert page.total == 4 and len(page.hits) == 1 and page.offset == offset
        seen.append(page.hits[0].story.id)
    assert seen == [h.story.id for h in everything.hits]
    assert (await service.search("Microsoft", limit=2, offset=4)).hits == ()
    ranks = [h.rank for h in everything.hits]
    assert ranks == sorted(ranks, reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        'Microsoft"',
        "Microsoft AND OR NOT",
        "NEAR(Microsoft Twitter",
        "micro*",
        "title:Microsoft",
        "x' OR 1=1 --",
        "^X -Microsoft",
        "Microsoft) OR (",
    ],
)
async def test_hostile_queries_are_plain_words(service: StoryService, query: str) -> None:
    page = await service.search(query)
    assert page.total == len(page.hits)


@pytest.mark.parametrize(
    "query", ["", "   ", "!!!", '"', "{}[]", "the of and", "le la les", "x" * 201]
)
async def test_bad_queries_are_user_errors(service: StoryService, query: str) -> None:
    with pytest.raises(UserError):
        await service.search(query)


@pytest.mark.parametrize(
    "kwargs",
    [{"label": "outage"}, {"limit": 0}, {"limit": 101}, {"offset": -1}, {"lang": "english!"}],
)
async def test_bad_arguments_are_user_errors(
    service: StoryService, kwargs: dict[str, object]
) -> None:
    with pytest.raises(UserError):
        await service.search("Microsoft", **kwargs)  # type: ignore[arg-type]


# One event told by an English outlet and a French one: only the French SUMMARY says
# "préjudice". A second story has the word in its title.
ENGLISH_SOURCE = Report(
    "s1",
    "Wire One",
    "Microsoft drops Twitter from its advertising platform",
    "Microsoft Advertising will stop supporting Twitter accounts next month, the company said "
    "in a note to customers that gave no reason for the change.",
    0,
    "en",
    ("cutoff",),
    ("Microsoft", "X"),
)
FRENCH_SOURCE = Report(
    "s2",
    "La Gazette Numérique",
    "Microsoft retire Twitter de sa plateforme publicitaire",
    "Les annonceurs devront gérer leurs campagnes autrement ; le réseau social évoque un "
    "préjudice chiffré en millions.",
    2,
    "fr",
    ("cutoff",),
    ("Microsoft", "X"),
)
TITLE_MATCH = Report(
    "p1",
    "La Gazette Numérique",
    "Opera réclame à Microsoft réparation du préjudice subi sur le Windows Store",
    "Le navigateur norvégien estime avoir perdu des utilisateurs après son retrait de la boutique.",
    24 * 10,
    "fr",
    ("legal",),
    ("Opera", "Microsoft"),
)


async def two_sourced_service(database: Database) -> StoryService:
    reports = (ENGLISH_SOURCE, FRENCH_SOURCE, TITLE_MATCH)
    pipeline = StoryPipeline(classifier=ScriptedClassifier(reports))
    async with database.sessions.begin() as session:
        for report in reports:
            entry = await store(session, report)
            await pipeline.process(session, [entry], T0 + timedelta(days=20))
    return StoryService(database, clock=lambda: T0 + timedelta(days=20))


async def test_a_word_only_in_a_french_source_summary_finds_the_story(
    database: Database,
) -> None:
    service = await two_sourced_service(database)

    page = await service.search("Twitter Microsoft")
    [story] = [h.story for h in page.hits]
    assert len(story.sources) == 2 and story.lang == "en"
    shown = " ".join([story.title, story.summary, *(s.title for s in story.sources)])
    assert "préjudice" not in shown and "prejudice" not in shown.lower()

    for query in ("préjudice", "prejudice", "PRÉJUDICE millions"):
        found = await service.search(query)
        assert story.id in [h.story.id for h in found.hits], query
    ranked = await service.search("préjudice")
    assert [h.story.title for h in ranked.hits] == [TITLE_MATCH.title, story.title]
    assert ranked.hits[0].rank > ranked.hits[1].rank


async def test_the_migration_indexes_the_summaries_of_stories_already_stored(
    database: Database,
) -> None:
    service = await two_sourced_service(database)
    # Stories indexed before migration 0003: headlines, no source summaries.
    async with database.sessions.begin() as session:
        for row in await session.scalars(select(StoryRow)):
            sources = await session.scalars(
                select(EntryRow.title).where(EntryRow.story_id == row.id)
            )
            row.search_text = build_search_text(
                row.title, row.summary, row.parties, (), row.labels, list(sources), row.lang
            )
    assert (await service.search("prejudice")).total == 1  # only the title match
    async with database.engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0002"))
    await database.upgrade()
    assert (await service.search("prejudice")).total == 2


def test_source_summaries_are_capped_each_and_in_all() -> None:
    long = "Annonceurs " * 60 + "tardif"  # the last word lies past the cap
    indexed = build_search_text("t", "", (), source_summaries=[long]).split()
    assert "annonceurs" in indexed and "tardif" not in indexed
    many = [f"Mot{k} " + "x" * 590 for k in range(20)]
    kept = capped_summaries(many)
    assert sum(len(k) for k in kept) > SOURCE_SUMMARIES_TOTAL - SOURCE_SUMMARY_CHARS
    assert sum(len(k) for k in kept) <= SOURCE_SUMMARIES_TOTAL
    assert all(len(k) <= SOURCE_SUMMARY_CHARS for k in kept)
