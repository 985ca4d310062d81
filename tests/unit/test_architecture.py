"""Layering rules: only bot/discord_app.py imports discord; cogs hold no SQL, HTTP or parsing."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_only_discord_app_imports_discord() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if path.name != "discord_app.py"
        and any(m == "discord" or m.startswith("discord.") for m in imported_modules(path))
    ]
    assert offenders == []


def test_cogs_are_thin() -> None:
    forbidden = ("sqlalchemy", "aiohttp", "feedparser", "bot.storage", "bot.feeds.fetch")
    offenders = {
        path.name: sorted(m for m in imported_modules(path) if m.startswith(forbidden))
        for path in sorted((ROOT / "cogs").glob("*.py"))
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_the_cli_does_not_load_discord() -> None:
    import subprocess
    import sys

    code = "import sys, bot.cli; bot.cli.build_parser(); print('discord' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "False"
