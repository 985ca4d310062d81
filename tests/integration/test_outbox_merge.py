"""When two stories merge, a channel that saw either keeps its message (edited, not re-posted)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select

from bot.storage import outbox_repo
from bot.storage.db import Database
from bot.storage.schema import OutboxRow, StoryRow

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def story(title: str) -> StoryRow:
    return StoryRow(title=title, first_seen_at=NOW, last_seen_at=NOW, updated_at=NOW)


def row(destination: str, story_id: int, message_id: int | None) -> OutboxRow:
    return OutboxRow(
        destination=destination,
        story_id=story_id,
        kind="story",
        payload={},
        status="sent" if message_id else "pending",
        message_id=message_id,
        next_attempt_at=NOW,
        nonce=f"n-{destination}-{story_id}",
        created_at=NOW,
        sent_at=NOW if message_id else None,
    )


async def test_merged_story_rows_move_to_the_survivor(database: Database) -> None:
    async with database.sessions() as session, session.begin():
        keep, absorbed = story("kept"), story("absorbed")
        session.add_all([keep, absorbed])
        await session.flush()
        session.add_all(
            [
                row("channel:1", keep.id, 501),
                row("channel:1", absorbed.id, 502),  # both already posted: keep the survivor's
                row("channel:2", absorbed.id, 503),  # only the absorbed one was posted there
                row("webhook", absorbed.id, None),
            ]
        )
        await session.flush()
        moved = await outbox_repo.move_story_rows(session, [absorbed.id], keep.id)
        await session.execute(delete(StoryRow).where(StoryRow.id == absorbed.id))
        keep_id = keep.id
    assert moved == 2
    async with database.sessions() as session:
        rows = list(await session.scalars(select(OutboxRow).order_by(OutboxRow.destination)))
    assert [(r.destination, r.story_id, r.message_id) for r in rows] == [
        ("channel:1", keep_id, 501),
        ("channel:2", keep_id, 503),
        ("webhook", keep_id, None),
    ]
