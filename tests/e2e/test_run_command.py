"""`python -m bot run` with a token: connects to the gateway, never syncs, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_gateway import FakeGateway
from tests.integration.cli import cli_env

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4." + "G" * 6 + "." + "t" * 38


async def test_run_connects_and_stops_cleanly(db_url: str, tmp_path: Path) -> None:
    fake = FakeDiscord()
    gateway = FakeGateway(fake)
    await fake.start()
    try:
        env = cli_env(
            db_url,
            DISCORD_TOKEN=TOKEN,
            DISCORD_API_BASE=fake.base_url,
            DISCORD_GATEWAY_URL=fake.gateway_url,
            WEB_PORT="0",
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run",
            env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await asyncio.wait_for(gateway.identified.wait(), 30)
            identify = next(p for p in gateway.received if p.get("op") == 2)
            assert identify["d"]["token"] == TOKEN
            assert identify["d"]["intents"] == 1  # guilds only: no message content
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
        assert proc.returncode == 0, err.decode()[-2000:]
        assert TOKEN not in err.decode() and TOKEN not in out.decode()
        assert fake.requests_for("PUT", r"/commands") == []  # commands are synced only on request
    finally:
        await fake.close()
