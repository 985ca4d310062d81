"""The feeds and scan commands as a script would use them (subprocess, JSON lines, exit codes)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.cli import cli_env, run_cli
from tests.integration.feedserver import FeedServer
from tests.integration.rssgen import Item, rss

ITEMS = [Item(f"g{n}", f"Ordinary tech headline {n}") for n in range(3)]


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


async def test_add_list_scan_remove(db_url: str, server: FeedServer, tmp_path: Path) -> None:
    env = cli_env(db_url)
    server.set("/a.xml", rss(ITEMS, title="Outlet A"))
    server.set("/broken.xml", "nope", status=500)

    added = await run_cli("feeds", "add", server.url("/a.xml"), "--json", env=env, cwd=tmp_path)
    assert added.code == 0, added.err
    [feed] = added.records()
    assert feed["type"] == "feed" and feed["title"] == "Outlet A" and feed["created"] is True

    again = await run_cli("feeds", "add", server.url("/a.xml"), env=env, cwd=tmp_path)
    assert again.code == 0 and "already followed" in again.out

    # The first fetch was the baseline: nothing is new.
    scan = await run_cli("scan", "--all", "--json", env=env, cwd=tmp_path)
    assert scan.code == 0, scan.err
    assert scan.records() == []

    server.set("/a.xml", rss([Item("g9", "A fresh headline nobody saw"), *ITEMS], title="Outlet A"))
    bad = await run_cli("feeds", "import", str(_opml(tmp_path, server)), env=env, cwd=tmp_path)
    assert bad.code == 1  # one outline had no URL; the valid one was still added
    assert "1 feeds added" in bad.err and "1 skipped" in bad.err

    scan = await run_cli("scan", "--all", "--json", env=env, cwd=tmp_path)
    assert scan.code == 1  # the broken feed failed; the others were processed
    records = scan.records()
    assert [r["title"] for r in records if r["type"] == "entry"] == ["A fresh headline nobody saw"]
    assert records[0]["published"].endswith("Z")
    assert "broken.xml" in scan.err and "HTTP 500" in scan.err

    listing = await run_cli("feeds", "list", "--json", env=env, cwd=tmp_path)
    feeds = {r["url"].rsplit("/", 1)[-1]: r for r in listing.records()}
    assert set(feeds) == {"a.xml", "broken.xml"}
    assert feeds["broken.xml"]["error_count"] == 1 and "500" in feeds["broken.xml"]["last_error"]
    assert feeds["a.xml"]["last_poll"].endswith("Z")

    human = await run_cli("feeds", "list", env=env, cwd=tmp_path)
    assert "Outlet A" in human.out and "LAST ERROR" in human.out

    exported = await run_cli("feeds", "export", env=env, cwd=tmp_path)
    urls = {o.get("xmlUrl") for o in ET.fromstring(exported.out).iter("outline")}
    assert urls == {server.url("/a.xml"), server.url("/broken.xml")}

    removed = await run_cli(
        "feeds", "remove", str(feeds["broken.xml"]["id"]), env=env, cwd=tmp_path
    )
    assert removed.code == 0
    listing = await run_cli("feeds", "list", "--json", env=env, cwd=tmp_path)
    assert [r["title"] for r in listing.records()] == ["Outlet A"]


def _opml(tmp_path: Path, server: FeedServer) -> Path:
    path = tmp_path / "feeds.opml"
    path.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>'
        f'<outline type="rss" text="Broken" xmlUrl="{server.url("/broken.xml")}"/>'
        '<outline type="rss" text="No address"/>'
        "</body></opml>"
    )
    return path


async def test_add_discovers_the_feed_behind_a_web_page(
    db_url: str, server: FeedServer, tmp_path: Path
) -> None:
    server.set("/news/feed.xml", rss(ITEMS, title="Discovered outlet"))
    page = (
        "<html><head><title>News</title>"
        '<link rel="alternate" type="application/rss+xml" href="/news/feed.xml"></head>'
        "<body>hello</body></html>"
    )
    server.set("/news/", page, content_type="text/html; charset=utf-8")
    run = await run_cli("feeds", "add", server.url("/news/"), env=cli_env(db_url), cwd=tmp_path)
    assert run.code == 0, run.err
    assert "Discovered outlet" in run.out and "found on" in run.out
    assert server.url("/news/feed.xml") in run.out


async def test_private_addresses_are_refused_unless_allowed(db_url: str, tmp_path: Path) -> None:
    env = cli_env(db_url, ALLOW_PRIVATE_FEEDS="false")
    run = await run_cli("feeds", "add", "http://127.0.0.1:9/feed.xml", env=env, cwd=tmp_path)
    assert run.code == 2
    assert "127.0.0.1" in run.err and "ALLOW_PRIVATE_FEEDS" in run.err
    run = await run_cli("feeds", "add", "ftp://example.com/feed", env=env, cwd=tmp_path)
    assert run.code == 2 and "http" in run.err


async def test_usage_errors_and_version(db_url: str, tmp_path: Path) -> None:
    env = cli_env(db_url)
    version = await run_cli("--version", env=env, cwd=tmp_path)
    assert version.code == 0 and version.out.startswith("disputewatch ")
    bad = await run_cli("feeds", "frobnicate", env=env, cwd=tmp_path)
    assert bad.code == 2 and "invalid choice" in bad.err
    missing = await run_cli("feeds", "import", str(tmp_path / "nope.opml"), env=env, cwd=tmp_path)
    assert missing.code == 2 and "cannot read" in missing.err
    about = await run_cli("about", "--json", env=env, cwd=tmp_path)
    assert about.code == 0
    [info] = about.records()
    assert {"version", "feeds_active", "last_poll", "entries", "uptime_s"} <= set(info)
