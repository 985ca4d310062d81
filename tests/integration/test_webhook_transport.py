"""WebhookTransport against the fake Discord: error mapping and the outbox's fault handling."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.alerts.outbox import OutboxWorker
from bot.alerts.render import AlertMessage
from bot.alerts.route import OutboxRouter
from bot.alerts.transports import (
    Forbidden,
    NotFound,
    RateLimited,
    Rejected,
    TransientError,
    WebhookTransport,
)
from bot.settings import Secret, Settings
from bot.storage.db import Database
from tests.fakes.fake_discord import FakeDiscord
from tests.integration.test_outbox_delivery import Clock, Sleeps, route, rows, seed_story

pytestmark = pytest.mark.storage

WEBHOOK_ID = 333_333_333_333_333_333
WEBHOOK_TOKEN = "SeCrEtToKeN_abc-123"
URL = Secret(f"https://discord.com/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}")
SETTINGS = Settings(alert_min_score=0.5)
HOOK = rf"/webhooks/{WEBHOOK_ID}/"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        yield f


@pytest.fixture
async def webhook(fake: FakeDiscord) -> AsyncIterator[WebhookTransport]:
    async with aiohttp.ClientSession() as http:
        yield WebhookTransport(URL, http, api_base=fake.base_url)


def worker(db: Database, transport: WebhookTransport, clock: Clock, sleeps: Sleeps) -> OutboxWorker:
    return OutboxWorker(
        db,
        {"webhook": transport},
        clock=clock,
        owner_id="w1",
        sleep=sleeps,
        rng=random.Random(1),
        backoff_base=10,
    )


async def queue_one(db: Database, story_id: int = 1) -> None:
    router = OutboxRouter(SETTINGS, console=False, webhook=True)
    await route(db, router, await seed_story(db, story_id))


async def test_error_mapping(fake: FakeDiscord, webhook: WebhookTransport) -> None:
    msg = AlertMessage(content="x")
    fake.fail_next("POST", HOOK, 429, retry_after=1.5)
    with pytest.raises(RateLimited) as rl:
        await webhook.send("webhook", msg, nonce="n1")
    assert rl.value.retry_after == 1.5
    for status, error in ((500, TransientError), (502, TransientError), (403, Forbidden)):
        fake.fail_next("POST", HOOK, status)
        with pytest.raises(error):
            await webhook.send("webhook", msg, nonce="n1")
    fake.fail_next("POST", HOOK, 404, body={"message": "Unknown Webhook", "code": 10015})
    with pytest.raises(NotFound) as nf:
        await webhook.send("webhook", msg, nonce="n1")
    assert nf.value.what == "webhook"
    fake.fail_next("POST", HOOK, 400, body={"message": "Invalid Form Body", "code": 50035})
    with pytest.raises(Rejected) as rej:
        await webhook.send("webhook", msg, nonce="n1")
    assert WEBHOOK_TOKEN not in str(rej.value)
    assert "***" in str(rej.value)
    assert WEBHOOK_TOKEN not in repr(webhook)


async def test_send_and_edit_shape(fake: FakeDiscord, webhook: WebhookTransport) -> None:
    msg = AlertMessage(content="<@&5>", allowed_mentions={"parse": [], "roles": [5]})
    sent = await webhook.send("webhook", msg, nonce="n1")
    req = fake.requests[-1]
    assert req.method == "POST"
    assert req.path == f"/api/v10/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}"
    assert req.query == {"wait": "true"}
    assert req.json == {
        "content": "<@&5>",
        "embeds": [],
        "allowed_mentions": {"parse": [], "roles": [5]},
        "nonce": "n1",
        "enforce_nonce": True,
    }
    await webhook.edit("webhook", sent.message_id, AlertMessage(content="y"))
    assert fake.requests[-1].method == "PATCH"
    assert fake.webhook_messages(WEBHOOK_ID)[0]["content"] == "y"


async def test_429_waits_then_succeeds_without_counting_an_attempt(
    database: Database, fake: FakeDiscord, webhook: WebhookTransport
) -> None:
    await queue_one(database)
    clock, sleeps = Clock(), Sleeps()
    fake.fail_next("POST", HOOK, 429, retry_after=2.5, times=2)
    report = await worker(database, webhook, clock, sleeps).deliver_due(clock())
    assert report.sent == 1
    assert sleeps.calls == [2.5, 2.5]
    assert len(fake.webhook_messages(WEBHOOK_ID)) == 1
    [row] = await rows(database)
    assert row.status == "sent" and row.attempts == 0


async def test_long_429_is_rescheduled_not_counted(
    database: Database, fake: FakeDiscord, webhook: WebhookTransport
) -> None:
    await queue_one(database)
    clock, sleeps = Clock(), Sleeps()
    w = worker(database, webhook, clock, sleeps)
    fake.fail_next("POST", HOOK, 429, retry_after=600)
    assert (await w.deliver_due(clock())).retried == 1
    [row] = await rows(database)
    assert row.status == "pending" and row.attempts == 0
    assert "rate limited" in (row.last_error or "")
    clock.advance(599)
    assert (await w.deliver_due(clock())).claimed == 0
    clock.advance(2)
    assert (await w.deliver_due(clock())).sent == 1


async def test_5xx_retries_with_backoff_then_succeeds(
    database: Database, fake: FakeDiscord, webhook: WebhookTransport
) -> None:
    await queue_one(database)
    clock, sleeps = Clock(), Sleeps()
    w = worker(database, webhook, clock, sleeps)
    fake.fail_next("POST", HOOK, 500, times=3)
    delays = []
    for attempt in range(1, 4):
        assert (await w.deliver_due(clock())).retried == 1
        [row] = await rows(database)
        assert row.attempts == attempt and row.status == "pending"
        assert "HTTP 500" in (row.last_error or "")
        delay = (row.next_attempt_at - clock()).total_seconds()
        base = 10 * 2 ** (attempt - 1)
        assert base / 2 <= delay <= base
        delays.append(delay)
        assert (await w.deliver_due(clock())).claimed == 0  # not due yet
        clock.advance(delay)
    assert delays[0] < delays[1] < delays[2]
    assert (await w.deliver_due(clock())).sent == 1
    assert len(fake.webhook_messages(WEBHOOK_ID)) == 1
    assert sleeps.calls == []


async def test_5xx_gives_up_with_a_reason(
    database: Database, fake: FakeDiscord, webhook: WebhookTransport
) -> None:
    await queue_one(database)
    clock, sleeps = Clock(), Sleeps()
    w = OutboxWorker(
        database, {"webhook": webhook}, clock=clock, owner_id="w", sleep=sleeps, max_attempts=2
    )
    fake.fail_next("POST", HOOK, 503, times=5)
    await w.deliver_due(clock())
    clock.advance(3600)
    assert (await w.deliver_due(clock())).failed == 1
    [row] = await rows(database)
    assert row.status == "failed"
    assert "gave up after 2 attempts" in (row.last_error or "")


async def test_webhook_deleted_drops_with_reason_and_no_token_in_logs(
    database: Database,
    fake: FakeDiscord,
    webhook: WebhookTransport,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await queue_one(database, 1)
    await queue_one(database, 2)
    clock, sleeps = Clock(), Sleeps()
    fake.fail_next("POST", HOOK, 404, body={"message": "Unknown Webhook", "code": 10015})
    report = await worker(database, webhook, clock, sleeps).deliver_due(clock())
    assert report.dropped == 1
    got = await rows(database)
    assert [r.status for r in got] == ["dropped", "dropped"]
    assert all("webhook not found" in (r.last_error or "") for r in got)
    assert WEBHOOK_TOKEN not in caplog.text
    assert all(WEBHOOK_TOKEN not in (r.last_error or "") for r in got)


async def test_webhook_forbidden_holds_its_rows(
    database: Database, fake: FakeDiscord, webhook: WebhookTransport
) -> None:
    await queue_one(database)
    clock, sleeps = Clock(), Sleeps()
    fake.fail_next("POST", HOOK, 403)
    assert (await worker(database, webhook, clock, sleeps).deliver_due(clock())).held == 1
    [row] = await rows(database)
    assert row.status == "held" and "403" in (row.last_error or "")


async def test_webhook_record_failure_after_send_never_posts_twice(
    database: Database, fake: FakeDiscord, webhook: WebhookTransport
) -> None:
    """Discord ignores a webhook's nonce: the id it answered is what prevents a second post."""
    await queue_one(database)
    clock = Clock()
    first = worker(database, webhook, clock, Sleeps())
    record = first._record
    failures = [RuntimeError("database went away for a moment")]

    async def flaky(*args: Any, **kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        await record(*args, **kwargs)

    first._record = flaky  # type: ignore[method-assign]
    await first.deliver_due(clock())
    [row] = await rows(database)
    assert row.status == "sending" and row.message_id is None
    assert len(fake.webhook_messages(WEBHOOK_ID)) == 1

    clock.advance(first.lease_s + 1)  # the row is claimed again, by the same worker
    assert (await first.deliver_due(clock())).sent == 1
    assert len(fake.requests_for("POST", HOOK)) == 1  # recorded, not posted again
    [row] = await rows(database)
    assert row.status == "sent"
    assert row.message_id == int(fake.webhook_messages(WEBHOOK_ID)[0]["id"])


async def test_webhook_id_learned_before_a_stop_is_recorded_by_the_stop(
    database: Database, fake: FakeDiscord, webhook: WebhookTransport
) -> None:
    await queue_one(database)
    clock = Clock()
    first = worker(database, webhook, clock, Sleeps())
    record = first._record
    failures = [RuntimeError("database went away for a moment")]

    async def flaky(*args: Any, **kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        await record(*args, **kwargs)

    first._record = flaky  # type: ignore[method-assign]
    await first.deliver_due(clock())
    await first.stop()
    [row] = await rows(database)
    assert row.status == "sent"  # not given back to be posted again by the next process
    assert row.message_id == int(fake.webhook_messages(WEBHOOK_ID)[0]["id"])
    assert len(fake.requests_for("POST", HOOK)) == 1
