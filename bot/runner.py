"""``python -m bot run``: one process in a role, stopped cleanly by SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from bot.app import App
from bot.errors import ConfigError
from bot.settings import Settings
from bot.storage.runlock import single_process

log = logging.getLogger(__name__)

NEEDS_TOKEN = (
    "the discord role needs DISCORD_TOKEN (the token from the Bot page of your Discord "
    "application; see docs/discord.md)"
)


async def run(settings: Settings, *, app: App | None = None) -> int:
    """Run until a signal asks to stop; return the exit code."""
    if settings.role == "discord" and not settings.discord_token:
        raise ConfigError(NEEDS_TOKEN)
    with single_process(settings.database_url):
        return await _run(settings, app or App(settings))


async def _run(settings: Settings, app: App) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if settings.runs_discord and settings.discord_token:
        return await _run_discord(app, settings, stop)
    if settings.role == "all":
        log.warning(
            "DISCORD_TOKEN is not set: running without Discord; alerts are printed on the console"
        )
        sys.stderr.write(
            "disputewatch: no DISCORD_TOKEN, so alerts are printed here"
            + (f" and shown at {app.web.url}" if app.web.enabled else "")
            + "; press Ctrl-C to stop\n"
        )
    else:
        log.info("running as %s", settings.role)
    await app.start()
    try:
        await stop.wait()
    finally:
        log.info("stopping: finishing deliveries")
        await app.stop()
    return 0


async def _run_discord(app: App, settings: Settings, stop: asyncio.Event) -> int:
    from bot.discord_app import run_until

    await run_until(app, settings, stop)
    return 0
