"""Parse feed bodies into FeedItem: plain text, absolute canonical links, UTC dates."""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

import feedparser

from bot.errors import ParseError
from bot.feeds.standing import drop_standing_lines
from bot.types import FeedItem

logger = logging.getLogger(__name__)

MAX_FUTURE = timedelta(days=2)
# Dates before the first web feeds are placeholders (epoch 0, year 1), not real dates.
EARLIEST_DATE = datetime(1995, 1, 1, tzinfo=UTC)

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "ref_url",
        "_hsenc",
        "_hsmi",
        "yclid",
        "igshid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wickedid",
        "soc_src",
        "soc_trk",
        "cmpid",
        "xtor",
        "at_medium",
        "at_campaign",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")

FEED_MIME_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
    "application/json+feed": "json",
    "application/rdf+xml": "rdf",
}
_FEED_PATH = re.compile(
    r"(?:\.(?:rss|rdf|atom)|/(?:feed|rss|atom|index)[\w-]*\.xml|/(?:feed|rss|atom)|/feeds?/[\w./-]*)$"
)
# The text inside <video>, <audio> and <object> is what a browser that cannot play them shows
# (Ars Technica puts the clip's caption there); a <button> is the page's controls: not the story.
_SKIPPED_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "svg",
        "iframe",
        "figcaption",
        "video",
        "audio",
        "object",
        "button",
    }
)
# Embedded cards of other posts ("Related: <headline>" in WordPress feeds) and captions of
# pictures and videos are not the story.
_SKIPPED_CLASSES = frozenset(
    {
        "wp-embedded-content",
        "embed-related",
        "related-posts",
        "caption",
        "caption-content",
        "wp-caption-text",
        # Related-article and shopping boxes, app download cards, embed placeholders.
        "see-more",
        "shortcodes-container",
        "ytpub-label",
        "button",
    }
)
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_BLOCK_TAGS = frozenset(
    {
        "p",
        "br",
        "div",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "figure",
        "figcaption",
        "dd",
        "dt",
        "img",
    }
)
# Mislabelled content types and charsets: feedparser coped, nothing was lost.
_BENIGN = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
# Characters no database, JSON document or XML text can hold: C0 controls (NUL among them;
# tab, newline and carriage return kept), the non-characters U+FFFE and U+FFFF, and lone
# surrogates (replaced by U+FFFD so the reader sees something was there).
_UNSTORABLE: dict[int, int | None] = {
    **dict.fromkeys((c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)), None),
    **dict.fromkeys(range(0xD800, 0xE000), 0xFFFD),
    0xFFFE: None,
    0xFFFF: None,
}
_INVISIBLE = {**dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad")), **_UNSTORABLE}
# The entries table's column sizes: a longer guid is replaced by its hash, a longer link dropped.
MAX_GUID = 2048
MAX_LINK = 2048
MAX_AUTHOR = 500
# A numeric character reference: feedparser's fallback parser crashes on one naming a surrogate
# or a number beyond Unicode (UnicodeEncodeError, ValueError, OverflowError).
_CHARREF = re.compile(rb"&#(?:[xX]0*([0-9a-fA-F]+)|0*([0-9]+));")
_REPLACEMENT_REF = b"&#xFFFD;"


def _memoise_feedparser_base_uri() -> None:
    """Remember feedparser's base-URI joins instead of redoing them at every XML element.

    feedparser re-derives the current base URI (xml:base against the document's address) at
    each start tag with ``make_safe_absolute_uri``, a pure function of its two strings (and of
    the constant list of acceptable schemes): about a fifth of its time on a typical feed goes
    to the same urljoin, repeated. Caching it changes no result. If a future feedparser moves
    the function, nothing is patched and parsing is only slower.
    """
    mixin = getattr(feedparser, "mixin", None)
    original = getattr(mixin, "make_safe_absolute_uri", None)
    if original is None or hasattr(original, "cache_info"):
        return
    mixin.make_safe_absolute_uri = functools.lru_cache(maxsize=512)(original)  # type: ignore[union-attr]


_memoise_feedparser_base_uri()


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed: its own metadata and its normalised items."""

    title: str
    site_url: str | None
    lang: str | None
    items: tuple[FeedItem, ...]
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class DiscoveredFeed:
    """A feed advertised by an HTML page; type is the MIME type, None when guessed from a link."""

    url: str
    title: str | None
    type: str | None


def _skipped_class(attrs: list[tuple[str, str | None]]) -> bool:
    """Say whether an element's class marks it as an embedded card, not part of the story."""
    return any(
        name == "class" and value and not _SKIPPED_CLASSES.isdisjoint(value.split())
        for name, value in attrs
    )


# Blocks that may be a label rather than prose: a heading, a paragraph, a division, a figure.
# List items, table cells and definitions are kept whatever their length (prices, dates).
_LABEL_BLOCK_TAGS = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "figure", "section", "header", "footer", ""}
)
_LABEL_MAX_WORDS = 8
_FURNITURE_MAX_WORDS = 20
_CALL_MAX_WORDS = 6
_PROSE_MIN_WORDS = 12
_SENTENCE_END_CHARS = (".", "!", "?", "…", ":", "»", "”", '"', "’")


