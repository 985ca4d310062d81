"""`python -m bot scan` with a parse worker: big feeds are parsed in another process, once."""

from __future__ import annotations

from pathlib import Path

from tests.integration.cli import cli_env, run_cli
from tests.integration.feedserver import FeedServer
from tests.integration.rssgen import Item, rss


async def test_scan_with_a_parse_worker(db_url: str, tmp_path: Path) -> None:
    items = [Item(f"g{n}", f"Routine headline number {n}", "x" * 200) for n in range(150)]
    big = rss(items, title="Big outlet")
    assert len(big) > 20_000  # above the size parsed inline
    async with FeedServer() as server:
        server.set("/big.xml", big)
        env = cli_env(db_url, PARSE_WORKERS="1")
        added = await run_cli("feeds", "add", server.url("/big.xml"), env=env, cwd=tmp_path)
        assert added.code == 0, added.err
        fresh = [Item("new-1", "Fresh headline on a big feed", "y" * 200), *items]
        server.set("/big.xml", rss(fresh, title="Big outlet"))
        scan = await run_cli("scan", "--all", "--json", env=env, cwd=tmp_path)
        assert scan.code == 0, scan.err
        assert [r["title"] for r in scan.records()] == ["Fresh headline on a big feed"]
        assert server.hits("/big.xml") == 2  # a worker re-running the CLI would poll again
