"""The loop watch reports a blocked event loop in the log and in /metrics."""

from __future__ import annotations

import asyncio
import logging
import re
import time

import pytest

from bot.loopwatch import LoopWatch
from bot.metrics import REGISTRY


def _stall_count() -> float:
    return REGISTRY.get_sample_value("disputewatch_loop_stall_seconds_count") or 0.0


def _block(seconds: float) -> None:
    """Hold the thread, as a long parse or a blocking call on the loop would."""
    time.sleep(seconds)


async def test_a_blocked_loop_is_logged_with_its_length_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    watch = LoopWatch(threshold=0.2, tick=0.01)
    before = _stall_count()
    task = asyncio.create_task(watch.run())
    await asyncio.sleep(0.05)
    with caplog.at_level(logging.WARNING, logger="bot.loopwatch"):
        _block(0.4)
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert watch.stalls >= 1
    assert watch.worst >= 0.35
    assert _stall_count() - before == watch.stalls
    stalled = [r.getMessage() for r in caplog.records if "event loop stalled" in r.getMessage()]
    assert len(stalled) == watch.stalls
    lengths = [int(re.search(r"stalled for (\d+) ms", m).group(1)) for m in stalled]  # type: ignore[union-attr]
    assert any(n >= 350 for n in lengths), stalled
    # A sleeping thread uses no CPU: the watch tells it from a busy one.
    assert watch.busy_stalls == 0


async def test_a_loop_held_by_computation_counts_as_busy() -> None:
    watch = LoopWatch(threshold=0.2, tick=0.01)
    task = asyncio.create_task(watch.run())
    await asyncio.sleep(0.05)
    end = time.process_time() + 0.4
    while time.process_time() < end:  # a long computation on the loop
        pass
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert watch.stalls >= 1 and watch.busy_stalls >= 1
