"""``python -m bot doctor``: check the configuration, database, token, web port and a feed."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import make_url

from bot.errors import ConfigError, DisputewatchError
from bot.logging_setup import configure_logging
from bot.output import emit_json
from bot.settings import Settings, load_settings, redact_url, token_shape_problem
from bot.storage.db import Database

log = logging.getLogger(__name__)

Status = Literal["ok", "warn", "fail", "skip"]
CHECK_TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one check; ``fix`` says what to do when it is not ok."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        """Say whether this check makes doctor exit with 1."""
        return self.status == "fail"

    def line(self) -> str:
        """Format the check as one line for people."""
        text = f"{self.status.upper():<4}  {self.name:<13} {self.detail}"
        return f"{text} — fix: {self.fix}" if self.fix and self.status != "ok" else text


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the doctor subcommand."""
    parser = sub.add_parser(
        "doctor", help="check the configuration, database, token, web port and a sample feed"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per check")
    parser.add_argument(
        "--feed", metavar="URL", default=None, help="fetch this feed instead of a starter feed"
    )
    parser.add_argument(
        "--no-network", action="store_true", help="skip the sample feed fetch (offline hosts)"
    )
    parser.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    """Run every check, print one line (or JSON object) each; 1 when one failed."""
    configure_logging("warning", "text")
    checks = asyncio.run(
        collect_checks(
            getattr(args, "env_file", None),
            feed_url=args.feed,
            network=not args.no_network,
        )
    )
    for check in checks:
        if args.json:
            emit_json(asdict(check))
        else:
            sys.stdout.write(check.line() + "\n")
    failed = [c.name for c in checks if c.failed]
    if failed:
        sys.stderr.write(f"{len(failed)} check(s) failed: {', '.join(failed)}\n")
        return 1
    sys.stderr.write("all checks passed\n")
    return 0


async def collect_checks(
    env_file: str | None, *, feed_url: str | None = None, network: bool = True
) -> list[Check]:
    """Run the checks in order; the ones that need settings are skipped when they are invalid."""
    config, settings = check_config(env_file)
    checks = [config, check_token(os.environ.get("DISCORD_TOKEN", ""))]
    if settings is None:
        skipped = "skipped until the configuration is valid"
        return checks + [Check(n, "skip", skipped) for n in ("database", "web port", "feed")]
    checks.append(await check_database(settings))
    checks.append(check_web_port(settings.web_host, settings.web_port))
    if network:
        checks.append(await check_feed(settings, feed_url))
    else:
        checks.append(Check("feed", "skip", "skipped (--no-network)"))
    return checks


def check_config(env_file: str | None) -> tuple[Check, Settings | None]:
    """Load and validate the settings (and the .env file)."""
    path = Path(env_file) if env_file else Path.cwd() / ".env"
    source = str(path) if path.is_file() else "the environment (no .env file)"
    try:
        settings = load_settings(env_file)
    except ConfigError as exc:
        fix = "correct that variable in .env or the environment (see .env.example)"
        return Check("configuration", "fail", str(exc), fix), None
    return Check("configuration", "ok", f"valid, read from {source}"), settings


def check_token(raw: str) -> Check:
    """Say whether DISCORD_TOKEN is absent, malformed or well-formed; never show it."""
    if not raw.strip():
        return Check(
            "discord token",
            "warn",
            "absent: run will print alerts to the console and serve the web page only",
            "set DISCORD_TOKEN to the token from the Bot page of your Discord application",
        )
    if token_shape_problem(raw.strip()):
        return Check(
            "discord token",
            "fail",
            "malformed: it is not three dot-separated parts of the expected length",
            "copy the token again from the Bot page (Reset Token), without quotes or spaces",
        )
    return Check("discord token", "ok", "present and well-formed (not verified with Discord)")


async def check_database(settings: Settings) -> Check:
    """Check the database answers and its migrations are at the newest revision."""
    url = settings.database_url
    shown = redact_url(url)
    if settings.is_sqlite and _sqlite_file_missing(url):
        return Check(
            "database",
            "warn",
            f"{shown}: the file does not exist yet",
            "run `python -m bot db upgrade` (or just start the bot: it creates it)",
        )
    database = Database(url)
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            await database.ping()
            current, head = await database.current_revision()
    except TimeoutError:
        return Check(
            "database",
            "fail",
            f"{shown}: no answer within {CHECK_TIMEOUT:g} s",
            "check that the database server is running and reachable",
        )
    except DisputewatchError as exc:
        return Check("database", "fail", str(exc), "start the database or correct DATABASE_URL")
    except Exception as exc:
        # Driver errors differ per backend (asyncpg, sqlite3); any of them means "not usable".
        return Check(
            "database",
            "fail",
            f"{shown}: {type(exc).__name__}: {exc}",
            "check DATABASE_URL, the credentials and that the database exists",
        )
    finally:
        await database.dispose()
    if current == head:
        return Check("database", "ok", f"{shown} answers; schema at the newest revision {head}")
    if current is None:
        return Check(
            "database",
            "warn",
            f"{shown} answers but has no schema yet (newest revision {head})",
            "run `python -m bot db upgrade` (the bot also does it on start)",
        )
    return Check(
        "database",
        "warn",
        f"{shown} answers; schema at revision {current}, newest is {head}",
        "run `python -m bot db upgrade` (the bot also does it on start); "
        "if the database is newer than this code, upgrade disputewatch",
    )


def _sqlite_file_missing(url: str) -> bool:
    path = make_url(url).database
    return bool(path) and path != ":memory:" and not Path(str(path)).expanduser().exists()


def check_web_port(host: str, port: int) -> Check:
    """Check WEB_HOST:WEB_PORT can be bound (0 disables the web server)."""
    if port == 0:
        return Check("web port", "ok", "disabled (WEB_PORT=0)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return Check(
            "web port",
            "fail",
            f"cannot resolve WEB_HOST {host!r}: {exc}",
            "set WEB_HOST to an "
            "address of this machine: 127.0.0.1 (local only) or 0.0.0.0 (every interface)",
        )
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        # Same option aiohttp uses, so a port in TIME_WAIT is not reported as taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            return Check(
                "web port",
                "fail",
                f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                "stop whatever uses that port (perhaps disputewatch is already running), "
                "or set WEB_PORT to a free port (0 disables the web page)",
            )
    return Check("web port", "ok", f"{host}:{port} is free")


