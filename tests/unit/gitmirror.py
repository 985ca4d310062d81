"""Build a local bare git repository laid out as the search tool's mirrors (for corpus tests)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def make_mirror(tmp_path: Path, files: dict[str, str | bytes]) -> tuple[Path, str]:
    """Commit files once and clone them to <tmp>/mirrors/acme+news/repo.git.

    Return the mirrors folder and the commit.
    """
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q")
    for name, content in files.items():
        if isinstance(content, bytes):
            (work / name).write_bytes(content)
        else:
            (work / name).write_text(content, encoding="utf-8")
    _git(work, "add", ".")
    _git(work, "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "snap")
    commit = _git(work, "rev-parse", "HEAD")
    mirrors = tmp_path / "mirrors"
    (mirrors / "acme+news").mkdir(parents=True)
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(work), str(mirrors / "acme+news" / "repo.git")],
        check=True,
    )
    return mirrors, commit
