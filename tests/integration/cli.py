"""Run the command line as a subprocess without blocking the test's event loop."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Run:
    """A finished command."""

    code: int
    out: str
    err: str

    def records(self) -> list[dict[str, Any]]:
        """Parse standard output as JSON lines (every line must be one)."""
        return [json.loads(line) for line in self.out.splitlines()]


def cli_env(db_url: str, **extra: str) -> dict[str, str]:
    """An environment for the CLI: this database, local feeds allowed, no starter feeds."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": db_url,
        "DEFAULT_FEEDS": "false",
        "ALLOW_PRIVATE_FEEDS": "true",
        "LOG_LEVEL": "warning",
    }
    env.update(extra)
    return env


async def run_cli(
    *args: str, env: dict[str, str], cwd: Path, stdin: bytes | None = None, deadline: float = 120
) -> Run:
    """Run ``python -m bot ARGS`` and collect its exit code and output."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=cwd,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin), deadline)
    return Run(proc.returncode or 0, out.decode(), err.decode())
