"""Pure scheduling helpers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bot.feeds.schedule import adapt_interval, backoff_delay, jittered, parse_retry_after

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class Fixed:
    """A random source that always picks the same point of the range."""

    def __init__(self, point: float) -> None:
        self.point = point
        self.calls: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.calls.append((a, b))
        return a + (b - a) * self.point


def test_adapt_interval_shrinks_and_grows_within_bounds() -> None:
    assert adapt_interval(600, changed=True, min_s=300, max_s=3600) == 300
    assert adapt_interval(1000, changed=True, min_s=300, max_s=3600) == 500
    assert adapt_interval(600, changed=False, min_s=300, max_s=3600) == 900
    assert adapt_interval(3000, changed=False, min_s=300, max_s=3600) == 3600
    assert adapt_interval(10, changed=False, min_s=300, max_s=3600) == 300
    assert adapt_interval(99999, changed=True, min_s=300, max_s=3600) == 3600


def test_adapt_interval_converges() -> None:
    interval = 300.0
    for _ in range(50):
        interval = adapt_interval(interval, changed=False, min_s=300, max_s=3600)
    assert interval == 3600


def test_adapt_interval_rejects_bad_bounds() -> None:
    with pytest.raises(ValueError):
        adapt_interval(10, changed=True, min_s=100, max_s=50)


def test_backoff_is_exponential_with_full_jitter() -> None:
    top = Fixed(1.0)
    assert backoff_delay(0, base_s=60, max_s=3600, rng=top) == 0
    assert [backoff_delay(n, base_s=60, max_s=3600, rng=top) for n in range(1, 8)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
    ]
    assert backoff_delay(10_000, base_s=60, max_s=3600, rng=top) == 3600
    assert backoff_delay(3, base_s=60, max_s=3600, rng=Fixed(0.0)) == 0
    assert top.calls[0] == (0.0, 60)


def test_backoff_with_a_real_rng_stays_in_range() -> None:
    rng = random.Random(42)
    delays = [backoff_delay(5, base_s=10, max_s=100, rng=rng) for _ in range(200)]
    assert all(0 <= d <= 100 for d in delays)
    assert len(set(delays)) > 100


def test_jittered() -> None:
    assert jittered(100, Fixed(0.0)) == pytest.approx(90)
    assert jittered(100, Fixed(1.0)) == pytest.approx(110)
    assert jittered(100, Fixed(0.5), fraction=0.5) == pytest.approx(100)
    assert jittered(0, Fixed(1.0)) == 0
    with pytest.raises(ValueError):
        jittered(100, Fixed(0.5), fraction=2)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),
        ("Wed, 01 May 2024 12:05:00 GMT", 300.0),
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds
