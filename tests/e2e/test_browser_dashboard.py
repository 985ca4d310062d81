"""The dashboard in headless Chromium, driven over the Chrome DevTools Protocol (aiohttp).

Loads the dashboard, searches, opens a dispute timeline, checks what was rendered, checks that
no script from feed text ever ran, and saves screenshots to docs/screenshots/.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.web import WebServer
from tests.unit.test_web_fakes import FakeHealth, sample_data

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = next(
    (
        p
        for p in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser"))
        if p and Path(p).exists()
    ),
    None,
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
]
TIMEOUT = 20.0

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium not installed (apt-get install -y chromium chromium-driver)",
)


class Page:
    """A minimal CDP client for one page target."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._next = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.dialogs: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if "id" in data and data["id"] in self._pending:
                self._pending.pop(data["id"]).set_result(data)
            elif data.get("method") == "Page.javascriptDialogOpening":
                self.dialogs.append(data["params"].get("message", ""))
                await self.ws.send_json(
                    {"id": -1, "method": "Page.handleJavaScriptDialog", "params": {"accept": True}}
                )
            else:
                await self.events.put(data)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._next] = future
        await self.ws.send_json({"id": self._next, "method": method, "params": params})
        async with asyncio.timeout(TIMEOUT):
            reply = await future
        assert "error" not in reply, reply
        result: dict[str, Any] = reply.get("result", {})
        return result

    async def wait_load(self) -> None:
        async with asyncio.timeout(TIMEOUT):
            while True:
                event = await self.events.get()
                if event.get("method") == "Page.loadEventFired":
                    return

    async def goto(self, url: str) -> None:
        self._drain()
        await self.send("Page.navigate", url=url)
        await self.wait_load()

    async def act(self, script: str) -> None:
        """Run a script that navigates (submit, click) and wait for the next page."""
        self._drain()
        await self.send("Runtime.evaluate", expression=script)
        await self.wait_load()

    async def js(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def screenshot(self, name: str) -> bytes:
        data = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        png = base64.b64decode(data["data"])
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / name).write_bytes(png)
        return png

    def _drain(self) -> None:
        while not self.events.empty():
            self.events.get_nowait()

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.ws.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
async def site() -> AsyncIterator[str]:
    stories, feeds = sample_data()
    server = WebServer("127.0.0.1", _free_port(), stories=stories, feeds=feeds, health=FakeHealth())
    await server.start()
    try:
        yield server.url
    finally:
        await server.stop()


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="dw-chromium-") as profile:
        proc = await asyncio.create_subprocess_exec(
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert proc.stderr is not None
            async with asyncio.timeout(TIMEOUT):
                while True:
                    line = (await proc.stderr.readline()).decode("utf-8", "replace")
                    if not line:
                        pytest.fail("chromium exited before opening DevTools")
                    found = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
                    if found:
                        port = found.group(1)
                        break
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/json/list") as resp:
                    targets = await resp.json(content_type=None)
                target = next(t for t in targets if t.get("type") == "page")
                ws = await http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
                cdp = Page(ws)
                try:
                    await cdp.send("Page.enable")
                    await cdp.send("Runtime.enable")
                    await cdp.send(
                        "Emulation.setDeviceMetricsOverride",
                        width=1280,
                        height=900,
                        deviceScaleFactor=1,
                        mobile=False,
                    )
                    yield cdp
                finally:
                    await cdp.close()
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    async with asyncio.timeout(10):
                        await proc.wait()
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def test_dashboard_search_and_dispute_in_chromium(site: str, page: Page) -> None:
    await page.goto(f"{site}/")
    assert await page.js("document.querySelector('h1').textContent") == "Recent disputes"
    titles = await page.js(
        "Array.from(document.querySelectorAll('article.story h3')).map(e => e.textContent)"
    )
    assert "Apple cuts off Epic Games developer account" in titles
    assert any("<script>" in t for t in titles)  # shown as text...
    assert await page.js("document.querySelectorAll('article.story script').length") == 0
    labels = await page.js(
        "Array.from(document.querySelectorAll('.label')).map(e => e.textContent)"
    )
    assert {"cutoff", "legal"} <= set(labels)
    assert await page.js("document.querySelector('img.chart').naturalWidth") > 0
    assert await page.js("document.querySelector('aside').textContent.includes('3 feeds')")
    await page.screenshot("dashboard.png")

    await page.act(
        "document.querySelector('#q').value = 'epic';"
        "document.querySelector('form.search').submit();"
    )
    assert (await page.js("location.pathname + location.search")) == "/search?q=epic"
    marks = await page.js("Array.from(document.querySelectorAll('mark')).map(e => e.textContent)")
    assert marks and all(m.lower() == "epic" for m in marks)
    assert "2 results" in await page.js("document.querySelector('.count').textContent")
    await page.screenshot("search.png")

    await page.act("document.querySelector('a[href^=\"/disputes/\"]').click();")
    assert await page.js("location.pathname") == "/disputes/7"
    assert await page.js("document.querySelector('h1').textContent") == "Apple vs Epic Games"
    events = await page.js(
        "Array.from(document.querySelectorAll('ol.timeline h3')).map(e => e.textContent)"
    )
    assert events == [
        "Epic sues Apple over App Store rules",
        "Apple cuts off Epic Games developer account",
    ]
    await page.screenshot("dispute.png")

    await page.send(
        "Emulation.setDeviceMetricsOverride",
        width=390,
        height=844,
        deviceScaleFactor=2,
        mobile=True,
    )
    await page.goto(f"{site}/")
    # On a phone the side panel drops below the stories instead of squeezing them.
    assert await page.js("document.documentElement.scrollWidth <= window.innerWidth")
    await page.screenshot("dashboard-mobile.png")

    await page.goto(f"{site}/stories/4")
    heading = await page.js("document.querySelector('h1').textContent")
    assert heading.startswith("Evil <script>")
    assert page.dialogs == [], "a script from feed text ran"
