"""What each role runs: its tasks, its /healthz checks, and the page only for all and web."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from bot.app import App
from bot.settings import Settings

pytestmark = pytest.mark.storage


def _settings(db_url: str, role: str) -> Settings:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"DATABASE_URL": db_url, "DEFAULT_FEEDS": "false", "WEB_PORT": str(port)}
    return Settings.from_env(env).with_role(role)


@pytest.mark.parametrize(
    ("role", "tasks", "checks", "page"),
    [
        ("poller", ["poller"], ["database", "poller"], 404),
        ("web", [], ["database"], 200),
        ("all", ["alerts", "poller"], ["alerts", "database", "poller"], 200),
    ],
)
async def test_role_runs_its_parts_and_is_healthy(
    db_url: str, role: str, tasks: list[str], checks: list[str], page: int
) -> None:
    app = App(_settings(db_url, role), console_writer=lambda _text: None)
    await app.start()
    try:
        assert sorted(app._tasks) == tasks
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{app.web.url}/healthz") as resp:
                body = await resp.json()
                assert resp.status == 200, body
                assert sorted(body["checks"]) == checks
            async with http.get(f"{app.web.url}/metrics") as resp:
                assert resp.status == 200
            async with http.get(f"{app.web.url}/") as resp:
                assert resp.status == page
    finally:
        await app.stop()