def _ends_sentence(text: str) -> bool:
    """Say whether text ends a sentence, also inside brackets ("… the case.)")."""
    return text.rstrip(")]").endswith(_SENTENCE_END_CHARS)


def _is_prose(text: str) -> bool:
    return len(text.split()) >= _PROSE_MIN_WORDS and _ends_sentence(text)


_ICON_CLASS = re.compile(r"emoji|smiley|icon|bullet|puce|logo|avatar", re.IGNORECASE)
_ICON_MAX_PIXELS = 48


def _is_picture(attrs: list[tuple[str, str | None]]) -> bool:
    """An image that shows something, not a bullet, emoji or icon set in the text."""
    for name, value in attrs:
        if name in ("width", "height") and value and value.strip().isdigit():
            if int(value.strip()) <= _ICON_MAX_PIXELS:
                return False
        elif name == "class" and value and _ICON_CLASS.search(value):
            return False
    return True


@dataclass(slots=True)
class _Block:
    """One block of an HTML fragment: the tag that opened it and what it holds."""

    tag: str
    parts: list[str] = field(default_factory=list)
    linked: list[bool] = field(default_factory=list)  # per part: inside a link
    image: bool = False

    def text(self) -> str:
        """The block's text, without a link that only follows its last sentence ("… tarts.
        See full project", "… appeal. Read the filing"): a call to the outlet's other pages."""
        text = fold_whitespace("".join(self.parts))
        start = len(self.parts)
        while start and (self.linked[start - 1] or not self.parts[start - 1].strip()):
            start -= 1
        if not start or start == len(self.parts) or not any(self.linked[start:]):
            return text
        head = fold_whitespace("".join(self.parts[:start]))
        tail = fold_whitespace("".join(self.parts[start:]))
        if (
            _ends_sentence(head)
            and tail[:1].isupper()
            and len(tail.split()) <= _CALL_MAX_WORDS
            and not _ends_sentence(tail)
        ):
            return head
        return text

    def is_label(self, text: str) -> bool:
        """A block of the page rather than of the story, with no sentence end: a short heading,
        caption, button or credit ("Related links", "Images (opinion after)", "Lien YouTube"),
        or, up to 20 words and digits allowed, a block made only of links ("Previous reviews of
        X's work") or a picture's caption (an image and its line). A list item is a label only
        when it is one of those links (a related article's headline); other list items are the
        story's (prices, dates)."""
        in_list = self.tag == "li"
        if self.tag not in _LABEL_BLOCK_TAGS and not in_list:
            return False
        # A related article's headline in a list may be a question ("Could X Be a Y?").
        if _ends_sentence(text) and not (in_list and text.endswith("?")):
            return False
        count = len(text.split())
        if not in_list and count <= _LABEL_MAX_WORDS and not any(c.isdigit() for c in text):
            return True
        if count > _FURNITURE_MAX_WORDS:
            return False
        pairs = zip(self.parts, self.linked, strict=True)
        links_only = all(linked or not part.strip() for part, linked in pairs)
        return links_only or (self.image and not in_list)


