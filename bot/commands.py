"""Core subcommands: db, feeds, scan, about."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.logging_setup import configure_logging
from bot.settings import Settings, load_settings
from bot.storage.db import Database

log = logging.getLogger(__name__)


def settings_for(args: argparse.Namespace) -> Settings:
    """Load settings (and .env) for a command and configure logging from them."""
    settings = load_settings(getattr(args, "env_file", None))
    configure_logging(settings.log_level, settings.log_format)
    return settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the core subcommands."""
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply pending migrations")
    upgrade.set_defaults(handler=_db_upgrade)


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = settings_for(args)

    async def run() -> str:
        database = Database(settings.database_url)
        try:
            await database.upgrade()
            current, _ = await database.current_revision()
            return current or "empty"
        finally:
            await database.dispose()

    revision = asyncio.run(run())
    sys.stderr.write(f"database is at revision {revision}\n")
    return 0
