"""Seed 002: "必须指定浏览器`不缓存`服务端发送的数据，以确保浏览器可以实时显示服务端
发送的数据" (an SSE response must tell the browser not to cache it, or events
will not show in real time).

Measured in headless Chromium (`rtlab.studies.browser_checks.eventsource_cache`):
a plain EventSource on the lab's SSE stream served with `Cache-Control:
no-cache` (the lab's default) and without it (`no_cache=False`), both at once,
each on its own lab, MESSAGES at one per INTERVAL_S on loopback (QUICK_MESSAGES
in quick mode). Per case: each event's delivery latency, from the server's
publish time (the envelope's `ts`) to the page's `onmessage` (the page's clock,
the same machine clock), its median and the events missed; and a second page
in the same browser context opening an EventSource on the same URL, to see
whether anything stored answers it before the next publish. No proxy or
other cache sits on loopback: only the browser's own HTTP cache could act.

Rule (thresholds are the constants below):
- holds if without no-cache the median comes LATE_MS (100 ms) or more later
  than with it, or some events are missed, or the second page is answered
  from stored data;
- does not hold if both cases deliver every event and their medians are
  within SAME_MS (10 ms) of each other;
- depends otherwise.
Without Chromium: "not testable here".
"""

from __future__ import annotations

from collections.abc import Mapping

from rtlab.studies.claims.base import Measured, Measurement, Series, num
from rtlab.studies.claims.in_browser import NEEDS_CHROMIUM, browser_check

__all__ = ["measure_sse_no_cache", "rule_sse_no_cache"]

MESSAGES = 30
QUICK_MESSAGES = 8
INTERVAL_S = 1.0
LATE_MS = 100.0  # without no-cache this much later (median) or more: holds
SAME_MS = 10.0  # medians within this of each other and nothing missed: does not hold
CASES = ("with", "without")
PER_CASE = (
    "cache_control",
    "published",
    "received",
    "missed",
    "latency_n",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_max_ms",
    "second_replayed",
    "second_got_next",
)


async def measure_sse_no_cache(quick: bool) -> Measurement:
    """Both cases in Chromium; no figures without it."""
    messages = QUICK_MESSAGES if quick else MESSAGES
    figures = await browser_check("eventsource_cache", messages=messages, interval=INTERVAL_S)
    if figures is None:
        return Measurement({})
    measured: Measured = {
        f"{case}_{name}": float(figures[f"{case}_{name}"]) for case in CASES for name in PER_CASE
    }
    measured["interval_s"] = float(figures["interval_s"])
    series: Series = {
        f"{case}_latency_ms": [float(v) for v in figures[f"{case}_latency_ms"]] for case in CASES
    }
    return Measurement(measured, series)


def rule_sse_no_cache(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    if not figures:
        return NEEDS_CHROMIUM
    later = figures["without_latency_p50_ms"] - figures["with_latency_p50_ms"]
    missed = figures["without_missed"]
    replayed = figures["without_second_replayed"]
    if later >= LATE_MS or missed > 0 or replayed > 0:
        verdict = "holds"
    elif figures["with_missed"] == 0 and abs(later) <= SAME_MS:
        verdict = "does not hold"
    else:
        verdict = "depends"
    evidence = (
        f"In Chromium on loopback, {num(figures['with_published'])} events at one per "
        f"{num(figures['interval_s'])} s reached a plain EventSource with a median latency of "
        f"{num(figures['with_latency_p50_ms'])} ms (n={num(figures['with_latency_n'])}, "
        f"{num(figures['with_missed'])} missed) with Cache-Control: no-cache and "
        f"{num(figures['without_latency_p50_ms'])} ms (n={num(figures['without_latency_n'])}, "
        f"{num(missed)} missed) without it, {num(later)} ms apart; a second page opening the "
        f"same URL got {num(figures['with_second_replayed'])} and {num(replayed)} stored "
        f"events before the next publish (with and without), and "
        f"{num(figures['with_second_got_next'] + figures['without_second_got_next'])} of 2 "
        "got that one live."
    )
    return verdict, evidence