async def check_feed(settings: Settings, url: str | None) -> Check:
    """Fetch and parse one feed (a starter feed unless ``url``) through the safe fetcher."""
    from bot.app import fetch_config
    from bot.feeds.fetch import Fetcher
    from bot.feeds.opml import starter_feeds
    from bot.feeds.parse import parse_feed

    if url is None:
        starters = starter_feeds()
        if not starters:
            return Check("feed", "skip", "no starter feed is bundled")
        url = starters[0].url
    fix = (
        "check this machine's internet access, DNS and firewall (outgoing HTTPS); "
        "a proxy is not used by the fetcher"
    )
    try:
        async with Fetcher(fetch_config(settings)) as fetcher:
            result = await fetcher.fetch(url)
        if result.body is None:
            return Check("feed", "ok", f"{url} answered HTTP {result.http_status}")
        parsed = parse_feed(
            result.body,
            base_url=result.final_url,
            content_type=result.content_type,
            now=datetime.now(UTC),
        )
    except DisputewatchError as exc:
        return Check("feed", "fail", f"{url}: {exc}", fix)
    except (TimeoutError, OSError) as exc:
        return Check("feed", "fail", f"{url}: {type(exc).__name__}: {exc}", fix)
    return Check(
        "feed",
        "ok",
        f"{url}: {len(parsed.items)} items in {result.elapsed:.1f} s",
    )
