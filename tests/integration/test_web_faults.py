"""The web side under hostile parameters and with the database down: 400 and 503, never 500."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import feedparser
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.errors import StorageError
from bot.feeds.service import FeedService
from bot.storage.db import Database
from bot.stories.service import StoryService
from bot.web import build_app
from tests.unit.test_web_fakes import NOW, FakeHealth, sample_data

HOSTILE = [
    "limit=%C2%B2",  # "²": a Unicode digit that str.isdigit() accepts
    "offset=%D9%A3",  # "٣": an Arabic-Indic digit
    "limit=%EF%BC%95",  # "５": a full-width digit
    "since=9999-12-31T23:59:59-23:59",  # a real time that is past year 9999 in UTC
    "since=0001-01-01T00:00:00%2B23:59",  # and one before year 1
    "since=2026-02-30",  # no such day
]


@pytest.fixture
async def client() -> AsyncIterator[TestClient[Any, Any]]:
    stories, feeds = sample_data()
    app = build_app(stories=stories, feeds=feeds, health=FakeHealth(), clock=lambda: NOW)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


def _takes(path: str, query: str) -> bool:
    name = query.split("=", 1)[0]
    if path == "/":
        return name == "offset"
    return path == "/api/stories" or name != "limit"


CASES = [
    (path, query)
    for path in ("/api/stories", "/search?q=apple", "/")
    for query in HOSTILE
    if _takes(path, query)
]


@pytest.mark.parametrize(("path", "query"), CASES)
async def test_hostile_numbers_and_dates_are_400(
    client: TestClient[Any, Any], path: str, query: str
) -> None:
    resp = await client.get(f"{path}{'&' if '?' in path else '?'}{query}")
    assert resp.status == 400, await resp.text()
    name = query.split("=", 1)[0]
    assert name in await resp.text()


def _down_urls(tmp_path: Path) -> list[str]:
    # A SQLite "file" that is a directory cannot be opened; nothing listens on port 1.
    (tmp_path / "dir.db").mkdir()
    return [
        f"sqlite+aiosqlite:///{tmp_path / 'dir.db'}",
        "postgresql+asyncpg://postgres@127.0.0.1:1/nothing",
    ]


@pytest.mark.parametrize("which", [0, 1], ids=["sqlite", "postgres"])
@pytest.mark.parametrize(
    "path", ["/api/stories", "/api/stories?q=apple", "/", "/search?q=apple", "/stories/1"]
)
async def test_database_down_is_503_without_sql(tmp_path: Path, which: int, path: str) -> None:
    database = Database(_down_urls(tmp_path)[which])
    # Listing feeds needs neither the fetcher nor the poller.
    feeds = FeedService(database, cast(Any, None), cast(Any, None), default_interval=900)
    app = build_app(
        stories=StoryService(database, clock=lambda: NOW),
        feeds=feeds,
        health=FakeHealth(),
        clock=lambda: NOW,
    )
    try:
        async with TestClient(TestServer(app, host="127.0.0.1")) as c:
            resp = await c.get(path)
            body = await resp.text()
    finally:
        await database.dispose()
    assert resp.status == 503, body
    assert "database is not available" in body
    assert "SELECT" not in body and "sqlalche" not in body


@pytest.mark.parametrize("which", [0, 1], ids=["sqlite", "postgres"])
async def test_story_reads_raise_storage_error_without_sql(tmp_path: Path, which: int) -> None:
    database = Database(_down_urls(tmp_path)[which])
    service = StoryService(database, clock=lambda: NOW)
    try:
        calls: list[Callable[[], Awaitable[object]]] = [
            service.latest,
            lambda: service.search("apple"),
            lambda: service.story(1),
            lambda: service.dispute(1),
            service.weekly_counts,
            service.counts,
        ]
        for call in calls:
            with pytest.raises(StorageError) as caught:
                await call()
            message = str(caught.value)
            assert "SELECT" not in message and "sqlalche" not in message
            assert "\n" not in message
    finally:
        await database.dispose()


async def test_public_url_wins_over_a_hostile_host_header() -> None:
    stories, feeds = sample_data()
    app = build_app(
        stories=stories,
        feeds=feeds,
        health=FakeHealth(),
        clock=lambda: NOW,
        public_url="https://disputes.example.org/watch",
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        resp = await c.get("/feed.atom?label=cutoff", headers={"Host": "evil.example:666"})
        body = await resp.text()
    assert resp.status == 200, body
    assert "evil.example" not in body
    parsed = feedparser.parse(body)
    links = [link.href for link in parsed.feed.links]
    assert "https://disputes.example.org/watch/feed.atom?label=cutoff" in links
    assert "https://disputes.example.org/watch/" in links
    related = [
        link.href for entry in parsed.entries for link in entry.links if link.rel == "related"
    ]
    assert related and all(
        h.startswith("https://disputes.example.org/watch/stories/") for h in related
    )


async def test_without_public_url_the_request_origin_is_used(
    client: TestClient[Any, Any],
) -> None:
    resp = await client.get("/feed.atom", headers={"Host": "reader.example:8080"})
    parsed = feedparser.parse(await resp.text())
    assert "http://reader.example:8080/" in [link.href for link in parsed.feed.links]
