"""StoryService (latest, story, dispute, company, stats) and the search/show CLI."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.errors import UserError
from bot.storage.db import Database
from bot.stories import commands
from bot.stories.jsonfmt import dispute_to_json, story_to_json
from bot.stories.pipeline import StoryPipeline
from bot.stories.service import StoryService, parse_ref
from bot.types import Dispute, Story
from tests.integration.test_stories_support import (
    EVENT,
    FOLLOW_UP,
    T0,
    UNRELATED,
    ScriptedClassifier,
    store,
)

pytestmark = pytest.mark.storage
ALL = (*EVENT, FOLLOW_UP, *UNRELATED)
TODAY = T0 + timedelta(days=31)


@pytest.fixture
async def service(database: Database) -> StoryService:
    pipeline = StoryPipeline(classifier=ScriptedClassifier(ALL))
    async with database.sessions.begin() as session:
        for report in ALL:
            await pipeline.process(session, [await store(session, report)], TODAY)
    return StoryService(database, clock=lambda: TODAY)


async def test_latest_with_filters_and_paging(service: StoryService) -> None:
    week = await service.latest()
    assert [s.title for s in week] == [FOLLOW_UP.title]
    everything = await service.latest(days=60)
    assert len(everything) == 4
    assert everything[0].last_seen >= everything[-1].last_seen
    assert {s.title for s in await service.latest(days=60, label="legal")} >= {
        FOLLOW_UP.title,
        UNRELATED[0].title,
    }
    assert all("X" in s.parties for s in await service.latest(days=60, party="Twitter"))
    assert await service.latest(days=60, lang="fr") == []
    page, total = await service.latest_page(days=60, limit=2, offset=2)
    assert total == 4 and [s.id for s in page] == [s.id for s in everything[2:]]


@pytest.mark.parametrize(
    "kwargs", [{"days": 0}, {"label": "x"}, {"limit": 0}, {"offset": -1}, {"lang": "??"}]
)
async def test_latest_rejects_bad_arguments(
    service: StoryService, kwargs: dict[str, object]
) -> None:
    with pytest.raises(UserError):
        await service.latest(**kwargs)  # type: ignore[arg-type]


def test_refs() -> None:
    assert parse_ref("s12") == ("story", 12) == parse_ref("12") == parse_ref(" S12 ")
    assert parse_ref("d4") == ("dispute", 4) == parse_ref("D4")
    for bad in ("", "x1", "s", "d-1", "s0", "12a", "s1; DROP"):
        with pytest.raises(UserError):
            parse_ref(bad)


async def test_story_dispute_and_show(service: StoryService) -> None:
    story = (await service.latest(days=60, party="Twitter", label="cutoff"))[0]
    assert await service.story(story.id) == await service.story(f"s{story.id}")
    assert await service.story(999) is None
    assert story.dispute_id is not None
    dispute = await service.dispute(f"d{story.dispute_id}")
    assert dispute is not None and dispute.name == "Microsoft ↔ X"
    assert [s.title for s in dispute.stories][-1] == FOLLOW_UP.title
    assert isinstance(await service.show(f"d{dispute.id}"), Dispute)
    assert isinstance(await service.show(str(story.id)), Story)
    with pytest.raises(UserError):
        await service.story(f"d{dispute.id}")


async def test_company_finds_disputes_by_alias(service: StoryService) -> None:
    by_alias = await service.company("Twitter")
    assert [d.name for d in by_alias] == ["Microsoft ↔ X"]
    names = {d.name for d in await service.company("microsoft")}
    assert names == {"Microsoft ↔ X", "FTC ↔ Microsoft", "Microsoft ↔ Opera"}
    assert await service.company("Nobody Inc") == []
    with pytest.raises(UserError):
        await service.company("  ")


async def test_stats(service: StoryService) -> None:
    counts = await service.counts()
    assert counts["stories"] == 4 and counts["disputes"] == 3
    assert counts["entries"] == counts["detections"] == len(ALL)
    weeks = await service.weekly_counts(weeks=8)
    assert sum(n for _, label, n in weeks if label == "legal") == 3
    assert all(w.weekday() == 0 for w, _, _ in weeks)
    assert weeks == sorted(weeks, key=lambda r: (r[0], r[1]))
    with pytest.raises(UserError):
        await service.weekly_counts(weeks=0)


async def test_json_shapes(service: StoryService) -> None:
    story = (await service.latest(days=60, label="cutoff", party="X"))[0]
    data = story_to_json(story)
    assert data["type"] == "story" and data["ref"] == f"s{story.id}"
    assert data["first_seen"].endswith("Z") and len(data["sources"]) == 5
    assert json.loads(json.dumps(data)) == data
    dispute = await service.dispute(story.dispute_id or 0)
    assert dispute is not None
    ddata = dispute_to_json(dispute)
    assert ddata["type"] == "dispute" and ddata["stories"][0]["id"] == story.id


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    code: int = args.handler(args)
    return code


async def test_cli_search_and_show(
    service: StoryService,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)  # no stray .env
    # The handlers call asyncio.run, so they run in a worker thread here.
    assert await asyncio.to_thread(_run, ["search", "Twitter", "--json", "--limit", "2"]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2 and all(obj["type"] == "story" for obj in lines)
    assert err.startswith("1-2 of ")

    assert await asyncio.to_thread(_run, ["search", "Microsoft", "--since", "2023-05-01"]) == 0
    out, _ = capsys.readouterr()
    assert FOLLOW_UP.title in out and EVENT[0].title not in out

    sid = lines[0]["id"]
    assert await asyncio.to_thread(_run, ["show", f"s{sid}", "--json"]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out)["id"] == sid
    did = lines[0]["dispute_id"]
    assert await asyncio.to_thread(_run, ["show", f"d{did}"]) == 0
    out, _ = capsys.readouterr()
    assert "Microsoft ↔ X" in out
    assert await asyncio.to_thread(_run, ["show", "s9999"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "nothing found" in err
    with pytest.raises(UserError):
        await asyncio.to_thread(_run, ["search", "   "])


def test_cli_rejects_bad_dates(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["search", "x", "--since", "yesterday"])
    assert "not a date" in capsys.readouterr().err
