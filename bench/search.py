"""Benchmark story search: 100,000 synthetic EN/FR stories, N searches, median and p95 latency.

Each story has one to four sources whose summaries (about 500 characters, English or French)
are indexed like the pipeline does.

    .venv/bin/python -m bench.search [--stories 100000] [--searches 200]
                                     [--database-url postgresql+asyncpg://...]

SQLite runs in a temporary file; with --database-url the same is run on that database too
(its stories table is emptied first: use a scratch database).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert

from bot.storage.db import Database
from bot.storage.schema import StoryRow
from bot.storage.search import build_search_text, optimize_search_index
from bot.stories.service import StoryService


def _words(text: str) -> list[str]:
    return text.split()


PARTIES = [
    "Apple",
    "Google",
    "Microsoft",
    "X",
    "Meta",
    "Amazon",
    "Epic Games",
    "OpenAI",
    "FTC",
    "European Commission",
    "US DOJ",
    "Spotify",
    "Netflix",
    "Samsung",
    "TikTok",
    "Reddit",
    "Valve",
    "Nvidia",
    "Intel",
    "Qualcomm",
    "Uber",
    "Adobe",
    "Oracle",
    "IBM",
]
EN_VERBS = [
    "sues",
    "blocks",
    "drops",
    "bans",
    "fines",
    "removes",
    "cuts off",
    "settles with",
    "appeals ruling against",
    "threatens",
    "suspends",
    "probes",
]
FR_VERBS = [
    "poursuit",
    "bloque",
    "abandonne",
    "bannit",
    "inflige une amende à",
    "retire",
    "coupe l'accès de",
    "trouve un accord avec",
    "fait appel contre",
    "menace",
    "suspend",
    "enquête sur",
]
EN_TOPICS = [
    "app store fees",
    "API access",
    "search deal",
    "ad tracking",
    "cloud licensing",
    "game payments",
    "news links",
    "data scraping",
    "browser choice",
    "chip patents",
    "music streaming",
    "developer accounts",
    "privacy rules",
    "AI training data",
]
FR_TOPICS = [
    "les frais de la boutique",
    "l'accès à l'API",
    "l'accord de recherche",
    "le pistage publicitaire",
    "les licences cloud",
    "les paiements dans les jeux",
    "les liens vers la presse",
    "la collecte de données",
    "le choix du navigateur",
    "les brevets de puces",
    "la musique en ligne",
    "les comptes développeurs",
    "les règles de confidentialité",
    "les données d'entraînement de l'IA",
]
EN_FILLER = _words(
    "the company said on Monday that it would respond in court and that users would "
    "not be affected before the end of the quarter according to people familiar"
)
FR_FILLER = _words(
    "l'entreprise a indiqué lundi qu'elle répondrait devant le tribunal et que les "
    "utilisateurs ne seraient pas touchés avant la fin du trimestre selon des "
    "sources proches du dossier"
)
QUERIES = [
    "Twitter",
    "Google",
    "lawsuit",
    "procès",
    "proces",
    "poursuites",
    "API access",
    "Epic Games",
    "amende",
    "app store",
    "developer accounts",
    "données",
    "sued",
    "bloque",
    "Microsoft cloud",
    "tribunal",
    "streaming",
    "Apple fees",
    "brevets",
    "OpenAI data",
]


def synthetic(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Rows for n stories: 60% English, 40% French, two parties each, over two years."""
    rnd = random.Random(seed)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        a, b = rnd.sample(PARTIES, 2)
        fr = rnd.random() < 0.4
        k = rnd.randrange(len(EN_TOPICS))
        verb = rnd.choice(FR_VERBS if fr else EN_VERBS)
        topic = (FR_TOPICS if fr else EN_TOPICS)[k]
        title = f"{a} {verb} {b} {'à propos de' if fr else 'over'} {topic}"
        filler = FR_FILLER if fr else EN_FILLER
        summary = f"{title}. " + " ".join(rnd.choices(filler, k=30)).capitalize() + "."
        labels = rnd.choice([["cutoff"], ["legal"], ["cutoff", "legal"]])
        when = start + timedelta(minutes=rnd.randrange(2 * 365 * 24 * 60))
        # One to four sources, each with its own ~500-character summary, in either language.
        source_summaries = [
            " ".join(rnd.choices(rnd.choice((EN_FILLER, FR_FILLER)), k=80))
            for _ in range(rnd.choice((1, 1, 2, 2, 3, 4)))
        ]
        rows.append(
            {
                "title": title,
                "summary": summary,
                "lang": "fr" if fr else "en",
                "labels": labels,
                "parties": [a, b],
                "score": round(rnd.random(), 3),
                "facts": {},
                "signals": [],
                "first_seen_at": when,
                "last_seen_at": when,
                "updated_at": when,
                "version": 1,
                "is_backfill": False,
                "search_text": build_search_text(
                    title,
                    summary,
                    [a, b],
                    [f"Outlet {i % 40}"],
                    labels,
                    [title],
                    lang="fr" if fr else "en",
                    source_summaries=source_summaries,
                ),
            }
        )
    return rows


async def bench(url: str, n: int, searches: int) -> dict[str, float]:
    """Load n stories into the database at url, then time searches; return figures in ms."""
    database = Database(url)
    try:
        await database.upgrade()
        rows = synthetic(n)
        t0 = time.perf_counter()
        async with database.sessions.begin() as session:
            await session.execute(delete(StoryRow))
            for i in range(0, len(rows), 5000):
                await session.execute(insert(StoryRow), rows[i : i + 5000])
        await optimize_search_index(database)
        load_s = time.perf_counter() - t0
        service = StoryService(database, clock=lambda: datetime(2025, 1, 1, tzinfo=UTC))
        rnd = random.Random(11)
        for q in QUERIES[:5]:  # warm caches
            await service.search(q)
        times: list[float] = []
        totals: list[int] = []
        for i in range(searches):
            query = QUERIES[i % len(QUERIES)]
            kwargs: dict[str, Any] = {}
            if i % 4 == 1:
                kwargs["label"] = "legal"
            if i % 5 == 2:
                kwargs["lang"] = "fr"
            if i % 7 == 3:
                kwargs["since"] = datetime(2024, 6, 1, tzinfo=UTC)
            if i % 6 == 4:
                kwargs["offset"] = rnd.randrange(0, 50)
            t = time.perf_counter()
            page = await service.search(query, **kwargs)
            times.append((time.perf_counter() - t) * 1000)
            totals.append(page.total)
        times.sort()
        return {
            "load_s": load_s,
            "median_ms": statistics.median(times),
            "p95_ms": times[int(len(times) * 0.95) - 1],
            "max_ms": times[-1],
            "mean_hits": statistics.mean(totals),
        }
    finally:
        await database.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")]
        if args.database_url:
            targets.append(("postgresql", args.database_url))
        for name, url in targets:
            r = asyncio.run(bench(url, args.stories, args.searches))
            sys.stdout.write(
                f"{name}: {args.stories} stories loaded in {r['load_s']:.1f} s; "
                f"{args.searches} searches: median {r['median_ms']:.1f} ms, "
                f"p95 {r['p95_ms']:.1f} ms, max {r['max_ms']:.1f} ms "
                f"(mean {r['mean_hits']:.0f} matching stories per query)\n"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
