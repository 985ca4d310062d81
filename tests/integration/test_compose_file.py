"""deploy/compose.yaml: PostgreSQL, a migration, 2 pollers, a Discord and a web process, valid.

No Docker engine runs in CI, so the file is loaded with PyYAML (anchors and merge keys as
Compose reads them) and its shape is checked; each bot service's environment goes through the
real settings validation. `docker compose config` also runs when the Compose plugin is there.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yaml"
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4." + "G" * 6 + "." + "t" * 38
BOTS = {"poller-1": "poller", "poller-2": "poller", "discord": "discord", "web": "web"}
TOP_LEVEL = {"name", "services", "volumes", "networks", "configs", "secrets"}
SERVICE_KEYS = {
    "build",
    "image",
    "restart",
    "stop_grace_period",
    "env_file",
    "environment",
    "healthcheck",
    "depends_on",
    "command",
    "volumes",
    "ports",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _interpolate(value: str) -> str:
    """Compose's ${VAR:-default}, with every variable unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_top_level_and_service_keys_are_compose_keys(compose: dict[str, Any]) -> None:
    assert set(compose) - TOP_LEVEL == {k for k in compose if k.startswith("x-")}
    assert set(compose["services"]) == {"postgres", "migrate", *BOTS}
    for name, service in compose["services"].items():
        assert set(service) <= SERVICE_KEYS, (name, set(service) - SERVICE_KEYS)


def test_bot_services_build_the_repository_dockerfile(compose: dict[str, Any]) -> None:
    for name in ["migrate", *BOTS]:
        build = compose["services"][name]["build"]
        context = (COMPOSE.parent / build["context"]).resolve()
        assert context == ROOT and (context / build["dockerfile"]).is_file(), name


def test_each_process_runs_its_role_with_valid_settings(compose: dict[str, Any]) -> None:
    for name, role in BOTS.items():
        service = compose["services"][name]
        assert service["command"] == ["python", "-m", "bot", "run", "--role", role]
        env = {k: _interpolate(str(v)) for k, v in service["environment"].items()}
        assert env["ROLE"] == role
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        settings = Settings.from_env({**env, "DISCORD_TOKEN": TOKEN})
        assert settings.role == role and settings.web_host == "0.0.0.0"
    discord = Settings.from_env(compose["services"]["discord"]["environment"])
    assert discord.shard_count == 2 and discord.shard_ids == (0, 1)


def test_bots_wait_for_postgres_and_the_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["python", "-m", "bot", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in BOTS:
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name


def test_healthchecks_and_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["postgres"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert "pgdata" in compose["volumes"]
    for name in BOTS:
        check = services[name]["healthcheck"]
        port = services[name]["environment"]["WEB_PORT"]
        assert f"127.0.0.1:{port}/healthz" in " ".join(check["test"]), name
        assert check["retries"] >= 1
    # The page has no login: published on the host's loopback only, and by the web role only.
    assert services["web"]["ports"] == ["127.0.0.1:8080:8080"]
    assert all("ports" not in services[name] for name in BOTS if name != "web")


def test_docker_compose_accepts_the_file_when_available() -> None:
    docker = shutil.which("docker")
    if (
        docker is None
        or subprocess.run(
            [docker, "compose", "version"], capture_output=True, check=False, timeout=30
        ).returncode
    ):
        pytest.skip("the Docker Compose plugin is not installed")
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
