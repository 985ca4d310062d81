"""Dispute detector: rules and gazetteer per language, fast and explainable.

``bot.detect.classify`` compiles the data files once when it is imported; the names below are
loaded on first use so that ``import bot.detect.commands`` (the CLI) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.detect.classify import classify, classify_text
    from bot.detect.entities import all_parties, canonical_party, party_aliases
    from bot.detect.facts import extract_facts
    from bot.detect.lang import detect_lang

__all__ = [
    "all_parties",
    "canonical_party",
    "classify",
    "classify_text",
    "detect_lang",
    "extract_facts",
    "party_aliases",
]

_HOMES = {
    "classify": "bot.detect.classify",
    "classify_text": "bot.detect.classify",
    "all_parties": "bot.detect.entities",
    "canonical_party": "bot.detect.entities",
    "party_aliases": "bot.detect.entities",
    "extract_facts": "bot.detect.facts",
    "detect_lang": "bot.detect.lang",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bot.detect' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
