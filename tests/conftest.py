"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.storage.db import Database

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        backends.append("postgres")
    return backends


async def _reset_postgres(url: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await db.dispose()


@pytest.fixture(params=_backends())
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database URL on each configured backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        await _reset_postgres(url)
    db = Database(url)
    await db.upgrade()
    await db.dispose()
    yield url


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    """An open Database on a fresh schema, on each configured backend."""
    db = Database(db_url)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def shared_data() -> Path:
    """The shared real-world data folder; skip the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA
