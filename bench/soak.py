"""Soak benchmark: pollers and a Discord process on PostgreSQL under a feed farm and kill -9.

    python bench/soak.py [--minutes 6] [--feeds 2000] [--kill-every 90] [--first-pass-only]

Everything runs on 127.0.0.1: a farm of feeds (this process), the fake Discord with its gateway
(this process, tests/fakes/), PostgreSQL (``--database-url``, dropped and re-created at the
start: give it a database of its own) and the bot as separate ``python -m bot run --role ...``
processes with ``PARSE_WORKERS=0`` (one core each).

1. First pass, 1 poller then 2: a fresh database, every feed due at one instant; the time to
   fetch and store every feed once (every item is new), with the farm's faults switched off.
2. Soak: 2 pollers and 1 Discord process for ``--minutes``. Items arrive in the feeds over time
   (their publication time is recorded here); a share are dispute headlines of our own (made-up
   company names), so alerts flow to the fake Discord. Some feeds answer 500, some never answer
   (timeouts), some answer slowly, some carry bad items (a NUL character, a lone surrogate).
   Every ``--kill-every`` seconds a random bot process gets SIGKILL and is started again.
3. Drain: arrivals stop; after every feed had time for one more poll and the outbox is empty (or
   ``--drain`` seconds), every process gets SIGTERM, then the database, the farm's log and the
   fake Discord's messages are compared.

Prints items published / stored / alerted, alerts lost and posted twice (a nonce is one
message), latency from publication and from the poll that stored the item to the alert, event-loop
stalls over 200 ms (each process logs them), peak memory and CPU per process, and the first-pass
throughput of 2 pollers against 1. Every loop is bounded in time; the script stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from bot.app import App  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.storage import repository as repo  # noqa: E402
from bot.storage.schema import EntryRow, FeedRow, OutboxRow, StoryRow  # noqa: E402
from tests.conftest import _reset_postgres  # noqa: E402
from tests.e2e.test_run_command import TOKEN  # noqa: E402
from tests.fakes.fake_discord import FakeDiscord  # noqa: E402
from tests.fakes.fake_gateway import CHANNEL_ID, GUILD_ID, FakeGateway  # noqa: E402
from tests.integration.cli import cli_env  # noqa: E402

DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/soak"
READ_TIMEOUT_S = 5.0  # FETCH_READ_TIMEOUT of the bot; "timeout" feeds hold the answer longer
POLL_MIN_S, POLL_MAX_S = 60, 120  # the bot's smallest allowed interval, and twice it
STALL_RE = re.compile(r"event loop stalled for (\d+) ms(?: \(the process ran (\d+) ms of it\))?")
# A stall counts as the process's own when it ran (used CPU) at least this long during it; less
# means the machine did not schedule it (the farm, PostgreSQL and the bots share two cores).
BUSY_MS = 200
HWM_RE = re.compile(r"^VmHWM:\s+(\d+) kB", re.MULTILINE)
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Feed kinds and their share of the farm (the rest are "ok").
KINDS = {"fail500": 0.03, "timeout": 0.02, "slow": 0.05, "bad": 0.03}

SYLLABLES = "zor vex quin tara bel nox kri dal mor ven sil tro pax lum gri fen wal cyr obi hal"
SUFFIXES = (" Labs", " Systems", " Software", " Inc", "")
# Dispute headlines written for this benchmark; the detector flags each (checked by hand).
DISPUTES = (
    "{a} sues {b} over patents",
    "{a} cuts off {b} from its API",
    "{a} bans {b} app from its store",
    "{app} pulled from the App Store by {a}",
)
ROUTINE = (
    "{a} ships version {n} of its desktop app",
    "{a} opens a new office in {city}",
    "{a} names a new head of design",
    "Hands-on with the {a} tablet, model {n}",
)
CITIES = ("Lyon", "Porto", "Leeds", "Graz", "Turku", "Cork")


def _now() -> datetime:
    return datetime.now(UTC)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _fmt(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.2f} s"


# ----------------------------------------------------------------------------- the farm


@dataclass
class Published:
    """One item that appeared in a feed of the farm."""

    feed: int
    guid: str
    title: str
    at: datetime
    dispute: bool
    bad: bool


@dataclass
class FarmFeed:
    """One feed of the farm: its kind, its items (newest first) and its cached body."""

    n: int
    kind: str
    items: list[Published] = field(default_factory=list)
    version: int = 0
    body: bytes = b""


class Farm:
    """Serve ``/f/<n>.xml`` on 127.0.0.1; items arrive over time and are recorded."""

    def __init__(self, feeds: int, entries: int, window: int, rng: random.Random) -> None:
        self.rng = rng
        self.entries = entries
        self.window = window
        self.faults = False
        self.published: dict[str, Published] = {}
        self.hits: Counter[str] = Counter()
        self.feeds: list[FarmFeed] = []
        for n in range(feeds):
            draw, kind, edge = rng.random(), "ok", 0.0
            for name, share in KINDS.items():
                edge += share
                if draw < edge:
                    kind = name
                    break
            self.feeds.append(FarmFeed(n, kind))
        self._names: set[str] = set()
        self._serial = 0
        self.reset()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def reset(self) -> None:
        """Give every feed its first routine items (the state a first pass stores)."""
        start = _now() - timedelta(days=1)
        for feed in self.feeds:
            feed.items = [
                Published(
                    feed.n,
                    f"base-{feed.n}-{k}",
                    self._routine(),
                    start - timedelta(minutes=k),
                    False,
                    False,
                )
                for k in range(self.entries)
            ]
            feed.version += 1
            self._render(feed)

    def url(self, n: int) -> str:
        """The address of feed n."""
        return f"http://127.0.0.1:{self.port}/f/{n}.xml"

    def _name(self, *, unique: bool = True) -> str:
        """A made-up company name; a dispute's names are never reused (no story merges)."""
        syl = SYLLABLES.split()
        for _ in range(1000):
            name = (self.rng.choice(syl) + self.rng.choice(syl) + self.rng.choice(syl)).title()
            if not unique:
                return name + self.rng.choice(SUFFIXES)
            if name not in self._names:
                self._names.add(name)
                return name + self.rng.choice(SUFFIXES)
        raise RuntimeError("ran out of made-up names")

    def _routine(self) -> str:
        return self.rng.choice(ROUTINE).format(
            a=self._name(unique=False), n=self.rng.randint(2, 40), city=self.rng.choice(CITIES)
        )

    def publish(self, dispute_share: float) -> Published:
        """Add one item, now, to a random feed; return it."""
        feed = self.rng.choice(self.feeds)
        self._serial += 1
        dispute = self.rng.random() < dispute_share
        bad = feed.kind == "bad" and not dispute and self.rng.random() < 0.5
        if dispute:
            title = self.rng.choice(DISPUTES).format(
                a=self._name(), b=self._name(), app=self._name()
            )
        else:
            title = self._routine()
        if bad:  # a NUL character (PostgreSQL refuses it) or a lone surrogate
            title += self.rng.choice(("\x00 (draft)", " &#xD800; (draft)"))
        item = Published(feed.n, f"soak-{feed.n}-{self._serial}", title, _now(), dispute, bad)
        feed.items.insert(0, item)
        del feed.items[self.window :]
        feed.version += 1
        self._render(feed)
        self.published[item.guid] = item
        return item

    def _render(self, feed: FarmFeed) -> None:
        parts = []
        for item in feed.items:
            # The bad markers are written raw: "&#xD800;" stays a character reference.
            title = escape(item.title).replace("&amp;#xD800;", "&#xD800;")
            parts.append(
                f"<item><title>{title}</title>"
                f'<guid isPermaLink="false">{item.guid}</guid>'
                f"<link>https://farm.example/{feed.n}/{item.guid}</link>"
                f"<pubDate>{format_datetime(item.at)}</pubDate>"
                f"<description>Our own text about {title}.</description></item>"
            )
        feed.body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Soak feed {feed.n}</title><link>https://farm.example/{feed.n}/</link>"
            "<language>en</language><description>soak</description>"
            + "".join(parts)
            + "</channel></rss>"
        ).encode()

    async def start(self) -> None:
        """Listen on a random port of 127.0.0.1."""
        app = web.Application()
        app.router.add_get("/f/{n}.xml", self._handle)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            feed = self.feeds[int(request.match_info["n"])]
        except (ValueError, IndexError):
            return web.Response(status=404)
        kind = feed.kind if self.faults else "ok"
        self.hits[kind] += 1
        if kind == "fail500":
            return web.Response(status=500, text="internal server error")
        if kind == "timeout":
            await asyncio.sleep(READ_TIMEOUT_S * 3)
        elif kind == "slow":
            await asyncio.sleep(self.rng.uniform(0.5, 3.0))
        etag = f'"v{feed.version}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=feed.body,
            headers={"ETag": etag, "Content-Type": "application/rss+xml; charset=utf-8"},
        )


