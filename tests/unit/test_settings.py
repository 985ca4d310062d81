"""Settings: defaults, validation messages, secrets never shown, .env.example complete."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import Settings, env_example_defaults

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "M" * 24 + "." + "G" * 6 + "." + "x" * 38


def test_defaults() -> None:
    s = Settings.from_env({})
    assert s.database_url == "sqlite+aiosqlite:///data/disputewatch.db"
    assert s.web_port == 8080 and s.default_feeds and not s.allow_private_feeds
    assert not s.discord_token


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WEB_PORT": "http"}, "WEB_PORT: expected a whole number"),
        ({"WEB_PORT": "70000"}, "WEB_PORT: must be between 0 and 65535"),
        ({"DEFAULT_FEEDS": "maybe"}, "DEFAULT_FEEDS: expected true or false"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL: must start with"),
        ({"DATABASE_URL": "postgres://u@h/db"}, "DATABASE_URL: use the asyncpg driver"),
        ({"DISCORD_TOKEN": "short"}, "DISCORD_TOKEN: does not look like a bot token"),
        ({"ALERT_WEBHOOK_URL": "https://evil.example/x"}, "ALERT_WEBHOOK_URL: expected a Discord"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL: must be one of"),
        ({"ALERT_LANGUAGES": "en,de"}, "ALERT_LANGUAGES: unknown language 'de'"),
        (
            {"POLL_INTERVAL_MIN": "600", "POLL_INTERVAL_DEFAULT": "300"},
            "POLL_INTERVAL_DEFAULT: must not be below",
        ),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_secrets_never_in_repr() -> None:
    s = Settings.from_env(
        {
            "DISCORD_TOKEN": TOKEN,
            "DATABASE_URL": "postgresql+asyncpg://bot:hunter2@db:5432/dw",
            "ALERT_WEBHOOK_URL": "https://discord.com/api/webhooks/123/sekrit-token",
        }
    )
    text = repr(s) + str(s)
    assert TOKEN not in text and "hunter2" not in text and "sekrit-token" not in text
    assert s.discord_token.get() == TOKEN


def test_env_example_lists_every_variable_with_its_default() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    values = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert values == env_example_defaults()
    # Each variable has a comment just above it (or above its group).
    for i, line in enumerate(lines):
        if line and not line.startswith("#"):
            above = [x for x in lines[:i] if x.strip()]
            assert above, line


def test_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "feeds", "list"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "WEB_PORT": "abc", "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "configuration error: WEB_PORT: expected a whole number, got 'abc'"
    ]


def test_readme_documents_every_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in env_example_defaults() if f"| `{name}` |" not in readme]
    assert missing == []


@pytest.mark.parametrize(
    "raw", ["ftp://x.example", "https://", "javascript:alert(1)", "https://x.example/?a=1", "x"]
)
def test_public_url_must_be_a_plain_http_url(raw: str) -> None:
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        Settings.from_env({"PUBLIC_URL": raw})


def test_public_url_loses_its_trailing_slash() -> None:
    assert Settings.from_env({}).public_url == ""
    got = Settings.from_env({"PUBLIC_URL": "https://dw.example.org/watch/"}).public_url
    assert got == "https://dw.example.org/watch"
