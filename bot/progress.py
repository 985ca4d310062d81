"""A progress bar on standard error for long command-line work, silent when not wanted."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from types import TracebackType
from typing import TextIO, TypeVar

T = TypeVar("T")

REDRAW_EVERY = 0.1  # seconds; redrawing on every item would slow a fast loop


class Progress:
    """Draw ``label [####----] done/total note`` on one line of a terminal.

    It draws nothing when the stream is not a terminal (logs, pipes, CI) or when ``quiet``
    (``--json`` output must stay machine-readable), so callers never need to check.
    """

    def __init__(
        self,
        total: int | None,
        label: str,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total if total is None else max(0, total)
        self.label = label
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._last_draw = float("-inf")
        self._drawn = False
        self.active = not quiet and _is_tty(self.stream)

    def __enter__(self) -> Progress:
        self._draw("", force=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def advance(self, n: int = 1, *, note: str = "") -> None:
        """Count ``n`` more items done; ``note`` names the current one (a feed, a file)."""
        self.done += n
        finished = self.total is not None and self.done >= self.total
        self._draw(note, force=finished)

    def close(self) -> None:
        """Erase the bar so the next message starts on a clean line."""
        if self.active and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
        self._drawn = False
        self.active = False

    def line(self, note: str = "") -> str:
        """Return the bar as text for a terminal ``width`` columns wide."""
        width = shutil.get_terminal_size((80, 20)).columns
        if self.total:
            shown = min(self.done, self.total)
            count = f"{shown}/{self.total}"
            bar_width = max(10, min(30, width // 4))
            filled = round(bar_width * shown / self.total)
            bar = "[" + "#" * filled + "-" * (bar_width - filled) + "]"
            head = f"{self.label} {bar} {count}"
        else:
            head = f"{self.label} {self.done}"
        text = f"{head} {note}".rstrip()
        return text if len(text) < width else text[: max(0, width - 2)] + "…"

    def _draw(self, note: str, *, force: bool = False) -> None:
        if not self.active:
            return
        now = self._clock()
        if not force and now - self._last_draw < REDRAW_EVERY:
            return
        self._last_draw = now
        # \r and erase-to-end-of-line redraw in place; one note may be shorter than the last.
        self.stream.write("\r\x1b[K" + self.line(" ".join(note.split())))
        self.stream.flush()
        self._drawn = True


def track(
    items: Iterable[T],
    label: str,
    *,
    total: int | None = None,
    quiet: bool = False,
    stream: TextIO | None = None,
) -> Iterator[T]:
    """Yield ``items`` while drawing progress; ``total`` defaults to len(items) when known."""
    if total is None and isinstance(items, Sized):
        total = len(items)
    with Progress(total, label, quiet=quiet, stream=stream) as bar:
        for item in items:
            yield item
            bar.advance()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
