"""corpus/facts_items.py: mirror references are read from a git repository built here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.facts_items import main
from tests.unit.gitmirror import make_mirror

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Example Tech</title><link>https://arstechnica.com</link><language>en-US</language>
<item><title>Widget Corp sues Gadget Inc</title>
<link>https://arstechnica.com/tech-policy/2024/05/widget-sues/</link>
<guid isPermaLink="true">https://arstechnica.com/tech-policy/2024/05/widget-sues/</guid>
<pubDate>Tue, 14 May 2024 18:30:00 +0000</pubDate>
<description><![CDATA[A patent fight over <em>gadgets</em>.]]></description>
<content:encoded><![CDATA[<p>Widget Corp filed a complaint on Monday.</p>
<p>&ldquo;We will defend our patents,&rdquo; said Jane Doe.</p>]]></content:encoded></item>
<item><title>Store pulls the Foo app</title>
<link>https://arstechnica.com/gadgets/2025/01/foo-pulled/</link>
<guid isPermaLink="true">https://arstechnica.com/gadgets/2025/01/foo-pulled/</guid>
<pubDate>Thu, 02 Jan 2025 09:00:00 +0000</pubDate>
<description>The app is gone.</description></item>
</channel></rss>
"""
MAY_GUID = "https://arstechnica.com/tech-policy/2024/05/widget-sues/"
JAN_GUID = "https://arstechnica.com/gadgets/2025/01/foo-pulled/"


@pytest.fixture()
def mirror(tmp_path: Path) -> tuple[Path, str]:
    """A mirror holding one commit of feed.xml."""
    return make_mirror(tmp_path, {"feed.xml": FEED})


def _run(tmp_path: Path, mirrors: Path, refs: list[dict[str, str]]) -> tuple[int, list[dict]]:
    refs_file = tmp_path / "refs.jsonl"
    refs_file.write_text("".join(json.dumps(r) + "\n" for r in refs), encoding="utf-8")
    out = tmp_path / "out" / "items.jsonl"
    cache = tmp_path / "no-cache"
    args = ["--refs", str(refs_file), "--out", str(out), "--mirrors", str(mirrors)]
    code = main([*args, "--cache", str(cache)])
    return code, [json.loads(line) for line in out.read_text("utf-8").splitlines()]


def test_a_mirror_reference_yields_the_entry_as_the_bot_parses_it(
    tmp_path: Path, mirror: tuple[Path, str]
) -> None:
    mirrors, commit = mirror
    ref = {"id": "f:1", "repo": "acme/news", "commit": commit, "path": "feed.xml", "key": MAY_GUID}
    code, items = _run(tmp_path, mirrors, [ref])
    assert code == 0
    assert items == [
        {
            "id": "f:1",
            "title": "Widget Corp sues Gadget Inc",
            "summary": "A patent fight over gadgets.",
            "content": "Widget Corp filed a complaint on Monday. "
            "“We will defend our patents,” said Jane Doe.",
            "published": "2024-05-14T18:30:00+00:00",
            "lang": "en",
        }
    ]


def test_reserved_entries_missing_mirrors_and_unknown_keys_are_not_written(
    tmp_path: Path, mirror: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    mirrors, commit = mirror
    base = {"repo": "acme/news", "commit": commit, "path": "feed.xml"}
    refs = [
        {"id": "ok", **base, "key": MAY_GUID},
        {"id": "ars-2025", **base, "key": JAN_GUID},
        {"id": "no-key", **base, "key": "https://arstechnica.com/nope/"},
        {"id": "no-file", **base, "path": "other.xml", "key": MAY_GUID},
        {"id": "no-mirror", **base, "repo": "acme/absent", "key": MAY_GUID},
    ]
    code, items = _run(tmp_path, mirrors, refs)
    assert code == 1
    assert [item["id"] for item in items] == ["ok"]
    err = capsys.readouterr().err
    assert "MISSING MIRROR acme/absent: fetch github:acme/absent" in err
    assert "NOT IN THE MIRROR acme/news@" in err
    assert "4 references not found" in err


FR_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Exemple Actu</title><link>https://exemple.fr</link>
<item><title>Le régulateur inflige une amende à Exemple SA</title>
<guid>https://exemple.fr/a</guid><pubDate>Tue, 15 Sep 2026 10:00:00 +0000</pubDate>
<description>La société devra payer une amende et fera appel de la décision.</description></item>
<item><title>Exemple SA porte plainte contre son concurrent</title>
<guid>https://exemple.fr/b</guid><pubDate>Tue, 14 Jul 2026 10:00:00 +0000</pubDate>
<description>La plainte a été déposée lundi devant le tribunal de commerce.</description></item>
</channel></rss>
"""


def test_an_untagged_feed_gets_the_language_of_its_text_and_its_reserved_span(
    tmp_path: Path,
) -> None:
    mirrors, commit = make_mirror(tmp_path, {"fr.xml": FR_FEED})
    base = {"repo": "acme/news", "commit": commit, "path": "fr.xml"}
    refs = [{"id": "sept", **base, "key": "https://exemple.fr/a"}]
    refs.append({"id": "july", **base, "key": "https://exemple.fr/b"})
    code, items = _run(tmp_path, mirrors, refs)
    assert code == 1  # the September 2026 French item is reserved
    assert [(item["id"], item["lang"]) for item in items] == [("july", "fr")]
