"""The web server over real HTTP on 127.0.0.1, with in-memory services."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import feedparser
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.web import WebServer, build_app
from tests.unit.test_web_fakes import (
    NOW,
    XSS,
    FakeFeeds,
    FakeHealth,
    FakeStories,
    sample_data,
    sequence_ids,
)


@pytest.fixture
def services() -> tuple[FakeStories, FakeFeeds, FakeHealth]:
    stories, feeds = sample_data()
    return stories, feeds, FakeHealth()


@pytest.fixture
async def client(
    services: tuple[FakeStories, FakeFeeds, FakeHealth],
) -> AsyncIterator[TestClient[Any, Any]]:
    stories, feeds, health = services
    refreshed: list[bool] = []

    async def refresh() -> None:
        refreshed.append(True)
        metrics.set_feed_counts(await feeds.list())

    app = build_app(
        stories=stories, feeds=feeds, health=health, refresh_metrics=refresh, clock=lambda: NOW
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


# --- health ---------------------------------------------------------------------------------


async def test_healthz_ok_when_every_part_answers(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "poller", "alerts"}


@pytest.mark.parametrize("part", ["database", "poller", "alerts"])
async def test_healthz_503_names_the_failing_part(
    client: TestClient[Any, Any], services: tuple[FakeStories, FakeFeeds, FakeHealth], part: str
) -> None:
    services[2].checks[part] = {"ok": False, "detail": f"{part} is down"}
    resp = await client.get("/healthz")
    assert resp.status == 503
    body = await resp.json()
    assert body["status"] == "fail"
    assert body["failing"] == [part]
    assert body["checks"][part]["detail"] == f"{part} is down"


async def test_healthz_503_when_the_health_source_raises() -> None:
    stories, feeds = sample_data()

    async def broken() -> dict[str, dict[str, Any]]:
        raise RuntimeError("boom")

    async with TestClient(TestServer(build_app(stories=stories, feeds=feeds, health=broken))) as c:
        resp = await c.get("/healthz")
        assert resp.status == 503
        assert (await resp.json())["failing"] == ["health"]


# --- metrics --------------------------------------------------------------------------------


async def test_metrics_is_prometheus_text_with_every_metric(client: TestClient[Any, Any]) -> None:
    metrics.record_poll("ok", 0.2)
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(await resp.text())}
    for name in (
        "disputewatch_polls",
        "disputewatch_fetch_errors",
        "disputewatch_feed_fetch_seconds",
        "disputewatch_entries",
        "disputewatch_detections",
        "disputewatch_alerts_sent",
        "disputewatch_alerts_failed",
        "disputewatch_alerts_pending",
        "disputewatch_outbox_oldest_seconds",
        "disputewatch_feeds",
    ):
        assert name in families, name
    feeds = {s.labels["status"]: s.value for s in families["disputewatch_feeds"].samples}
    assert feeds == {"active": 2, "disabled": 1}  # set by the refresh callback


# --- JSON API -------------------------------------------------------------------------------


async def test_api_lists_latest_stories_newest_first(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/api/stories")
    assert resp.status == 200
    body = await resp.json()
    assert sequence_ids(body["stories"]) == [1, 4, 3, 2]
    assert body["limit"] == 20 and body["offset"] == 0 and body["next_offset"] is None


async def test_api_filters(client: TestClient[Any, Any]) -> None:
    body = await (await client.get("/api/stories?label=legal")).json()
    assert sequence_ids(body["stories"]) == [2]
    body = await (await client.get("/api/stories?lang=fr")).json()
    assert sequence_ids(body["stories"]) == [3]
    body = await (await client.get("/api/stories?party=meta")).json()
    assert sequence_ids(body["stories"]) == [3]
    body = await (await client.get("/api/stories?since=2026-03-02T06:00:00Z")).json()
    assert sequence_ids(body["stories"]) == [1, 4, 3]


async def test_api_pagination(client: TestClient[Any, Any]) -> None:
    first = await (await client.get("/api/stories?limit=2")).json()
    assert sequence_ids(first["stories"]) == [1, 4]
    assert first["next_offset"] == 2
    second = await (await client.get("/api/stories?limit=2&offset=2")).json()
    assert sequence_ids(second["stories"]) == [3, 2]
    assert second["next_offset"] is None


async def test_api_search(client: TestClient[Any, Any], services: Any) -> None:
    body = await (await client.get("/api/stories?q=epic+apple&limit=1")).json()
    assert body["total"] == 2
    assert len(body["stories"]) == 1
    assert "snippet" in body["stories"][0]
    assert body["next_offset"] == 1
    assert services[0].calls[-1][0] == "search"


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("label=spam", "label"),
        ("lang=de", "lang"),
        ("since=yesterday", "since"),
        ("q=" + "x" * 201, "q"),
        ("colour=red", "colour"),
    ],
)
async def test_api_validation_errors_are_400_json(
    client: TestClient[Any, Any], query: str, word: str
) -> None:
    resp = await client.get(f"/api/stories?{query}")
    assert resp.status == 400
    body = await resp.json()
    assert word in body["error"]


async def test_api_story_and_dispute_by_id(client: TestClient[Any, Any]) -> None:
    story = await client.get("/api/stories/1")
    assert story.status == 200
    assert (await story.json())["id"] == 1
    dispute = await client.get("/api/disputes/7")
    assert dispute.status == 200
    body = await dispute.json()
    assert body["id"] == 7
    for path in ("/api/stories/999", "/api/disputes/1", "/api/stories/99999999999999999999"):
        resp = await client.get(path)
        assert resp.status == 404
        assert "error" in await resp.json()
    assert (await client.get("/api/stories/abc")).status == 404


# --- Atom -----------------------------------------------------------------------------------


async def test_atom_feed_parses_cleanly(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/feed.atom")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(await resp.read())
    assert not parsed.bozo, parsed.get("bozo_exception")
    ids = [e.id for e in parsed.entries]
    assert ids == [f"tag:disputewatch,2026:story/{n}" for n in (1, 4, 3, 2)]
    titles = [e.title for e in parsed.entries]
    assert titles[0] == "Apple cuts off Epic Games developer account"
    assert titles[1] == f"Evil {XSS} headline"  # escaped in XML, the same text once parsed
    assert parsed.entries[0].link == "https://news.example/1"
    assert {t.term for t in parsed.entries[0].tags} >= {"cutoff", "Apple"}
    body = await resp.text()
    assert "<script>" not in body


async def test_atom_feed_filters(client: TestClient[Any, Any]) -> None:
    parsed = feedparser.parse(await (await client.get("/feed.atom?label=legal")).read())
    assert [e.id for e in parsed.entries] == ["tag:disputewatch,2026:story/2"]
    parsed = feedparser.parse(await (await client.get("/feed.atom?party=Meta")).read())
    assert [e.id for e in parsed.entries] == ["tag:disputewatch,2026:story/3"]
    assert (await client.get("/feed.atom?label=nope")).status == 400


# --- pages ----------------------------------------------------------------------------------

PAGES = ["/", "/search?q=evil", "/stories/4", "/disputes/7", "/feeds", "/?party=Evil<b>Corp"]


@pytest.mark.parametrize("path", PAGES)
async def test_pages_render_with_security_headers(client: TestClient[Any, Any], path: str) -> None:
    resp = await client.get(path)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    html = await resp.text()
    assert '<meta name="viewport"' in html


@pytest.mark.parametrize("path", PAGES)
async def test_hostile_text_is_escaped_on_every_page(
    client: TestClient[Any, Any], path: str
) -> None:
    html = await (await client.get(path)).text()
    assert "<script>" not in html
    assert "<b>Corp" not in html
    assert "javascript:" not in html


async def test_dispute_timeline_is_oldest_first(client: TestClient[Any, Any]) -> None:
    html = await (await client.get("/disputes/7")).text()
    assert "Apple vs Epic Games" in html
    assert html.index("Epic sues Apple") < html.index("Apple cuts off Epic Games")


async def test_search_page_highlights_words(client: TestClient[Any, Any]) -> None:
    html = await (await client.get("/search?q=epic")).text()
    assert "<mark>Epic</mark>" in html
    assert "2 results" in html


async def test_story_page_shows_facts_and_sources(client: TestClient[Any, Any]) -> None:
    html = await (await client.get("/stories/1")).text()
    for text in (
        "$5 million",
        "We will appeal",
        "Example News",
        "https://news.example/1",
        "/disputes/7",
    ):
        assert text in html


async def test_missing_pages_and_bad_filters(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/stories/999")
    assert resp.status == 404
    assert "story 999 not found" in await resp.text()
    assert (await client.get("/nope")).status == 404
    bad = await client.get("/?label=<script>")
    assert bad.status == 400
    assert "<script>" not in await bad.text()
    assert bad.headers["X-Content-Type-Options"] == "nosniff"


async def test_chart_and_static(client: TestClient[Any, Any]) -> None:
    chart = await client.get("/chart.png")
    assert chart.status == 200
    assert (await chart.read()).startswith(b"\x89PNG")
    css = await client.get("/static/style.css")
    assert css.status == 200
    assert "@media" in await css.text()


# --- WebServer lifecycle --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_web_server_starts_and_stops_on_its_port() -> None:
    stories, feeds = sample_data()
    server = WebServer("127.0.0.1", _free_port(), stories=stories, feeds=feeds, health=FakeHealth())
    await server.start()
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{server.url}/healthz") as resp:
            assert resp.status == 200
    finally:
        await server.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as http, http.get(f"{server.url}/healthz"):
            pass


async def test_web_port_zero_disables_the_server() -> None:
    stories, feeds = sample_data()
    server = WebServer("127.0.0.1", 0, stories=stories, feeds=feeds, health=FakeHealth())
    assert not server.enabled
    await server.start()
    await server.stop()


async def test_port_taken_raises_os_error() -> None:
    stories, feeds = sample_data()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        server = WebServer(
            "127.0.0.1", s.getsockname()[1], stories=stories, feeds=feeds, health=FakeHealth()
        )
        with pytest.raises(OSError):
            await server.start()