# ----------------------------------------------------------------------------- processes


@dataclass
class Instance:
    """One OS process of a bot role (a restart is a new instance)."""

    pid: int
    started: float
    hwm_kb: int = 0
    cpu_s: float = 0.0
    ended: str = ""


class BotProcess:
    """A ``python -m bot run --role ROLE`` process that can be killed and started again."""

    def __init__(self, name: str, role: str, env: dict[str, str], logdir: Path) -> None:
        self.name = name
        self.role = role
        self.port = _free_port()
        self.env = {**env, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(self.port)}
        self.log = logdir / f"{name}.log"
        self.instances: list[Instance] = []
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start a new instance (its output is appended to the log)."""
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--role", self.role],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=out,
            )
        self.instances.append(Instance(self.popen.pid, time.monotonic()))

    def sample(self) -> None:
        """Read the running instance's peak memory and CPU time from /proc."""
        if self.popen is None or self.popen.poll() is not None:
            return
        inst = self.instances[-1]
        try:
            status = Path(f"/proc/{inst.pid}/status").read_text()
            stat = Path(f"/proc/{inst.pid}/stat").read_text()
        except OSError:
            return
        match = HWM_RE.search(status)
        if match:
            inst.hwm_kb = max(inst.hwm_kb, int(match.group(1)))
        fields = stat.rsplit(")", 1)[1].split()
        inst.cpu_s = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime

    def kill9(self) -> None:
        """SIGKILL the running instance and reap it."""
        if self.popen is not None and self.popen.poll() is None:
            self.sample()
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(10)
            self.instances[-1].ended = "SIGKILL"

    async def terminate(self, deadline: float = 30.0) -> float | None:
        """SIGTERM the running instance; return how long it took to exit (None: killed)."""
        if self.popen is None or self.popen.poll() is not None:
            return None
        self.sample()
        began = time.monotonic()
        self.popen.send_signal(signal.SIGTERM)
        popen = self.popen
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(popen.wait, deadline)
        took = time.monotonic() - began
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)
            self.instances[-1].ended = f"SIGTERM ignored for {deadline:.0f} s, killed"
            return None
        self.instances[-1].ended = f"SIGTERM, exit {self.popen.returncode} in {took:.1f} s"
        return took

    @property
    def alive(self) -> bool:
        """Say whether the current instance runs."""
        return self.popen is not None and self.popen.poll() is None

    async def healthy(self) -> bool:
        """Ask /healthz."""
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.get(
                    f"http://127.0.0.1:{self.port}/healthz", timeout=aiohttp.ClientTimeout(2)
                ) as r,
            ):
                return r.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    def stalls(self) -> list[int]:
        """Every stall over 200 ms this process logged, in ms."""
        return [ms for ms, _ in self._stalls()]

    def busy_stalls(self) -> list[int]:
        """The stalls during which the process itself ran at least BUSY_MS, in ms."""
        return [ms for ms, ran in self._stalls() if ran is None or ran >= BUSY_MS]

    def _stalls(self) -> list[tuple[int, int | None]]:
        text = self.log.read_text("utf-8", "replace") if self.log.exists() else ""
        return [(int(ms), int(ran) if ran else None) for ms, ran in STALL_RE.findall(text)]


