"""`search` and `show` on a SQLite file they cannot write: one line and exit 1, no traceback.

Tests may run as root, and root writes into a read-only directory anyway. So the read-only case
runs the command as the unprivileged user ``nobody`` (through ``setpriv``) when the test runs
as root; the "parent is a file" case is unwritable for root too.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli import cli_env, run_cli

NOBODY = 65534


def _as_unprivileged(args: list[str]) -> list[str]:
    """Run ``args`` as nobody when we are root (chmod does not stop root)."""
    if os.geteuid() != 0:
        return args
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a directory unwritable")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *args]


async def _run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=cwd,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder other users can reach (pytest's tmp_path is private to its user)."""
    path = Path(tempfile.mkdtemp(prefix="dw-readonly-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for sub in path.rglob("*"):
            if sub.is_dir():
                sub.chmod(0o755)
        shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("command", [["search", "apple"], ["show", "1"], ["show", "d1"]])
async def test_read_only_sqlite_directory_gives_one_line(
    shared_tmp: Path, command: list[str]
) -> None:
    tmp_path = shared_tmp
    folder = tmp_path / "data"
    folder.mkdir()
    url = f"sqlite+aiosqlite:///{folder / 'bot.db'}"
    env = cli_env(url)
    made = await run_cli("db", "upgrade", env=env, cwd=tmp_path)
    assert made.code == 0, made.err
    # The database exists, but neither it nor its folder may be written (SQLite's WAL and
    # shared-memory files go next to it).
    for path in folder.iterdir():
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(0o555)
    cwd = Path("/")
    try:
        code, out, err = await _run(
            _as_unprivileged([sys.executable, "-m", "bot", *command]), env | {"HOME": "/"}, cwd
        )
    finally:
        folder.chmod(0o755)
    assert code == 1, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert str(folder / "bot.db") in lines[0]
    assert "writ" in lines[0]  # says it is about writing
    assert "SELECT" not in err and "PRAGMA" not in err
    assert out == ""


@pytest.mark.parametrize("command", [["search", "apple"], ["show", "1"], ["feeds", "list"]])
async def test_sqlite_path_under_a_file_gives_one_line(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "file").write_text("not a folder")
    url = f"sqlite+aiosqlite:///{tmp_path / 'file' / 'bot.db'}"
    run = await run_cli(*command, env=cli_env(url), cwd=tmp_path)
    assert run.code == 1, run.err
    assert "Traceback" not in run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("error: ") and str(tmp_path / "file") in lines[0]
