"""`rtlab.runs.progress`: bars that redraw at most once a second."""

from __future__ import annotations

import time

from rtlab.runs.progress import REDRAW_S, progress_bar
from tests.conftest import RecordedBar


def test_a_bar_redraws_at_most_once_a_second(bars: list[RecordedBar]) -> None:
    with progress_bar(total=500, desc="publishing") as bar:
        for _ in range(500):
            bar.update(1)
            time.sleep(0.001)  # about 0.6 s of updates: tqdm's default would redraw ~6 times
    (made,) = bars
    assert made.mininterval == REDRAW_S == 1.0
    frames = made.fp.getvalue().split("\r")
    # the first draw, at most one in between, and the final one on close
    assert 2 <= len([f for f in frames if f]) <= 3, frames
    assert frames[-1].startswith("publishing: 100%") and "500/500" in frames[-1]
