"""Rebuild the real items of the facts measurement (issue 13) from their references.

    .venv/bin/python -m corpus.facts_items [--refs FILE] [--out FILE] [--shared ../shared/data]
        [--cache .corpus-cache] [--mirrors /work/.mirror]

A refs file (default corpus/facts/refs.jsonl) names each item: a feed file of the shared data
and the entry's guid (`{"id", "feed", "key"}`), a feed file committed in a fetched repository
snapshot and the entry's guid (`{"id", "repo", "commit", "path", "key"}`, read with
`git --git-dir=<mirror> show <commit>:<path>`), or an item of the rebuilt corpus
(`{"id", "corpus_id"}`). The texts are written to --out (default
.corpus-cache/facts_items.jsonl, git-ignored: publishers' text), parsed by the bot's own feed
parser so the measure sees what the bot sees.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bot.detect.lang import detect_lang
from bot.feeds.parse import FeedItem, parse_feed
from corpus.rebuild import (
    DEFAULT_MIRRORS,
    RESERVED_FR_SPAN,
    RESERVED_OUTLET_FROM,
    RESERVED_OUTLETS,
    RESERVED_REPOS,
    find_git_dir,
    git_show,
)

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
REFS = ROOT / "corpus" / "facts" / "refs.jsonl"


def item_lang(item: FeedItem) -> str:
    """The item's language; an untagged feed's is read off the text, as the detector does."""
    return item.lang or detect_lang(" ".join((item.title, item.summary[:400])))


def reserved_reason(repo: str, item: FeedItem) -> str | None:
    """Return why a mirrored feed entry is reserved for independent evaluation, or None."""
    if repo.lower() in RESERVED_REPOS:
        return f"reserved repository {repo}"
    host = (urlsplit(item.link).hostname or "").lower() if item.link else ""
    day = item.published.astimezone(UTC).date().isoformat() if item.published_in_feed else ""
    if any(host == o or host.endswith("." + o) for o in RESERVED_OUTLETS) and (
        not day or day >= RESERVED_OUTLET_FROM
    ):
        return f"{host} item dated {day or 'unknown'}"
    if item_lang(item).startswith("fr") and RESERVED_FR_SPAN[0] <= day <= RESERVED_FR_SPAN[1]:
        return f"French item dated {day}"
    return None


def _feed_items(raw: bytes, repo: str | None = None) -> dict[str, dict[str, str]]:
    """Index a feed's entries by guid; entries of a reserved repository or span are left out."""
    parsed = parse_feed(raw, base_url="https://example.invalid/", now=datetime.now(UTC))
    out: dict[str, dict[str, str]] = {}
    for item in parsed.items:
        if repo is not None and (reason := reserved_reason(repo, item)) is not None:
            logger.debug("reserved, skipped %s: %s", item.guid, reason)
            continue
        out[item.guid] = {
            "title": item.title,
            "summary": item.summary,
            "content": item.content,
            "published": item.published.isoformat() if item.published else "",
            "lang": item_lang(item),
        }
    return out


def _mirror_items(
    mirrors: Path, repo: str, commit: str, path: str, git_dirs: dict[str, Path | None]
) -> dict[str, dict[str, str]]:
    """Return the entries of `commit:path` in a fetched snapshot (empty when unavailable)."""
    if repo.lower() in RESERVED_REPOS:
        print(f"RESERVED repository {repo}: not read", file=sys.stderr)
        return {}
    if repo not in git_dirs:
        git_dirs[repo] = find_git_dir(mirrors, repo)
        if git_dirs[repo] is None:
            print(f"MISSING MIRROR {repo}: fetch github:{repo}", file=sys.stderr)
    git_dir = git_dirs[repo]
    raw = git_show(git_dir, commit, path) if git_dir is not None else None
    if git_dir is not None and raw is None:
        print(f"NOT IN THE MIRROR {repo}@{commit[:12]}:{path}", file=sys.stderr)
    return _feed_items(raw, repo) if raw else {}


def main(argv: list[str] | None = None) -> int:
    """Write the items of a refs file; return 1 when a reference cannot be found."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refs", type=Path, default=REFS)
    ap.add_argument("--out", type=Path, default=None, help="default <cache>/facts_items.jsonl")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=ROOT / ".corpus-cache")
    ap.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    args = ap.parse_args(argv)
    target: Path = args.out or args.cache / "facts_items.jsonl"
    corpus_items: dict[str, dict[str, str]] = {}
    items_path = args.cache / "items.jsonl"
    if items_path.exists():
        for line in items_path.read_text("utf-8").splitlines():
            obj = json.loads(line)
            corpus_items[obj["id"]] = obj
    feeds: dict[str, dict[str, dict[str, str]]] = {}
    snapshots: dict[tuple[str, str, str], dict[str, dict[str, str]]] = {}
    git_dirs: dict[str, Path | None] = {}
    missing = 0
    out = []
    for line in args.refs.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        ref = json.loads(line)
        if "feed" in ref:
            if ref["feed"] not in feeds:
                path = args.shared / ref["feed"]
                feeds[ref["feed"]] = _feed_items(path.read_bytes()) if path.exists() else {}
            found = feeds[ref["feed"]].get(ref["key"])
        elif "repo" in ref:
            where = (ref["repo"], ref["commit"], ref["path"])
            if where not in snapshots:
                snapshots[where] = _mirror_items(args.mirrors, *where, git_dirs)
            found = snapshots[where].get(ref["key"])
        else:
            obj = corpus_items.get(ref["corpus_id"])
            found = None
            if obj is not None:
                published = obj.get("published") or ""
                found = {
                    "lang": obj["lang"],
                    "title": obj["title"],
                    "summary": obj.get("summary", ""),
                    "content": "",
                    "published": published + "T12:00:00+00:00"
                    if len(published) == 10
                    else published,
                }
        if found is None:
            print(f"NOT FOUND {ref['id']}", file=sys.stderr)
            missing += 1
            continue
        out.append({"id": ref["id"], **found})
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as fh:
        for obj in out:
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
    print(f"{len(out)} items written to {target}; {missing} references not found", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
