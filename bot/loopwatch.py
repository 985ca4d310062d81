"""Watch the event loop: log and count every time it was blocked for too long."""

from __future__ import annotations

import asyncio
import logging
import time

from bot import metrics

log = logging.getLogger(__name__)

STALL_THRESHOLD_S = 0.2
TICK_S = 0.05


class LoopWatch:
    """Sleep ``tick`` seconds at a time and report each wake-up later than ``threshold``.

    A late wake-up means something held the event loop (a long computation, blocking I/O):
    every part of the process (web page, health check, slash commands) waited that long. The
    CPU time the process used meanwhile tells our own work (busy: the process ran for most of
    the gap) from a machine too loaded to schedule the process at all.
    """

    def __init__(self, *, threshold: float = STALL_THRESHOLD_S, tick: float = TICK_S) -> None:
        self.threshold = threshold
        self.tick = tick
        self.stalls = 0
        self.worst = 0.0
        # Stalls during which the process itself ran for at least ``threshold`` of CPU time.
        self.busy_stalls = 0

    async def run(self) -> None:
        """Measure the loop's lateness until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            cpu_before = time.process_time()
            await asyncio.sleep(self.tick)
            late = loop.time() - before - self.tick
            if late > self.threshold:
                busy = time.process_time() - cpu_before - self.tick
                self.stalls += 1
                self.busy_stalls += busy >= self.threshold
                self.worst = max(self.worst, late)
                metrics.record_loop_stall(late)
                log.warning(
                    "event loop stalled for %.0f ms (the process ran %.0f ms of it)",
                    late * 1000,
                    max(busy, 0.0) * 1000,
                )
