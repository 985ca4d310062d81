"""JSON shapes of detector output shared by the database, the CLI, the web API and Discord."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, overload

from bot.types import LABELS, Amount, EffectiveDate, Facts, Label, Quote, Signal


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: None) -> None: ...
def iso(value: datetime | None) -> str | None:
    """Format a time as ISO 8601 UTC with a "Z" (None stays None)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def number(value: float) -> float | int:
    """Write whole amounts as integers (42000, not 42000.0)."""
    return int(value) if float(value).is_integer() else value


def facts_to_json(facts: Facts) -> dict[str, Any]:
    """Facts as JSON-ready data: dates as ISO strings under "date"."""
    return {
        "dates": [{"date": d.when.isoformat(), "text": d.text} for d in facts.dates],
        "amounts": [
            {"value": number(a.value), "currency": a.currency, "period": a.period, "text": a.text}
            | ({"high": number(a.high)} if a.high is not None else {})
            for a in facts.amounts
        ],
        "quotes": [{"text": q.text, "speaker": q.speaker} for q in facts.quotes],
    }


def facts_from_json(data: Mapping[str, Any] | None) -> Facts:
    """Facts from what `facts_to_json` wrote."""
    if not data:
        return Facts()
    return Facts(
        dates=tuple(
            EffectiveDate(date.fromisoformat(d.get("date") or d["when"]), str(d.get("text", "")))
            for d in data.get("dates", ())
        ),
        amounts=tuple(
            Amount(
                float(a["value"]),
                str(a["currency"]),
                a.get("period"),
                str(a.get("text", "")),
                float(a["high"]) if a.get("high") is not None else None,
            )
            for a in data.get("amounts", ())
        ),
        quotes=tuple(Quote(str(q["text"]), q.get("speaker")) for q in data.get("quotes", ())),
    )


def signals_to_json(signals: Iterable[Signal]) -> list[dict[str, Any]]:
    """Signals as JSON-ready data."""
    return [{"label": s.label, "phrase": s.phrase, "weight": s.weight} for s in signals]


def signals_from_json(data: Iterable[Mapping[str, Any]] | None) -> tuple[Signal, ...]:
    """Signals from what `signals_to_json` wrote (unknown labels dropped)."""
    return tuple(
        Signal(_label(s["label"]), str(s["phrase"]), float(s["weight"]))
        for s in data or ()
        if s.get("label") in LABELS
    )


def _label(value: str) -> Label:
    for label in LABELS:
        if label == value:
            return label
    raise ValueError(f"unknown label {value!r}")
