"""Core subcommands: db, feeds, scan, about."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.app import App
from bot.errors import UserError
from bot.feeds.poller import PollReport
from bot.feeds.service import ImportResult
from bot.logging_setup import configure_logging
from bot.output import emit_json, entry_json, feed_json, print_table, short_time
from bot.progress import Progress
from bot.settings import ROLES, Settings, load_settings
from bot.storage.db import Database
from bot.stories.jsonfmt import story_to_json

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]

T = TypeVar("T")


def settings_for(args: argparse.Namespace) -> Settings:
    """Load settings (and .env) for a command and configure logging from them."""
    settings = load_settings(getattr(args, "env_file", None))
    configure_logging(settings.log_level, settings.log_format)
    return settings


def with_app(args: argparse.Namespace, work: Callable[[App], Awaitable[T]]) -> T:
    """Open the app (database migrated, starter feeds loaded), run ``work``, close it.

    One-shot commands are not a role: ROLE (set for ``run``) does not change what they do.
    """
    settings = settings_for(args).with_role("all")

    async def run() -> T:
        app = App(settings)
        try:
            await app.open()
            return await work(app)
        finally:
            await app.close()

    return asyncio.run(run())


def with_database(args: argparse.Namespace, work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the database alone (no migrations, no app), run ``work``, close it."""
    settings = settings_for(args)

    async def run() -> T:
        database = Database(settings.database_url)
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(run())


def register(sub: SubParsers) -> None:
    """Add the core subcommands."""
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations").set_defaults(handler=_db_upgrade)

    feeds = sub.add_parser("feeds", help="add, list, remove, import and export feeds")
    fsub = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    add = fsub.add_parser("add", help="check a feed URL (or a page linking to one) and add it")
    add.add_argument("url")
    add.add_argument("--json", action="store_true", help="print the feed as a JSON line")
    add.set_defaults(handler=_feeds_add)
    lst = fsub.add_parser("list", help="list feeds with their health")
    lst.add_argument("--json", action="store_true", help="one JSON object per feed")
    lst.set_defaults(handler=_feeds_list)
    rm = fsub.add_parser("remove", help="remove a feed (by id, URL or title)")
    rm.add_argument("feed")
    rm.set_defaults(handler=_feeds_remove)
    imp = fsub.add_parser("import", help="add the feeds of an OPML file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--json", action="store_true", help="one JSON object per feed added")
    imp.set_defaults(handler=_feeds_import)
    exp = fsub.add_parser("export", help="write every feed as OPML 2.0 (standard output)")
    exp.add_argument("-o", "--output", type=Path, help="write to this file instead")
    exp.set_defaults(handler=_feeds_export)

    run = sub.add_parser(
        "run",
        help="run the bot (console alerts and the web page when there is no token)",
        description="Run the bot. With --role, run one part of it, so several processes on "
        "PostgreSQL share the work (see docs/operations.md).",
    )
    run.add_argument(
        "--role",
        choices=ROLES,
        default=None,
        help="all (default, or ROLE): everything; poller: poll feeds and queue alerts; "
        "discord: the gateway, slash commands and alert delivery; web: the page, API and "
        "Atom feed",
    )
    run.set_defaults(handler=_run)

    scan = sub.add_parser("scan", help="poll every due feed once and print what is new")
    scan.add_argument("--all", action="store_true", help="poll every feed, due or not")
    scan.add_argument("--json", action="store_true", help="JSON lines: entries, then stories")
    scan.set_defaults(handler=_scan)

    for name in ("about", "status"):
        about = sub.add_parser(name, help="version, feeds, last poll and counts")
        about.add_argument("--json", action="store_true", help="print one JSON object")
        about.set_defaults(handler=_about)


def _db_upgrade(args: argparse.Namespace) -> int:
    async def upgrade(database: Database) -> str:
        await database.upgrade()
        current, _ = await database.current_revision()
        return current or "empty"

    revision = with_database(args, upgrade)
    sys.stderr.write(f"database is at revision {revision}\n")
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.runner import run

    settings = settings_for(args)
    if args.role is not None:
        settings = settings.with_role(args.role)
    return asyncio.run(run(settings))


def _feeds_add(args: argparse.Namespace) -> int:
    result = with_app(args, lambda app: app.feeds.add(args.url))
    feed = result.feed
    if args.json:
        emit_json(feed_json(feed) | {"created": result.created, "items": result.item_count})
        return 0
    verb = "added" if result.created else "already followed"
    found = f" (found on {result.discovered_from})" if result.discovered_from else ""
    sys.stdout.write(
        f"{verb}: [{feed.id}] {feed.title or feed.url}\n  {feed.url}{found}\n"
        f"  {result.item_count} items now; new items from the next poll on will be checked.\n"
    )
    return 0


