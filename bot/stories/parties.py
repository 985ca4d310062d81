"""Party names for stories, through the detector's gazetteer (Twitter = X...)."""

from __future__ import annotations

from bot.detect.entities import canonical_party, party_aliases


def canonical(name: str) -> str:
    """Return the canonical party name for a name or alias ("Twitter" -> "X"); else the name."""
    name = name.strip()
    return canonical_party(name) or name


def aliases(name: str) -> list[str]:
    """Return the canonical name followed by its aliases, without repeats (case-insensitive)."""
    canon = canonical(name)
    out: list[str] = []
    seen: set[str] = set()
    for candidate in [canon, *party_aliases(canon)]:
        if candidate.casefold() not in seen:
            seen.add(candidate.casefold())
            out.append(candidate)
    return out
