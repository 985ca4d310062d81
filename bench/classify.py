"""Measure detector throughput (items per second, one core) on the real headlines in shared data.

Usage: python bench/classify.py [--data DIR] [--min-items N] [--rounds R]
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
from pathlib import Path

import feedparser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.detect import classify  # noqa: E402
from bot.detect.entities import fold  # noqa: E402
from bot.types import FeedItem  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
_TAG = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def load_items(data: Path) -> list[FeedItem]:
    """Read labelled headlines and every feed entry as FeedItems."""
    items: list[FeedItem] = []
    dev = data / "labeled" / "dev.jsonl"
    if dev.exists():
        for n, line in enumerate(dev.read_text(encoding="utf-8").splitlines()):
            obj = json.loads(line)
            items.append(
                FeedItem(
                    guid=f"dev-{n}",
                    title=obj["title"],
                    summary=obj.get("summary") or "",
                    lang=obj.get("lang"),
                )
            )
    for path in sorted((data / "feeds").glob("*.xml")):
        parsed = feedparser.parse(path.read_bytes())
        for n, entry in enumerate(parsed.entries):
            items.append(
                FeedItem(
                    guid=f"{path.name}-{n}",
                    title=_plain(entry.get("title", "")),
                    summary=_plain(entry.get("summary", ""))[:1000],
                )
            )
    return [i for i in items if i.title]


def main() -> int:
    """Run the benchmark and print items per second."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--min-items", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items = load_items(args.data)
    if not items:
        print(f"no items found under {args.data}", file=sys.stderr)
        return 2
    fold("warm up")
    classify(items[0])  # compile lexicons and gazetteer outside the timing
    repeat = max(1, -(-args.min_items // len(items)))
    workload = items * repeat
    best_cpu = best_wall = 0.0
    for _ in range(args.rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        for item in workload:
            classify(item)
        # CPU time is what one core spends; wall time also counts other processes' turns.
        best_cpu = max(best_cpu, len(workload) / (time.process_time() - cpu))
        best_wall = max(best_wall, len(workload) / (time.perf_counter() - wall))
    print(
        f"{len(items)} distinct items x{repeat} = {len(workload)} per round, best of "
        f"{args.rounds}: {best_cpu:,.0f} items/s of one core's CPU time "
        f"({best_wall:,.0f} items/s wall clock)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
