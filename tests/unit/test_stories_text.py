"""Shared text helpers: folding, words, light stems; and article extraction."""

from __future__ import annotations

import pytest

from bot.stories.article import extract_main_text
from bot.stories.text import content_words, fold, stem, words


def test_fold_removes_accents_and_unifies_apostrophes() -> None:
    assert fold("Procès À L’ÉTÉ œuvre") == "proces a l'ete oeuvre"
    assert words("L’article « Déjà » coûte 42,5 €") == ["l", "article", "deja", "coute", "42", "5"]


def test_content_words_drop_english_and_french_stopwords() -> None:
    assert content_words("The judge and the court") == ["judge", "court"]
    assert content_words("Le juge et la cour d'appel") == ["juge", "cour", "appel"]
    assert "x" in content_words("X sues")  # one-letter company names survive


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("sue", "sued"),
        ("sues", "suing"),
        ("ban", "banned"),
        ("blocks", "blocking"),
        ("poursuit", "poursuites"),
        ("proces", "procès"),
        ("amende", "amendes"),
        ("platforms", "platform"),
    ],
)
def test_stems_meet(a: str, b: str) -> None:
    assert stem(fold(a)) == stem(fold(b))


def test_stems_keep_distinct_words_apart() -> None:
    assert stem("process") != stem("proces")
    assert stem("2023") == "2023"
    assert stem("ad") == "ad"


def test_article_extraction_keeps_the_main_text() -> None:
    pytest.importorskip("trafilatura")
    paragraph = (
        "Apple removed the streaming app from its store on Tuesday after the developer added a "
        "link to its own payment page, the company said in a statement to reporters. "
    )
    html = (
        "<html><head><title>t</title></head><body><nav><a href='/'>Home</a> <a>Sections</a>"
        "</nav><article><h1>Apple pulls app</h1>"
        + "".join(f"<p>{paragraph * 2}</p>" for _ in range(3))
        + "</article><footer>Copyright Example Media. Share on Facebook.</footer></body></html>"
    )
    text = extract_main_text(html, "https://example.com/a")
    assert text is not None and "Apple removed the streaming app" in text
    assert "Copyright" not in text and "Sections" not in text
