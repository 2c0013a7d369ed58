"""Progress bars for long runs: tqdm.auto, redrawn at most once a second.

In a notebook every redraw of a tqdm bar is a widget message on the kernel's
output channel. At tqdm's default of ten redraws a second a 100 s experiment
sent about 1,400 of them, and a reader that is not draining the channel while
the cell runs (nbval waits for the cell's reply first) loses messages past
ZeroMQ's queue limit of 1,000, the kernel's "idle" among them, and reports a
timeout. One redraw a second is enough for a person and stays far below it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from tqdm.auto import tqdm

__all__ = ["REDRAW_S", "progress_bar"]

T = TypeVar("T")

REDRAW_S = 1.0  # at most one redraw of a bar per this many seconds


def progress_bar(iterable: Iterable[T] | None = None, **kwargs: Any) -> Any:
    """A `tqdm.auto` bar (over `iterable`, or with `total=`) that redraws every REDRAW_S."""
    return tqdm(iterable, mininterval=REDRAW_S, **kwargs)
