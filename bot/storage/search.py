"""Full-text search over stories: one API on SQLite FTS5 and PostgreSQL tsvector.

The index holds `stories.search_text`: folded words (lowercase, accents removed) of the title,
summary, every source's headline and (capped) summary, parties with every alias, outlets and
labels, followed by their light stems
(bot.stories.text.stem). A query is folded the same way and each word matches either itself
or its stem, so "procès" finds "proces", "sued" finds "sues". Query words are reduced to
[a-z0-9] runs and quoted, so no FTS syntax a user types reaches the database.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, column, func, literal_column, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import UserError
from bot.storage.db import Database
from bot.storage.schema import StoryRow
from bot.storage.stories_repo import load_stories
from bot.stories.parties import aliases
from bot.stories.text import STOPWORDS, content_words, stem, unique, words
from bot.types import Story

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_LIMIT = 100
SNIPPET_CHARS = 240
# A source's summary is indexed up to this many characters, all sources' up to the total: the
# start of a feed summary holds its news, and a story of many long sources stays a small row.
SOURCE_SUMMARY_CHARS = 600
SOURCE_SUMMARIES_TOTAL = 6000
_WORD = re.compile(r"\w+")
_FTS = table("story_fts", column("rowid"))


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One found story, a snippet with the hits in **bold**, and its rank (higher is better)."""

    story: Story
    snippet: str
    rank: float


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results and how many stories match in all."""

    hits: tuple[SearchHit, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """A folded query word and its stem; a story matches a term through either."""

    word: str
    stem: str


def parse_query(query: str) -> list[QueryTerm]:
    """Fold and split a user's query; raise UserError when nothing searchable is left."""
    if not query or not query.strip():
        raise UserError("the search query is empty; give a word or a company name")
    if len(query) > MAX_QUERY_CHARS:
        raise UserError(f"the search query is too long (at most {MAX_QUERY_CHARS} characters)")
    found = words(query)
    if not found:
        raise UserError("the search query has no letters or digits to look for")
    kept = [w for w in found if w not in STOPWORDS]
    if not kept:
        raise UserError("the search query only has very common words; add a more specific one")
    return [QueryTerm(w, stem(w)) for w in unique(kept)[:MAX_TERMS]]


def build_search_text(
    title: str,
    summary: str,
    parties: Iterable[str],
    outlets: Iterable[str] = (),
    labels: Iterable[str] = (),
    source_titles: Iterable[str] = (),
    lang: str | None = None,
    source_summaries: Iterable[str] = (),
) -> str:
    """The text indexed for a story: folded words, party aliases, outlets, labels, then stems.

    `source_titles` and `source_summaries` are every outlet's headline and summary, so a story
    told in English is still found by the words of its French sources (summaries capped by
    `capped_summaries`).
    """
    names = [a for p in parties for a in aliases(p)]
    terms = unique(
        [
            *content_words(title),
            *content_words(summary),
            *(w for t in source_titles for w in content_words(t)),
            *(w for t in capped_summaries(source_summaries) for w in content_words(t)),
            *(w for n in names for w in words(n)),
            *(w for o in outlets for w in words(o)),
            *(w for label in labels for w in words(label)),
        ]
    )
    present = set(terms)
    stems = unique(s for s in (stem(t) for t in terms) if s not in present)
    keys = [filter_token("label", label) for label in labels]
    keys += [filter_token("party", p) for p in parties]
    if lang:
        keys.append(filter_token("lang", lang))
    return " ".join(terms + stems + unique(keys))


def capped_summaries(summaries: Iterable[str]) -> list[str]:
    """Cut sources' summaries at a word, to SOURCE_SUMMARY_CHARS each and a total cap."""
    out: list[str] = []
    left = SOURCE_SUMMARIES_TOTAL
    for summary in summaries:
        text_ = " ".join(summary.split())
        cap = min(SOURCE_SUMMARY_CHARS, left)
        if cap <= 0:
            break
        if len(text_) > cap:
            cut = text_.rfind(" ", 0, cap + 1)
            text_ = text_[: cut if cut > 0 else cap]
        if text_:
            out.append(text_)
            left -= len(text_)
    return out


def filter_token(kind: str, value: str) -> str:
    """An index-only word that makes a filter part of the full-text match ("zzlabellegal").

    Filtering inside the index keeps a broad query on 100,000 stories from joining every
    match back to the stories table.
    """
    return f"zz{kind}{''.join(words(value))}"


def _fts5_query(terms: Sequence[QueryTerm], keys: Sequence[str]) -> str:
    parts = [f'("{t.word}" OR "{t.stem}")' if t.stem != t.word else f'"{t.word}"' for t in terms]
    parts += [f'"{k}"' for k in keys]
    return " AND ".join(parts)


def _tsquery(terms: Sequence[QueryTerm], keys: Sequence[str]) -> str:
    parts = [f"('{t.word}' | '{t.stem}')" if t.stem != t.word else f"'{t.word}'" for t in terms]
    parts += [f"'{k}'" for k in keys]
    return " & ".join(parts)


def _rank_query(terms: Sequence[QueryTerm]) -> str:
    """Any query word (or its stem): what the title is ranked on."""
    words_ = {w for t in terms for w in (t.word, t.stem)}
    return " | ".join(f"'{w}'" for w in sorted(words_))


def _is_hit(token: str, terms: Sequence[QueryTerm]) -> bool:
    for w in words(token):
        s = stem(w)
        if any(w == t.word or s == t.stem for t in terms):
            return True
    return False


