"""Parse and validate the story filters shared by the JSON API, the pages and the Atom feed."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from bot.errors import UserError
from bot.types import LABELS

LANGS = ("en", "fr")
MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_QUERY_CHARS = 200
MAX_PARTY_CHARS = 100
MAX_DAYS = 3650


@dataclass(frozen=True, slots=True)
class StoryFilters:
    """Validated filters for a list of stories."""

    label: str | None = None
    party: str | None = None
    lang: str | None = None
    q: str | None = None
    since: datetime | None = None
    days: int = 7
    limit: int = 20
    offset: int = 0

    def window_days(self, now: datetime) -> int:
        """Return how many days back a ``latest`` call must look to cover ``since``."""
        if self.since is None:
            return self.days
        seconds = (now - self.since).total_seconds()
        return max(1, min(MAX_DAYS, math.ceil(seconds / 86_400)))


def parse_filters(
    query: Mapping[str, str],
    *,
    allowed: Iterable[str] = ("label", "party", "lang", "q", "since", "days", "limit", "offset"),
    default_limit: int = 20,
    default_days: int = 7,
) -> StoryFilters:
    """Validate query parameters; raise UserError naming the bad one."""
    allowed = tuple(allowed)
    for key in query:
        if key not in allowed:
            raise UserError(f"unknown parameter {key!r}; expected one of: {', '.join(allowed)}")
    label = _choice(query, "label", LABELS)
    lang = _choice(query, "lang", LANGS)
    party = _text(query, "party", MAX_PARTY_CHARS)
    q = _text(query, "q", MAX_QUERY_CHARS)
    since = _since(query.get("since", "").strip())
    days = _int(query, "days", default_days, 1, MAX_DAYS)
    limit = _int(query, "limit", default_limit, 1, MAX_LIMIT)
    offset = _int(query, "offset", 0, 0, MAX_OFFSET)
    return StoryFilters(label, party, lang, q, since, days, limit, offset)


def _choice(query: Mapping[str, str], name: str, choices: Iterable[str]) -> str | None:
    raw = query.get(name, "").strip().lower()
    if not raw:
        return None
    options = tuple(choices)
    if raw not in options:
        raise UserError(f"{name} must be one of {', '.join(options)}")
    return raw


def _text(query: Mapping[str, str], name: str, max_chars: int) -> str | None:
    raw = " ".join(query.get(name, "").split())
    if not raw:
        return None
    if len(raw) > max_chars:
        raise UserError(f"{name} must be at most {max_chars} characters")
    return raw


def _int(query: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = query.get(name, "").strip()
    if not raw:
        return default
    # ASCII digits only: str.isdigit() also accepts "²" and "٣", which int() refuses or reads.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise UserError(f"{name} must be a whole number between {lo} and {hi}")
    value = int(raw)
    if not lo <= value <= hi:
        raise UserError(f"{name} must be between {lo} and {hi}")
    return value


def _since(raw: str) -> datetime | None:
    if not raw:
        return None
    problem = "since must be a date (2026-01-31) or an ISO 8601 time"
    if not raw.isascii() or len(raw) > 40:
        raise UserError(problem)
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(), UTC)
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        # A time near year 1 or 9999 with an offset may fall outside the years UTC can show.
        return value.astimezone(UTC)
    except ValueError:
        raise UserError(problem) from None
    except OverflowError:
        raise UserError("since must fall between the years 1 and 9999 in UTC") from None
