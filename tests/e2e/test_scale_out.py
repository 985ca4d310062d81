"""Two poller processes and two Discord processes (one shard each) on one PostgreSQL database.

The farm serves 150 feeds on 127.0.0.1; 11 of them gain a dispute story after the baseline. Both
pollers wake for the same round and split it through row leases (FOR UPDATE SKIP LOCKED); both
Discord processes deliver from the shared outbox. Counted at the servers: every feed fetched
exactly once in the round, every alert posted exactly once (messages and nonces).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import aiohttp
import pytest
from sqlalchemy import select, update

from bot.app import App
from bot.settings import Settings
from bot.storage import repository as repo
from bot.storage.schema import FeedRow, OutboxRow
from tests.conftest import _reset_postgres
from tests.e2e.test_run_command import TOKEN
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_gateway import CHANNEL_ID, GUILD_ID, FakeGateway
from tests.integration.cli import cli_env
from tests.integration.feedserver import FeedServer
from tests.integration.rssgen import Item, rss

DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not DATABASE_URL, reason="several processes need PostgreSQL (set TEST_DATABASE_URL)"
)

FEEDS = 150  # more than one claim batch (100), so two pollers both get a share
# One story each: no company twice (stories sharing a party and a wording may be grouped).
NEWS = [
    "Apple sues Epic Games over patent infringement",
    "Google sues Microsoft over unpaid royalties",
    "Oracle sues IBM over a breach of contract",
    "Qualcomm sues Arm over licensing fees",
    "Meta sues TikTok over stolen trade secrets",
    "Amazon sues Shopify over a copied checkout design",
    "Nvidia sues Intel over chip patents",
    "Samsung sues Huawei over 5G patents",
    "Spotify sues Deezer over poached engineers",
    "Uber sues Lyft over driver data",
    "Netflix sues Roku over streaming fees",
]
START_MARGIN_S = 25.0  # the round is due this long after the processes are launched
DELAY_S = 0.2  # each feed answers this late, so the two pollers' rounds overlap


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _old(i: int) -> Item:
    return Item(guid=f"old-{i}", title=f"Routine product update number {i}")


async def _prepare(server: FeedServer, settings: Settings) -> None:
    """Feeds, one server alerting in a channel, and a baseline poll (stored, not alerted)."""
    for i in range(FEEDS):
        server.set(f"/f{i}.xml", rss([_old(i)], title=f"Feed {i}"), etag=f'"a{i}"', delay=DELAY_S)
    app = App(settings, console=False)
    await app.open()
    try:
        async with app.database.sessions.begin() as session:
            for i in range(FEEDS):
                await repo.add_feed(
                    session, server.url(f"/f{i}.xml"), now=datetime.now(UTC), interval_s=900
                )
        await app.guilds.set_channel(GUILD_ID, CHANNEL_ID)
        report = await app.poller.poll_due(force=True)
        assert len(report.results) == FEEDS and not report.failed
    finally:
        await app.close()


async def _launch(
    args: list[str], env: dict[str, str], log: IO[bytes], cwd: Path
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", *args,
        env=env, cwd=cwd, stdout=log, stderr=log,
    )  # fmt: skip


async def _healthy(port: int) -> bool:
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(2)) as r,
        ):
            return r.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def test_two_pollers_and_two_deliverers_share_without_doubles(tmp_path: Path) -> None:
    await _reset_postgres(DATABASE_URL)
    base = cli_env(DATABASE_URL, PARSE_WORKERS="0", LOG_LEVEL="info", FETCH_PER_HOST="20")
    settings = Settings.from_env({**base, "WEB_PORT": "0"})
    fake = FakeDiscord()
    gateway = FakeGateway(fake)
    await fake.start()
    procs: list[asyncio.subprocess.Process] = []
    logs: list[Path] = []
    try:
        async with FeedServer() as server:
            await _prepare(server, settings)
            # After the baseline: news in 11 feeds, the rest unchanged (304 to their ETag).
            for i, title in enumerate(NEWS):
                news = Item(guid=f"new-{i}", title=title)
                body = rss([news, _old(i)], title=f"Feed {i}")
                server.set(f"/f{i}.xml", body, etag=f'"b{i}"', delay=DELAY_S)
            hits_before = {i: server.hits(f"/f{i}.xml") for i in range(FEEDS)}
            due = datetime.now(UTC) + timedelta(seconds=START_MARGIN_S)
            admin = App(settings, console=False)
            async with admin.database.sessions.begin() as session:
                await session.execute(update(FeedRow).values(next_poll_at=due))

            ports = [_free_port() for _ in range(4)]
            roles = [
                (["--role", "poller"], {}),
                (["--role", "poller"], {}),
                (["--role", "discord"], {"SHARD_IDS": "0"}),
                (["--role", "discord"], {"SHARD_IDS": "1"}),
            ]
            for n, ((args, extra), port) in enumerate(zip(roles, ports, strict=True)):
                env = {
                    **base,
                    "WEB_HOST": "127.0.0.1",
                    "WEB_PORT": str(port),
                    "DISCORD_TOKEN": TOKEN,
                    "DISCORD_API_BASE": fake.base_url,
                    "DISCORD_GATEWAY_URL": fake.gateway_url,
                    "SHARD_COUNT": "2",
                    **extra,
                }
                logs.append(tmp_path / f"proc{n}.log")
                with logs[-1].open("wb") as log:
                    procs.append(await _launch(args, env, log, tmp_path))

            async def all_healthy() -> bool:
                return all([await _healthy(p) for p in ports])

            while not await all_healthy():
                assert all(p.returncode is None for p in procs), _tails(logs)
                assert datetime.now(UTC) < due, "processes not up before the round was due"
                await asyncio.sleep(0.5)
            assert sorted(gateway.shards, key=str) == [[0, 2], [1, 2]]

            async def outbox() -> list[OutboxRow]:
                async with admin.database.sessions() as session:
                    return list(await session.scalars(select(OutboxRow)))

            deadline = due + timedelta(seconds=90)
            while True:
                polled = all(server.hits(f"/f{i}.xml") > hits_before[i] for i in range(FEEDS))
                rows = await outbox()
                if polled and len(rows) == len(NEWS) and all(r.status == "sent" for r in rows):
                    break
                assert datetime.now(UTC) < deadline, (
                    f"{len(rows)} rows {sorted({r.status for r in rows})}\n{_tails(logs)}"
                )
                await asyncio.sleep(0.5)
            await asyncio.sleep(3)  # room for a double fetch or post to show up

            fetched = {i: server.hits(f"/f{i}.xml") - hits_before[i] for i in range(FEEDS)}
            assert {i: n for i, n in fetched.items() if n != 1} == {}
            shares = [_polled(logs[0]), _polled(logs[1])]
            assert sum(shares) == FEEDS and min(shares) > 0, shares

            posts = fake.requests_for("POST", rf"/channels/{CHANNEL_ID}/messages$")
            nonces = [p.json["nonce"] for p in posts]
            assert len(fake.messages(CHANNEL_ID)) == len(NEWS)
            assert len(posts) == len(set(nonces)) == len(NEWS)
            titles = sorted(m["embeds"][0]["title"] for m in fake.messages(CHANNEL_ID))
            assert titles == sorted(NEWS)

            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            codes = [await asyncio.wait_for(p.wait(), 30) for p in procs]
            assert codes == [0, 0, 0, 0], _tails(logs)
            assert all(r.lease_owner is None for r in await outbox())
            await admin.close()
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await fake.close()


def _polled(log: Path) -> int:
    """Feeds a poller says it polled ("polled N feeds: …" per round)."""
    return sum(int(n) for n in re.findall(r"polled (\d+) feeds", log.read_text("utf-8", "replace")))


def _tails(logs: list[Path]) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text('utf-8', 'replace')[-1500:]}" for p in logs)
