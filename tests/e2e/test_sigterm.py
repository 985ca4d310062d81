"""SIGTERM during an alert delivery: the process waits, records it and loses nothing."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.schema import OutboxRow
from tests.fakes.fake_discord import FakeDiscord
from tests.integration.cli import cli_env, run_cli
from tests.integration.feedserver import FeedServer
from tests.integration.rssgen import Item, rss

HOOK = "https://discord.com/api/webhooks/123456789012345678/hook-token"
DISPUTE = Item(
    "d-1",
    "Google removes a popular podcast app from the Play Store over payment rules",
    "The developer said it would sue Google, calling the removal anticompetitive.",
    link="https://outlet.example/google-podcast-app",
)


async def test_sigterm_during_a_delivery_loses_nothing(db_url: str, tmp_path: Path) -> None:
    async with FeedServer() as feeds, FakeDiscord() as discord:
        env = cli_env(db_url, ALERT_WEBHOOK_URL=HOOK, DISCORD_API_BASE=discord.base_url)
        env["WEB_PORT"] = "0"
        feeds.set("/f.xml", rss([Item("n1", "A quiet product update")], title="Outlet"))
        assert (await run_cli("feeds", "add", feeds.url("/f.xml"), env=env, cwd=tmp_path)).code == 0
        feeds.set("/f.xml", rss([DISPUTE, Item("n1", "A quiet product update")], title="Outlet"))
        scan = await run_cli("scan", "--all", "--json", env=env, cwd=tmp_path)
        assert scan.code == 0, scan.err
        assert [r["type"] for r in scan.records()] == ["entry", "story"]

        # Discord creates the message at once but answers only after 3 seconds.
        discord.delay_response_next("POST", r"/webhooks/", 3.0)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run",
            env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            for _ in range(300):
                if discord.requests_for("POST", r"/webhooks/"):
                    break
                await asyncio.sleep(0.05)
            assert discord.requests_for("POST", r"/webhooks/"), "the alert was never sent"
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 20)
        finally:
            if proc.returncode is None:
                proc.kill()
        assert proc.returncode == 0, err.decode()[-2000:]
        assert "Google" in out.decode()  # the console alert was printed too

    database = Database(db_url)
    try:
        async with database.sessions() as session:
            rows = list(await session.scalars(select(OutboxRow).order_by(OutboxRow.id)))
    finally:
        await database.dispose()
    by_dest = {r.destination: r for r in rows}
    assert set(by_dest) == {"console", "webhook"}
    webhook = by_dest["webhook"]
    assert webhook.status == "sent" and webhook.message_id is not None
    assert len(discord.webhook_messages(123456789012345678)) == 1
