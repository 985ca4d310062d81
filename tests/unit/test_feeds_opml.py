"""OPML import/export and the starter list."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from bot.errors import ParseError
from bot.feeds.opml import OpmlFeed, parse_opml, starter_feeds, write_opml

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

NESTED = b"""<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="Tech">
      <outline type="rss" text="One" xmlUrl="https://one.example.com/feed"/>
      <outline text="Deeper">
        <outline type="atom" title="Two &amp; Co" text="ignored" xmlUrl="HTTPS://Two.example.com/atom"/>
      </outline>
      <outline type="rss" text="No URL"/>
      <outline type="rss" text="Bad scheme" xmlUrl="ftp://three.example.com/feed"/>
    </outline>
    <outline type="rss" xmlURL="https://four.example.com/rss" language="fr"/>
    <outline type="rss" text="Again" xmlUrl="https://one.example.com/feed"/>
    <outline text="Empty folder"></outline>
  </body>
</opml>
"""


def test_parse_nested_outlines() -> None:
    result = parse_opml(NESTED, source="subs.opml")
    assert result.feeds == [
        OpmlFeed("https://one.example.com/feed", "One"),
        OpmlFeed("https://two.example.com/atom", "Two & Co"),
        OpmlFeed("https://four.example.com/rss", None, "fr"),
    ]
    assert result.errors == [
        "subs.opml, line 10: outline 'No URL' has no xmlUrl",
        "subs.opml, line 11: outline 'Bad scheme' skipped: "
        "the feed URL has 'ftp'; only http and https are allowed",
        "subs.opml, line 15: outline 'Empty folder' has no xmlUrl and no feeds inside",
    ]


def test_invalid_xml_names_file_and_line() -> None:
    data = b'<opml version="2.0">\n<body>\n<outline text="x">\n</body></opml>'
    with pytest.raises(ParseError) as info:
        parse_opml(data, source="broken.opml")
    assert str(info.value) == "broken.opml is not valid XML: mismatched tag at line 4"


def test_not_opml() -> None:
    with pytest.raises(ParseError, match="starts with <rss>, not <opml>"):
        parse_opml(b"<rss version='2.0'/>", source="x.xml")
    with pytest.raises(ParseError, match="not valid XML"):
        parse_opml(b"", source="empty.opml")


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b'<opml><body><outline text="&lol2;" xmlUrl="https://e.com/"/></body></opml>',
        b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "http://evil.example/x.dtd"><opml/>',
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<opml><body><outline text="&x;" xmlUrl="https://e.com/"/></body></opml>',
    ],
)
def test_doctype_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(ParseError, match="DOCTYPE or entities"):
        parse_opml(data, source="evil.opml")


def test_write_then_read_round_trip() -> None:
    feeds = [
        ("https://a.example.com/feed?x=1&y=2", 'A "quoted" <title> & more'),
        ("https://b.example.com/rss", None),
        ("https://c.example.com/rss", "bell\x07 control"),
    ]
    data = write_opml(feeds, title="Mine & yours", now=NOW)
    root = ET.fromstring(data)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Mine & yours"
    assert root.findtext("head/dateCreated") == "Wed, 01 May 2024 12:00:00 +0000"
    result = parse_opml(data)
    assert result.errors == []
    assert [(f.url, f.title) for f in result.feeds] == [
        ("https://a.example.com/feed?x=1&y=2", 'A "quoted" <title> & more'),
        ("https://b.example.com/rss", "https://b.example.com/rss"),
        ("https://c.example.com/rss", "bell control"),
    ]


def test_write_needs_aware_time() -> None:
    with pytest.raises(ValueError):
        write_opml([], now=datetime(2024, 1, 1))


def test_starter_feeds() -> None:
    feeds = starter_feeds()
    assert len(feeds) >= 20
    assert len({f.url for f in feeds}) == len(feeds)
    assert all(f.url.startswith("https://") and f.title for f in feeds)
    langs = {f.lang for f in feeds}
    assert langs == {"en", "fr"}
    titles = {f.title for f in feeds}
    assert {"TechCrunch", "The Verge", "Numerama", "Korben"} <= titles
