"""Cheap stopword-based language detection (English or French)."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.detect.lexicon import available_langs, load_lexicon

_WORD_RE = re.compile(r"[^\W\d_]+")
DEFAULT_LANG = "en"


@lru_cache(maxsize=1)
def _stopwords() -> dict[str, frozenset[str]]:
    return {lang: load_lexicon(lang).stopwords for lang in available_langs()}


def detect_lang(text: str) -> str:
    """Return the language code whose stopwords are most frequent in text ("en" on a tie)."""
    words = _WORD_RE.findall(text.lower())
    if not words:
        return DEFAULT_LANG
    best, best_count = DEFAULT_LANG, 0
    for lang, stops in _stopwords().items():
        count = sum(1 for w in words if w in stops)
        if count > best_count or (count == best_count and lang == DEFAULT_LANG):
            best, best_count = lang, count
    return best
