"""Stopping with many alerts queued: within the deadline, every claimed alert sent or given back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiohttp
import pytest
from sqlalchemy import select

from bot.alerts.outbox import OutboxWorker
from bot.alerts.render import render_notice
from bot.alerts.transports import BotRestTransport, Transport
from bot.app import STOP_DEADLINE, STOP_GRACE, App
from bot.settings import Secret, Settings
from bot.storage import outbox_repo
from bot.storage.db import Database
from bot.storage.schema import OutboxRow
from tests.fakes.fake_discord import FakeDiscord

pytestmark = pytest.mark.storage

CHANNEL = 222_222_222_222_222_222
TOKEN = Secret("x" * 24 + "." + "y" * 6 + "." + "z" * 27)
QUEUED = 30


async def _queue(database: Database, count: int) -> None:
    now = datetime.now(UTC)
    async with database.sessions.begin() as session:
        for k in range(count):
            await outbox_repo.add_row(
                session,
                destination=f"channel:{CHANNEL}",
                guild_id=None,
                kind="notice",
                payload={"message": render_notice(f"alert number {k}").to_dict()},
                now=now,
            )


async def _rows(database: Database) -> list[OutboxRow]:
    async with database.sessions() as session:
        return list(await session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


async def _until_posted(fake: FakeDiscord) -> None:
    for _ in range(400):
        if fake.requests_for("POST", rf"/channels/{CHANNEL}/messages$"):
            return
        await asyncio.sleep(0.025)
    raise AssertionError("no alert was ever sent")


@pytest.mark.parametrize(
    "answer_after",
    [1.0, STOP_GRACE + 2.0],
    ids=["in-flight send finishes", "in-flight send abandoned"],
)
async def test_stop_with_many_queued_alerts_sends_or_gives_back_each(
    db_url: str, answer_after: float
) -> None:
    settings = Settings.from_env(
        {"DATABASE_URL": db_url, "DEFAULT_FEEDS": "false", "WEB_PORT": "0"}
    )
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        app = App(settings, console=False)
        transport: Transport = BotRestTransport(TOKEN, http, fake.base_url)
        app.outbox.transports["channel"] = transport
        await app.open()
        await _queue(app.database, QUEUED)
        # Discord creates each message at once but answers late: the worst window for a stop.
        fake.delay_response_next("POST", r"/messages$", answer_after, times=QUEUED)
        await app.start()
        await _until_posted(fake)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.wait_for(app.stop(), STOP_DEADLINE + 1.0)
        assert loop.time() - started <= STOP_DEADLINE + 0.5

        database = Database(db_url)
        try:
            rows = await _rows(database)
            assert [r.status for r in rows if r.status not in ("sent", "pending")] == []
            for row in rows:
                assert row.lease_owner is None
                if row.status == "sent":
                    assert row.message_id is not None
            assert any(r.status == "pending" for r in rows)  # the batch was not finished
            posted = len(fake.messages(CHANNEL))
            assert posted < QUEUED

            # Another deliverer (or the restarted process) sends the rest, none twice.
            fake.faults.clear()
            after = OutboxWorker(database, {"channel": transport}, owner_id="restarted")
            while (await after.deliver_due(datetime.now(UTC))).claimed:
                pass
            rows = await _rows(database)
            assert {r.status for r in rows} == {"sent"}
            messages = fake.messages(CHANNEL)
            assert len(messages) == QUEUED
            assert len({m["nonce"] for m in messages}) == QUEUED
            assert {r.message_id for r in rows} == {int(m["id"]) for m in messages}
        finally:
            await database.dispose()
