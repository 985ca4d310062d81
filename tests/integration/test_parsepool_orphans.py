"""After kill -9 of the process that owns a parser pool, its worker processes go too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.cli import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

# Starts a pool of two workers, makes both parse, says "ready" and waits to be killed.
SCRIPT = """
import asyncio, sys
from datetime import UTC, datetime
from bot.feeds.parsepool import INLINE_BYTES, ParserPool
from tests.integration.rssgen import Item, rss

async def main() -> None:
    body = rss([Item(f"id-{n}", f"Story {n}", "x" * 200) for n in range(200)]).encode()
    assert len(body) > INLINE_BYTES
    pool = ParserPool(2)
    now = datetime.now(UTC)
    await asyncio.gather(*(pool.parse(body, base_url="https://x.example/", content_type=None,
                                      now=now) for _ in range(8)))
    print("ready", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie has exited


def test_workers_and_helper_exit_when_their_parent_is_killed() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        children = _children(proc.pid)
        # Two parse workers and multiprocessing's resource tracker.
        assert len(children) >= 3, children
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and any(_alive(pid) for pid in children):
            time.sleep(0.1)
        left = [pid for pid in children if _alive(pid)]
    finally:
        if proc.poll() is None:
            proc.kill()
    for pid in left:  # do not leave them behind for the next test
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"still running after their parent was killed: {left}"
