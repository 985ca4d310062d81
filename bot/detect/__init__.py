"""Dispute detector: rules and gazetteer per language, fast and explainable.

Importing the package compiles the data files once (about 0.1 s); ``classify`` is then pure.
"""

from __future__ import annotations

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
