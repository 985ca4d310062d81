"""Turn stored entries into detections, stories and disputes inside the poller's transaction."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.detect import classify
from bot.detect.facts import extract_facts
from bot.storage import outbox_repo
from bot.storage import stories_repo as repo
from bot.storage.search import build_search_text
from bot.stories.article import ArticleSource
from bot.stories.cluster import (
    ClusterItem,
    DisputeCandidate,
    best_title,
    cluster,
    dispute_name,
    dispute_pair,
    ordered_labels,
    ordered_parties,
    pick_dispute,
    story_lang,
)
from bot.stories.summarize import clean_text, is_teaser, richest_text, summarize
from bot.stories.text import unique
from bot.types import Detection, Facts, FeedItem, Signal, StoredEntry, StoryChange

log = logging.getLogger(__name__)

StoryHook = Callable[[AsyncSession, StoryChange, datetime], Awaitable[None]]
MAX_FACTS = 5
MAX_QUOTES = 2  # a story shows at most two statements
MAX_SIGNALS = 10


@dataclass(frozen=True, slots=True)
class StoryConfig:
    """How far apart reports of one event and stories of one dispute may be."""

    story_window_hours: int = 72
    dispute_window_days: int = 120
    min_score: float = 0.0

    def __post_init__(self) -> None:
        if self.story_window_hours < 1:
            raise ValueError("story_window_hours must be at least 1")
        if self.dispute_window_days < 1:
            raise ValueError("dispute_window_days must be at least 1")
        if not 0.0 <= self.min_score <= 1.0:
            raise ValueError("min_score must be between 0 and 1")


def merge_facts(all_facts: Iterable[Facts]) -> Facts:
    """Facts of several reports, repeats dropped, first reports first."""
    dates, amounts, quotes = [], [], []
    seen: set[object] = set()
    for facts in all_facts:
        for d in facts.dates:
            if ("d", d.when) not in seen:
                seen.add(("d", d.when))
                dates.append(d)
        for a in facts.amounts:
            if ("a", a.value, a.high, a.currency, a.period) not in seen:
                seen.add(("a", a.value, a.high, a.currency, a.period))
                amounts.append(a)
        for q in facts.quotes:
            if ("q", q.text.casefold()) not in seen:
                seen.add(("q", q.text.casefold()))
                quotes.append(q)
    return Facts(tuple(dates[:MAX_FACTS]), tuple(amounts[:MAX_FACTS]), tuple(quotes[:MAX_QUOTES]))


def merge_signals(all_signals: Iterable[Signal]) -> tuple[Signal, ...]:
    """The strongest distinct signals of several reports."""
    best: dict[tuple[str, str], Signal] = {}
    for s in all_signals:
        key = (s.label, s.phrase.casefold())
        if key not in best or s.weight > best[key].weight:
            best[key] = s
    ranked = sorted(best.values(), key=lambda s: (-s.weight, s.label, s.phrase))
    return tuple(ranked[:MAX_SIGNALS])


def _item(m: repo.Member) -> ClusterItem:
    return ClusterItem(
        key=m.entry_id,
        title=m.title,
        text=m.summary or m.content,
        published=m.published,
        labels=m.detection.labels,
        parties=m.detection.parties,
        lang=m.detection.lang,
        story_id=m.story_id,
    )


class StoryPipeline:
    """Classify stored entries, group dispute entries into stories and disputes, summarise.

    Call `process` inside the transaction that stored the entries; it only flushes. Hooks
    (`on_story`) run for each created or changed story, in the same transaction. A story made
    only of baseline entries (a feed's first poll) is stored with `stories.is_backfill = true`
    and its change says `backfill`: hooks must not announce it, only update what they already
    posted about it.
    """

    def __init__(
        self,
        config: StoryConfig | None = None,
        classifier: Callable[[FeedItem], Detection] = classify,
        on_story: Sequence[StoryHook] = (),
        article_source: ArticleSource | None = None,
    ) -> None:
        self.config = config or StoryConfig()
        self._classify = classifier
        self._hooks = tuple(on_story)
        self._articles = article_source

    @property
    def story_window(self) -> timedelta:
        """How far apart two reports of one event may be."""
        return timedelta(hours=self.config.story_window_hours)

    @property
    def dispute_window(self) -> timedelta:
        """How long a dispute stays open after its last activity."""
        return timedelta(days=self.config.dispute_window_days)

    async def process(
        self, session: AsyncSession, entries: Sequence[StoredEntry], now: datetime
    ) -> list[StoryChange]:
        """Classify `entries`, update stories and disputes, run hooks; return what changed."""
        if not entries:
            return []
        wanted: list[int] = []
        dropped: list[int] = []
        for entry in entries:
            detection = self._classify(entry.item)
            await repo.save_detection(session, entry.id, detection, now)
            if detection.is_dispute and detection.score >= self.config.min_score:
                wanted.append(entry.id)
            elif entry.is_update:
                dropped.append(entry.id)  # it may have been in a story before this update
        if not wanted and not dropped:
            return []
        await repo.lock_stories(session)
        touched = await repo.detach_entries(session, dropped)
        fresh = await repo.members_by_entry(session, wanted)
        if not fresh and not touched:
            return []
        story_ids = set(touched) | {m.story_id for m in fresh if m.story_id is not None}
        if fresh:
            lo = min(m.published for m in fresh) - self.story_window
            hi = max(m.published for m in fresh) + self.story_window
            story_ids.update(await repo.stories_active_between(session, lo, hi))
        members = {m.entry_id: m for m in await repo.members_by_story(session, story_ids)}
        members.update((m.entry_id, m) for m in fresh)
        states = await repo.story_states(session, story_ids)
        fresh_ids = {m.entry_id for m in fresh}

        settled: list[StoryChange] = []
        handled: set[int] = set()
        for group in cluster([_item(m) for m in members.values()], self.story_window):
            keys = {i.key for i in group}
            sids = sorted({i.story_id for i in group if i.story_id is not None})
            if not keys & fresh_ids and not set(sids) & touched:
                continue
            handled.update(sids)
            result = await self._settle(
                session,
                [members[k] for k in sorted(keys)],
                sids,
                states,
                fresh_ids,
                touched,
                now,
            )
            if result is not None:
                settled.append(result)
        emptied = touched - handled
        if emptied:
            await repo.delete_stories(session, emptied)
            for did in {states[s].dispute_id for s in emptied if s in states} - {None}:
                if did is not None:
                    await repo.refresh_dispute(session, did)
            log.info("removed %d stories left without dispute entries", len(emptied))

        for change in settled:
            for hook in self._hooks:
                await hook(session, change, now)
        log.debug(
            "pipeline: %d entries, %d dispute entries, %d story changes",
            len(entries),
            len(fresh),
            len(settled),
        )
        return settled

    async def _summary(
        self,
        group: Sequence[repo.Member],
        lang: str,
        title: str,
        parties: Sequence[str],
        signals: Sequence[Signal],
        fresh_ids: set[int],
        old_summary: str | None,
    ) -> tuple[str, Facts]:
        """The summary, and the facts of the article page when one was fetched."""
        pool = [m for m in group if m.detection.lang == lang] or list(group)
        source = max(
            pool,
            key=lambda m: (
                len(clean_text(richest_text(m.title, m.summary, m.content))),
                -m.published.timestamp(),
                -m.entry_id,
            ),
        )
        text = richest_text(source.title, source.summary, source.content)
        facts = Facts()
        if self._articles is not None and is_teaser(text) and source.link:
            if source.entry_id in fresh_ids or not old_summary:
                fetched = await self._articles.fetch_text(source.link)
                if fetched and len(fetched) > len(text):
                    text = fetched
                    facts = extract_facts(fetched, lang, published=source.published)
            else:
                # The stored summary may come from the article page; do not fetch it again.
                return old_summary, facts
        summary = summarize(text, title=title, parties=parties, signals=[s.phrase for s in signals])
        return summary, facts

    async def _settle(
        self,
        session: AsyncSession,
        group: Sequence[repo.Member],
        sids: Sequence[int],
        states: dict[int, repo.StoryState],
        fresh_ids: set[int],
        touched: set[int],
        now: datetime,
    ) -> StoryChange | None:
        target = sids[0] if sids else None
        merged = list(sids[1:])
        old = states.get(target) if target is not None else None
        items = [_item(m) for m in group]
        lang = story_lang(items)
        title = best_title(items, lang)
        parties = ordered_parties(items)
        labels = ordered_labels(label for i in items for label in i.labels)
        signals = merge_signals(s for m in group for s in m.detection.signals)
        summary, article_facts = await self._summary(
            group, lang, title, parties, signals, fresh_ids, old.summary if old else None
        )
        earliest = [m.published for m in group] + [
            states[s].first_seen for s in sids if s in states
        ]
        outlets = unique(m.outlet for m in group)
        data = repo.StoryData(
            title=title,
            summary=summary,
            lang=lang,
            labels=labels,
            parties=parties,
            score=max(m.detection.score for m in group),
            facts=merge_facts([*(m.detection.facts for m in group), article_facts]),
            signals=signals,
            first_seen=min(earliest),
            last_seen=max(m.published for m in group),
            search_text=build_search_text(
                title,
                summary,
                parties,
                outlets,
                labels,
                [m.title for m in group],
                lang,
                [m.summary or m.content for m in group],
            ),
            is_backfill=all(m.is_baseline for m in group),
        )
        entry_ids = [m.entry_id for m in group]
        if target is None or old is None:
            story_id = await repo.create_story(session, data, now)
            created, changed = True, True
        else:
            story_id, created = target, False
            before = {m.entry_id for m in group if m.story_id == target}
            sources_changed = set(entry_ids) != before or bool(merged) or target in touched
            # Anything an alert shows: a change edits the messages already posted.
            shown = (title, summary, labels, parties, data.facts, signals)
            was = (old.title, old.summary, old.labels, old.parties, old.facts, old.signals)
            changed = sources_changed or shown != was
            await repo.update_story(session, story_id, data, now, bump=changed)
        await repo.attach_entries(session, story_id, entry_ids)
        if merged:
            await outbox_repo.move_story_rows(session, merged, story_id)
        await repo.delete_stories(session, merged)

        previous = old.dispute_id if old else None
        dispute_id, new_dispute = await self._dispute(session, data, previous)
        await repo.set_story_dispute(session, story_id, dispute_id)
        stale = {previous, dispute_id, *(states[s].dispute_id for s in merged if s in states)}
        for did in stale:
            if did is not None:
                await repo.refresh_dispute(session, did)
        if not changed and dispute_id == previous:
            return None
        story = await repo.load_story(session, story_id)
        if story is None:
            raise LookupError(f"story {story_id} vanished in its own transaction")
        return StoryChange(story, created, new_dispute, backfill=data.is_backfill)

    async def _dispute(
        self, session: AsyncSession, data: repo.StoryData, current: int | None
    ) -> tuple[int | None, bool]:
        pair = dispute_pair(data.parties)
        if pair is None:
            return None, False
        heads = await repo.disputes_active_since(session, data.first_seen - self.dispute_window)
        for head in heads:
            if head.id == current and {p.casefold() for p in head.parties} == {
                p.casefold() for p in pair
            }:
                return current, False
        candidates = [
            DisputeCandidate(h.id, h.parties, h.first_activity, h.last_activity) for h in heads
        ]
        found = pick_dispute(pair, data.first_seen, candidates, self.dispute_window)
        if found is not None:
            return found, False
        created = await repo.create_dispute(
            session, dispute_name(pair), pair, data.labels, data.first_seen, data.last_seen
        )
        log.info("new dispute %d: %s", created, dispute_name(pair))
        return created, True