def highlight(text_: str, terms: Sequence[QueryTerm], width: int = SNIPPET_CHARS) -> str:
    """A window of `text_` around the first hit, hits wrapped in **bold**; '' when none hit."""
    plain = " ".join(text_.replace("*", "").split())
    hits = [m for m in _WORD.finditer(plain) if _is_hit(m.group(), terms)]
    if not hits:
        return ""
    start = 0
    if hits[0].start() > width // 3:
        start = plain.rfind(" ", 0, hits[0].start() - width // 4) + 1
    end = min(len(plain), start + width)
    if end < len(plain):
        cut = plain.rfind(" ", start, end)
        end = cut if cut > start else end
    out: list[str] = ["…" if start > 0 else ""]
    pos = start
    for m in hits:
        if m.start() < start or m.end() > end:
            continue
        out.append(plain[pos : m.start()])
        out.append(f"**{m.group()}**")
        pos = m.end()
    out.append(plain[pos:end])
    out.append("…" if end < len(plain) else "")
    return "".join(out)


def snippet_for(story: Story, terms: Sequence[QueryTerm]) -> str:
    """The summary, title or a source's headline around the hits; else the summary's start."""
    for candidate in (story.summary, story.title):
        marked = highlight(candidate, terms)
        if marked:
            return marked
    for source in story.sources:
        marked = highlight(source.title, terms)
        if marked:
            return f"{source.outlet}: {marked}"
    summary = " ".join((story.summary or story.title).split())
    if len(summary) <= SNIPPET_CHARS:
        return summary
    return summary[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"


async def search_stories(
    session: AsyncSession,
    query: str,
    *,
    label: str | None = None,
    party: str | None = None,
    lang: str | None = None,
    since: datetime | None = None,
    limit: int = 10,
    offset: int = 0,
) -> SearchPage:
    """Rank stories matching every query word (bm25 / ts_rank) and return one page."""
    terms = parse_query(query)
    if not 1 <= limit <= MAX_LIMIT:
        raise UserError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise UserError("offset must not be negative")
    keys = [
        filter_token(kind, value)
        for kind, value in (("label", label), ("party", party), ("lang", lang))
        if value
    ]
    if session.get_bind().dialect.name == "sqlite":
        rows, total = await _sqlite_search(session, _fts5_query(terms, keys), since, limit, offset)
    else:
        rows, total = await _postgres_search(
            session, _tsquery(terms, keys), _rank_query(terms), since, limit, offset
        )
    stories = {s.id: s for s in await load_stories(session, [r[0] for r in rows])}
    hits = tuple(
        SearchHit(stories[sid], snippet_for(stories[sid], terms), rank)
        for sid, rank in rows
        if sid in stories
    )
    log.debug("search %r: %d of %d", query, len(hits), total)
    return SearchPage(hits=hits, total=total, limit=limit, offset=offset)


async def _sqlite_search(
    session: AsyncSession, match: str, since: datetime | None, limit: int, offset: int
) -> tuple[list[tuple[int, float]], int]:
    fts_match = text("story_fts MATCH :fts_q").bindparams(fts_q=match)
    rank: ColumnElement[Any] = literal_column("-bm25(story_fts, 4.0, 1.0)")
    if since is None:
        # The index alone answers: no join back to stories for every match.
        count = select(func.count()).select_from(_FTS).where(fts_match)
        page = (
            select(_FTS.c.rowid, rank.label("rank"))
            .where(fts_match)
            .order_by(literal_column("rank").desc(), _FTS.c.rowid.desc())
        )
    else:
        joined = _FTS.join(StoryRow, StoryRow.id == _FTS.c.rowid)
        recent = StoryRow.last_seen_at >= since
        count = select(func.count()).select_from(joined).where(fts_match, recent)
        page = (
            select(_FTS.c.rowid, rank.label("rank"))
            .select_from(joined)
            .where(fts_match, recent)
            .order_by(literal_column("rank").desc(), _FTS.c.rowid.desc())
        )
    total = int(await session.scalar(count) or 0)
    rows = (await session.execute(page.limit(limit).offset(offset))).all()
    return [(int(r[0]), float(r[1])) for r in rows], total


async def _postgres_search(
    session: AsyncSession,
    query: str,
    rank_query: str,
    since: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[int, float]], int]:
    tsq = func.to_tsquery(literal_column("'simple'"), bindparam("ts_q", query))
    rank_q = func.to_tsquery(literal_column("'simple'"), bindparam("rank_q", rank_query))
    vector: ColumnElement[Any] = literal_column("stories.search_vector")
    clauses: list[ColumnElement[bool]] = [vector.op("@@")(tsq)]
    if since is not None:
        clauses.append(StoryRow.last_seen_at >= since)
    # Stories whose title holds the words first, then the most recent: ranking on the small
    # title vector keeps broad queries fast (see migration 0002).
    rank = func.ts_rank(literal_column("stories.title_vector"), rank_q)
    # One pass over the matches gives the page and the total (count(*) OVER ()).
    page = (
        select(StoryRow.id, rank.label("rank"), func.count().over().label("total"))
        .where(*clauses)
        .order_by(literal_column("rank").desc(), StoryRow.last_seen_at.desc(), StoryRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(page)).all()
    if rows:
        total = int(rows[0][2])
    else:
        count = select(func.count()).select_from(StoryRow).where(*clauses)
        total = int(await session.scalar(count) or 0)
    return [(int(r[0]), float(r[1])) for r in rows], total


async def optimize_search_index(database: Database) -> None:
    """Merge the full-text index and refresh planner statistics (after a bulk load)."""
    if database.is_sqlite:
        async with database.engine.begin() as conn:
            await conn.execute(text("INSERT INTO story_fts(story_fts) VALUES ('optimize')"))
            await conn.execute(text("ANALYZE stories"))
    else:
        # VACUUM cannot run inside a transaction.
        async with database.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(text("VACUUM ANALYZE stories"))
