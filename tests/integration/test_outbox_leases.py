"""Several deliverers on one outbox: short leases kept alive while busy, given back on stop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from bot.alerts.outbox import LEASE_S, OutboxWorker
from bot.alerts.route import OutboxRouter
from bot.alerts.settings_service import GuildSettingsService
from bot.alerts.transports import BotRestTransport, Transport
from bot.storage.db import Database
from tests.fakes.fake_discord import FakeDiscord
from tests.integration.test_outbox_delivery import (
    CHANNEL,
    GUILD,
    SETTINGS,
    TOKEN,
    Clock,
    Sleeps,
    fake,
    http,
    route,
    rows,
    seed_story,
)

pytestmark = pytest.mark.storage

__all__ = ["fake", "http"]  # fixtures used by name below


def _real_now() -> datetime:
    return datetime.now(UTC)


async def _queue_one(database: Database) -> None:
    await GuildSettingsService(database, SETTINGS).set_channel(GUILD, CHANNEL)
    router = OutboxRouter(SETTINGS, console=False, webhook=False)
    await route(database, router, await seed_story(database, 1))


def test_a_crashed_deliverers_alerts_wait_seconds_not_minutes() -> None:
    assert LEASE_S <= 30


async def test_a_slow_delivery_keeps_its_lease_so_no_other_worker_sends_it(
    database: Database, fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await _queue_one(database)
    transports: dict[str, Transport] = {"channel": BotRestTransport(TOKEN, http, fake.base_url)}
    # Discord takes 1.2 s to answer, four times the lease; the heartbeat must keep the row.
    fake.delay_response_next("POST", rf"/channels/{CHANNEL}/messages$", 1.2)
    slow = OutboxWorker(database, transports, clock=_real_now, owner_id="w1", lease_s=0.3)
    other = OutboxWorker(database, transports, clock=_real_now, owner_id="w2", lease_s=0.3)
    sending = asyncio.create_task(slow.deliver_due(_real_now()))
    stolen = 0
    while not sending.done():
        await asyncio.sleep(0.1)
        stolen += (await other.deliver_due(_real_now())).claimed
    assert (await sending).sent == 1
    assert stolen == 0
    assert len(fake.requests_for("POST", rf"/channels/{CHANNEL}/messages$")) == 1
    [row] = await rows(database)
    assert row.status == "sent" and row.lease_owner is None


async def test_a_clean_stop_gives_back_held_alerts_for_another_worker_at_once(
    database: Database, fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await _queue_one(database)
    clock = Clock()
    transports: dict[str, Transport] = {"channel": BotRestTransport(TOKEN, http, fake.base_url)}
    stopping = OutboxWorker(database, transports, clock=clock, owner_id="w1", sleep=Sleeps())

    async def cannot_record(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away mid-delivery")

    # Sent, but the record failed: the row is still held by w1 when it stops.
    stopping._record = cannot_record  # type: ignore[method-assign]
    await stopping.deliver_due(clock())
    [row] = await rows(database)
    assert row.status == "sending" and row.lease_owner == "w1"
    del stopping._record  # the database answers again
    await stopping.stop()
    # The stop records the message Discord answered with, and holds nothing any more.
    [row] = await rows(database)
    assert row.status == "sent" and row.message_id is not None and row.lease_owner is None

    # Another worker has nothing to send: one message, one POST.
    other = OutboxWorker(database, transports, clock=clock, owner_id="w2", sleep=Sleeps())
    assert (await other.deliver_due(clock())).sent == 0
    assert len(fake.messages(CHANNEL)) == 1
    assert len(fake.requests_for("POST", rf"/channels/{CHANNEL}/messages$")) == 1
