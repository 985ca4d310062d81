"""Shared text helpers for stories and search: accent folding, tokens, stopwords, light stems.

Other modules should reuse these (one folding rule for the index, the query and the clustering).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
_TOKEN = re.compile(r"[a-z0-9]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS_EN = _wordset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our ours out over own same she
    should so some such than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours says said say new over amid after report reports via its
    """
)

STOPWORDS_FR = _wordset(
    """
    a au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la le les leur
    leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se
    ses son sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y ete etre avoir sont
    est ont a apres selon contre entre sans sous chez plus tres aussi comme dont ou lors cela ca
    fait faire va vont peut
    """
)

STOPWORDS = STOPWORDS_EN | STOPWORDS_FR

# Undo a final doubled consonant left by stripping a suffix ("banned" -> "bann" -> "ban").
_DOUBLE = re.compile(r"([bcdfgklmnprstvz])\1$")
# Longest suffix first; each applies only when at least two letters remain.
_SUFFIXES = (
    "ements",
    "ement",
    "ations",
    "ation",
    "ings",
    "ing",
    "ies",
    "ied",
    "es",
    "ed",
    "s",
    "x",
    "e",
)


def fold(text: str) -> str:
    """Lowercase, remove accents and unify apostrophes ("Procès" -> "proces")."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.translate(_LIGATURES)


def words(text: str) -> list[str]:
    """Split text into folded alphanumeric words, keeping stopwords and order."""
    return _TOKEN.findall(fold(text))


def stem(word: str) -> str:
    """Strip one common EN/FR inflection from a folded word ("sued"/"sues" -> "su").

    Deliberately light and language-neutral: the index and the query use the same rule, so it
    only has to be consistent, not linguistically right.
    """
    if len(word) <= 2 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            if suffix in ("ies", "ied"):
                return word[: -len(suffix)] + "y"
            base = word[: -len(suffix)]
            return _DOUBLE.sub(r"\1", base) if suffix in ("ed", "ing", "ings") else base
    return word


def content_words(text: str) -> list[str]:
    """Folded words without stopwords, in order."""
    return [w for w in words(text) if w not in STOPWORDS]


def stems(text: str) -> list[str]:
    """Stems of the content words of text, in order (with repeats)."""
    return [stem(w) for w in content_words(text)]


def unique(items: Iterable[str]) -> list[str]:
    """Keep the first occurrence of each item, in order."""
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
