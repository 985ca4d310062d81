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


def test_role_and_shards_default_to_one_unsharded_process() -> None:
    s = Settings.from_env({})
    assert (s.role, s.shard_count, s.shard_ids) == ("all", None, ())
    assert s.runs_poller and s.runs_discord and s.runs_pages


@pytest.mark.parametrize(
    ("raw", "ids"),
    [("0,1", (0, 1)), ("0-3", (0, 1, 2, 3)), (" 5, 0-1 ,1", (0, 1, 5)), ("", ())],
)
def test_shard_ids_take_lists_and_ranges(raw: str, ids: tuple[int, ...]) -> None:
    s = Settings.from_env({"SHARD_COUNT": "6", "SHARD_IDS": raw})
    assert s.shard_count == 6 and s.shard_ids == ids


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ROLE": "worker"}, "ROLE: must be one of all, poller, discord, web, got 'worker'"),
        ({"SHARD_IDS": "0"}, "SHARD_IDS: needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "1-2"}, "SHARD_IDS: shard 2 is outside 0-1"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "one"}, "SHARD_IDS: expected shard ids like 0,1"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3-1"}, "SHARD_IDS: the range '3-1' goes backwards"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "-1"}, "SHARD_IDS: expected shard ids"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "²"}, "SHARD_IDS: expected shard ids"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT: must be between 1"),
    ],
)
def test_bad_role_or_shards_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        Settings.from_env(env)


def test_role_flag_wins_and_picks_the_parts() -> None:
    s = Settings.from_env({"ROLE": "web"}).with_role("poller")
    assert s.role == "poller" and s.runs_poller and not s.runs_discord and not s.runs_pages
    web = s.with_role("web")
    assert web.runs_pages and not web.runs_poller and not web.runs_discord
    with pytest.raises(ConfigError, match="--role: must be one of"):
        s.with_role("everything")


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
