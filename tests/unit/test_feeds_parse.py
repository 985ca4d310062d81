"""parse_feed, html_to_text, canonicalize_url, discover_feeds, looks_like_html."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import ParseError
from bot.feeds.parse import (
    DiscoveredFeed,
    ParsedFeed,
    canonicalize_url,
    discover_feeds,
    html_to_text,
    looks_like_html,
    normalize_lang,
    parse_feed,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
NOW = datetime(2024, 3, 8, 12, 0, tzinfo=UTC)
BASE = "https://example.com/feeds/main.xml"


def parse(name: str, content_type: str | None = None, base: str = BASE) -> ParsedFeed:
    return parse_feed(
        (FIXTURES / name).read_bytes(), base_url=base, content_type=content_type, now=NOW
    )


def rss(items: str, channel: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"{channel}{items}</channel></rss>"
    ).encode()


# html_to_text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hello <b>world</b></p>", "Hello world"),
        ("AT&amp;T &mdash; Verizon&nbsp;deal", "AT&T — Verizon deal"),
        ("<p>one</p><p>two</p>", "one two"),
        ("line<br>break", "line break"),
        ("a<script>var x = '<p>';</script>b<style>.c{}</style>c", "abc"),
        ("  lots \n\t of   space  ", "lots of space"),
        ("zero\u200bwidth", "zerowidth"),
        ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
        ("&#8217;quoted&#x2019;", "’quoted’"),
        ("<img src=x alt=y>caption", "caption"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


# canonicalize_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTPS://Example.COM:443/a?utm_source=x&utm_medium=y&id=3#frag",
            "https://example.com/a?id=3",
        ),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        (
            "https://e.com/p?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ref=hn&ref_src=t&_hsenc=5&yclid=6"
            "&igshid=7",
            "https://e.com/p",
        ),
        ("https://e.com/p?q=a%20b&UTM_Campaign=z&x=", "https://e.com/p?q=a%20b&x="),
        ("https://e.com/Case/Path?Q=1", "https://e.com/Case/Path?Q=1"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
    ],
)
def test_canonicalize_url(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_canonicalize_relative_url_with_base() -> None:
    assert canonicalize_url("../b?utm_term=x", "https://e.com/a/c/") == "https://e.com/a/b"


@pytest.mark.parametrize(
    ("tag", "code"), [("en-US", "en"), ("fr_FR", "fr"), ("FR", "fr"), ("eng", None), ("", None)]
)
def test_normalize_lang(tag: str, code: str | None) -> None:
    assert normalize_lang(tag) == code


# parse_feed: the messy RSS fixture


def test_messy_rss_items() -> None:
    feed = parse("messy.rss")
    assert feed.warning is None
    assert feed.title == "Example & Co News"
    assert feed.site_url == "https://example.com/"
    assert feed.lang == "en"
    first = feed.items[0]
    assert first.guid == "acme-globex-1"
    assert first.title == "Acme & Globex: court fight"
    assert first.summary == "Acme sued Globex on Monday. Second paragraph."
    assert first.content == "The full story — with more words than the other one."
    assert first.link == "https://example.com/2024/03/acme-globex?id=7"
    assert first.published == datetime(2024, 3, 4, 15, 0, tzinfo=UTC)
    assert first.published_in_feed
    assert first.author == "Jane Doe"
    assert first.tags == ("Legal", "Antitrust")
    assert first.lang == "en"


def test_guid_falls_back_to_link_then_hash() -> None:
    items = {i.title: i for i in parse("messy.rss").items}
    link_only = items["No guid, link only"]
    assert link_only.guid == link_only.link == "https://example.com/path/no-guid?page=2"
    bare = items["No guid and no link"]
    assert bare.link is None
    assert bare.guid.startswith("sha256:") and len(bare.guid) == len("sha256:") + 64
    assert bare.published == NOW and not bare.published_in_feed
    untitled = next(i for i in parse("messy.rss").items if i.title == "")
    assert untitled.guid == "https://example.com/untitled"
    assert untitled.published == datetime(2024, 3, 6, 11, 0, tzinfo=UTC)


def test_hash_guid_is_stable() -> None:
    a = parse("messy.rss").items
    b = parse("messy.rss", base="https://mirror.example.org/x.xml").items
    assert [i.guid for i in a if i.guid.startswith("sha256:")] == [
        i.guid for i in b if i.guid.startswith("sha256:")
    ]


def test_duplicate_guids_keep_the_first() -> None:
    feed = parse("messy.rss")
    guids = [i.guid for i in feed.items]
    assert len(guids) == len(set(guids))
    assert "Duplicate of the first guid" not in {i.title for i in feed.items}


def test_future_dates_are_replaced_by_now() -> None:
    future = next(i for i in parse("messy.rss").items if i.title == "From the far future")
    assert future.published == NOW
    assert not future.published_in_feed


def test_changing_dates_keep_identity() -> None:
    item = (
        '<item><title>Story</title><guid isPermaLink="false">g-1</guid><pubDate>{}</pubDate></item>'
    )
    one = parse_feed(
        rss(item.format("Mon, 04 Mar 2024 10:00:00 GMT")), base_url=BASE, now=NOW
    ).items[0]
    two = parse_feed(
        rss(item.format("Thu, 07 Mar 2024 10:00:00 GMT")), base_url=BASE, now=NOW
    ).items[0]
    assert one.guid == two.guid == "g-1"
    assert one.published != two.published
    assert one.content_hash == two.content_hash


def test_relative_permalink_guid_is_a_url() -> None:
    # RSS says a guid is a permalink unless isPermaLink="false"; feedparser resolves it.
    body = rss("<item><title>x</title><guid>posts/9</guid></item>")
    item = parse_feed(body, base_url="https://e.com/blog/rss", now=NOW).items[0]
    assert item.guid == item.link == "https://e.com/blog/posts/9"


def test_atom_with_xml_base_and_languages() -> None:
    feed = parse("atom.xml")
    assert feed.title == "Le blog"
    assert feed.lang == "fr"
    assert feed.site_url == "https://atom.example.net/blog/"
    first, second = feed.items
    assert first.title == "Plain text with <tags> kept literally"
    assert first.link == "https://atom.example.net/blog/posts/1?q=ok"
    assert first.summary == "Résumé & contexte"
    assert first.content == "Contenu riche"
    assert first.author == "Marie Curie"
    assert first.lang == "fr"
    assert first.published == datetime(2024, 3, 7, 8, 0, tzinfo=UTC)
    assert second.lang == "en"
    assert second.published == datetime(2024, 3, 6, 9, 0, tzinfo=UTC)


def test_relative_links_resolve_against_the_feed_url() -> None:
    body = rss("<item><title>x</title><link>../story/1?utm_source=rss</link></item>")
    item = parse_feed(body, base_url="https://news.example.org/feeds/all.xml", now=NOW).items[0]
    assert item.link == "https://news.example.org/story/1"


def test_windows_1252_declared_in_prolog() -> None:
    feed = parse("cp1252.rss")
    item = feed.items[0]
    assert feed.title == "Actualités tech"
    assert item.title == "L’Autorité de la concurrence inflige 150 M€ à « Géant »"
    assert (
        item.summary == "Le régulateur français a sanctionné l’entreprise – une décision inédite."
    )
    assert item.lang == "fr"
    assert item.published == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)


def test_iso_8859_1_declared_in_content_type() -> None:
    feed = parse("latin1-no-declaration.rss", content_type="text/xml; charset=ISO-8859-1")
    assert feed.title == "Télé & numérique"
    assert feed.items[0].summary == "Ça arrivera très bientôt, déjà prévu."


def test_recoverable_ill_formed_feed_keeps_items_with_a_warning() -> None:
    feed = parse("broken-recoverable.rss")
    assert [i.title for i in feed.items] == [
        "First item survives",
        "Second item has a bare & ampersand",
    ]
    assert feed.warning is not None
    assert "line 12" in feed.warning


def test_unrecoverable_feed_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as info:
        parse("broken-unrecoverable.xml")
    assert str(info.value) == "not a feed: XML syntax error at line 3: mismatched tag"


def test_empty_valid_feed_is_fine() -> None:
    feed = parse("empty.rss")
    assert feed.items == ()
    assert feed.warning is None
    assert feed.title == "Nothing yet"


@pytest.mark.parametrize("body", [b"", b"   \n", b"just some text", b'{"json": true}'])
def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(body, base_url=BASE, now=NOW)


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="HTML page"):
        parse("page.html", content_type="text/html")


def test_body_naming_a_local_file_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss("<item><title>local secret</title><guid>s</guid></item>"))
    with pytest.raises(ParseError):
        parse_feed(str(secret).encode(), base_url=BASE, now=NOW)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_feed(rss(""), base_url=BASE, now=datetime(2024, 1, 1))


# looks_like_html and discover_feeds


def test_looks_like_html() -> None:
    assert looks_like_html((FIXTURES / "page.html").read_bytes(), None)
    assert looks_like_html(b"<p>hi</p>", "text/html; charset=utf-8")
    assert not looks_like_html((FIXTURES / "messy.rss").read_bytes(), "text/html")
    assert not looks_like_html((FIXTURES / "atom.xml").read_bytes(), None)
    assert not looks_like_html(b"<?xml version='1.0'?><rdf:RDF xmlns:rdf='x'>", "text/xml")


def test_discover_feeds_from_link_tags() -> None:
    found = discover_feeds((FIXTURES / "page.html").read_bytes(), "https://news.example.com/")
    assert found == [
        DiscoveredFeed("https://news.example.com/rss.xml", "All stories", "application/rss+xml"),
        DiscoveredFeed(
            "https://news.example.com/section/tech/atom", "Tech & law", "application/atom+xml"
        ),
        DiscoveredFeed("https://news.example.com/feed.json", None, "application/feed+json"),
    ]


def test_discover_feeds_falls_back_to_anchors() -> None:
    found = discover_feeds(
        (FIXTURES / "page-anchors.html").read_bytes(), "https://blog.example.org/post/1"
    )
    assert [(f.url, f.title, f.type) for f in found] == [
        ("https://blog.example.org/feed/", "Subscribe via RSS", None),
        ("https://blog.example.org/comments.rss", "Comments", None),
    ]


def test_discover_nothing() -> None:
    assert discover_feeds(b"<html><body><a href='/about'>About</a></body></html>", BASE) == []


def test_embedded_post_cards_and_their_unclosed_tags_are_not_text() -> None:
    html = (
        "<p>The regulator fined the app maker.</p>"
        '<div class="embed breakout"><blockquote class="wp-embedded-content">'
        '<p><a href="https://example.invalid/other">An older headline of the outlet</a></p>'
        "</blockquote></div>"
        '<div class="related-posts"><ul><li>Another headline<li>A third one</ul></div>'
        "<p>It will appeal.<br>Its shares fell.</p>"
    )
    assert (
        html_to_text(html) == "The regulator fined the app maker. It will appeal. Its shares fell."
    )


def test_captions_are_not_text() -> None:
    html = (
        '<div class="ars-video"><div class="caption"><div class="caption-content">'
        "A trailer of the game.</div></div></div>"
        "<figure><img src=x><figcaption>The phone on a table. (credit: Someone)</figcaption>"
        "</figure><p>The regulator fined the app maker.</p>"
        '<figure><video controls><source src="clip.mp4" type="video/mp4">Our chat with the '
        "new voice mode.</video></figure><audio controls>Listen to the hearing.</audio>"
        '<button class="pausevideos">pause all videos</button>'
        '<div class="shortcodes-container"><p class="see-more"><span>Pour aller plus loin</span>'
        '<a href="https://example.invalid/x">Another headline</a></p></div>'
        '<p class="ytpub-label"><a href="https://example.invalid/v">Lien YouTube</a></p>'
        '<a class="button is-block" href="https://example.invalid/app">Télécharger X</a>'
    )
    assert html_to_text(html) == "The regulator fined the app maker."


def test_a_page_label_is_not_text_when_the_item_has_prose() -> None:
    html = (
        "<h3>Studio Exemple provided text</h3>"
        "<p>The regulator fined the app maker on Monday after a two-year investigation.</p>"
        "<p><strong>Related links</strong></p><h2>Will it appeal?</h2>"
        "<p>Price: from $999</p><ul><li>Ships soon</li></ul>"
    )
    assert html_to_text(html) == (
        "The regulator fined the app maker on Monday after a two-year investigation. "
        "Will it appeal? Price: from $999 Ships soon"
    )


def test_a_list_item_that_is_only_a_link_is_not_text_when_the_item_has_prose() -> None:
    # A related article's headline set in a list goes; list items of the story stay.
    html = (
        "<p>The regulator fined the app maker on Monday after a two-year investigation.</p>"
        '<ul><li><a href="https://example.invalid/r">Zorbly Phone: What You Need to Know</a>'
        '</li></ul><ul><li><a href="https://example.invalid/q">Could the Zorbly Be a Tablet?</a>'
        "</li></ul><ul><li>Ships on May 2</li><li>From $999</li></ul>"
    )
    assert html_to_text(html) == (
        "The regulator fined the app maker on Monday after a two-year investigation. "
        "Ships on May 2 From $999"
    )


def test_prose_may_end_inside_brackets() -> None:
    # The only paragraph ends "….)": it is prose, so the link heading above it is the page's.
    html = (
        '<img src="x.jpg" alt=""><hr><h2><a href="https://example.invalid/l">Visit Link</a></h2>'
        "<hr><p>The town of Zorbly sued the app maker over its new logo on Monday. (Not every "
        "reader can open the video.)</p>"
    )
    assert html_to_text(html) == (
        "The town of Zorbly sued the app maker over its new logo on Monday. (Not every reader "
        "can open the video.)"
    )


def test_link_lists_and_picture_lines_are_not_text_when_the_item_has_prose() -> None:
    html = (
        '<div class="wrap"><img src="x.jpg" alt=""><em>The Zorbly Phone 2 seen in iOS 19 code'
        "</em></div><p>The regulator fined the app maker on Monday after a two-year "
        'investigation.</p><p><strong>Related links</strong><br><a href="https://example.invalid/'
        'a">Studio Exemple project page</a><br><a href="https://example.invalid/b">Previous '
        "reviews of Studio Exemple's work for the 58th festival</a>"
        # A sentence with a link, a long link-only line and a picture line that says something
        # in full stay: only lines with no sentence end are taken for the page's.
        '<p>It will appeal, <a href="https://example.invalid/c">its lawyer said</a>.</p>'
        '<p><img src="y.jpg">The fine is the largest the regulator has imposed on a software '
        "maker of its size in the last twenty years of its history.</p>"
        # A bullet or emoji picture before a line of a list is no photo: the line is the story's.
        '<br><img src="puce.gif" width="8" height="11" alt="-"> Faster graphics and lower '
        'latency for every controller you plug in<br><img class="emoji" src="e.png"> Better '
        "cloud saves across every device of the family"
    )
    assert html_to_text(html) == (
        "The regulator fined the app maker on Monday after a two-year investigation. "
        "It will appeal, its lawyer said. The fine is the largest the regulator has imposed on "
        "a software maker of its size in the last twenty years of its history. "
        "Faster graphics and lower latency for every controller you plug in "
        "Better cloud saves across every device of the family"
    )


def test_a_link_after_the_last_sentence_of_a_paragraph_is_no_text() -> None:
    html = (
        "<p>The bakery's identity uses one-colour drawings of breads. The tarts are the main "
        '<a href="https://example.invalid/t">attraction</a>. <span><a href="https://example.'
        'invalid/p">See full project</a></span></p><h1>Zorbly by Studio Exemple</h1>'
        "<p>Zorbly is a restaurant in Lyon that cooks with what the market has.</p>"
        # A link that carries the sentence's own words stays.
        '<p>The court fined the maker on Monday. It will appeal, <a href="https://example.'
        'invalid/s">said Jane Roe</a></p>'
    )
    assert html_to_text(html) == (
        "The bakery's identity uses one-colour drawings of breads. The tarts are the main "
        "attraction. Zorbly is a restaurant in Lyon that cooks with what the market has. "
        "The court fined the maker on Monday. It will appeal, said Jane Roe"
    )


def test_a_link_inside_a_sentence_keeps_the_sentence() -> None:
    html = (
        "<p>The regulator fined the app maker on Monday after a two-year investigation.</p>"
        "<p>Read the full ruling of the appeals court in the Zorbly case "
        '<a href="https://example.invalid/r">on the court\'s own site</a></p>'
    )
    assert html_to_text(html).endswith(
        "Read the full ruling of the appeals court in the Zorbly case on the court's own site"
    )


def test_a_short_summary_without_prose_is_kept_whole() -> None:
    assert html_to_text("<p>Zorbly sues Example Corp</p><p>Court fight ahead</p>") == (
        "Zorbly sues Example Corp Court fight ahead"
    )
