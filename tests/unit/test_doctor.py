"""python -m bot doctor: one line per check, exit 1 when one fails, the token never shown."""

from __future__ import annotations

import argparse
import io
import json
import socket
from pathlib import Path

import pytest

from bot import doctor
from bot.progress import Progress, track
from bot.storage.db import Database

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789ABCD"


def _run(argv: list[str], env_file: Path) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--env-file")
    doctor.register(parser.add_subparsers())
    args = parser.parse_args(["--env-file", str(env_file), "doctor", *argv])
    code: int = args.handler(args)
    return code


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DISCORD_TOKEN", "DATABASE_URL", "WEB_PORT", "WEB_HOST", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'dw.db'}")
    monkeypatch.setenv("WEB_PORT", "0")
    return tmp_path / "none.env"


def _lines(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, str]]:
    out = capsys.readouterr().out
    return {r["name"]: r for r in map(json.loads, out.splitlines())}


def test_fresh_install_passes_with_warnings(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["--json", "--no-network"], env) == 0
    checks = _lines(capsys)
    assert list(checks) == ["configuration", "discord token", "database", "web port", "feed"]
    assert checks["configuration"]["status"] == "ok"
    assert checks["discord token"]["status"] == "warn"
    assert checks["database"]["status"] == "warn"
    assert "db upgrade" in checks["database"]["fix"]
    assert checks["web port"]["detail"] == "disabled (WEB_PORT=0)"
    assert checks["feed"]["status"] == "skip"


async def test_migrated_database_is_ok(env: Path, tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'dw.db'}")
    await db.upgrade()
    await db.dispose()
    checks = await doctor.collect_checks(str(env), network=False)
    database = next(c for c in checks if c.name == "database")
    assert database.status == "ok", database


def test_malformed_token_fails_and_is_never_printed(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc.def")
    assert _run(["--no-network"], env) == 1
    captured = capsys.readouterr()
    assert "abc.def" not in captured.out + captured.err
    lines = captured.out.splitlines()
    assert any(line.startswith("FAIL  configuration") for line in lines)
    token = next(line for line in lines if "discord token" in line)
    assert token.startswith("FAIL") and "malformed" in token and "fix:" in token
    assert any(line.startswith("SKIP  database") for line in lines)


def test_good_token_is_ok_and_hidden(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    assert _run(["--json", "--no-network"], env) == 0
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    token = {r["name"]: r for r in map(json.loads, captured.out.splitlines())}["discord token"]
    assert token["status"] == "ok"


def test_taken_web_port_fails_with_a_fix(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        monkeypatch.setenv("WEB_HOST", "127.0.0.1")
        monkeypatch.setenv("WEB_PORT", str(sock.getsockname()[1]))
        assert _run(["--json", "--no-network"], env) == 1
    web = _lines(capsys)["web port"]
    assert web["status"] == "fail"
    assert "WEB_PORT" in web["fix"]


def test_free_web_port_is_ok() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert doctor.check_web_port("127.0.0.1", port).status == "ok"


def test_unreachable_database_fails(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("DATABASE_URL", f"postgresql+asyncpg://u:secretpw@127.0.0.1:{port}/x")
    assert _run(["--json", "--no-network"], env) == 1
    captured = capsys.readouterr()
    assert "secretpw" not in captured.out + captured.err
    database = {r["name"]: r for r in map(json.loads, captured.out.splitlines())}["database"]
    assert database["status"] == "fail"
    assert database["fix"]


# --- progress ---------------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_and_erases_itself() -> None:
    stream = _Tty()
    ticks = iter(range(100))
    with Progress(3, "Importing", stream=stream, clock=lambda: float(next(ticks))) as bar:
        bar.advance(note="feed one")
        bar.advance()
        bar.advance()
    out = stream.getvalue()
    assert "Importing [" in out and "1/3 feed one" in out and "3/3" in out
    assert out.endswith("\r\x1b[K")


@pytest.mark.parametrize(("stream", "quiet"), [(io.StringIO(), False), (_Tty(), True)])
def test_progress_is_silent_off_a_terminal_or_with_json(stream: io.StringIO, quiet: bool) -> None:
    assert list(track([1, 2, 3], "Scanning", quiet=quiet, stream=stream)) == [1, 2, 3]
    assert stream.getvalue() == ""


def test_progress_line_without_a_total() -> None:
    bar = Progress(None, "Backfill", stream=_Tty())
    bar.done = 42
    assert bar.line("x").startswith("Backfill 42 x")


# --- sample feed (local server only) ----------------------------------------------------

RSS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
    b"<link>http://127.0.0.1/</link><item><title>One</title><guid>1</guid></item>"
    b"<item><title>Two</title><guid>2</guid></item></channel></rss>"
)


async def test_feed_check_fetches_and_parses(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.feedserver import FeedServer

    monkeypatch.setenv("ALLOW_PRIVATE_FEEDS", "true")
    async with FeedServer() as server:
        server.set("/feed.xml", body=RSS, content_type="application/rss+xml")
        checks = await doctor.collect_checks(str(env), feed_url=server.url("/feed.xml"))
    feed = checks[-1]
    assert feed.name == "feed" and feed.status == "ok", feed
    assert "2 items" in feed.detail


async def test_unreachable_feed_is_a_failed_check(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOW_PRIVATE_FEEDS", "true")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    checks = await doctor.collect_checks(str(env), feed_url=f"http://127.0.0.1:{port}/f.xml")
    feed = checks[-1]
    assert feed.status == "fail" and feed.failed
    assert "internet access" in feed.fix
