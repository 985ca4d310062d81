"""CLI subcommands: `search QUERY` and `show ID` (stories and disputes)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from typing import TextIO

from bot.commands import with_database
from bot.output import emit_json
from bot.storage.db import Database
from bot.storage.search import SearchPage
from bot.stories.jsonfmt import dispute_ref, dispute_to_json, hit_to_json, story_ref, story_to_json
from bot.stories.service import StoryService
from bot.types import Dispute, Story


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `search` and `show` subcommands."""
    search = sub.add_parser("search", help="full-text search over stories")
    search.add_argument("query", help="words to find (accents optional; Twitter finds X)")
    search.add_argument("--label", choices=["cutoff", "legal"], help="only this label")
    search.add_argument("--party", help="only stories naming this company (or alias)")
    search.add_argument("--lang", help="only stories in this language (en, fr...)")
    search.add_argument("--since", type=_parse_day, help="only stories active since YYYY-MM-DD")
    search.add_argument("--limit", type=int, default=10, help="results per page (1-100)")
    search.add_argument("--offset", type=int, default=0, help="results to skip")
    search.add_argument("--json", action="store_true", help="one JSON object per line")
    search.set_defaults(handler=_search)

    show = sub.add_parser("show", help="show a story (s123 or 123) or a dispute (d45)")
    show.add_argument("id", help="s123 or 123 for a story, d45 for a dispute")
    show.add_argument("--json", action="store_true", help="one JSON object")
    show.set_defaults(handler=_show)


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2024-03-01") from exc


def _day(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d")


def _search(args: argparse.Namespace) -> int:
    async def search(database: Database) -> SearchPage:
        return await StoryService(database).search(
            args.query,
            label=args.label,
            party=args.party,
            lang=args.lang,
            since=args.since,
            limit=args.limit,
            offset=args.offset,
        )

    page = with_database(args, search)
    if args.json:
        for hit in page.hits:
            emit_json(hit_to_json(hit), sys.stdout)
    else:
        for hit in page.hits:
            s = hit.story
            labels = ",".join(s.labels) or "-"
            sys.stdout.write(
                f"{story_ref(s.id):>7}  {_day(s.first_seen)}  {labels:<12} "
                f"{', '.join(s.parties)}\n         {s.title}\n"
            )
            if hit.snippet:
                sys.stdout.write(f"         {hit.snippet}\n")
            sys.stdout.write(f"         {len(s.sources)} source(s)\n")
    shown_to = page.offset + len(page.hits)
    if page.total == 0:
        sys.stderr.write(f"no story matches {args.query!r}\n")
    else:
        sys.stderr.write(f"{page.offset + 1}-{shown_to} of {page.total} stories\n")
    return 0


def _print_story(story: Story, out: TextIO) -> None:
    out.write(f"{story_ref(story.id)}  {story.title}\n")
    out.write(f"  labels:  {', '.join(story.labels) or '-'}   score: {story.score:.2f}\n")
    out.write(f"  parties: {', '.join(story.parties) or '-'}   language: {story.lang}\n")
    out.write(f"  first seen {_day(story.first_seen)}, last {_day(story.last_seen)}")
    if story.dispute_id is not None:
        out.write(f"   dispute {dispute_ref(story.dispute_id)}")
    out.write("\n")
    if story.summary:
        out.write(f"\n  {story.summary}\n")
    facts = story.facts
    for d in facts.dates:
        out.write(f"  date:   {d.when.isoformat()} ({d.text})\n")
    for a in facts.amounts:
        out.write(f"  amount: {a.text}\n")
    for q in facts.quotes:
        out.write(f"  quote:  “{q.text}”" + (f" — {q.speaker}" if q.speaker else "") + "\n")
    out.write(f"\n  sources ({len(story.sources)}):\n")
    for src in story.sources:
        out.write(f"    {_day(src.published)}  {src.outlet}: {src.title}\n")
        if src.link:
            out.write(f"                {src.link}\n")


def _print_dispute(dispute: Dispute, out: TextIO) -> None:
    out.write(f"{dispute_ref(dispute.id)}  {dispute.name}\n")
    out.write(f"  labels: {', '.join(dispute.labels) or '-'}\n")
    out.write(
        f"  active {_day(dispute.first_activity)} to {_day(dispute.last_activity)}, "
        f"{len(dispute.stories)} story(ies)\n\n"
    )
    for story in dispute.stories:
        out.write(
            f"  {_day(story.first_seen)}  {story_ref(story.id):>7}  {story.title}"
            f"  [{len(story.sources)} source(s)]\n"
        )


def _show(args: argparse.Namespace) -> int:
    ref = str(args.id)

    async def show(database: Database) -> Story | Dispute | None:
        return await StoryService(database).show(ref)

    found = with_database(args, show)
    if found is None:
        sys.stderr.write(f"nothing found for {ref!r}\n")
        return 1
    if isinstance(found, Dispute):
        if args.json:
            emit_json(dispute_to_json(found), sys.stdout)
        else:
            _print_dispute(found, sys.stdout)
    elif args.json:
        emit_json(story_to_json(found), sys.stdout)
    else:
        _print_story(found, sys.stdout)
    return 0
