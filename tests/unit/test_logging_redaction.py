"""LOG_LEVEL=debug never writes Discord tokens, webhook tokens or Authorization headers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.integration.cli import ROOT

BOT_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
INTERACTION_TOKEN = (
    "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTp5b3VyLWludGVyYWN0aW9uLXNlY3JldC1nb2VzLWhlcmU"
)
WEBHOOK_TOKEN = "Zx9-hookSecretToken_0123456789abcdefABCDEFghijklmnop"
WEBHOOK_URL = f"https://discord.com/api/webhooks/123456789012345678/{WEBHOOK_TOKEN}"
SECRETS = (BOT_TOKEN, INTERACTION_TOKEN, WEBHOOK_TOKEN)

# Records shaped like the ones discord.py and aiohttp write at DEBUG, from loggers of every kind.
SCRIPT = textwrap.dedent(
    f"""
    import logging
    from bot.logging_setup import configure_logging

    configure_logging("debug", FORMAT)
    payload = {{"t": "INTERACTION_CREATE", "d": {{"id": "1", "token": "{INTERACTION_TOKEN}"}}}}
    logging.getLogger("discord.client").debug("dispatching %s", payload)
    logging.getLogger("discord.webhook.async_").info(
        "Webhook ID %s with %s %s has returned status code %s",
        123, "POST", "{WEBHOOK_URL}?wait=true", 200,
    )
    logging.getLogger("aiohttp.client").debug(
        "headers %s", {{"Authorization": "Bot {BOT_TOKEN}", "User-Agent": "x"}}
    )
    logging.getLogger("someone.else").debug(
        "POST https://discord.com/api/v10/interactions/99/{INTERACTION_TOKEN}/callback"
    )
    logging.getLogger("bot.app").debug(
        "token is %s", "{BOT_TOKEN}", extra={{"hook": "{WEBHOOK_URL}"}}
    )
    try:
        raise RuntimeError("bad url {WEBHOOK_URL}")
    except RuntimeError:
        logging.getLogger("bot.x").exception("failed")
    logging.getLogger("discord.gateway").debug("For Shard ID 0: WebSocket Event: %s", payload)
    """
)


def _run(fmt: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", f"FORMAT = {fmt!r}\n" + SCRIPT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    return proc.stderr


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_debug_logs_are_written_redacted(fmt: str) -> None:
    err = _run(fmt)
    for secret in SECRETS:
        assert secret not in err
    # The records are still written, with what is not secret.
    assert "INTERACTION_CREATE" in err
    assert "/api/webhooks/123456789012345678/***" in err
    assert "/interactions/99/***/callback" in err
    assert "RuntimeError: bad url" in err
    assert "For Shard ID" not in err  # gateway payload dumps are capped at INFO
    if fmt == "json":
        records = [json.loads(line) for line in err.splitlines()]
        assert len(records) == 6
        assert records[4]["hook"].endswith("/***")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"Authorization: Bearer {BOT_TOKEN}", "Authorization: ***"),
        (f"'token': '{INTERACTION_TOKEN}'", "'token': '***'"),
        (f"?token={WEBHOOK_TOKEN}&x=1", "?token=***&x=1"),
        (f"plain {BOT_TOKEN} in text", "plain *** in text"),
        ("polled 3 feeds, 2 tokens of text", "polled 3 feeds, 2 tokens of text"),
    ],
)
def test_redact(text: str, kept: str) -> None:
    from bot.logging_setup import redact

    assert redact(text) == kept
