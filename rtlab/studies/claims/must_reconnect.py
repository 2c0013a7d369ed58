"""Seed 002: "这就需要客户端实现重连逻辑来保持连接的持久性" (when an SSE connection
drops, the client must implement reconnection itself; the same seed's table
says SSE reconnects automatically).

Measured in headless Chromium with a plain `new EventSource(url)` and no
reconnect code in the page (`rtlab.studies.browser_checks.eventsource_failures`),
in two cases at once, each on its own lab, at 20 msg/s on loopback (no
emulator sits in front of a browser), `retry: 1000`:

- cut: the server cuts the connection after message 20 (1 s into the
  stream; `drop_every`, so again after every further 20th);
- error: the same cut, and the reconnect is answered `503` with a JSON error
  (`reject_resumes=1`: only that first reconnect; a second try would be served).

Per case: recovered (anything published after the cut arrived), reconnects,
readyState at the end, messages got against published, over WAIT_S seconds
after the cut (QUICK_WAIT_S in quick mode).

Rule (thresholds are the constants below):
- holds if the plain EventSource stays down (nothing after the cut) in both
  cases for the whole wait;
- does not hold if it recovers from both on its own;
- depends if it recovers from one and not the other, naming which.
Without Chromium: "not testable here".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rtlab.studies.claims.base import Measured, Measurement, num
from rtlab.studies.claims.in_browser import NEEDS_CHROMIUM, browser_check

__all__ = ["measure_sse_client_must_reconnect", "rule_sse_client_must_reconnect"]

RATE = 20.0  # messages/s
CUT_AFTER = 20  # the server cuts after this message: 1 s into the stream at RATE
WAIT_S = 10.0  # s after the cut each case has to recover
QUICK_WAIT_S = 3.0
RETRY_MS = 1000  # the lab's `retry:`, what the EventSource waits before reconnecting
CASES = ("cut", "error")
PER_CASE = (
    "published",
    "received",
    "received_after_cut",
    "recovered",
    "errors",
    "reconnects",
    "ready_state",
    "server_requests",
    "server_rejected",
    "recovered_after_ms",
)
STATE_NAMES = {0: "CONNECTING", 1: "OPEN", 2: "CLOSED"}


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


async def measure_sse_client_must_reconnect(quick: bool) -> Measurement:
    """Both cases in Chromium; no figures without it."""
    wait = QUICK_WAIT_S if quick else WAIT_S
    figures = await browser_check(
        "eventsource_failures", rate=RATE, cut_after=CUT_AFTER, wait=wait, retry_ms=RETRY_MS
    )
    if figures is None:
        return Measurement({})
    measured: Measured = {
        f"{case}_{name}": _float(figures[f"{case}_{name}"]) for case in CASES for name in PER_CASE
    }
    measured |= {name: float(figures[name]) for name in ("rate", "cut_after", "retry_ms")}
    measured["wait_s"] = float(figures["wait_s"])
    return Measurement(measured)


def _case_text(figures: Mapping[str, float], case: str) -> str:
    state = figures[f"{case}_ready_state"]
    name = STATE_NAMES.get(int(state), "?") if not math.isnan(state) else "?"
    if figures[f"{case}_recovered"] >= 1:
        outcome = (
            f"recovered by itself ({num(figures[f'{case}_received_after_cut'])} messages after "
            f"the cut, the first {num(figures[f'{case}_recovered_after_ms'])} ms after its error)"
        )
    else:
        outcome = "stayed down (nothing after the cut)"
    return (
        f"{outcome}, got {num(figures[f'{case}_received'])} of "
        f"{num(figures[f'{case}_published'])} messages with "
        f"{num(figures[f'{case}_reconnects'])} reconnects and ended {name} "
        f"(readyState {num(state)})"
    )


def rule_sse_client_must_reconnect(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    if not figures:
        return NEEDS_CHROMIUM
    cut, error = (figures[f"{case}_recovered"] >= 1 for case in CASES)
    if cut and error:
        verdict = "does not hold"
    elif not cut and not error:
        verdict = "holds"
    else:
        verdict = "depends"
    which = (
        " It recovers from a cut connection but not from an error status: that one needs "
        "the page's own reconnect code."
        if cut and not error
        else " It recovers from the error status but not from a cut connection."
        if error and not cut
        else ""
    )
    evidence = (
        f"In Chromium, over the {num(figures['wait_s'])} s after the server cut it after "
        f"message {num(figures['cut_after'])} of a {num(figures['rate'])} msg/s stream "
        f"(and after every {num(figures['cut_after'])}th since; retry: "
        f"{num(figures['retry_ms'])} ms), a plain EventSource with no reconnect code "
        f"{_case_text(figures, 'cut')}; when its reconnect was answered HTTP 503 "
        f"({num(figures['error_server_rejected'])} refused, the server would have served the "
        f"next), it {_case_text(figures, 'error')}.{which}"
    )
    return verdict, evidence