class _TextExtractor(HTMLParser):
    """Collect the visible text of an HTML fragment, block by block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # Tag "" before any block tag and after a block closes.
        self.blocks: list[_Block] = [_Block("")]
        # The open elements of the skipped subtree (its root first): empty when not skipping.
        self._skipping: list[str] = []
        self._links = 0  # open <a> elements

    @property
    def _skip_depth(self) -> int:
        return len(self._skipping)

    def _new_block(self, tag: str) -> None:
        last = self.blocks[-1]
        if last.parts:
            self.blocks.append(_Block(tag))
        else:
            last.tag = tag

    def _empty_element(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """An element with no content (<br>, <img>, <div/>): it breaks the block or is a picture."""
        if tag in _BLOCK_TAGS:
            self._new_block("")
        self.blocks[-1].image |= tag == "img" and _is_picture(attrs)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            if not self._skipping:
                self._empty_element(tag, attrs)
        elif self._skipping or tag in _SKIPPED_TAGS or _skipped_class(attrs):
            self._skipping.append(tag)
        elif tag in _BLOCK_TAGS:
            self._new_block(tag)
        elif tag == "a":
            self._links += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skipping:
            self._empty_element(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            # An end tag closes its element and any left unclosed inside it (HTML's own rule).
            if tag in self._skipping:
                del self._skipping[len(self._skipping) - 1 - self._skipping[::-1].index(tag) :]
        elif tag in _BLOCK_TAGS:
            self._new_block("")
        elif tag == "a" and self._links:
            self._links -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            block = self.blocks[-1]
            block.parts.append(data)
            block.linked.append(self._links > 0)

    def text(self) -> str:
        """The text, without the page's labels when it also holds prose."""
        blocks = [(block, block.text()) for block in self.blocks]
        blocks = [(block, text) for block, text in blocks if text]
        if len(blocks) > 1 and any(_is_prose(text) for _, text in blocks):
            blocks = [(block, text) for block, text in blocks if not block.is_label(text)]
        return " ".join(text for _, text in blocks)


def fold_whitespace(text: str) -> str:
    """Collapse runs of whitespace (and drop invisible and unstorable characters)."""
    return " ".join(text.translate(_INVISIBLE).split())


def strip_unstorable(text: str) -> str:
    """Drop NUL and the other characters no database can store; lone surrogates become U+FFFD."""
    return text.translate(_UNSTORABLE)


