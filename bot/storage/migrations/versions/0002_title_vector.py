"""PostgreSQL: a small title vector for ranking search results

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 18:40:00

Ranking with ts_rank over the full search vector reads (and decompresses) every matching
story's large vector; with broad queries at 100,000 stories that alone took most of the time.
Ranking by the title's vector (small, kept in the row) and then by recency is much cheaper.
SQLite's FTS5 ranks with bm25 and needs nothing here.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Lower case and strip French accents, like the folding of search_text (bot.stories.text.fold).
_FOLDED_TITLE = (
    "translate(lower(coalesce(title, '')), "
    "'àâäáãåçéèêëíìîïñóòôöõúùûüýÿœæ', 'aaaaaaceeeeiiiinooooouuuuyyoa')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE stories ADD COLUMN title_vector tsvector GENERATED ALWAYS AS "
        f"(to_tsvector('simple', {_FOLDED_TITLE})) STORED"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE stories DROP COLUMN IF EXISTS title_vector")
