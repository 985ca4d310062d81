"""Feed management used by the CLI, the Discord cogs and the web page."""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.errors import FeedError, ParseError, UserError
from bot.feeds.fetch import Fetcher, FetchResult
from bot.feeds.opml import parse_opml, starter_feeds, write_opml
from bot.feeds.parse import discover_feeds, looks_like_html
from bot.feeds.poller import FeedPollResult, Poller, utcnow
from bot.feeds.urlsafety import validate_url_syntax
from bot.storage import repository as repo
from bot.storage.db import Database
from bot.types import FeedInfo

log = logging.getLogger(__name__)

MAX_OPML_FEEDS = 2000


@dataclass(frozen=True, slots=True)
class AddFeedResult:
    """What adding a feed found."""

    feed: FeedInfo
    created: bool
    discovered_from: str | None
    item_count: int
    poll: FeedPollResult | None = None


@dataclass(slots=True)
class ImportResult:
    """What an OPML import did; errors name the file and the outline."""

    added: list[FeedInfo] = field(default_factory=list)
    existing: list[FeedInfo] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class FeedService:
    """Add, remove, list, import and export feeds; per guild or global."""

    def __init__(
        self,
        database: Database,
        fetcher: Fetcher,
        poller: Poller,
        *,
        default_interval: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.fetcher = fetcher
        self.poller = poller
        self.default_interval = default_interval
        self.clock = clock

    async def add(
        self, url: str, guild_id: int | None = None, added_by: int | None = None
    ) -> AddFeedResult:
        """Check a URL, fetch it, discover the feed behind a web page, and store it.

        The first fetch becomes the feed's baseline: its items are stored but not announced.
        """
        try:
            url = validate_url_syntax(url.strip())
        except FeedError as exc:
            raise UserError(str(exc)) from exc
        fetched, discovered_from = await self._fetch_feed(url)
        body = fetched.body or b""
        try:
            parsed = await self.poller.parser.parse(
                body,
                base_url=fetched.final_url,
                content_type=fetched.content_type,
                now=self.clock(),
            )
        except ParseError as exc:
            raise UserError(f"{url} is not a feed I can read: {exc}") from exc
        feed_url = fetched.permanent_redirect or (fetched.final_url if discovered_from else url)
        now = self.clock()
        async with self.database.sessions() as session, session.begin():
            feed, created = await repo.add_feed(
                session,
                feed_url,
                now=now,
                interval_s=self.default_interval,
                title=parsed.title,
                lang=parsed.lang,
                site_url=parsed.site_url,
            )
            if feed.status == "disabled":
                await repo.enable_feed(session, feed.id, now)
            if guild_id is not None:
                await repo.subscribe(session, guild_id, feed.id, now, added_by)
        poll: FeedPollResult | None = None
        if created or feed.status == "disabled":
            poll = await self.poller.ingest(feed.id, fetched, parsed)
        async with self.database.reading() as session:
            fresh = await repo.get_feed(session, feed.id)
        log.info("feed %d added (%s), %d items", feed.id, feed_url, len(parsed.items))
        return AddFeedResult(fresh or feed, created, discovered_from, len(parsed.items), poll)

    async def _fetch_feed(self, url: str) -> tuple[FetchResult, str | None]:
        try:
            fetched = await self.fetcher.fetch(url)
        except FeedError as exc:
            raise UserError(f"could not fetch {url}: {exc}") from exc
        body = fetched.body or b""
        if not looks_like_html(body, fetched.content_type):
            return fetched, None
        found = discover_feeds(body, fetched.final_url)
        if not found:
            raise UserError(f"{url} is a web page and it does not link to any RSS or Atom feed")
        try:
            return await self.fetcher.fetch(found[0].url), url
        except FeedError as exc:
            raise UserError(f"{url} links to the feed {found[0].url}, which failed: {exc}") from exc

    async def resolve(self, feed_ref: str, guild_id: int | None = None) -> FeedInfo:
        """Find exactly one feed by id, URL or part of its title."""
        async with self.database.reading() as session:
            found = await repo.find_feeds(session, feed_ref)
            if guild_id is not None and not await repo.follows_all_feeds(session, guild_id):
                followed = set(await repo.guild_feed_ids(session, guild_id))
                found = [f for f in found if f.id in followed]
        if not found:
            raise UserError(f"no feed matches {feed_ref!r}; `feeds list` shows their ids")
        if len(found) > 1:
            names = ", ".join(f"{f.id} ({f.title or f.url})" for f in found[:5])
            raise UserError(f"{feed_ref!r} matches several feeds: {names}; give the id")
        return found[0]

    async def remove(self, feed_ref: str, guild_id: int | None = None) -> FeedInfo:
        """Unfollow a feed for a guild, or delete it everywhere when no guild is given.

        A server follows every feed until it removes one; from then on it keeps its own list
        (every feed it followed, minus the removed one, plus what it adds later).
        """
        feed = await self.resolve(feed_ref, guild_id)
        async with self.database.sessions() as session, session.begin():
            if guild_id is None:
                await repo.remove_feed(session, feed.id)
            else:
                await repo.keep_own_feed_list(session, guild_id, self.clock())
                await repo.unsubscribe(session, guild_id, feed.id)
        return feed

    async def list(self, guild_id: int | None = None) -> builtins.list[FeedInfo]:
        """List feeds: every feed, or the ones a guild follows."""
        async with self.database.reading() as session:
            if guild_id is not None and await repo.follows_all_feeds(session, guild_id):
                guild_id = None
            return await repo.list_feeds(session, guild_id)

    async def import_opml(
        self,
        data: bytes,
        source: str = "OPML",
        guild_id: int | None = None,
        on_feed: Callable[[str], None] | None = None,
    ) -> ImportResult:
        """Add every valid feed of an OPML file in one transaction; report the bad ones.

        ``on_feed`` is called with each outline's URL as it is handled (for a progress bar).
        """
        try:
            parsed = parse_opml(data, source=source)
        except ParseError as exc:
            raise UserError(str(exc)) from exc
        result = ImportResult(errors=list(parsed.errors))
        if len(parsed.feeds) > MAX_OPML_FEEDS:
            raise UserError(f"{source}: {len(parsed.feeds)} feeds; at most {MAX_OPML_FEEDS}")
        now = self.clock()
        async with self.database.sessions() as session, session.begin():
            for entry in parsed.feeds:
                if on_feed is not None:
                    on_feed(entry.url)
                try:
                    url = validate_url_syntax(entry.url)
                except FeedError as exc:
                    result.errors.append(f"{source}: {entry.url}: {exc}")
                    continue
                feed, created = await repo.add_feed(
                    session, url, now=now, interval_s=self.default_interval, title=entry.title or ""
                )
                (result.added if created else result.existing).append(feed)
                if guild_id is not None:
                    await repo.subscribe(session, guild_id, feed.id, now)
        return result

    async def export_opml(self, guild_id: int | None = None) -> bytes:
        """Write the feeds (a guild's, or all) as OPML 2.0."""
        feeds = await self.list(guild_id)
        return write_opml(((f.url, f.title) for f in feeds), now=self.clock())

    async def ensure_starter_feeds(self) -> int:
        """Load the starter list into an empty database; return how many were added."""
        async with self.database.sessions() as session, session.begin():
            if sum((await repo.count_feeds(session)).values()):
                return 0
            now = self.clock()
            added = 0
            for entry in starter_feeds():
                _, created = await repo.add_feed(
                    session,
                    entry.url,
                    now=now,
                    interval_s=self.default_interval,
                    title=entry.title or "",
                )
                added += created
        log.info("loaded %d starter feeds", added)
        return added

    async def story_ids_since(self, feed_id: int, days: int) -> builtins.list[int]:
        """Return the stories that a feed's entries of the last ``days`` days belong to."""
        since = self.clock() - timedelta(days=days)
        async with self.database.reading() as session:
            return await repo.feed_story_ids_since(session, feed_id, since)
