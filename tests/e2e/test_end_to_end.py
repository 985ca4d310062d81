"""End to end: the real bot on a fake gateway + fake REST, the whole app, a local feed server.

An admin sets the alert channel with /alerts channel; a feed gains a dispute item; exactly one
alert is posted; a second outlet's item on the same event edits it; /disputes search finds it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.app import App
from bot.discord_app import DisputeBot, apply_endpoints
from bot.settings import Secret, Settings
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_gateway import CHANNEL_ID, GUILD_ID, FakeGateway, slash, sub
from tests.integration.feedserver import FeedServer

TOKEN = "MTAxMDEwMTAxMDEwMTAxMDEw.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"
HEADLINE = "Apple removes Fortnite maker's app from the App Store after lawsuit threat"
HEADLINE_2 = "Apple pulls Epic Games' Fortnite from the App Store as lawsuit looms"


def rss(title: str, items: list[tuple[str, str, str]]) -> str:
    """A small RSS 2.0 document; items are (guid, title, description)."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{t}</title><description>{d}</description>"
        f"<link>https://{title.lower()}.example/{guid}</link>"
        "<pubDate>Mon, 10 Mar 2025 12:00:00 GMT</pubDate></item>"
        for guid, t, d in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://{title.lower()}.example/</link>"
        f"<description>tech</description>{body}</channel></rss>"
    )


async def until(check: Callable[[], Any], limit: float = 10.0) -> Any:
    """Wait until check() is truthy and return it."""
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        value = check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


def callbacks(fake: FakeDiscord, payload: dict[str, Any]) -> list[Any]:
    return fake.requests_for("POST", rf"/interactions/{payload['id']}/[^/]+/callback$")


async def test_end_to_end(tmp_path: Path) -> None:
    fake = FakeDiscord()
    gateway = FakeGateway(fake)
    await fake.start()
    bot: DisputeBot | None = None
    runner: asyncio.Task[None] | None = None
    try:
        async with FeedServer() as feeds:
            feeds.set("/a.xml", body=rss("OutletA", [("a0", "Phone review", "A new phone.")]))
            feeds.set("/b.xml", body=rss("OutletB", [("b0", "Laptop review", "A laptop.")]))
            settings = Settings(
                discord_token=Secret(TOKEN),
                discord_api_base=fake.base_url,
                discord_gateway_url=fake.gateway_url,
                database_url=f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
                default_feeds=False,
                allow_private_feeds=True,
                alert_min_score=0.0,
            )
            apply_endpoints(settings)
            app = App(settings, web=False)
            bot = DisputeBot(app, guild_ready_timeout=0.2)
            runner = asyncio.create_task(bot.start(TOKEN, reconnect=False))
            await asyncio.wait_for(bot.wait_until_ready(), 10)
            assert bot.get_guild(GUILD_ID) is not None

            # An admin picks the alert channel.
            partial = {"id": str(CHANNEL_ID), "name": "disputes", "type": 0, "permissions": "0"}
            resolved = {"channels": {str(CHANNEL_ID): partial}}
            cmd = slash(
                fake.application_id,
                "alerts",
                sub("channel", channel=(7, str(CHANNEL_ID))),
                resolved=resolved,
            )
            await gateway.dispatch("INTERACTION_CREATE", cmd)
            reply = (await until(lambda: callbacks(fake, cmd)))[0].json
            assert reply["data"]["flags"] == 64, reply
            assert f"<#{CHANNEL_ID}>" in reply["data"]["content"]

            # Both outlets are followed; their current items are the baseline (not announced).
            await app.feeds.add(feeds.url("/a.xml"), guild_id=GUILD_ID)
            await app.feeds.add(feeds.url("/b.xml"), guild_id=GUILD_ID)

            feeds.set(
                "/a.xml",
                body=rss(
                    "OutletA",
                    [
                        ("a0", "Phone review", "A new phone."),
                        (
                            "a1",
                            HEADLINE,
                            "Apple removed Epic Games' Fortnite app from the App Store.",
                        ),
                    ],
                ),
            )
            await app.poller.poll_due(force=True)
            app.outbox.wake()
            posted = await until(lambda: fake.messages(CHANNEL_ID))
            await asyncio.sleep(0.3)
            assert len(fake.messages(CHANNEL_ID)) == 1
            first = posted[0]
            assert "Fortnite" in first["embeds"][0]["title"]
            post = fake.requests_for("POST", rf"/channels/{CHANNEL_ID}/messages$")[-1]
            assert post.json["allowed_mentions"]["parse"] == []
            assert post.json["enforce_nonce"] is True

            # A second outlet reports the same event: the alert is edited, not posted again.
            feeds.set(
                "/b.xml",
                body=rss(
                    "OutletB",
                    [
                        ("b0", "Laptop review", "A laptop."),
                        ("b1", HEADLINE_2, "Apple removed the Fortnite app from its App Store."),
                    ],
                ),
            )
            await app.poller.poll_due(force=True)
            app.outbox.wake()
            await until(lambda: fake.requests_for("PATCH", rf"/messages/{first['id']}$"))
            assert len(fake.messages(CHANNEL_ID)) == 1
            sources = str(fake.messages(CHANNEL_ID)[0]["embeds"])
            assert "OutletB" in sources or "outletb" in sources.lower()

            # /disputes search finds it.
            search = slash(fake.application_id, "disputes", sub("search", query="Fortnite"))
            await gateway.dispatch("INTERACTION_CREATE", search)
            found = (await until(lambda: callbacks(fake, search)))[0].json
            assert "Fortnite" in str(found["data"]["embeds"][0]["description"])
    finally:
        if bot is not None:
            await bot.close()
        if runner is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(runner, 5)
        await fake.close()
        apply_endpoints(Settings())
