"""One running bot per SQLite file: an exclusive OS lock on a file beside the database.

SQLite has a single writer and the bot's in-process write lock cannot see another process, so a
second ``run`` on the same file would fight the first for every write (and both would deliver the
same alerts' leases in turn). ``run`` therefore holds ``<database>.lock`` for its whole life and
a second ``run`` is refused, naming PostgreSQL as the way to run several processes. The lock is
an ``flock``: the kernel drops it when the process dies, even after kill -9, so a stale lock file
never blocks a restart. One-shot commands (``search``, ``show``, ``feeds …``, ``scan``,
``doctor``) do not take it: they are short, and SQLite queues their writes behind the bot's.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.errors import ConfigError, StorageError

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"


def sqlite_lock_path(database_url: str) -> Path | None:
    """The lock file of a SQLite database file, or None (PostgreSQL, in-memory SQLite)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        return None
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).expanduser()
    return path.with_name(path.name + LOCK_SUFFIX)


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text.isdigit():
            return f" (pid {int(text)})"
    return ""


@contextlib.contextmanager
def single_process(database_url: str) -> Iterator[Path | None]:
    """Hold the SQLite file's run lock while the block runs; refuse if another process has it."""
    path = sqlite_lock_path(database_url)
    if path is None:
        yield None
        return
    try:
        import fcntl
    except ImportError:  # not a POSIX system: nothing to lock with
        log.warning("no file locking on this system: run only one process per SQLite file")
        yield None
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StorageError(f"cannot create the lock file {path}: {exc.strerror}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"another disputewatch process{_holder(fd)} is already running on the SQLite "
                f"database {path.with_suffix('')}; SQLite serves one process. Stop it, or move "
                "to PostgreSQL (DATABASE_URL=postgresql+asyncpg://…) to run several processes "
                "(see docs/operations.md)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        log.debug("holding %s", path)
        yield path
    finally:
        # Closing the descriptor drops the lock; the file stays (deleting it would race with a
        # process that just opened it and then locks an orphaned inode).
        os.close(fd)
