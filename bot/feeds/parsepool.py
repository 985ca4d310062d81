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
from datetime import datetime

from bot.feeds.parse import ParsedFeed, parse_feed

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


class ParserPool:
    """Run ``parse_feed`` in worker processes (``workers=0`` parses in the calling process)."""

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
        if self.workers == 0 or len(body) < INLINE_BYTES:
            return parse_feed(body, base_url=base_url, content_type=content_type, now=now)
        job = functools.partial(
            parse_feed, body, base_url=base_url, content_type=content_type, now=now
        )
        try:
            return await asyncio.get_running_loop().run_in_executor(self._ensure(), job)
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            # A worker died or could not be started (no fork/spawn allowed, no memory...).
            log.warning(
                "parser processes failed (%s); parsing in the main process from now on", exc
            )
            self.close()
            self.workers = 0
            return parse_feed(body, base_url=base_url, content_type=content_type, now=now)

    def close(self) -> None:
        """Stop the worker processes."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
