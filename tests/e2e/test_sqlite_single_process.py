"""One `run` per SQLite file: a second is refused, naming PostgreSQL; one-shot reads still run."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.storage.runlock import single_process, sqlite_lock_path
from tests.integration.cli import cli_env, run_cli


def test_lock_path_is_beside_the_sqlite_file_and_absent_for_postgres(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    assert sqlite_lock_path(f"sqlite+aiosqlite:///{db}") == tmp_path / "x.db.lock"
    assert sqlite_lock_path("sqlite+aiosqlite://") is None
    assert sqlite_lock_path("postgresql+asyncpg://u@h/db") is None


def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    with (
        single_process(url),
        pytest.raises(ConfigError, match="PostgreSQL"),
        single_process(url),
    ):
        pass
    with single_process(url) as held:  # free again once the first holder let go
        assert held == tmp_path / "x.db.lock"
    with single_process("postgresql+asyncpg://u@h/db") as held:
        assert held is None


async def _start_run(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    # The console banner is written once the bot holds the lock and has started.
    line = await asyncio.wait_for(proc.stderr.readline(), 60)
    while b"press Ctrl-C" not in line:
        assert line, "the first bot exited early"
        line = await asyncio.wait_for(proc.stderr.readline(), 60)
    return proc


async def test_second_run_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    env = cli_env(url, WEB_PORT="0", LOG_LEVEL="warning")
    first = await _start_run(env, tmp_path)
    try:
        second = await run_cli("run", "--role", "poller", env=env, cwd=tmp_path, deadline=60)
        assert second.code == 2
        assert f"pid {first.pid}" in second.err
        assert "PostgreSQL" in second.err and "Traceback" not in second.err
        # One-shot commands still run beside the bot.
        about = await run_cli("about", "--json", env=env, cwd=tmp_path, deadline=60)
        assert about.code == 0, about.err
        assert about.records()[0]["feeds_active"] == 0
        # kill -9 drops the lock with the process: a restart is not blocked by a stale file.
        first.send_signal(signal.SIGKILL)
        await asyncio.wait_for(first.wait(), 30)
        third = await _start_run(env, tmp_path)
        third.send_signal(signal.SIGTERM)
        await asyncio.wait_for(third.communicate(), 30)
        assert third.returncode == 0
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
