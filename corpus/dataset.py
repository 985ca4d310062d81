"""Labelled items for training: reading, the time-and-outlet split, the corpus hash.

Standard library only (with bot.detect), so tests and `python -m bot eval` users need no
training dependencies. Items are JSON lines in the shape of `.corpus-cache/items.jsonl` and the
dev set: id, lang, source (the outlet), title, summary, published, slice, cutoff, legal, parties.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from bot.detect.evaluate import BadLine, LabelledItem, parse_labelled_line

logger = logging.getLogger(__name__)

SPLIT_VERSION = 1


def load(paths: Iterable[Path]) -> tuple[list[LabelledItem], int]:
    """Read labelled items from JSON-lines files; return them and the number of lines skipped.

    Lines without labels (a corpus cache rebuilt before the labels exist) or malformed ones are
    skipped; an id seen twice keeps its first occurrence.
    """
    items: list[LabelledItem] = []
    seen: set[str] = set()
    skipped = 0
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            parsed = parse_labelled_line(line, n)
            if isinstance(parsed, BadLine):
                skipped += 1
                continue
            if parsed.id in seen:
                continue
            seen.add(parsed.id)
            items.append(parsed)
    return items, skipped


def corpus_hash(items: Iterable[LabelledItem]) -> str:
    """Return the sha256 of the items' text and labels, in id order (file order does not count)."""
    digest = hashlib.sha256()
    for item in sorted(items, key=lambda i: i.id):
        record = {
            "id": item.id,
            "lang": item.lang,
            "title": item.title,
            "summary": item.summary,
            "cutoff": item.gold["cutoff"],
            "legal": item.gold["legal"],
        }
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def _day(item: LabelledItem) -> date | None:
    return item.published.date() if item.published is not None else None


def make_split(
    items: list[LabelledItem], *, test_share: float = 0.15, outlet_share: float = 0.1
) -> dict[str, Any]:
    """Choose the test split: the latest months of each language, and one unseen outlet each.

    Per language, ``test_from`` is the first day of the earliest month such that the months
    from it on hold at least ``test_share`` of the dated items. Then, among the outlets other
    than the largest, the one whose remaining item count is closest to ``outlet_share`` of the
    language is held out whole (at every date). Deterministic: ties go by name.
    """
    test_from: dict[str, str] = {}
    test_outlets: dict[str, list[str]] = {}
    for lang in sorted({i.lang for i in items}):
        mine = [i for i in items if i.lang == lang]
        months = Counter(d.strftime("%Y-%m") for i in mine if (d := _day(i)) is not None)
        dated = sum(months.values())
        acc = 0
        start: str | None = None
        for month in sorted(months, reverse=True):
            acc += months[month]
            start = month
            if acc >= test_share * dated:
                break
        if start is not None and acc < dated:
            test_from[lang] = f"{start}-01"
        rest = [
            i
            for i in mine
            if not ((d := _day(i)) is not None and lang in test_from and str(d) >= test_from[lang])
        ]
        outlets = Counter(i.source for i in rest if i.source)
        if len(outlets) < 2:
            logger.warning("%s: fewer than two outlets, no outlet held out", lang)
            continue
        largest = max(outlets, key=lambda o: (outlets[o], o))
        target = outlet_share * len(mine)
        pick = min(
            (o for o in outlets if o != largest), key=lambda o: (abs(outlets[o] - target), o)
        )
        test_outlets[lang] = [pick]
    return {
        "split_version": SPLIT_VERSION,
        "rule": (
            "an item is in the test split when its outlet is in test_outlets[lang] or it was "
            "published on or after test_from[lang]; every other item is training material, "
            "of which k-fold cross-validation in corpus/train.py picks calibration and thresholds"
        ),
        "made_from": {"items": len(items), "corpus_hash": corpus_hash(items)},
        "test_from": test_from,
        "test_outlets": test_outlets,
    }


def read_split(path: Path) -> dict[str, Any]:
    """Read a split file written by make_split."""
    obj = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(obj, dict) or obj.get("split_version") != SPLIT_VERSION:
        raise ValueError(f"{path}: not a split file of version {SPLIT_VERSION}")
    return obj


def in_test(item: LabelledItem, split: Mapping[str, Any]) -> bool:
    """Say whether an item belongs to the split's test part."""
    if item.source and item.source in split.get("test_outlets", {}).get(item.lang, []):
        return True
    start = split.get("test_from", {}).get(item.lang)
    day = _day(item)
    if day is None:
        return False
    if start is not None and str(day) >= start:
        return True
    windows = split.get("test_windows", {}).get(item.lang, [])
    return any(lo <= str(day) <= hi for lo, hi in windows)
