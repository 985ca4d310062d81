"""Search: index every source's summary in stories.search_text

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:00:00

A story's search text held its sources' headlines but not their summaries, so a word only a
French source's summary used did not find the story. The pipeline now indexes every source's
summary (capped, see bot.storage.search.capped_summaries); this recomputes the search text of
the stories already stored, with the same function the pipeline uses. SQLite's FTS5 index
follows through its update trigger, PostgreSQL's search_vector is a generated column.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

from bot.storage.search import build_search_text
from bot.storage.stories_repo import outlet_name

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 500

_stories = sa.table(
    "stories",
    sa.column("id", sa.Integer),
    sa.column("title", sa.Text),
    sa.column("summary", sa.Text),
    sa.column("lang", sa.String),
    sa.column("labels", sa.JSON),
    sa.column("parties", sa.JSON),
    sa.column("search_text", sa.Text),
)
_entries = sa.table(
    "entries",
    sa.column("id", sa.Integer),
    sa.column("story_id", sa.Integer),
    sa.column("feed_id", sa.Integer),
    sa.column("title", sa.Text),
    sa.column("summary", sa.Text),
    sa.column("content", sa.Text),
    sa.column("link", sa.Text),
)
_feeds = sa.table("feeds", sa.column("id", sa.Integer), sa.column("title", sa.Text))


def upgrade() -> None:
    bind = op.get_bind()
    last = 0
    while True:
        stories = bind.execute(
            sa.select(
                _stories.c.id,
                _stories.c.title,
                _stories.c.summary,
                _stories.c.lang,
                _stories.c.labels,
                _stories.c.parties,
            )
            .where(_stories.c.id > last)
            .order_by(_stories.c.id)
            .limit(BATCH)
        ).all()
        if not stories:
            return
        last = stories[-1].id
        sources: dict[int, list[Any]] = defaultdict(list)
        rows = bind.execute(
            sa.select(
                _entries.c.story_id,
                _entries.c.title,
                _entries.c.summary,
                _entries.c.content,
                _entries.c.link,
                _feeds.c.title,
            )
            .join(_feeds, _feeds.c.id == _entries.c.feed_id)
            .where(_entries.c.story_id.in_([s.id for s in stories]))
            .order_by(_entries.c.id)
        ).all()
        for row in rows:
            sources[row[0]].append(row)
        for story in stories:
            group = sources[story.id]
            text = build_search_text(
                story.title or "",
                story.summary or "",
                list(story.parties or ()),
                list(dict.fromkeys(outlet_name(r[5], r[4]) for r in group)),
                list(story.labels or ()),
                [r[1] or "" for r in group],
                story.lang,
                [r[2] or r[3] or "" for r in group],
            )
            bind.execute(
                sa.update(_stories).where(_stories.c.id == story.id).values(search_text=text)
            )


def downgrade() -> None:
    # Summaries in the search text are harmless to older code: nothing to undo.
    pass
