"""corpus/rebuild.py: readers, reserved guard and label merge on a git repository built here."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.unit.gitmirror import make_mirror

ROOT = Path(__file__).resolve().parents[2]


def _load_rebuild() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_rebuild", ROOT / "corpus" / "rebuild.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_rebuild"] = module
    spec.loader.exec_module(module)
    return module


rebuild_mod = _load_rebuild()

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Example Tech</title>
<item><title>Widget Corp sues Gadget Inc over &lt;b&gt;patents&lt;/b&gt;</title>
<guid isPermaLink="false">ex-1</guid><link>https://example.test/1</link>
<description><![CDATA[<p>The   complaint was filed <em>Monday</em>.</p><p>More &amp; more.</p>]]>
</description></item>
<item><title>Store pulls the Foo app</title><link>https://example.test/2</link>
<description>LONG</description></item>
</channel></rss>
""".replace("LONG", "word " * 200)

CSV = "id,headline,blurb\n10,First csv headline,Plain blurb\n11,Second csv headline,\n"
TSV = "headline\tblurb\nTab headline zero\tzero blurb\nTab headline one\tone blurb\n"
JSONL = '{"meta": {"uid": "a"}, "t": {"text": "Nested title"}, "d": "Nested summary"}\n\n'
JSON_DOC = {"data": {"items": [{"link": "u1", "title": "Json title one"}, {"title": "Json two"}]}}
HEADLESS_CSV = (
    "2012-01-30T14:06:31Z,3,a.test,Headless row zero\n2013-05-01T16:58:11Z,1,b.test,Row one\n"
)
CP1252_CSV = "title,url\nCaf\xe9 \u2013 headline,https://x.test\n".encode("cp1252")


@pytest.fixture()
def mirror(tmp_path: Path) -> tuple[Path, str]:
    """A mirror holding one commit with every file kind."""
    return make_mirror(
        tmp_path,
        {
            "feed.xml": FEED,
            "data.csv": CSV,
            "data.tsv": TSV,
            "data.jsonl": JSONL,
            "data.json": json.dumps(JSON_DOC),
            "old.csv": CP1252_CSV,
            "headless.csv": HEADLESS_CSV,
        },
    )


def _ref(rid: str, commit: str, path: str, reader: str, key: str, **extra: Any) -> dict[str, Any]:
    ref: dict[str, Any] = {
        "id": rid,
        "lang": "en",
        "repo": "acme/news",
        "commit": commit,
        "path": path,
        "reader": reader,
        "key": key,
        "outlet": "example.test",
        "published": "2020-01-02",
        "slice": "enriched",
    }
    ref.update(extra)
    return ref


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _run(tmp_path: Path, mirrors: Path, refs: list[dict[str, Any]]) -> tuple[Any, list[Any]]:
    _write_jsonl(tmp_path / "corpus" / "refs" / "en-test.jsonl", refs)
    out = tmp_path / "cache"
    report = rebuild_mod.rebuild(tmp_path / "corpus" / "refs", mirrors, out)
    lines = (out / "items.jsonl").read_text(encoding="utf-8").splitlines()
    return report, [json.loads(line) for line in lines]


def test_every_reader_yields_clean_titles_and_summaries(
    tmp_path: Path, mirror: tuple[Path, str]
) -> None:
    mirrors, c = mirror
    refs = [
        _ref("t:feed1", c, "feed.xml", "feed", "ex-1", slice="natural"),
        _ref("t:feed2", c, "feed.xml", "feed", "https://example.test/2"),
        _ref("t:csv", c, "data.csv", "csv", "11", cols={"key": "id", "title": "headline"}),
        _ref("t:csvrow", c, "data.csv", "csv", "0", cols={"title": "headline", "summary": "blurb"}),
        _ref("t:tsv", c, "data.tsv", "tsv", "1", cols={"title": "headline", "summary": "blurb"}),
        _ref(
            "t:jsonl",
            c,
            "data.jsonl",
            "jsonl",
            "a",
            cols={"key": "meta.uid", "title": "t.text", "summary": "d"},
        ),
        _ref("t:json", c, "data.json", "json", "1", cols={"list": "data.items"}),
        _ref("t:cp", c, "old.csv", "csv", "0", cols={"title": "title"}),
        _ref(
            "t:headless",
            c,
            "headless.csv",
            "csv",
            "0",
            cols={"fields": "time,points,domain,headline", "title": "headline"},
        ),
    ]
    report, items = _run(tmp_path, mirrors, refs)

    assert report.ok
    by_id = {item["id"]: item for item in items}
    assert [item["id"] for item in items] == sorted(by_id)
    assert by_id["t:feed1"]["title"] == "Widget Corp sues Gadget Inc over patents"
    assert by_id["t:feed1"]["summary"] == "The complaint was filed Monday. More & more."
    assert by_id["t:feed1"]["slice"] == "natural"
    assert by_id["t:feed1"]["source"] == "example.test"
    assert by_id["t:feed1"]["published"] == "2020-01-02"
    assert len(by_id["t:feed2"]["summary"]) <= 600
    assert by_id["t:feed2"]["summary"].startswith("word word")
    assert by_id["t:csv"]["title"] == "Second csv headline"
    assert by_id["t:csvrow"] == by_id["t:csvrow"] | {
        "title": "First csv headline",
        "summary": "Plain blurb",
    }
    assert by_id["t:tsv"]["title"] == "Tab headline one"
    assert by_id["t:tsv"]["summary"] == "one blurb"
    assert by_id["t:jsonl"]["title"] == "Nested title"
    assert by_id["t:jsonl"]["summary"] == "Nested summary"
    assert by_id["t:json"]["title"] == "Json two"
    assert by_id["t:cp"]["title"] == "Café – headline"
    assert by_id["t:headless"]["title"] == "Headless row zero"
    assert "cutoff" not in by_id["t:feed1"]