async def wait_healthy(procs: list[BotProcess], deadline_s: float = 60.0) -> None:
    """Wait until every process answers /healthz with 200."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        states = [await p.healthy() for p in procs]
        if all(states):
            return
        for p in procs:
            if not p.alive:
                raise RuntimeError(f"{p.name} exited; see {p.log}")
        await asyncio.sleep(0.3)
    raise RuntimeError(f"not healthy after {deadline_s:.0f} s: {[p.name for p in procs]}")


# ----------------------------------------------------------------------------- database


async def prepare(settings: Settings, farm: Farm, due: datetime) -> None:
    """Re-create the schema, add every feed (due at ``due``) and an alert channel."""
    await _reset_postgres(settings.database_url)
    app = App(settings, console=False, web=False)
    await app.open()
    try:
        async with app.database.sessions.begin() as session:
            for feed in farm.feeds:
                await repo.add_feed(session, farm.url(feed.n), now=_now(), interval_s=POLL_MIN_S)
            await session.execute(update(FeedRow).values(next_poll_at=due))
        await app.guilds.set_channel(GUILD_ID, CHANNEL_ID)
    finally:
        await app.close()


async def count_polled_since(app: App, since: datetime) -> int:
    """Count the feeds polled (successfully or not) at or after ``since``."""
    async with app.database.sessions() as session:
        n = await session.scalar(
            select(func.count()).select_from(FeedRow).where(FeedRow.last_polled_at >= since)
        )
    return int(n or 0)


async def first_pass(
    pollers: int, settings: Settings, farm: Farm, env: dict[str, str], logdir: Path
) -> dict[str, Any]:
    """Time one poll of every feed (all items new) by ``pollers`` poller processes."""
    farm.faults = False
    farm.reset()
    margin = 8.0 + 4.0 * pollers
    due = _now() + timedelta(seconds=margin)
    await prepare(settings, farm, due)
    procs = [
        BotProcess(f"pass{pollers}-poller-{i + 1}", "poller", env, logdir) for i in range(pollers)
    ]
    admin = App(settings, console=False, web=False)
    try:
        for p in procs:
            p.start()
        await wait_healthy(procs)
        if _now() >= due:
            raise RuntimeError("the pollers started after the round was due: raise the margin")
        total = len(farm.feeds)
        end = time.monotonic() + 600
        done: datetime | None = None
        while time.monotonic() < end:
            for p in procs:
                p.sample()
            if await count_polled_since(admin, due) >= total:
                done = _now()
                break
            await asyncio.sleep(0.2)
        if done is None:
            raise RuntimeError("first pass not finished in 600 s")
        async with admin.database.sessions() as session:
            entries = int(await session.scalar(select(func.count()).select_from(EntryRow)) or 0)
        seconds = (done - due).total_seconds()
        for p in procs:
            p.sample()
        return {
            "pollers": pollers,
            "feeds": total,
            "entries": entries,
            "seconds": seconds,
            "feeds_per_s": total / seconds,
            "cpu_s": [round(i.cpu_s, 1) for p in procs for i in p.instances],
            "peak_mb": [round(i.hwm_kb / 1024) for p in procs for i in p.instances],
            "stalls_ms": [s for p in procs for s in p.stalls()],
            "busy_stalls_ms": [s for p in procs for s in p.busy_stalls()],
        }
    finally:
        for p in procs:
            await p.terminate()
        await admin.close()


# ----------------------------------------------------------------------------- the soak


@dataclass
class SoakConfig:
    """What the soak phase does."""

    minutes: float
    kill_every: float
    rate: float  # items published per second over the whole farm
    dispute_share: float
    drain: float
    seed: int


async def soak(
    cfg: SoakConfig, settings: Settings, farm: Farm, env: dict[str, str], logdir: Path
) -> dict[str, Any]:
    """Run the pollers and the Discord process under arrivals and kills; measure everything."""
    rng = random.Random(cfg.seed + 1)
    fake = FakeDiscord()
    FakeGateway(fake)
    await fake.start()
    discord_env = {
        **env,
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE": fake.base_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }
    procs = [
        BotProcess("poller-1", "poller", env, logdir),
        BotProcess("poller-2", "poller", env, logdir),
        BotProcess("discord", "discord", discord_env, logdir),
    ]
    admin = App(settings, console=False, web=False)
    kills: list[tuple[float, str]] = []
    stop_times: dict[str, float | None] = {}  # None: did not exit within 30 s
    soak_start = _now()
    try:
        for p in procs:
            p.start()
        await wait_healthy(procs)
        farm.faults = True
        began = time.monotonic()
        end = began + cfg.minutes * 60
        next_kill = began + cfg.kill_every
        carry = 0.0
        last_tick = began
        while time.monotonic() < end:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            carry += (now - last_tick) * cfg.rate
            last_tick = now
            while carry >= 1.0:
                farm.publish(cfg.dispute_share)
                carry -= 1.0
            for p in procs:
                p.sample()
            if now >= next_kill:
                victim = rng.choice(procs)
                victim.kill9()
                kills.append((round(now - began), victim.name))
                victim.start()
                next_kill = now + cfg.kill_every
            for p in procs:  # a process that died by itself is restarted, and said so
                if not p.alive:
                    p.instances[-1].ended = f"exited by itself ({p.popen and p.popen.returncode})"
                    p.start()
        arrivals_end = _now()
        # Drain: every feed can be polled once more, then wait for an empty outbox.
        drain_end = time.monotonic() + cfg.drain
        settle = time.monotonic() + POLL_MAX_S + 15
        while time.monotonic() < drain_end:
            await asyncio.sleep(2.0)
            for p in procs:
                p.sample()
            if time.monotonic() >= settle and await _outbox_busy(admin) == 0:
                break
        drained_s = (_now() - arrivals_end).total_seconds()
        for p in procs:
            took = await p.terminate()
            stop_times[p.name] = None if took is None else round(took, 1)
        report = await analyse(admin, farm, fake, soak_start, settings.alert_min_score)
        report.update(
            {
                "kills": kills,
                "drain_s": round(drained_s),
                "stop_s": stop_times,
                "processes": {
                    p.name: {
                        "instances": len(p.instances),
                        "peak_mb": round(max(i.hwm_kb for i in p.instances) / 1024),
                        "cpu_s": round(sum(i.cpu_s for i in p.instances), 1),
                        "stalls_ms": p.stalls(),
                        "busy_stalls_ms": p.busy_stalls(),
                        "ended": [i.ended for i in p.instances],
                    }
                    for p in procs
                },
                "farm_hits": dict(farm.hits),
                "leases_left": await _leases_left(admin, farm, procs, soak_start),
            }
        )
        return report
    finally:
        for p in procs:
            if p.alive:
                p.kill9()
        await admin.close()
        await fake.close()


async def _outbox_busy(app: App) -> int:
    async with app.database.sessions() as session:
        n = await session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.status.in_(("pending", "sending")))
        )
    return int(n or 0)


async def _leases_left(
    app: App, farm: Farm, procs: list[BotProcess], since: datetime
) -> dict[str, Any]:
    """Rows still leased after every process stopped, by how their holder ended."""
    now = _now()
    ended = {i.pid: i.ended.split(",")[0] for p in procs for i in p.instances}
    async with app.database.sessions() as session:
        leased = list(
            (
                await session.execute(
                    select(FeedRow.url, FeedRow.lease_owner).where(FeedRow.lease_until > now)
                )
            ).all()
        )
        stored = set(
            await session.scalars(select(EntryRow.guid).where(EntryRow.guid.like("soak-%")))
        )
        sending = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "sending")
        )
    holders: Counter[str] = Counter()
    held_feeds: set[int] = set()
    for url, owner in leased:
        pid = int(owner.split(":")[1]) if owner and owner.count(":") >= 2 else -1
        holders[ended.get(pid, "unknown holder")] += 1
        held_feeds.add(int(url.rsplit("/", 1)[1].split(".")[0]))
    waiting = [
        p
        for p in farm.published.values()
        if p.at >= since and p.feed in held_feeds and p.guid not in stored
    ]
    return {
        "feeds_by_holder": dict(holders),
        "items_not_stored_behind_them": len(waiting),
        "disputes_not_stored_behind_them": sum(p.dispute for p in waiting),
        "outbox_sending": int(sending or 0),
    }


async def analyse(
    app: App, farm: Farm, fake: FakeDiscord, since: datetime, min_score: float
) -> dict[str, Any]:
    """Compare what the farm published, what the database holds and what Discord received."""
    published = {g: p for g, p in farm.published.items() if p.at >= since}
    async with app.database.sessions() as session:
        entries = list(
            (
                await session.execute(
                    select(EntryRow.guid, EntryRow.first_seen_at, EntryRow.story_id).where(
                        EntryRow.guid.like("soak-%")
                    )
                )
            ).all()
        )
        story_ids = {e.story_id for e in entries if e.story_id is not None}
        stories = {
            s.id: s
            for s in await session.scalars(select(StoryRow).where(StoryRow.id.in_(story_ids)))
        }
        outbox = list(
            await session.scalars(
                select(OutboxRow).where(OutboxRow.destination == f"channel:{CHANNEL_ID}")
            )
        )
        disabled = int(
            await session.scalar(
                select(func.count()).select_from(FeedRow).where(FeedRow.status == "disabled")
            )
            or 0
        )
        quoting_sql = int(
            await session.scalar(
                select(func.count())
                .select_from(FeedRow)
                .where(FeedRow.last_error.like("%[SQL%") | FeedRow.disabled_reason.like("%[SQL%"))
            )
            or 0
        )
    stored = {e.guid: e for e in entries if e.guid in published}
    by_story: dict[int, list[Any]] = defaultdict(list)
    for e in stored.values():
        if e.story_id is not None:
            by_story[e.story_id].append(e)
    # Stories the channel should get: a dispute (labels) at or above the minimum score.
    wanted = {sid for sid in by_story if stories[sid].labels and stories[sid].score >= min_score}
    story_by_nonce = {r.nonce: r.story_id for r in outbox if r.story_id is not None}
    notices = {r.nonce for r in outbox if r.story_id is None}
    messages = [m for chan in fake.channels.values() for m in chan.values()]
    per_story: dict[int, list[dict[str, Any]]] = defaultdict(list)
    unknown = 0
    for m in messages:
        sid = story_by_nonce.get(str(m.get("nonce")))
        if sid is None:
            unknown += str(m.get("nonce")) not in notices
        else:
            per_story[sid].append(m)
    lost = sorted(wanted - set(per_story))
    doubled = {sid: len(ms) for sid, ms in per_story.items() if len(ms) > 1}
    posts = fake.requests_for("POST", r"/channels/\d+/messages$")
    resent = sum(n - 1 for n in Counter(str(p.json.get("nonce")) for p in posts).values() if n > 1)
    from_pub: list[float] = []
    from_poll: list[float] = []
    for sid in wanted & set(per_story):
        first_msg = min(datetime.fromisoformat(m["timestamp"]) for m in per_story[sid])
        items = by_story[sid]
        pub = min(published[e.guid].at for e in items)
        seen = min(e.first_seen_at for e in items)
        from_pub.append((first_msg - pub).total_seconds())
        from_poll.append((first_msg - seen).total_seconds())
    kinds = Counter(farm.feeds[p.feed].kind for p in published.values())
    stored_kinds = Counter(farm.feeds[published[g].feed].kind for g in stored)
    disputes = [p for p in published.values() if p.dispute]
    return {
        "published": len(published),
        "published_disputes": len(disputes),
        "published_bad": sum(p.bad for p in published.values()),
        "stored": len(stored),
        "stored_disputes": sum(published[g].dispute for g in stored),
        "by_kind": {k: f"{stored_kinds.get(k, 0)}/{n}" for k, n in sorted(kinds.items())},
        "dispute_stories": len(wanted),
        "alerted_stories": len(wanted & set(per_story)),
        "lost": len(lost),
        "lost_story_ids": lost[:20],
        "doubled": len(doubled),
        "messages": len(messages),
        "messages_unknown_nonce": unknown,
        "notice_messages": sum(str(m.get("nonce")) in notices for m in messages),
        "resent_same_nonce": resent,
        "outbox_status": dict(Counter(r.status for r in outbox)),
        "pub_to_alert": {"p50": _pct(from_pub, 0.5), "p95": _pct(from_pub, 0.95)},
        "poll_to_alert": {"p50": _pct(from_poll, 0.5), "p95": _pct(from_poll, 0.95)},
        "disabled_feeds": disabled,
        "errors_quoting_sql": quoting_sql,
    }


# ----------------------------------------------------------------------------- output


def print_first_pass(runs: list[dict[str, Any]]) -> None:
    """Print the first-pass table and the ratio of 2 pollers to 1."""
    print("first pass (every item new, no faults, PARSE_WORKERS=0):")
    print("pollers  feeds  entries  seconds  feeds/s  cpu s per process  peak MB  stalls>200ms")
    for r in runs:
        stalls = r["stalls_ms"]
        worst = f" (max {max(stalls)} ms; {len(r['busy_stalls_ms'])} busy)" if stalls else ""
        print(
            f"{r['pollers']:>7}  {r['feeds']:>5}  {r['entries']:>7}  {r['seconds']:>7.1f}"
            f"  {r['feeds_per_s']:>7.1f}  {r['cpu_s']!s:>17}  {r['peak_mb']!s:>7}"
            f"  {len(stalls)}{worst}"
        )
    ones = [r["feeds_per_s"] for r in runs if r["pollers"] == 1]
    twos = [r["feeds_per_s"] for r in runs if r["pollers"] == 2]
    if ones and twos:
        ratio = statistics.median(twos) / statistics.median(ones)
        print(f"throughput, 2 pollers / 1 (medians): {ratio:.2f}x  (goal >= 1.7x)")


def print_soak(r: dict[str, Any], minutes: float) -> None:
    """Print the soak's figures."""
    print(f"\nsoak: {minutes:g} min, kills at (s, process): {r['kills']}, drain {r['drain_s']} s")
    print(
        f"items published {r['published']} (disputes {r['published_disputes']}, "
        f"bad {r['published_bad']}) / stored {r['stored']} "
        f"(disputes {r['stored_disputes']}) / dispute stories {r['dispute_stories']}, "
        f"alerted {r['alerted_stories']}"
    )
    print(f"stored/published by feed kind: {r['by_kind']}")
    print(
        f"alerts lost: {r['lost']}  posted twice: {r['doubled']}  "
        f"(messages {r['messages']}, of which notices {r['notice_messages']}; re-sends with "
        f"a known nonce {r['resent_same_nonce']}; messages matching no outbox row "
        f"{r['messages_unknown_nonce']})"
    )
    if r["lost"]:
        print(f"  lost story ids (first 20): {r['lost_story_ids']}")
    print(f"outbox rows by status: {r['outbox_status']}")
    pub, poll = r["pub_to_alert"], r["poll_to_alert"]
    print(f"publication -> alert: p50 {_fmt(pub['p50'])}, p95 {_fmt(pub['p95'])}")
    print(f"poll that stored it -> alert: p50 {_fmt(poll['p50'])}, p95 {_fmt(poll['p95'])}")
    print(
        f"feeds disabled: {r['disabled_feeds']}; "
        f"feeds whose stored error quotes SQL: {r['errors_quoting_sql']}"
    )
    print(f"left after SIGTERM: {r['leases_left']}; SIGTERM -> exit: {r['stop_s']}")
    print("process     instances  peak MB  cpu s  stalls>200ms")
    for name, p in r["processes"].items():
        stalls = p["stalls_ms"]
        worst = f" (max {max(stalls)} ms; {len(p['busy_stalls_ms'])} busy)" if stalls else ""
        print(
            f"{name:<10}  {p['instances']:>9}  {p['peak_mb']:>7}  {p['cpu_s']:>5}"
            f"  {len(stalls)}{worst}"
        )
    print(f"farm answers by feed kind: {r['farm_hits']}")