def _feeds_list(args: argparse.Namespace) -> int:
    feeds = with_app(args, lambda app: app.feeds.list())
    if args.json:
        for feed in feeds:
            emit_json(feed_json(feed))
        return 0
    if not feeds:
        sys.stderr.write("no feeds; add one with `python -m bot feeds add URL`\n")
        return 0
    rows = [
        [
            str(f.id),
            f.status if f.status != "active" or not f.error_count else f"failing ×{f.error_count}",
            (f.title or "-"),
            f.url,
            short_time(f.last_polled_at),
            short_time(f.next_poll_at) if f.status == "active" else "-",
            f.disabled_reason or f.last_error or "",
        ]
        for f in feeds
    ]
    print_table(["ID", "STATUS", "TITLE", "URL", "LAST POLL", "NEXT POLL", "LAST ERROR"], rows)
    return 0


def _feeds_remove(args: argparse.Namespace) -> int:
    feed = with_app(args, lambda app: app.feeds.remove(args.feed))
    sys.stderr.write(f"removed [{feed.id}] {feed.title or feed.url}\n")
    return 0


def _feeds_import(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from exc

    async def work(app: App) -> ImportResult:
        with Progress(None, f"importing {path.name}", quiet=args.json) as bar:
            return await app.feeds.import_opml(
                data, source=str(path), on_feed=lambda url: bar.advance(note=url)
            )

    result = with_app(args, work)
    for error in result.errors:
        sys.stderr.write(f"{error}\n")
    if args.json:
        for feed in result.added:
            emit_json(feed_json(feed) | {"created": True})
        for feed in result.existing:
            emit_json(feed_json(feed) | {"created": False})
    sys.stderr.write(
        f"{len(result.added)} feeds added, {len(result.existing)} already there, "
        f"{len(result.errors)} skipped\n"
    )
    return 1 if result.errors else 0


def _feeds_export(args: argparse.Namespace) -> int:
    data = with_app(args, lambda app: app.feeds.export_opml())
    if args.output:
        tmp = args.output.with_name(args.output.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(args.output)
        sys.stderr.write(f"wrote {args.output}\n")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def _scan(args: argparse.Namespace) -> int:
    async def work(app: App) -> PollReport:
        total = await app.poller.count_due(force=args.all)
        with Progress(total, "polling feeds", quiet=args.json) as bar:
            return await app.poller.poll_due(
                force=args.all, on_feed=lambda r: bar.advance(note=r.title or r.url)
            )

    report = with_app(args, work)
    for result in report.results:
        if result.failed:
            sys.stderr.write(f"feed {result.feed_id} ({result.url}) failed: {result.error}\n")
        elif result.status == "baseline":
            sys.stderr.write(
                f"feed {result.feed_id} ({result.title}): first poll, "
                "its current items are the baseline (not announced)\n"
            )
    entries = report.new_entries
    stories = report.stories
    if args.json:
        for entry in entries:
            emit_json(entry_json(entry))
        for change in stories:
            emit_json(story_to_json(change.story) | {"created": change.created})
    else:
        if entries:
            print_table(
                ["PUBLISHED", "FEED", "TITLE", "LINK"],
                [
                    [short_time(e.item.published), e.feed_title, e.item.title, e.item.link or ""]
                    for e in entries
                ],
            )
        for change in stories:
            story = change.story
            tag = "new story" if change.created else "updated story"
            sys.stdout.write(
                f"\n[{tag} s{story.id}] {story.title}\n"
                f"  {', '.join(story.labels)} · {', '.join(story.parties)}\n"
                f"  {story.summary}\n"
            )
    polled = len(report.results)
    sys.stderr.write(
        f"polled {polled} feeds: {len(entries)} new entries, {len(stories)} dispute stories, "
        f"{len(report.failed)} failed\n"
    )
    return 1 if report.failed else 0


def _about(args: argparse.Namespace) -> int:
    info = with_app(args, lambda app: app.about())
    if args.json:
        emit_json(info)
        return 0
    for key, value in info.items():
        sys.stdout.write(f"{key.replace('_', ' ')}: {value if value is not None else '-'}\n")
    return 0


__all__ = ["register", "settings_for", "with_app", "with_database"]
