"""Settings from the environment (and a .env file), validated into a frozen object."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from bot.errors import ConfigError

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/disputewatch.db"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LANGS = {"en", "fr"}
ROLES = ("all", "poller", "discord", "web")
MAX_SHARDS = 65_536


class Secret:
    """A string that never shows itself in a repr, str or log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        """Return the secret value; call only where it is sent."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def redact_url(url: str) -> str:
    """Hide the password (and webhook token paths) in a URL meant for display."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{user}:***@{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}: expected true or false, got {raw!r}")


def _int_parser(lo: int, hi: int) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
        if not lo <= value <= hi:
            raise ConfigError(f"{name}: must be between {lo} and {hi}, got {value}")
        return value

    return parse


def _float_parser(lo: float, hi: float) -> Callable[[str, str], float]:
    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise ConfigError(f"{name}: expected a number, got {raw!r}") from None
        if not lo <= value <= hi:
            raise ConfigError(f"{name}: must be between {lo} and {hi}, got {value}")
        return value

    return parse


def _choice(*choices: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ConfigError(f"{name}: must be one of {', '.join(choices)}, got {raw!r}")
        return value

    return parse


def _database_url(name: str, raw: str) -> str:
    value = raw.strip()
    if value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://"):
        return value
    if value.startswith(("postgres://", "postgresql://")):
        raise ConfigError(
            f"{name}: use the asyncpg driver, e.g. "
            f"postgresql+asyncpg://{value.split('://', 1)[1].split('@')[-1]}"
        )
    raise ConfigError(
        f"{name}: must start with sqlite+aiosqlite:// or postgresql+asyncpg://, "
        f"got {redact_url(value)!r}"
    )


def _http_base(name: str, raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name}: expected an http(s) URL, got {value!r}")
    return value


def _public_url(name: str, raw: str) -> str:
    value = _http_base(name, raw)
    if value:
        parts = urlsplit(value)
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ConfigError(
                f"{name}: expected a plain http(s) URL like https://disputes.example.org, "
                "without query, fragment or password"
            )
    return value


def _ws_url(name: str, raw: str) -> str:
    value = raw.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in {"ws", "wss"} or not parts.netloc:
        raise ConfigError(f"{name}: expected a ws:// or wss:// URL, got {value!r}")
    return value


def token_shape_problem(value: str) -> str | None:
    """Say what is wrong with the shape of a bot token (never echoing it), or None."""
    if len(value) < 50 or any(c.isspace() for c in value) or value.count(".") != 2:
        return (
            "does not look like a bot token (three dot-separated parts, "
            "from the Bot page of your Discord application)"
        )
    return None


def _token(name: str, raw: str) -> Secret:
    value = raw.strip()
    problem = token_shape_problem(value) if value else None
    if problem:
        raise ConfigError(f"{name}: {problem}")
    return Secret(value)


def _webhook(name: str, raw: str) -> Secret:
    value = raw.strip()
    if not value:
        return Secret("")
    parts = urlsplit(value)
    ok_host = parts.hostname in {
        "discord.com",
        "discordapp.com",
        "ptb.discord.com",
        "canary.discord.com",
    }
    if parts.scheme != "https" or not ok_host or "/api/webhooks/" not in parts.path:
        raise ConfigError(
            f"{name}: expected a Discord webhook URL like https://discord.com/api/webhooks/ID/TOKEN"
        )
    return Secret(value)


def _snowflake(name: str, raw: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if not value.isdigit() or not 15 <= len(value) <= 21:
        raise ConfigError(f"{name}: expected a Discord server id (15-21 digits), got {value!r}")
    return int(value)


def _host(name: str, raw: str) -> str:
    value = raw.strip()
    if not value or any(c.isspace() for c in value):
        raise ConfigError(f"{name}: expected a host name or address, got {raw!r}")
    return value


def _workers(name: str, raw: str) -> int:
    value = raw.strip().lower()
    if value == "auto":
        return min(4, max(0, (os.cpu_count() or 1) - 1))
    return _int_parser(0, 32)(name, value)


def _langs(name: str, raw: str) -> tuple[str, ...]:
    items = tuple(sorted({p.strip().lower() for p in raw.split(",") if p.strip()}))
    bad = [p for p in items if p not in _LANGS]
    if bad:
        raise ConfigError(f"{name}: unknown language {bad[0]!r}; supported: en, fr")
    return items


def _shard_count(name: str, raw: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    return _int_parser(1, MAX_SHARDS)(name, value)


def _shard_ids(name: str, raw: str) -> tuple[int, ...]:
    """Parse ``0,1`` or ``0-3`` (or both, ``0-3,8``) into sorted, distinct shard ids."""
    ids: set[int] = set()
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        bounds = (lo.strip(), hi.strip()) if dash else (part, part)
        if not all(b.isascii() and b.isdigit() for b in bounds):
            raise ConfigError(f"{name}: expected shard ids like 0,1 or 0-3, got {raw.strip()!r}")
        first, last = int(bounds[0]), int(bounds[1])
        if first > last:
            raise ConfigError(f"{name}: the range {part!r} goes backwards")
        if last >= MAX_SHARDS:
            raise ConfigError(f"{name}: shard id {last} is too large")
        ids.update(range(first, last + 1))
    return tuple(sorted(ids))


# name -> (parser, default as written in .env.example)
_SPEC: dict[str, tuple[Callable[[str, str], Any], str]] = {
    "DISCORD_TOKEN": (_token, ""),
    "DEV_GUILD_ID": (_snowflake, ""),
    "DISCORD_API_BASE": (_http_base, ""),
    "DISCORD_GATEWAY_URL": (_ws_url, ""),
    "ALERT_WEBHOOK_URL": (_webhook, ""),
    "DATABASE_URL": (_database_url, DEFAULT_DATABASE_URL),
    "ROLE": (_choice(*ROLES), "all"),
    "SHARD_COUNT": (_shard_count, ""),
    "SHARD_IDS": (_shard_ids, ""),
    "DEFAULT_FEEDS": (_parse_bool, "true"),
    "ALLOW_PRIVATE_FEEDS": (_parse_bool, "false"),
    "POLL_INTERVAL_MIN": (_int_parser(60, 86_400), "300"),
    "POLL_INTERVAL_DEFAULT": (_int_parser(60, 86_400), "900"),
    "POLL_INTERVAL_MAX": (_int_parser(60, 7 * 86_400), "21600"),
    "FEED_DISABLE_AFTER": (_int_parser(1, 1000), "10"),
    "POLL_LEASE_SECONDS": (_int_parser(10, 3600), "60"),
    "FETCH_CONNECT_TIMEOUT": (_float_parser(0.1, 120), "10"),
    "FETCH_READ_TIMEOUT": (_float_parser(0.1, 600), "30"),
    "FETCH_MAX_BYTES": (_int_parser(10_000, 100_000_000), "5000000"),
    "FETCH_MAX_REDIRECTS": (_int_parser(0, 20), "5"),
    "FETCH_CONCURRENCY": (_int_parser(1, 500), "20"),
    "FETCH_PER_HOST": (_int_parser(1, 50), "2"),
    "FETCH_ARTICLES": (_parse_bool, "false"),
    "PARSE_WORKERS": (_workers, "auto"),
    "STORY_WINDOW_HOURS": (_int_parser(1, 24 * 30), "72"),
    "DISPUTE_WINDOW_DAYS": (_int_parser(1, 3650), "120"),
    "ALERT_MIN_SCORE": (_float_parser(0.0, 1.0), "0"),
    "ALERT_LANGUAGES": (_langs, "en,fr"),
    "WEB_HOST": (_host, "127.0.0.1"),
    "WEB_PORT": (_int_parser(0, 65_535), "8080"),
    "PUBLIC_URL": (_public_url, ""),
    "LOG_LEVEL": (_choice("debug", "info", "warning", "error"), "info"),
    "LOG_FORMAT": (_choice("text", "json"), "text"),
}


@dataclass(frozen=True, slots=True)
class Settings:
    """Validated configuration; build it with ``Settings.from_env``."""

    discord_token: Secret = field(default_factory=lambda: Secret(""))
    dev_guild_id: int | None = None
    discord_api_base: str = ""
    discord_gateway_url: str = ""
    alert_webhook_url: Secret = field(default_factory=lambda: Secret(""))
    database_url: str = DEFAULT_DATABASE_URL
    role: str = "all"
    shard_count: int | None = None
    shard_ids: tuple[int, ...] = ()
    default_feeds: bool = True
    allow_private_feeds: bool = False
    poll_interval_min: int = 300
    poll_interval_default: int = 900
    poll_interval_max: int = 21_600
    feed_disable_after: int = 10
    poll_lease_seconds: int = 60
    fetch_connect_timeout: float = 10.0
    fetch_read_timeout: float = 30.0
    fetch_max_bytes: int = 5_000_000
    fetch_max_redirects: int = 5
    fetch_concurrency: int = 20
    fetch_per_host: int = 2
    fetch_articles: bool = False
    parse_workers: int = 0
    story_window_hours: int = 72
    dispute_window_days: int = 120
    alert_min_score: float = 0.0
    alert_languages: tuple[str, ...] = ("en", "fr")
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    public_url: str = ""
    log_level: str = "info"
    log_format: str = "text"

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "database_url":
                value = redact_url(value)
            parts.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(parts)})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Validate every known variable of ``env`` (default: os.environ)."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, (parser, default) in _SPEC.items():
            raw = source.get(name)
            values[name.lower()] = parser(name, default if raw is None else raw)
        settings = cls(**values)
        if not settings.poll_interval_min <= settings.poll_interval_default:
            raise ConfigError("POLL_INTERVAL_DEFAULT: must not be below POLL_INTERVAL_MIN")
        if not settings.poll_interval_default <= settings.poll_interval_max:
            raise ConfigError("POLL_INTERVAL_MAX: must not be below POLL_INTERVAL_DEFAULT")
        settings.check_shards()
        return settings

    def check_shards(self) -> None:
        """Refuse SHARD_IDS without SHARD_COUNT, or ids outside 0..SHARD_COUNT-1."""
        if self.shard_ids and self.shard_count is None:
            raise ConfigError("SHARD_IDS: needs SHARD_COUNT (the bot's total number of shards)")
        if self.shard_count is not None:
            outside = [i for i in self.shard_ids if i >= self.shard_count]
            if outside:
                raise ConfigError(
                    f"SHARD_IDS: shard {outside[0]} is outside 0-{self.shard_count - 1} "
                    f"(SHARD_COUNT={self.shard_count})"
                )

    def with_role(self, role: str) -> Settings:
        """These settings for another role (``run --role`` wins over ROLE)."""
        value = _choice(*ROLES)("--role", role)
        return replace(self, role=value)

    @property
    def runs_poller(self) -> bool:
        """Say whether this process polls feeds and writes the outbox."""
        return self.role in ("all", "poller")

    @property
    def runs_discord(self) -> bool:
        """Say whether this process runs the Discord gateway and delivers alerts."""
        return self.role in ("all", "discord")

    @property
    def runs_pages(self) -> bool:
        """Say whether this process serves the web page, API and Atom feed."""
        return self.role in ("all", "web")

    @property
    def is_sqlite(self) -> bool:
        """Say whether the database is SQLite."""
        return self.database_url.startswith("sqlite")


def env_example_defaults() -> dict[str, str]:
    """Map each variable to its default as it must appear in .env.example."""
    return {name: default for name, (_, default) in _SPEC.items()}


def load_settings(env_file: str | os.PathLike[str] | None = None) -> Settings:
    """Load ``.env`` (without overriding the real environment) and validate."""
    from dotenv import load_dotenv

    path = Path(env_file) if env_file else Path.cwd() / ".env"
    if path.is_file():
        load_dotenv(path, override=False)
        log.debug("loaded settings from %s", path)
    return Settings.from_env()
