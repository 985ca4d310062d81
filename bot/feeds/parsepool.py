"""Parse feed bodies on other cores: feedparser is pure Python and dominates a poll's CPU time."""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from bot.feeds.parse import ParsedFeed, parse_feed
from bot.types import FeedItem

log = logging.getLogger(__name__)

# Below this size a body is parsed in the event loop: shipping it to a process costs more.
INLINE_BYTES = 16_000
# How often a worker checks that the process that started it is still there.
PARENT_CHECK_SECONDS = 0.5


def _exit_with_parent(parent_pid: int) -> None:
    """Make this worker exit once its parent is gone (killed with -9, nobody stops the pool).

    A thread polls ``os.getppid()``: when the parent dies the worker is re-parented, so the
    answer changes. Portable, and unlike PR_SET_PDEATHSIG not tied to the thread that started
    the worker. With the workers gone, multiprocessing's resource tracker sees the end of its
    pipe and exits too.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


# Items rebuilt between two yields to the event loop when a worker's result comes back.
REBUILD_CHUNK = 2_000
_ITEM_FIELDS = tuple(f.name for f in fields(FeedItem))

ItemRow = tuple[Any, ...]


def _parse_packed(
    body: bytes, *, base_url: str, content_type: str | None, now: datetime
) -> tuple[ParsedFeed, list[ItemRow]]:
    """Parse in a worker; send the items back as plain tuples.

    Unpickling 19,000 frozen dataclasses costs the main process 150 ms of Python per feed (one
    ``__setattr__`` per field); tuples of strings unpickle in C, ten times faster.
    """
    parsed = parse_feed(body, base_url=base_url, content_type=content_type, now=now)
    rows = [tuple(getattr(item, name) for name in _ITEM_FIELDS) for item in parsed.items]
    return replace(parsed, items=()), rows


async def _unpack(shell: ParsedFeed, rows: list[ItemRow]) -> ParsedFeed:
    items: list[FeedItem] = []
    for start in range(0, len(rows), REBUILD_CHUNK):
        if start:
            await asyncio.sleep(0)
        items.extend(FeedItem(*row) for row in rows[start : start + REBUILD_CHUNK])
    return replace(shell, items=tuple(items))


class ParserPool:
    """Run ``parse_feed`` in worker processes.

    With ``workers=0`` a large body is parsed in a thread of the calling process: no more CPU,
    but the event loop keeps running (Python switches threads every few milliseconds) instead
    of waiting seconds for a feed of thousands of items.
    """

    def __init__(self, workers: int = 0) -> None:
        self.workers = max(0, workers)
        self._executor: ProcessPoolExecutor | None = None

    def _ensure(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn, not fork: the parent has threads (aiosqlite) that fork would copy badly.
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            )
            log.info("parsing feeds in %d worker processes", self.workers)
        return self._executor

    async def parse(
        self, body: bytes, *, base_url: str, content_type: str | None, now: datetime
    ) -> ParsedFeed:
        """Parse one body; ParseError comes back as from ``parse_feed``."""
        if len(body) < INLINE_BYTES:
            return parse_feed(body, base_url=base_url, content_type=content_type, now=now)
        job = functools.partial(
            parse_feed, body, base_url=base_url, content_type=content_type, now=now
        )
        if self.workers == 0:
            return await asyncio.to_thread(job)
        packed = functools.partial(
            _parse_packed, body, base_url=base_url, content_type=content_type, now=now
        )
        try:
            shell, rows = await asyncio.get_running_loop().run_in_executor(self._ensure(), packed)
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            # A worker died or could not be started (no fork/spawn allowed, no memory...).
            log.warning(
                "parser processes failed (%s); parsing in the main process from now on", exc
            )
            self.close()
            self.workers = 0
            return await asyncio.to_thread(job)
        return await _unpack(shell, rows)

    def close(self) -> None:
        """Stop the worker processes."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
