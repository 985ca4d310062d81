"""Party names for stories: the detector's gazetteer when present, the name itself otherwise."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import cast

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _entities() -> tuple[Callable[[str], str | None], Callable[[str], list[str]]] | None:
    try:
        module = importlib.import_module("bot.detect.entities")
    except ImportError:
        log.warning("bot.detect.entities is not available; party aliases are not expanded")
        return None
    return (
        cast(Callable[[str], "str | None"], module.canonical_party),
        cast(Callable[[str], "list[str]"], module.party_aliases),
    )


def canonical(name: str) -> str:
    """Return the canonical party name for a name or alias ("Twitter" -> "X")."""
    name = name.strip()
    entities = _entities()
    if entities is None:
        return name
    found = entities[0](name)
    return found if found else name


def aliases(name: str) -> list[str]:
    """Return the canonical name followed by its aliases, without repeats."""
    canon = canonical(name)
    entities = _entities()
    names = [canon]
    if entities is not None:
        names.extend(entities[1](canon))
    out: list[str] = []
    seen: set[str] = set()
    for candidate in names:
        if candidate.lower() not in seen:
            seen.add(candidate.lower())
            out.append(candidate)
    return out
