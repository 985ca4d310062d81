"""Loop-stall benchmark: how long one big feed holds the event loop while it is polled or added.

    python bench/loopstall.py [--items 19000] [--parse-workers 0] [--database-url URL]

A local HTTP server (a thread of this process, so its work never runs on the measured loop)
serves one RSS feed of our own synthetic text: ``--items`` items of about 250 bytes, 2% of
them worded like dispute news so the story pipeline has work. Two scenarios, each on a fresh
database (a temporary SQLite file unless ``--database-url`` names an empty PostgreSQL database):

  poll  the feed is added with 10 items (its baseline), then serves all ``--items`` items:
        one poll stores and classifies them as new entries
  add   the feed is added with all its items at once (``FeedService.add``, as ``/feeds add``)

While each runs, a task that sleeps 10 ms in a loop records the longest gap between its wakes
beyond those 10 ms: the longest time anything else on the loop (web page, health check, slash
commands) would have waited. Prints one line per scenario. Nothing touches the network beyond
127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COMPANIES = ("Apple", "Google", "Microsoft", "Meta", "Amazon", "Epic Games", "Spotify", "Valve")


def make_feed(items: int) -> bytes:
    """An RSS document of ``items`` synthetic items, newest first."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    parts = []
    for k in range(items):
        when = format_datetime(start - timedelta(minutes=k))
        if k % 50 == 0:
            a = COMPANIES[k // 50 % len(COMPANIES)]
            b = COMPANIES[(k // 50 + 3) % len(COMPANIES)]
            title = f"{a} sues {b} over patent {k} in federal court"
            text = f"{a} filed a lawsuit against {b}, alleging the company infringed patent {k}."
        else:
            title = f"Story {k}: a company updates its docs"
            text = f"Paragraph {k}: it now covers the new interface."
        parts.append(
            f"<item><title>{title}</title><link>https://bench.example/{k}</link>"
            f"<guid>bench-{k}</guid><pubDate>{when}</pubDate>"
            f"<description>{text}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Loop stall bench</title><link>https://bench.example/</link>"
        "<description>benchmark</description><language>en</language>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode()


class FeedHost:
    """Serve one body at /feed.xml from a thread; the body can be swapped."""

    def __init__(self) -> None:
        self.body = b""
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(host.body)))
                self.end_headers()
                self.wfile.write(host.body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/feed.xml"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def longest_stall(work: Callable[[], Awaitable[Any]]) -> tuple[float, int, float, Any]:
    """Run ``work`` under a 10 ms ticker; return (longest gap, gaps > 200 ms, seconds, result)."""
    loop = asyncio.get_running_loop()
    longest = 0.0
    over = 0
    done = False

    async def tick() -> None:
        nonlocal longest, over
        while not done:
            before = loop.time()
            await asyncio.sleep(0.01)
            gap = loop.time() - before - 0.01
            longest = max(longest, gap)
            over += gap > 0.2

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    result = await work()
    elapsed = time.perf_counter() - started
    done = True
    await ticker
    return longest, over, elapsed, result


async def scenario(name: str, args: argparse.Namespace, host: FeedHost, body: bytes) -> str:
    from bot.app import classify_and_count
    from bot.feeds.fetch import FetchConfig, Fetcher
    from bot.feeds.parsepool import ParserPool
    from bot.feeds.poller import Poller, PollSettings
    from bot.feeds.service import FeedService
    from bot.storage import stories_repo
    from bot.storage.db import Database
    from bot.stories.pipeline import StoryPipeline

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        database = Database(url)
        if not database.is_sqlite:
            from sqlalchemy import text

            async with database.engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await database.upgrade()
        fetcher = Fetcher(FetchConfig(allow_private=True, read_timeout=60))
        parser = ParserPool(args.parse_workers)
        poller = Poller(
            database,
            fetcher,
            PollSettings(),
            pipeline=StoryPipeline(classifier=classify_and_count),
            parser=parser,
        )
        feeds = FeedService(database, fetcher, poller, default_interval=900)
        try:
            if name == "poll":
                host.body = make_feed(10)
                await feeds.add(host.url)
                host.body = body
                stall, over, elapsed, _ = await longest_stall(lambda: poller.poll_due(force=True))
            else:
                host.body = body
                stall, over, elapsed, _ = await longest_stall(lambda: feeds.add(host.url))
            async with database.sessions() as session:
                stored = (await stories_repo.counts(session))["entries"]
        finally:
            parser.close()
            await fetcher.close()
            await database.dispose()
    backend = "sqlite" if url.startswith("sqlite") else "postgresql"
    return (
        f"{name:<5} {backend:<10} items stored {stored:>6}   longest stall {stall * 1000:8.0f} ms"
        f"   stalls > 200 ms {over:>4}   total {elapsed:6.1f} s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=19_000)
    parser.add_argument("--parse-workers", type=int, default=0)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--only", choices=("poll", "add"))
    args = parser.parse_args()
    body = make_feed(args.items)
    print(
        f"feed: {args.items} items, {len(body) / 1e6:.1f} MB; "
        f"parse workers {args.parse_workers}; python {sys.version.split()[0]}"
    )
    host = FeedHost()
    try:
        for name in ("poll", "add"):
            if args.only in (None, name):
                print(await scenario(name, args, host, body), flush=True)
    finally:
        host.close()


if __name__ == "__main__":
    asyncio.run(main())
