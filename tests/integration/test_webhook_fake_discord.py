"""The fake Discord server behaves like Discord where the bot relies on it."""

from __future__ import annotations

import aiohttp
import discord

from tests.fakes.fake_discord import FakeDiscord


async def test_channel_message_create_edit_and_nonce_dedup() -> None:
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        url = f"{fake.base_url}/channels/42/messages"
        body = {"content": "hi", "nonce": "abc", "enforce_nonce": True}
        async with http.post(url, json=body) as resp:
            assert resp.headers["Content-Type"] == "application/json"
            first = await resp.json()
        async with http.post(url, json=body) as resp:
            second = await resp.json()
        assert first["id"] == second["id"]
        assert len(fake.messages(42)) == 1
        async with http.patch(f"{url}/{first['id']}", json={"content": "edited"}) as resp:
            assert resp.status == 200
        assert fake.messages(42)[0]["content"] == "edited"
        assert fake.messages(42)[0]["edited_timestamp"] is not None
        assert [r.method for r in fake.requests] == ["POST", "POST", "PATCH"]
        assert fake.requests[0].json == body


async def test_programmed_faults_answer_then_clear() -> None:
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        fake.fail_next("POST", r"/channels/\d+/messages$", 429, retry_after=0.25)
        fake.fail_next("POST", r"/channels/\d+/messages$", 500)
        url = f"{fake.base_url}/channels/1/messages"
        async with http.post(url, json={"content": "x"}) as resp:
            assert resp.status == 429
            assert resp.headers["Via"]
            assert resp.headers["Retry-After"] == "0.25"
            assert (await resp.json())["retry_after"] == 0.25
        async with http.post(url, json={"content": "x"}) as resp:
            assert resp.status == 500
        async with http.post(url, json={"content": "x"}) as resp:
            assert resp.status == 200
        assert len(fake.messages(1)) == 1


async def test_webhook_execute_and_thread_creation() -> None:
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        async with http.post(
            f"{fake.base_url}/webhooks/7/tok?wait=true", json={"content": "w"}
        ) as resp:
            msg = await resp.json()
        async with http.patch(
            f"{fake.base_url}/webhooks/7/tok/messages/{msg['id']}", json={"content": "w2"}
        ) as resp:
            assert resp.status == 200
        assert fake.webhook_messages(7)[0]["content"] == "w2"
        async with http.post(f"{fake.base_url}/channels/5/messages", json={"content": "r"}) as r:
            root = await r.json()
        async with http.post(
            f"{fake.base_url}/channels/5/messages/{root['id']}/threads", json={"name": "t"}
        ) as resp:
            thread = await resp.json()
        assert thread["parent_id"] == "5"
        assert int(thread["id"]) in fake.threads


async def test_discord_py_logs_in_and_sends_through_the_fake() -> None:
    async with FakeDiscord() as fake:
        old = discord.http.Route.BASE
        discord.http.Route.BASE = fake.base_url
        client = discord.Client(intents=discord.Intents.none())
        try:
            await client.login("x" * 24 + "." + "y" * 6 + "." + "z" * 27)
            assert client.user is not None and client.user.id == fake.bot_user_id
            fake.fail_next("POST", r"/channels/77/messages$", 429, retry_after=0.01)
            data = await client.http.send_message(
                77,
                params=discord.http.handle_message_parameters(
                    content="hello", allowed_mentions=discord.AllowedMentions.none()
                ),
            )
            assert data["content"] == "hello"
            assert fake.messages(77)[0]["allowed_mentions"] == {"parse": []}
            assert len(fake.requests_for("POST", r"/channels/77/messages$")) == 2
        finally:
            await client.close()
            discord.http.Route.BASE = old


async def test_webhook_execution_ignores_the_nonce_as_discord_does() -> None:
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        body = {"content": "w", "nonce": "n1", "enforce_nonce": True}
        for _ in range(2):
            async with http.post(f"{fake.base_url}/webhooks/7/tok?wait=true", json=body) as r:
                assert r.status == 200
        assert len(fake.webhook_messages(7)) == 2
