"""Language detection by stopwords."""

from __future__ import annotations

import pytest

from bot.detect import classify_text
from bot.detect.lang import detect_lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Apple removes the app from its store after a dispute with the developer", "en"),
        ("Apple retire l'application de sa boutique après un différend avec le développeur", "fr"),
        ("La CNIL inflige une amende à Google", "fr"),
        ("Epic Games sues Apple", "en"),
        ("", "en"),
        ("12345 !!!", "en"),
    ],
)
def test_detect_lang(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


def test_classify_uses_detected_language_when_missing() -> None:
    assert classify_text("Google condamné à une amende par la justice européenne").lang == "fr"
    assert classify_text("Google fined by a European court").lang == "en"
    assert classify_text("Google fined by a European court", lang="fr-FR").lang == "fr"
    assert classify_text("Google fined by a European court", lang="de").lang == "en"
