"""Abbreviations whose full stop ends no sentence ("Mr.", "Inc.", "Calif.", "U.S.", "F.").

One list for every place that splits text at full stops: summaries into sentences
(`bot.stories.summarize`), headlines into clauses (`bot.detect.classify`) and name runs
(`bot.detect.names`).
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    {
        # titles and company suffixes
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "inc", "corp", "co", "ltd", "llc",
        "mme", "mlle", "mm", "gen", "gov", "sen", "rep", "dept",
        # places
        "u.s", "u.k", "u.s.a", "e.u",
        # months
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        # references and Latin
        "vs", "etc", "e.g", "i.e", "no", "fig", "av", "env", "cf", "p", "art", "approx", "est",
    }
)  # fmt: skip
# Abbreviations that are also common words ("mass", "wash"): only capitalised ("Calif.",
# "Mass.", "Warner Bros.").
CAPITALISED_ABBREVIATIONS = frozenset({"Bros", "Calif", "Mass", "Penn", "Wash"})
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")


def is_abbreviation(token: str) -> bool:
    """Say whether a word written before a full stop is an abbreviation or initials."""
    return (
        token.lower() in ABBREVIATIONS
        or token in CAPITALISED_ABBREVIATIONS
        or bool(_INITIALS.fullmatch(token))
    )
