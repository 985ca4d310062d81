"""The Dockerfile and the systemd unit are well-formed and keep their safety properties."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
UNIT = ROOT / "deploy" / "disputewatch.service"

KNOWN = {
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
}


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs, joining continuation lines, dropping comments."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        instructions.append((word.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends with a continuation backslash"
    return instructions


@pytest.fixture(scope="module")
def docker() -> list[tuple[str, str]]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def _args(docker: list[tuple[str, str]], name: str) -> list[str]:
    return [rest for word, rest in docker if word == name]


def test_parser_joins_continuations() -> None:
    parsed = parse_dockerfile('# c\nFROM x\nRUN a \\\n    && b\n\nCMD ["y"]\n')
    assert parsed == [("FROM", "x"), ("RUN", "a && b"), ("CMD", '["y"]')]


def test_dockerfile_uses_known_instructions_only(docker: list[tuple[str, str]]) -> None:
    assert docker[0] == ("FROM", "python:3.11-slim")
    unknown = [word for word, _ in docker if word not in KNOWN]
    assert unknown == []


def test_dockerfile_runs_as_a_non_root_user(docker: list[tuple[str, str]]) -> None:
    users = _args(docker, "USER")
    assert users, "no USER instruction: the container would run as root"
    assert users[-1] not in {"root", "0", "0:0"}
    # CMD and HEALTHCHECK come after the last USER, so they run unprivileged.
    words = [w for w, _ in docker]
    assert max(i for i, w in enumerate(words) if w == "USER") < words.index("CMD")


def test_dockerfile_has_no_remote_add(docker: list[tuple[str, str]]) -> None:
    for rest in _args(docker, "ADD"):
        assert not re.search(r"\b(https?|ftp)://|\bgit@", rest), rest


def test_dockerfile_healthcheck_probes_healthz(docker: list[tuple[str, str]]) -> None:
    (check,) = _args(docker, "HEALTHCHECK")
    options, _, command = check.partition("CMD ")
    assert "--interval=" in options and "--timeout=" in options
    argv = json.loads(command)
    assert argv[:2] == ["python", "-c"]
    assert "urllib" in argv[2] and "/healthz" in argv[2]
    compile(argv[2], "<healthcheck>", "exec")


def test_dockerfile_settings(docker: list[tuple[str, str]]) -> None:
    assert json.loads(_args(docker, "CMD")[-1]) == ["python", "-m", "bot", "run"]
    assert _args(docker, "VOLUME") == ["/data"]
    assert _args(docker, "EXPOSE") == ["8080"]
    env = " ".join(_args(docker, "ENV"))
    assert "DATABASE_URL=sqlite+aiosqlite:////data/disputewatch.db" in env
    assert "WEB_HOST=0.0.0.0" in env
    assert any('pip install ".[postgres]"' in r for r in _args(docker, "RUN"))


def test_dockerignore_keeps_secrets_and_data_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for pattern in (".env", ".git", ".venv", "*.db", "data"):
        assert pattern in ignored


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def test_unit_has_the_required_keys() -> None:
    unit = _unit()
    service = unit["Service"]
    expected = {
        "Restart": "on-failure",
        "TimeoutStopSec": "15",
        "KillSignal": "SIGTERM",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
    }
    for key, value in expected.items():
        assert service.get(key) == value, key
    for key in ("RestartSec", "EnvironmentFile", "WorkingDirectory", "ReadWritePaths", "ExecStart"):
        assert service.get(key), key
    assert service.get("DynamicUser") == "yes" or service.get("User") not in {None, "root"}
    assert service["ExecStart"].endswith("-m bot run")
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    # The SQLite file lives in the only writable path.
    assert "/var/lib/disputewatch/" in service["Environment"] or any(
        "/var/lib/disputewatch/" in line for line in UNIT.read_text().splitlines()
    )


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not found")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    # Point the unit at this checkout so `verify` finds the executables and files it names.
    env_file = tmp_path / "disputewatch.env"
    env_file.write_text("LOG_LEVEL=info\n")
    text = UNIT.read_text(encoding="utf-8")
    text = text.replace("/opt/disputewatch/.venv/bin/python", sys.executable)
    text = text.replace("/opt/disputewatch", str(ROOT))
    text = text.replace("/etc/disputewatch/disputewatch.env", str(env_file))
    unit = tmp_path / "disputewatch.service"
    unit.write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [
        line
        for line in result.stderr.splitlines()
        if "disputewatch.service" in line and "Documentation" not in line
    ]
    assert result.returncode == 0 or not problems, result.stderr
    assert not problems, result.stderr
