"""Dispute detector: rules and gazetteer per language, fast and explainable."""

from __future__ import annotations

from bot.detect.classify import classify, classify_text

__all__ = ["classify", "classify_text"]
