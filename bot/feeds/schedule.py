"""When to poll a feed next: adaptive intervals, backoff with jitter, Retry-After (pure)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

logger = logging.getLogger(__name__)

SHRINK_FACTOR = 0.5
GROW_FACTOR = 1.5
# 2**62 times any sane base is already far beyond any cap; stop the exponent there.
_MAX_EXPONENT = 62


class RandomSource(Protocol):
    """The part of random.Random the schedule needs, so tests can inject a fixed source."""

    def uniform(self, a: float, b: float) -> float:
        """Return a number between a and b."""
        ...


def _check_bounds(min_s: float, max_s: float) -> None:
    if min_s < 0 or max_s < min_s:
        raise ValueError(f"need 0 <= min_s <= max_s, got min_s={min_s}, max_s={max_s}")


def adapt_interval(current_s: float, *, changed: bool, min_s: float, max_s: float) -> float:
    """Shrink the interval toward min_s when the feed changed, grow it ×1.5 toward max_s if not."""
    _check_bounds(min_s, max_s)
    factor = SHRINK_FACTOR if changed else GROW_FACTOR
    return min(max_s, max(min_s, current_s * factor))


def backoff_delay(failures: int, *, base_s: float, max_s: float, rng: RandomSource) -> float:
    """Return an exponential backoff delay with full jitter: uniform(0, min(max, base·2^(n-1)))."""
    _check_bounds(0, max_s)
    if failures <= 0:
        return 0.0
    ceiling = min(max_s, base_s * 2.0 ** min(failures - 1, _MAX_EXPONENT))
    return rng.uniform(0.0, ceiling)


def jittered(seconds: float, rng: RandomSource, fraction: float = 0.1) -> float:
    """Spread a delay by ±fraction so feeds polled together drift apart."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    return max(0.0, seconds * (1.0 + rng.uniform(-fraction, fraction)))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Read a Retry-After header (delta seconds or HTTP-date) as seconds from now, or None."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        logger.debug("ignoring unreadable Retry-After %r", text[:100])
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
