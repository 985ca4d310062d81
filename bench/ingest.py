"""Ingestion benchmark: a local farm of feeds polled by disputewatch and by the `reader` library.

    python bench/ingest.py [--feeds 500] [--entries 50] [--no-reader]

Three passes per tool, each in a fresh process (so peak memory is per pass). The farm runs in
a thread of this driver process, never in a tool's process, so neither tool is charged its CPU,
and both tools are timed the same way: around their one "update every feed" call.
  new   every feed polled for the first time (all entries stored)
  304   nothing changed, the server answers 304 to conditional requests
  200   nothing changed, the server sends the full body again with no validators

`reader` (https://pypi.org/project/reader/) is installed only for this benchmark
(`pip install reader sgmllib3k`); it is not a dependency of disputewatch. Prints one table;
nothing here touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSES = ("new", "304", "200")


# ----------------------------------------------------------------------------- the farm


def make_feed(n: int, entries: int) -> bytes:
    """An RSS document of our own synthetic text."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    items = []
    for k in range(entries):
        when = format_datetime(start - timedelta(hours=k))
        items.append(
            f"<item><title>Feed {n} story {k}: a company changes its developer policy</title>"
            f"<link>https://farm.example/{n}/{k}?utm_source=rss</link>"
            f'<guid isPermaLink="false">farm-{n}-{k}</guid><pubDate>{when}</pubDate>'
            f"<description>&lt;p&gt;Paragraph {k} of feed {n}: the platform said partners "
            "would keep access to the interface until next year.&lt;/p&gt;</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Farm feed {n}</title><link>https://farm.example/{n}/</link>"
        "<description>benchmark</description><language>en</language>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


class Farm:
    """An aiohttp server in a thread of the driver serving N feeds; validators can be switched off.

    The tools run in their own processes (``run_pass``), so the farm shares neither their event
    loop nor their CPU accounting; both tools are served by the same farm.
    """

    def __init__(self, feeds: int, entries: int) -> None:
        self.bodies = [make_feed(n, entries) for n in range(feeds)]
        self.validators = True
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/feed/{n}.xml"

    def _run(self) -> None:
        from aiohttp import web

        async def handle(request: web.Request) -> web.Response:
            n = int(request.match_info["n"])
            etag = f'"farm-{n}"'
            headers = {"Content-Type": "application/rss+xml; charset=utf-8"}
            if self.validators:
                headers["ETag"] = etag
                headers["Last-Modified"] = "Sun, 01 Nov 2026 00:00:00 GMT"
                if request.headers.get("If-None-Match") == etag:
                    return web.Response(status=304, headers=headers)
            return web.Response(body=self.bodies[n], headers=headers)

        async def main() -> None:
            app = web.Application()
            app.router.add_get("/feed/{n}.xml", handle)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
            await site.start()
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self._ready.set()
            await asyncio.Event().wait()

        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(main())


# ----------------------------------------------------------------------------- workers


def _peak_mb(workers_kb: int | None = None) -> float:
    """Peak resident memory of this process plus its parse workers' peaks.

    ``workers_kb`` is the sum of the workers' own peaks when they could be read (Linux); else
    the largest finished child's peak is added, which undercounts several workers.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if workers_kb is None:
        workers_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + workers_kb) / 1024


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _workers_peak_kb(parser: Any) -> int | None:
    """Sum of the parse workers' peak resident memory (VmHWM), read before they stop."""
    executor = getattr(parser, "_executor", None)
    processes = getattr(executor, "_processes", None) or {}
    total = 0
    for pid in list(processes):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total


async def _ours(args: argparse.Namespace) -> dict[str, Any]:
    from bot.feeds.fetch import FetchConfig, Fetcher
    from bot.feeds.parsepool import ParserPool
    from bot.feeds.poller import Poller, PollSettings
    from bot.storage import repository as repo
    from bot.storage import stories_repo
    from bot.storage.db import Database

    database = Database(f"sqlite+aiosqlite:///{args.db}")
    await database.upgrade()
    now = datetime.now(UTC)
    if args.pass_name == "new":
        async with database.sessions() as session, session.begin():
            for n in range(args.feeds):
                await repo.add_feed(session, f"{args.base}/feed/{n}.xml", now=now, interval_s=900)
    fetcher = Fetcher(FetchConfig(allow_private=True, concurrency=20, per_host=20))
    parser = ParserPool(args.parse_workers)
    poller = Poller(database, fetcher, PollSettings(), parser=parser)
    cpu, wall = time.process_time(), time.perf_counter()
    report = await poller.poll_due(force=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    workers_kb = _workers_peak_kb(parser)
    parser.close()  # waits for the workers, so their CPU time is counted below
    workers_cpu = _children_cpu()
    await fetcher.close()
    async with database.sessions() as session:
        stored = (await stories_repo.counts(session))["entries"]
    await database.dispose()
    failed = len(report.failed)
    return {
        "wall": wall,
        "cpu": cpu + workers_cpu,
        "main_cpu": cpu,
        "workers_kb": workers_kb,
        "feeds": len(report.results),
        "stored": stored,
        "failed": failed,
    }


def _reader(args: argparse.Namespace) -> dict[str, Any]:
    from reader import make_reader

    reader = make_reader(str(args.db))
    if args.pass_name == "new":
        for n in range(args.feeds):
            reader.add_feed(f"{args.base}/feed/{n}.xml", exist_ok=True)
    cpu, wall = time.process_time(), time.perf_counter()
    reader.update_feeds(workers=20, scheduled=False)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    stored = reader.get_entry_counts().total
    feeds = reader.get_feed_counts()
    reader.close()
    return {"wall": wall, "cpu": cpu, "feeds": feeds.total, "stored": stored, "failed": 0}


def worker(args: argparse.Namespace) -> None:
    import logging

    logging.disable(logging.WARNING)
    result = asyncio.run(_ours(args)) if args.worker == "ours" else _reader(args)
    result["peak_mb"] = _peak_mb(result.pop("workers_kb", None))
    print(json.dumps(result))


# ----------------------------------------------------------------------------- driver


def run_pass(tool: str, name: str, base: str, db: Path, feeds: int, workers: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", tool, "--pass-name", name]
    cmd += ["--base", base, "--db", str(db), "--feeds", str(feeds)]
    cmd += ["--parse-workers", str(workers)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{tool} {name} failed:\n{out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--no-reader", action="store_true", help="skip the reader comparison")
    parser.add_argument(
        "--parse-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="feed-parsing processes for disputewatch (PARSE_WORKERS; 0 parses inline)",
    )
    parser.add_argument("--worker", choices=["ours", "reader"], help=argparse.SUPPRESS)
    parser.add_argument("--pass-name", choices=PASSES, help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    tools = ["ours"]
    if not args.no_reader:
        try:
            import reader  # noqa: F401

            tools.append("reader")
        except ImportError:
            print(
                "reader is not installed (pip install reader); comparing nothing", file=sys.stderr
            )
    farm = Farm(args.feeds, args.entries)
    farm.start()
    base = f"http://127.0.0.1:{farm.port}"
    checked = args.feeds * args.entries
    results: dict[tuple[str, str], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for tool in tools:
            db = Path(tmp) / f"{tool}.sqlite"
            for name in PASSES:
                farm.validators = name != "200"
                results[tool, name] = run_pass(tool, name, base, db, args.feeds, args.parse_workers)

    print(
        f"# ingest benchmark: {args.feeds} feeds x {args.entries} entries, local farm, "
        f"{args.parse_workers} parse workers"
    )
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(
        f"{'tool':7} {'pass':4} {'feeds/s':>9} {'entries/s':>10} {'cpu s':>7} "
        f"{'wall s':>7} {'peak MB':>8} {'stored':>7} {'failed':>6}"
    )
    for (tool, name), r in results.items():
        print(
            f"{tool:7} {name:4} {r['feeds'] / r['wall']:9.0f} {checked / r['wall']:10.0f} "
            f"{r['cpu']:7.2f} {r['wall']:7.2f} {r['peak_mb']:8.0f} {r['stored']:7d} "
            f"{r['failed']:6d}"
        )
    print(
        "(cpu s: every process of the tool, our parse workers included; peak MB: the tool's "
        "main process plus its parse workers)"
    )
    if "reader" in tools:
        print("\nratio (disputewatch / reader, feeds per second):")
        for name in PASSES:
            ours, theirs = results["ours", name], results["reader", name]
            ratio = (ours["feeds"] / ours["wall"]) / (theirs["feeds"] / theirs["wall"])
            print(f"  {name:4} {ratio:5.1f}x")


if __name__ == "__main__":
    main()
