"""``python -m bot run``: the whole bot in one process, stopped cleanly by SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from bot.app import App
from bot.errors import ConfigError
from bot.settings import Settings

log = logging.getLogger(__name__)


async def run(settings: Settings, *, app: App | None = None) -> int:
    """Run until a signal asks to stop; return the exit code."""
    app = app or App(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if settings.discord_token:
        return await _run_discord(app, settings, stop)
    log.warning(
        "DISCORD_TOKEN is not set: running without Discord; alerts are printed on the console"
    )
    sys.stderr.write(
        "disputewatch: no DISCORD_TOKEN, so alerts are printed here"
        + (f" and shown at {app.web.url}" if app.web.enabled else "")
        + "; press Ctrl-C to stop\n"
    )
    await app.start()
    try:
        await stop.wait()
    finally:
        log.info("stopping: finishing deliveries")
        await app.stop()
    return 0


async def _run_discord(app: App, settings: Settings, stop: asyncio.Event) -> int:
    import discord

    from bot.discord_app import DisputeBot, apply_endpoints

    apply_endpoints(settings)
    bot = DisputeBot(app)
    async with bot:
        runner = asyncio.create_task(bot.start(settings.discord_token.get()), name="discord")
        waiter = asyncio.create_task(stop.wait(), name="signal")
        await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if not runner.done():
            log.info("stopping: closing the Discord connection and finishing deliveries")
            await bot.close()
        waiter.cancel()
        try:
            await runner
        except discord.LoginFailure as exc:
            raise ConfigError("DISCORD_TOKEN: Discord rejected this token; reset it") from exc
    return 0
