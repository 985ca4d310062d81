"""/healthz turns unhealthy after consecutive failed poll rounds and healthy after a good one."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event

from bot.app import FAILED_ROUNDS_UNHEALTHY, App
from bot.settings import Settings
from bot.storage.schema import FeedRow

pytestmark = pytest.mark.storage


def _read_only(dialect: str) -> Callable[[Any, Any], None]:
    """A connect hook making every new connection refuse writes, as a read-only disk does."""
    if dialect == "sqlite":
        statement = "PRAGMA query_only = ON"
    else:
        statement = "SET default_transaction_read_only = on"

    def hook(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        # PostgreSQL undoes a SET whose transaction is rolled back (as the pool's reset does).
        dbapi_connection.commit()

    return hook


async def _until(predicate: Callable[[], Awaitable[bool]], seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def test_healthz_fails_after_failed_rounds_and_recovers(db_url: str) -> None:
    settings = Settings.from_env(
        {"DATABASE_URL": db_url, "DEFAULT_FEEDS": "false", "WEB_PORT": "0"}
    )
    app = App(settings, console=True, console_writer=lambda _text: None)
    app.poller.retry_wait = 0.05
    await app.open()
    now = datetime.now(UTC)
    async with app.database.sessions.begin() as session:
        # Due now; its address is refused by the fetcher, so a healthy round fails only the feed.
        session.add(FeedRow(url="http://127.0.0.1:1/feed.xml", added_at=now, next_poll_at=now))
    # From now on the disk refuses writes, as a read-only or full disk does.
    hook = _read_only(app.database.dialect)
    event.listen(app.database.engine.sync_engine, "connect", hook)
    await app.database.engine.dispose()

    async def migrated() -> None:
        """The database was migrated above; start() must not migrate it again read-only."""

    app.open = migrated  # type: ignore[method-assign]
    await app.start()
    try:
        async with TestClient(TestServer(app.web.app, host="127.0.0.1")) as client:

            async def status() -> tuple[int, dict[str, Any]]:
                resp = await client.get("/healthz")
                return resp.status, await resp.json()

            async def poller_unhealthy() -> bool:
                code, body = await status()
                return code == 503 and "poller" in body["failing"]

            async def healthy() -> bool:
                return (await status())[0] == 200

            await _until(poller_unhealthy)
            _, body = await status()
            # PostgreSQL still answers reads (only the poller fails); SQLite's read-only mode
            # refuses BEGIN IMMEDIATE, so its reads fail as well.
            assert body["failing"] in (["poller"], ["database", "poller"])
            detail = body["checks"]["poller"]["detail"]
            failed = re.match(r"(\d+) poll rounds in a row failed", detail)
            assert failed is not None and int(failed.group(1)) >= FAILED_ROUNDS_UNHEALTHY, detail
            assert not detail.split("last: ", 1)[1].startswith("(sqlalchemy"), detail
            assert "read-only" in detail or "readonly" in detail
            assert "[SQL" not in detail and "lease_owner" not in detail  # no statement

            # The disk is writable again: the next round succeeds (the feed itself fails).
            event.remove(app.database.engine.sync_engine, "connect", hook)
            await app.database.engine.dispose()
            await _until(healthy)
            assert app.poller.failed_rounds == 0
    finally:
        await app.stop()