def test_missing_mirror_unknown_key_and_reserved_items_are_reported(
    tmp_path: Path, mirror: tuple[Path, str]
) -> None:
    mirrors, c = mirror
    refs = [
        _ref("t:ok", c, "data.csv", "csv", "10", cols={"key": "id", "title": "headline"}),
        _ref("t:nokey", c, "data.csv", "csv", "99", cols={"key": "id", "title": "headline"}),
        _ref("t:norepo", c, "x.xml", "feed", "k", repo="other/absent"),
        _ref(
            "t:ars", c, "feed.xml", "feed", "ex-1", outlet="arstechnica.com", published="2025-01-01"
        ),
        _ref("t:tc", c, "feed.xml", "feed", "ex-1", outlet="www.techcrunch.com", published=""),
        _ref("t:fr", c, "feed.xml", "feed", "ex-1", lang="fr", published="2026-09-15"),
        _ref(
            "t:old", c, "feed.xml", "feed", "ex-1", outlet="arstechnica.com", published="2024-12-31"
        ),
    ]
    report, items = _run(tmp_path, mirrors, refs)

    assert [item["id"] for item in items] == ["t:ok", "t:old"]
    assert report.not_found == ["t:nokey"]
    assert report.missing_mirrors == {"other/absent": 1}
    assert sorted(line.split(":", 2)[1] for line in report.reserved) == ["ars", "fr", "tc"]
    assert not report.ok


def test_two_passes_merge_and_single_pass_items_stay_unlabelled(
    tmp_path: Path, mirror: tuple[Path, str]
) -> None:
    mirrors, c = mirror
    cols = {"key": "id", "title": "headline"}
    refs = [
        _ref("t:agree", c, "data.csv", "csv", "10", cols=cols),
        _ref("t:differ", c, "data.csv", "csv", "11", cols=cols),
        _ref("t:neg", c, "data.tsv", "tsv", "0", cols={"title": "headline"}),
        _ref("t:single", c, "data.tsv", "tsv", "1", cols={"title": "headline"}),
    ]
    labels = tmp_path / "corpus" / "labels"
    _write_jsonl(
        labels / "pass_a.jsonl",
        [
            {"id": "t:agree", "cutoff": "no", "legal": "yes", "parties": ["Widget", "FTC"]},
            {"id": "t:differ", "cutoff": "yes", "legal": "no", "parties": ["Apple"]},
            {"id": "t:neg", "cutoff": "no", "legal": "no", "parties": ["Foo"]},
            {"id": "t:single", "cutoff": "yes", "legal": "no", "parties": ["Apple"]},
        ],
    )
    _write_jsonl(
        labels / "pass_b.jsonl",
        [
            {"id": "t:agree", "cutoff": "no", "legal": "yes", "parties": ["Gadget", "FTC"]},
            {"id": "t:differ", "cutoff": "no", "legal": "no", "parties": ["Epic Games"]},
            {"id": "t:neg", "cutoff": "no", "legal": "no", "parties": ["Bar"]},
        ],
    )
    report, items = _run(tmp_path, mirrors, refs)
    by_id = {item["id"]: item for item in items}

    agree = by_id["t:agree"]
    assert (agree["cutoff"], agree["legal"]) == ("no", "yes")
    assert agree["parties"] == ["FTC", "Gadget", "Widget"]
    differ = by_id["t:differ"]
    assert (differ["cutoff"], differ["legal"], differ["parties"]) == ("borderline", "no", [])
    assert by_id["t:neg"]["parties"] == []
    assert "cutoff" not in by_id["t:single"]
    assert (report.labelled, report.one_pass, report.unlabelled) == (3, 1, 0)


def test_output_is_identical_across_runs(tmp_path: Path, mirror: tuple[Path, str]) -> None:
    mirrors, c = mirror
    refs = [
        _ref("t:b", c, "feed.xml", "feed", "ex-1"),
        _ref("t:a", c, "data.json", "json", "0", cols={"list": "data.items", "key": "link"}),
    ]
    refs[1]["key"] = "u1"
    _run(tmp_path, mirrors, refs)
    first = (tmp_path / "cache" / "items.jsonl").read_bytes()
    _run(tmp_path, mirrors, list(reversed(refs)))
    assert (tmp_path / "cache" / "items.jsonl").read_bytes() == first
    assert [json.loads(x)["id"] for x in first.decode().splitlines()] == ["t:a", "t:b"]