async def main(args: argparse.Namespace, logdir: Path) -> dict[str, Any]:
    """Run the phases, print the figures and return them."""
    if "@127.0.0.1" not in args.database_url:
        raise SystemExit("the soak drops the schema of its database: use a local one")
    rng = random.Random(args.seed)
    env = cli_env(
        args.database_url,
        LOG_LEVEL="info",
        PARSE_WORKERS="0",
        FETCH_PER_HOST="20",
        FETCH_READ_TIMEOUT=str(READ_TIMEOUT_S),
        FETCH_CONNECT_TIMEOUT="2",
        POLL_INTERVAL_MIN=str(POLL_MIN_S),
        POLL_INTERVAL_DEFAULT=str(POLL_MIN_S),
        POLL_INTERVAL_MAX=str(POLL_MAX_S),
    )
    settings = Settings.from_env({**env, "WEB_PORT": "0"})
    farm = Farm(args.feeds, args.entries, args.window, rng)
    await farm.start()
    print(
        f"# soak: {args.feeds} feeds x {args.entries} items on 127.0.0.1:{farm.port}; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; logs in {logdir}"
    )
    print(f"# feed kinds: {dict(Counter(f.kind for f in farm.feeds))}")
    results: dict[str, Any] = {"first_pass": []}
    try:
        for _ in range(args.repeat):
            for pollers in (1, 2):
                run = await first_pass(pollers, settings, farm, env, logdir)
                results["first_pass"].append(run)
                print(
                    f"#   first pass, {pollers} poller(s): {run['seconds']:.1f} s",
                    flush=True,
                )
        print_first_pass(results["first_pass"])
        if not args.first_pass_only:
            cfg = SoakConfig(
                minutes=args.minutes,
                kill_every=args.kill_every,
                rate=args.rate,
                dispute_share=args.dispute_share,
                drain=args.drain,
                seed=args.seed,
            )
            results["soak"] = await soak(cfg, settings, farm, env, logdir)
            print_soak(results["soak"], args.minutes)
    finally:
        await farm.close()
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=6.0, help="length of the soak phase")
    ap.add_argument("--feeds", type=int, default=2000)
    ap.add_argument("--entries", type=int, default=20, help="items per feed at the first pass")
    ap.add_argument("--window", type=int, default=30, help="items a feed keeps")
    ap.add_argument("--kill-every", type=float, default=90.0, help="seconds between kill -9")
    ap.add_argument("--rate", type=float, default=4.0, help="items published per second")
    ap.add_argument("--dispute-share", type=float, default=0.15)
    ap.add_argument("--drain", type=float, default=240.0, help="longest wait after arrivals stop")
    ap.add_argument("--repeat", type=int, default=1, help="first passes of 1 and of 2 pollers")
    ap.add_argument("--first-pass-only", action="store_true")
    ap.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--logs", help="folder for the processes' logs (default: a new temp dir)")
    ap.add_argument("--json", help="also write every figure to this file")
    args = ap.parse_args(argv)
    if not 0.5 <= args.minutes <= 120 or not 1 <= args.feeds <= 20_000:
        ap.error("--minutes must be 0.5..120 and --feeds 1..20000")
    if args.kill_every < 10 or not 1 <= args.repeat <= 5:
        ap.error("--kill-every must be >= 10 s and --repeat 1..5")
    return args


def run(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line."""
    args = parse_args(argv)
    logdir = Path(args.logs or tempfile.mkdtemp(prefix="soak-"))
    logdir.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(main(args, logdir))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(run())