def _xml_char(code: int) -> bool:
    return (
        code in (0x09, 0x0A, 0x0D)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _safe_charref(match: re.Match[bytes]) -> bytes:
    digits = match.group(1) or match.group(2)
    if len(digits) <= 7 and _xml_char(int(digits, 16 if match.group(1) else 10)):
        return match.group()
    return _REPLACEMENT_REF


def neutralise_charrefs(body: bytes) -> bytes:
    """Replace character references XML forbids (``&#xD800;``, ``&#0;``…) with U+FFFD's."""
    if b"&#" not in body:
        return body
    return _CHARREF.sub(_safe_charref, body)


def html_to_text(html: str) -> str:
    """Turn an HTML fragment into plain text: tags and scripts dropped, entities decoded."""
    if "<" not in html and "&" not in html:
        return fold_whitespace(html)
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return parser.text()


def canonicalize_url(url: str, base: str | None = None) -> str:
    """Return an absolute URL without tracking parameters, fragment or default port."""
    url = url.strip()
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    if parts.username or parts.password:
        host = f"{parts.netloc.rsplit('@', 1)[0]}@{host}"
    # Filter the raw pairs so the parameters we keep stay encoded exactly as they were.
    kept = [pair for pair in parts.query.split("&") if pair and not _is_tracking(pair)]
    query = "&".join(kept)
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def _is_tracking(pair: str) -> bool:
    key = unquote_plus(pair.split("=", 1)[0]).lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def normalize_lang(value: object) -> str | None:
    """Reduce a language tag ("en-US", "fr_FR", "FR") to a 2-letter code, or None."""
    if not isinstance(value, str):
        return None
    primary = re.split(r"[-_\s]", value.strip().lower(), maxsplit=1)[0]
    return primary if len(primary) == 2 and primary.isascii() and primary.isalpha() else None


# The helpers below read feedparser's dicts with dict.get: FeedParserDict.get goes through its
# key aliases in Python, about a quarter of the normalising time, and none of the keys read here
# has an alias (updated_parsed's fallback to published_parsed is read just before it anyway).


def _text(detail: dict[str, Any] | None, value: object) -> str:
    """Plain text of a feedparser text construct (HTML stripped unless declared plain)."""
    if not isinstance(value, str) or not value:
        return ""
    kind = str(dict.get(detail, "type", "")) if detail else ""
    # feedparser already relabels "plain" text that looks like HTML, so plain means literal.
    if kind == "text/plain":
        return fold_whitespace(value)
    return html_to_text(value)


def _date(entry: dict[str, Any], now: datetime) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = dict.get(entry, key)
        if parsed is None:
            continue
        try:
            year, month, day, hour, minute, second = (int(v) for v in parsed[:6])
            when = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
        except (TypeError, ValueError):
            continue
        if when > now + MAX_FUTURE or when < EARLIEST_DATE:
            logger.debug("ignoring implausible date %s", when.isoformat())
            return None
        return when
    return None


def _entry_lang(entry: dict[str, Any]) -> str | None:
    for key in ("title_detail", "summary_detail"):
        detail = dict.get(entry, key)
        if detail:
            lang = normalize_lang(dict.get(detail, "language"))
            if lang:
                return lang
    for content in dict.get(entry, "content") or ():
        lang = normalize_lang(dict.get(content, "language"))
        if lang:
            return lang
    return normalize_lang(dict.get(entry, "language") or dict.get(entry, "dc_language"))


def _author(entry: dict[str, Any]) -> str | None:
    detail = dict.get(entry, "author_detail") or {}
    name = dict.get(detail, "name") or dict.get(entry, "author") or ""
    text = html_to_text(name) if isinstance(name, str) else ""
    return text or None


def _tags(entry: dict[str, Any]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for tag in dict.get(entry, "tags") or ():
        term = dict.get(tag, "term") or dict.get(tag, "label") or ""
        text = html_to_text(term) if isinstance(term, str) else ""
        if text and text.lower() not in {t.lower() for t in seen}:
            seen[text] = None
    return tuple(seen)


def _content(entry: dict[str, Any]) -> str:
    best = ""
    for content in dict.get(entry, "content") or ():
        text = _text(content, dict.get(content, "value"))
        if len(text) > len(best):
            best = text
    return best


def _entry_to_item(
    entry: dict[str, Any], *, base_url: str, feed_lang: str | None, now: datetime
) -> FeedItem:
    title = _text(dict.get(entry, "title_detail"), dict.get(entry, "title"))
    summary = _text(dict.get(entry, "summary_detail"), dict.get(entry, "summary"))
    content = _content(entry)
    raw_link = dict.get(entry, "link")
    link = None
    if isinstance(raw_link, str) and raw_link:
        link = canonicalize_url(strip_unstorable(raw_link), base_url)
    if link is not None and (not link.startswith(("http://", "https://")) or len(link) > MAX_LINK):
        link = None
    published = _date(entry, now)
    raw_id = dict.get(entry, "id")
    guid = strip_unstorable(raw_id).strip() if isinstance(raw_id, str) else ""
    if len(guid) > MAX_GUID:
        guid = "sha256:" + hashlib.sha256(guid.encode()).hexdigest()
    if not guid:
        guid = link or "sha256:" + hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()
    author = _author(entry)
    return FeedItem(
        guid=guid,
        title=title,
        summary=summary,
        content=content,
        link=link,
        published=published or now,
        published_in_feed=published is not None,
        author=author[:MAX_AUTHOR] if author else None,
        tags=_tags(entry),
        lang=_entry_lang(entry) or feed_lang,
    )


def _describe(exc: object) -> str:
    line = getattr(exc, "getLineNumber", None)
    message = getattr(exc, "getMessage", None)
    if callable(line) and callable(message):
        return f"XML syntax error at line {line()}: {message()}"
    text = str(exc).strip()
    return text or type(exc).__name__


def parse_feed(
    body: bytes, *, base_url: str, content_type: str | None = None, now: datetime
) -> ParsedFeed:
    """Parse an RSS/Atom/RDF body; keep what parses and warn when the feed is ill-formed."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    if not body.strip():
        raise ParseError("not a feed: the body is empty")
    # application/xml lets the XML prolog declare the charset when the server said nothing.
    headers = {"content-location": base_url, "content-type": content_type or "application/xml"}
    # A stream, never bytes or str: feedparser opens a bytes/str that names a local file.
    # Sanitising and URI rewriting inside HTML are skipped: every HTML field becomes plain text.
    try:
        parsed = feedparser.parse(
            io.BytesIO(neutralise_charrefs(body)),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except (UnicodeError, ValueError, OverflowError) as crash:
        # What the rewrite above cannot reach (a UTF-16 body, say) still crashes feedparser.
        raise ParseError(f"not a feed: unreadable characters ({type(crash).__name__})") from crash
    exc = parsed.get("bozo_exception")
    problem = None
    if parsed.get("bozo") and not isinstance(exc, _BENIGN):
        problem = _describe(exc)
    elif exc is not None:
        logger.debug("feed at %s: %s", urlsplit(base_url).netloc, exc)
    entries = parsed.get("entries") or []
    if not entries and (problem or not parsed.get("version")):
        if looks_like_html(body, content_type):
            raise ParseError("not a feed: the address returned an HTML page, not RSS or Atom")
        reason = problem or "no RSS, Atom or RDF feed element found"
        raise ParseError(f"not a feed: {reason}")
    feed = parsed.get("feed") or {}
    feed_lang = normalize_lang(feed.get("language"))
    items: dict[str, FeedItem] = {}
    for entry in entries:
        item = _entry_to_item(entry, base_url=base_url, feed_lang=feed_lang, now=now)
        if item.guid in items:
            logger.debug("dropping duplicate guid %s in %s", item.guid, urlsplit(base_url).netloc)
            continue
        items[item.guid] = item
    site = feed.get("link")
    site_url = None
    if isinstance(site, str) and site:
        site_url = canonicalize_url(strip_unstorable(site), base_url)
    warning = None
    if problem:
        warning = f"the feed is not well-formed ({problem}); kept {len(items)} items"
    return ParsedFeed(
        title=_text(feed.get("title_detail"), feed.get("title")),
        site_url=site_url,
        lang=feed_lang,
        items=drop_standing_lines(tuple(items.values())),
        warning=warning,
    )


_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF|RDF)[\s>]", re.IGNORECASE)
_HTML_ROOT = re.compile(rb"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    """Say whether a response is an HTML page rather than a feed (body wins over the header)."""
    head = body[:4096]
    feed_at = _FEED_ROOT.search(head)
    html_at = _HTML_ROOT.search(head)
    if feed_at and (not html_at or feed_at.start() < html_at.start()):
        return False
    if html_at:
        return True
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return mime in ("text/html", "application/xhtml+xml")


def _decode_html(body: bytes) -> str:
    match = re.search(rb"""<meta[^>]+charset=["']?([\w.:-]+)""", body[:4096], re.IGNORECASE)
    if match:
        try:
            return body.decode(match.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("windows-1252", errors="replace")


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.alternates: list[tuple[str, str | None, str]] = []
        self.anchors: list[tuple[str, str]] = []
        self._anchor: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: (v or "") for k, v in attrs}
        if tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            mime = values.get("type", "").split(";", 1)[0].strip().lower()
            href = values.get("href", "").strip()
            if "alternate" in rels and mime in FEED_MIME_TYPES and href:
                self.alternates.append((href, values.get("title") or None, mime))
        elif tag == "a" and values.get("href"):
            self._anchor = (values["href"].strip(), [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._anchor is not None:
            href, text = self._anchor
            self.anchors.append((href, fold_whitespace("".join(text))))
            self._anchor = None

    def handle_data(self, data: str) -> None:
        if self._anchor is not None:
            self._anchor[1].append(data)


def discover_feeds(body: bytes, base_url: str) -> list[DiscoveredFeed]:
    """List the feeds an HTML page advertises (link rel=alternate, else likely feed anchors)."""
    collector = _LinkCollector()
    collector.feed(_decode_html(body))
    collector.close()
    base = urljoin(base_url, collector.base) if collector.base else base_url
    found: dict[str, DiscoveredFeed] = {}

    def add(candidates: Iterable[tuple[str, str | None, str | None]]) -> None:
        for href, title, mime in candidates:
            url = urljoin(base, href)
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                continue
            url = urlunsplit(parts._replace(fragment=""))
            if url not in found:
                found[url] = DiscoveredFeed(url=url, title=title, type=mime)

    add(collector.alternates)
    if not found:
        add(
            (href, text or None, None)
            for href, text in collector.anchors
            if _FEED_PATH.search(urlsplit(urljoin(base, href)).path.lower().rstrip("/"))
        )
    return list(found.values())
