"""Rebuild the real items of the facts measurement (issue 13) from their references.

    .venv/bin/python -m corpus.facts_items [--shared ../shared/data] [--cache .corpus-cache]

corpus/facts/refs.jsonl names each item: a feed file of the shared data and the entry's guid
(`{"id", "feed", "key"}`), or an item of the rebuilt corpus (`{"id", "corpus_id"}`). The texts
are written to .corpus-cache/facts_items.jsonl (git-ignored: publishers' text), parsed by the
bot's own feed parser so the measure sees what the bot sees.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.feeds.parse import parse_feed

ROOT = Path(__file__).resolve().parents[1]
REFS = ROOT / "corpus" / "facts" / "refs.jsonl"


def _feed_items(path: Path) -> dict[str, dict[str, str]]:
    parsed = parse_feed(
        path.read_bytes(), base_url="https://example.invalid/", now=datetime.now(UTC)
    )
    out: dict[str, dict[str, str]] = {}
    for item in parsed.items:
        out[item.guid] = {
            "title": item.title,
            "summary": item.summary,
            "content": item.content,
            "published": item.published.isoformat() if item.published else "",
            "lang": item.lang or "en",
        }
    return out


def main(argv: list[str] | None = None) -> int:
    """Write .corpus-cache/facts_items.jsonl; return 1 when a reference cannot be found."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=ROOT / ".corpus-cache")
    args = ap.parse_args(argv)
    corpus_items: dict[str, dict[str, str]] = {}
    items_path = args.cache / "items.jsonl"
    if items_path.exists():
        for line in items_path.read_text("utf-8").splitlines():
            obj = json.loads(line)
            corpus_items[obj["id"]] = obj
    feeds: dict[str, dict[str, dict[str, str]]] = {}
    missing = 0
    out = []
    for line in REFS.read_text("utf-8").splitlines():
        ref = json.loads(line)
        if "feed" in ref:
            if ref["feed"] not in feeds:
                path = args.shared / ref["feed"]
                feeds[ref["feed"]] = _feed_items(path) if path.exists() else {}
            found = feeds[ref["feed"]].get(ref["key"])
            if found is None:
                missing += 1
                continue
            out.append({"id": ref["id"], **found})
        else:
            obj = corpus_items.get(ref["corpus_id"])
            if obj is None:
                missing += 1
                continue
            published = obj.get("published") or ""
            out.append(
                {
                    "id": ref["id"],
                    "lang": obj["lang"],
                    "title": obj["title"],
                    "summary": obj.get("summary", ""),
                    "content": "",
                    "published": published + "T12:00:00+00:00"
                    if len(published) == 10
                    else published,
                }
            )
    args.cache.mkdir(parents=True, exist_ok=True)
    target = args.cache / "facts_items.jsonl"
    with target.open("w", encoding="utf-8") as fh:
        for obj in out:
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
    print(f"{len(out)} items written to {target}; {missing} references not found", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
