"""Engine, sessions and migrations for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.errors import StorageError
from bot.settings import redact_url

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Database:
    """One engine and session factory for the whole process."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            _ensure_sqlite_dir(url)
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["pool_size"] = 5
            kwargs["max_overflow"] = 10
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )
        self._write_lock: asyncio.Lock | None = None

    def writing(self) -> contextlib.AbstractAsyncContextManager[object]:
        """Serialise this process's write transactions on SQLite (PostgreSQL needs nothing).

        SQLite has one writer; without this, concurrent tasks wait in its busy handler, which
        sleeps in steps and wastes most of the time.
        """
        if not self.is_sqlite:
            return contextlib.nullcontext()
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        return self._write_lock

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """Open a session for reads whose database failures come out as StorageError."""
        try:
            async with self.sessions() as session:
                yield session
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            raise storage_error(self.url, exc) from exc

    @property
    def is_sqlite(self) -> bool:
        """Say whether this is SQLite."""
        return self.dialect == "sqlite"

    async def upgrade(self) -> None:
        """Apply every pending migration."""
        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(_upgrade)
        except (SQLAlchemyError, OSError) as exc:
            raise StorageError(
                f"database migration failed: {storage_error(self.url, exc)}"
            ) from exc

    async def current_revision(self) -> tuple[str | None, str]:
        """Return (revision in the database, newest revision shipped)."""
        async with self.engine.connect() as conn:
            current = await conn.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        return current, head or ""

    async def ping(self) -> None:
        """Run a trivial query; raise StorageError when the database does not answer."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            raise StorageError(f"database not reachable at {redact_url(self.url)}: {exc}") from exc

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def storage_error(url: str, exc: BaseException) -> StorageError:
    """Describe a database failure in one line, without the SQL statement or its parameters."""
    cause: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    lines = str(cause).strip().splitlines()
    detail = lines[0] if lines else type(cause).__name__
    if len(detail) > 200:
        detail = detail[:200] + "…"
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        hint = ""
        if "readonly" in detail or "unable to open" in detail:
            hint = (
                "; SQLite must be able to write the file and its folder (it keeps its journal "
                "next to the file): check their owner and permissions"
            )
        return StorageError(f"SQLite database {parsed.database}: {detail}{hint}")
    return StorageError(f"database error on {redact_url(url)}: {detail}")


def alembic_config(connection: Connection | None = None) -> Config:
    """Build the Alembic configuration programmatically (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot create the folder of the SQLite database {database}: "
                f"{exc.strerror or exc} ({exc.filename or folder})"
            ) from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """Begin every SQLite transaction IMMEDIATE (taking the write lock up front).

    A deferred transaction that reads and then writes cannot upgrade its lock when another
    connection committed in between: SQLite fails at once with "database is locked" (a busy
    snapshot), which the busy timeout does not cover. IMMEDIATE makes writers queue instead.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")
