"""Watch the event loop: log and count every time it was blocked for too long."""

from __future__ import annotations

import asyncio
import logging

from bot import metrics

log = logging.getLogger(__name__)

STALL_THRESHOLD_S = 0.2
TICK_S = 0.05


class LoopWatch:
    """Sleep ``tick`` seconds at a time and report each wake-up later than ``threshold``.

    A late wake-up means something held the event loop (a long computation, blocking I/O):
    every part of the process (web page, health check, slash commands) waited that long.
    """

    def __init__(self, *, threshold: float = STALL_THRESHOLD_S, tick: float = TICK_S) -> None:
        self.threshold = threshold
        self.tick = tick
        self.stalls = 0
        self.worst = 0.0

    async def run(self) -> None:
        """Measure the loop's lateness until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.tick)
            late = loop.time() - before - self.tick
            if late > self.threshold:
                self.stalls += 1
                self.worst = max(self.worst, late)
                metrics.record_loop_stall(late)
                log.warning("event loop stalled for %.0f ms", late * 1000)
