"""Keyword-filter baseline of the kind RSS bots use, to measure the detector against."""

from __future__ import annotations

import re

from bot.detect.entities import fold
from bot.types import LABELS, Label

# One fixed word list per label and language; a label holds when any word appears.
BASELINE_WORDS: dict[str, dict[Label, tuple[str, ...]]] = {
    "en": {
        "cutoff": (
            "ban", "bans", "banned", "block", "blocks", "blocked", "remove", "removes", "removed",
            "drop", "drops", "dropped", "pull", "pulls", "pulled", "cut off", "cuts off",
            "suspend", "suspends", "suspended", "shut down", "shuts down", "kill", "kills",
            "revoke", "revokes", "delist", "delists",
        ),
        "legal": (
            "sue", "sues", "sued", "lawsuit", "court", "judge", "fine", "fined", "fines",
            "antitrust", "settle", "settles", "settlement", "probe", "investigation", "trial",
            "ruling", "injunction", "complaint", "regulator", "illegal",
        ),
    },
    "fr": {
        "cutoff": (
            "interdit", "interdiction", "bloque", "bloqué", "blocage", "retire", "retiré",
            "supprime", "supprimé", "suspend", "suspendu", "coupe", "coupé", "bannit", "banni",
            "abandonne", "ferme",
        ),
        "legal": (
            "procès", "plainte", "poursuit", "poursuites", "justice", "tribunal", "juge",
            "amende", "condamné", "condamnation", "enquête", "antitrust", "sanction",
            "concurrence", "illégal",
        ),
    },
}  # fmt: skip


def _compile(words: tuple[str, ...]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(fold(w)) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")


_COMPILED = {
    lang: {label: _compile(words) for label, words in table.items()}
    for lang, table in BASELINE_WORDS.items()
}


def baseline_labels(title: str, summary: str = "", lang: str = "en") -> tuple[Label, ...]:
    """Return the labels whose keyword list matches the title or summary."""
    table = _COMPILED.get(lang, _COMPILED["en"])
    text = fold(f"{title}\n{summary}")
    return tuple(label for label in LABELS if table[label].search(text))
