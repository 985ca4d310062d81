"""PNG bar charts of dispute counts per week, shared by the Discord bot and the web page."""

from __future__ import annotations

import io
import logging
import struct
import zlib
from collections.abc import Sequence
from datetime import date

log = logging.getLogger(__name__)

WeeklyCount = tuple[date, str, int]

# One colour per label, readable on Discord's dark and light themes.
LABEL_COLOURS: dict[str, tuple[int, int, int]] = {
    "cutoff": (230, 126, 34),
    "legal": (52, 152, 219),
}
_OTHER_COLOUR = (149, 165, 166)


def weekly_table(counts: Sequence[WeeklyCount]) -> tuple[list[date], dict[str, list[int]]]:
    """Turn (week, label, count) rows into sorted weeks and one series per label."""
    weeks = sorted({week for week, _, _ in counts})
    labels = sorted({label for _, label, _ in counts})
    index = {week: i for i, week in enumerate(weeks)}
    series = {label: [0] * len(weeks) for label in labels}
    for week, label, count in counts:
        series[label][index[week]] += count
    return weeks, series


def weekly_bar_chart(counts: Sequence[WeeklyCount], *, title: str = "Disputes per week") -> bytes:
    """Render stacked weekly bars per label as PNG bytes (matplotlib when present)."""
    weeks, series = weekly_table(counts)
    try:
        return _matplotlib_chart(weeks, series, title)
    except ImportError:
        log.debug("matplotlib is not installed; drawing a plain chart")
        return _plain_chart(weeks, series)


def _matplotlib_chart(weeks: list[date], series: dict[str, list[int]], title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(8, 3.5), dpi=100)
    ax = fig.subplots()
    positions = list(range(len(weeks)))
    bottoms = [0] * len(weeks)
    for label, values in series.items():
        r, g, b = LABEL_COLOURS.get(label, _OTHER_COLOUR)
        ax.bar(positions, values, bottom=bottoms, label=label, color=(r / 255, g / 255, b / 255))
        bottoms = [a + v for a, v in zip(bottoms, values, strict=True)]
    ax.set_title(title)
    ax.set_ylabel("stories")
    step = max(1, len(weeks) // 12)
    ax.set_xticks(positions[::step])
    ax.set_xticklabels([w.strftime("%d %b") for w in weeks[::step]], rotation=45, ha="right")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if series:
        ax.legend(loc="upper left")
    else:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _plain_chart(
    weeks: list[date], series: dict[str, list[int]], width: int = 640, height: int = 240
) -> bytes:
    """Draw stacked bars with no text, for installs without matplotlib."""
    background = (255, 255, 255)
    pixels = [[background] * width for _ in range(height)]
    totals = [sum(values[i] for values in series.values()) for i in range(len(weeks))]
    peak = max(totals, default=0)
    margin = 10
    if weeks and peak:
        slot = (width - 2 * margin) / len(weeks)
        bar = max(1, int(slot * 0.8))
        scale = (height - 2 * margin) / peak
        for i in range(len(weeks)):
            x0 = margin + int(i * slot)
            y = height - margin
            for label, values in series.items():
                h = round(values[i] * scale)
                colour = LABEL_COLOURS.get(label, _OTHER_COLOUR)
                for row in range(max(0, y - h), y):
                    pixels[row][x0 : x0 + bar] = [colour] * bar
                y -= h
    for x in range(width):  # the x axis
        pixels[height - margin][x] = (0, 0, 0)
    return encode_png(pixels)


def encode_png(pixels: Sequence[Sequence[tuple[int, int, int]]]) -> bytes:
    """Encode rows of RGB pixels as a PNG (8-bit truecolour, no filtering)."""
    height = len(pixels)
    width = len(pixels[0]) if height else 0
    raw = bytearray()
    for row in pixels:
        raw.append(0)  # filter type: none
        for r, g, b in row:
            raw.extend((r, g, b))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )
