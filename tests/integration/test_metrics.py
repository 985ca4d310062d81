"""The metrics registry renders valid Prometheus text with every metric."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.types import FeedInfo

EXPECTED = {
    "disputewatch_polls": "counter",
    "disputewatch_fetch_errors": "counter",
    "disputewatch_feed_fetch_seconds": "histogram",
    "disputewatch_entries": "counter",
    "disputewatch_detections": "counter",
    "disputewatch_alerts_sent": "counter",
    "disputewatch_alerts_failed": "counter",
    "disputewatch_alerts_pending": "gauge",
    "disputewatch_outbox_oldest_seconds": "gauge",
    "disputewatch_feeds": "gauge",
}


def _families() -> dict[str, object]:
    text = metrics.render_metrics().decode("utf-8")
    return {f.name: f for f in text_string_to_metric_families(text)}


def _sample(name: str, **labels: str) -> float:
    value = metrics.REGISTRY.get_sample_value(name, labels)
    return 0.0 if value is None else value


def _feed(fid: int, status: str) -> FeedInfo:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return FeedInfo(
        id=fid,
        url=f"https://example.org/{fid}",
        title="t",
        site_url=None,
        lang="en",
        status=status,
        disabled_reason=None,
        error_count=0,
        last_error=None,
        last_polled_at=None,
        last_success_at=None,
        next_poll_at=now,
        interval_s=900,
        added_at=now,
    )


def test_every_metric_is_rendered_with_its_type() -> None:
    families = _families()
    for name, kind in EXPECTED.items():
        assert name in families, name
        assert families[name].type == kind  # type: ignore[attr-defined]
    assert metrics.CONTENT_TYPE.startswith("text/plain; version=0.0.4")


def test_recorders_move_the_counters() -> None:
    before = _sample("disputewatch_polls_total", result="ok")
    count_before = _sample("disputewatch_feed_fetch_seconds_count")
    metrics.record_poll("ok", 0.3)
    assert _sample("disputewatch_polls_total", result="ok") == before + 1
    assert _sample("disputewatch_feed_fetch_seconds_count") == count_before + 1

    metrics.record_fetch_error("timeout")
    assert _sample("disputewatch_fetch_errors_total", kind="timeout") >= 1

    e = _sample("disputewatch_entries_total", kind="new")
    metrics.record_entries("new", 3)
    assert _sample("disputewatch_entries_total", kind="new") == e + 3

    none = _sample("disputewatch_detections_total", label="none")
    cut = _sample("disputewatch_detections_total", label="cutoff")
    legal = _sample("disputewatch_detections_total", label="legal")
    metrics.record_detection([])
    metrics.record_detection(["cutoff", "legal"])
    assert _sample("disputewatch_detections_total", label="none") == none + 1
    assert _sample("disputewatch_detections_total", label="cutoff") == cut + 1
    assert _sample("disputewatch_detections_total", label="legal") == legal + 1

    sent = _sample("disputewatch_alerts_sent_total", transport="console")
    failed = _sample("disputewatch_alerts_failed_total", transport="console")
    metrics.record_alert("console", True)
    metrics.record_alert("console", False)
    assert _sample("disputewatch_alerts_sent_total", transport="console") == sent + 1
    assert _sample("disputewatch_alerts_failed_total", transport="console") == failed + 1


def test_unknown_values_are_refused() -> None:
    import pytest

    with pytest.raises(ValueError):
        metrics.record_poll("weird", 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        metrics.record_detection(["spam"])


async def test_refresher_sets_gauges_from_sync_and_async_sources() -> None:
    async def stats() -> tuple[int, float | None]:
        return 4, 12.5

    refresh = metrics.make_refresher(
        stats, lambda: [_feed(1, "active"), _feed(2, "disabled"), _feed(3, "active")]
    )
    await refresh()
    assert _sample("disputewatch_alerts_pending") == 4
    assert _sample("disputewatch_outbox_oldest_seconds") == 12.5
    assert _sample("disputewatch_feeds", status="active") == 2
    assert _sample("disputewatch_feeds", status="disabled") == 1

    def broken() -> tuple[int, float | None]:
        raise RuntimeError("db down")

    await metrics.make_refresher(broken, lambda: [])()
    assert _sample("disputewatch_alerts_pending") == 4  # left as it was
    assert _sample("disputewatch_feeds", status="active") == 0
    metrics.set_outbox_stats(0, None)
    assert _sample("disputewatch_outbox_oldest_seconds") == 0
