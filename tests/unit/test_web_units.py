"""Pure helpers of the web package: snippet marking, URL safety, filter parsing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import UserError
from bot.web.pages import mark_snippet, safe_url
from bot.web.query import parse_filters


def test_mark_snippet_escapes_then_marks() -> None:
    html = str(mark_snippet("…the **<script>** and **Apple** & co"))
    assert html == "…the <mark>&lt;script&gt;</mark> and <mark>Apple</mark> &amp; co"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x", "https://a.example/x"),
        ("http://a.example/", "http://a.example/"),
        ("javascript:alert(1)", "#"),
        (" JavaScript:alert(1)", "#"),
        ("data:text/html,x", "#"),
        (None, "#"),
    ],
)
def test_safe_url(url: str | None, expected: str) -> None:
    assert safe_url(url) == expected


def test_filters_defaults_and_since_window() -> None:
    f = parse_filters({})
    assert (f.limit, f.offset, f.days, f.q) == (20, 0, 7, None)
    f = parse_filters({"since": "2026-03-01", "q": "  apple   epic ", "label": "LEGAL"})
    assert f.since == datetime(2026, 3, 1, tzinfo=UTC)
    assert f.q == "apple epic" and f.label == "legal"
    assert f.window_days(datetime(2026, 3, 2, 12, tzinfo=UTC)) == 2


@pytest.mark.parametrize("query", [{"limit": "1000000000000"}, {"offset": "10001"}, {"x": "1"}])
def test_filters_refuse_bad_values(query: dict[str, str]) -> None:
    with pytest.raises(UserError):
        parse_filters(query)
