"""What browsers allow an EventSource, measured in headless Chromium with the
browser checks (`rtlab.studies.browser_checks`): seed 004's "SSE不支持CORS" and
seed 002's six connections per host over HTTP/1.1.

Both need Chromium; without it the measurement has no figures and the rule
says "not testable here" with the reason.

`sse_no_cors` rule (the `cors` check: a page on one origin opens an
EventSource to a lab on another port, once without and once with the page's
origin in the lab's CORS allow-list):
- holds if the cross-origin EventSource gets no message even when the server
  allows the page's origin;
- does not hold if it gets the messages when allowed (and none when not);
- depends otherwise (e.g. it got messages without the allowance too).

`sse_six_connections` rule (the `connection_limit` check: `streams` (7)
EventSources to one origin over HTTP/1.1, then WebSockets beside six open
streams):
- holds if exactly 6 open at once, the rest wait until the page closes one,
  and every WebSocket opens beside the six streams;
- does not hold if more than 6 open at once, or the WebSockets are held back
  too;
- depends otherwise (a limit other than 6), giving the counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rtlab.studies.claims.base import Measurement, num
from rtlab.studies.claims.in_browser import NEEDS_CHROMIUM, browser_check

__all__ = [
    "measure_sse_no_cors",
    "measure_sse_six_connections",
    "rule_sse_no_cors",
    "rule_sse_six_connections",
]


async def measure_sse_no_cors(quick: bool) -> Measurement:
    """The cross-origin EventSource's messages and errors, refused and allowed."""
    figures = await browser_check("cors")
    if figures is None:
        return Measurement({})
    measured = {"published": float(figures["published"])}
    for case in ("refused", "allowed"):
        for name in ("es_messages", "es_errors", "es_opened", "server_sse_messages_sent"):
            measured[f"{case}_{name}"] = float(figures[f"{case}_{name}"])
    return Measurement(measured)


def rule_sse_no_cors(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    if not figures:
        return NEEDS_CHROMIUM
    refused, allowed = figures["refused_es_messages"], figures["allowed_es_messages"]
    if allowed == 0:
        verdict = "holds"
    elif refused == 0:
        verdict = "does not hold"
    else:
        verdict = "depends"
    evidence = (
        f"In Chromium, a page's EventSource to another origin got {num(allowed)} of "
        f"{num(figures['published'])} messages when the server's CORS allow-list named the "
        f"page ({num(figures['allowed_es_errors'])} errors), and {num(refused)} when it did "
        f"not ({num(figures['refused_es_errors'])} errors), although the server sent "
        f"{num(figures['refused_server_sse_messages_sent'])}: the browser, not SSE, withholds "
        "a response the server did not allow."
    )
    return verdict, evidence


async def measure_sse_six_connections(quick: bool) -> Measurement:
    """EventSources open at once to one origin, those that waited, and WebSockets."""
    figures = await browser_check("connection_limit")
    if figures is None:
        return Measurement({})
    names = (
        "streams",
        "opened_at_once",
        "waiting_after_hold",
        "waited_for_close",
        "websockets",
        "websockets_open_with_six_streams",
        "eventsources_open_beside_websockets",
        "other_origins_waited",
    )
    measured = {name: float(figures[name]) for name in names}
    after = [float(ms) for ms in figures["open_after_close_ms"]]
    measured["open_after_close_ms"] = max(after) if after else math.nan
    return Measurement(measured)


def rule_sse_six_connections(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    if not figures:
        return NEEDS_CHROMIUM
    at_once, streams = figures["opened_at_once"], figures["streams"]
    sockets, beside = figures["websockets"], figures["websockets_open_with_six_streams"]
    waited = figures["waited_for_close"] == streams - at_once
    if at_once > 6 or beside < sockets:
        verdict = "does not hold"
    elif at_once == 6 and waited and beside == sockets:
        verdict = "holds"
    else:
        verdict = "depends"
    evidence = (
        f"In Chromium over HTTP/1.1, {num(at_once)} of {num(streams)} EventSources to one "
        f"origin opened at once and {num(figures['waited_for_close'])} opened only after the "
        f"page closed one (within {num(figures['open_after_close_ms'])} ms of it); with "
        f"{num(figures['eventsources_open_beside_websockets'])} streams open, {num(beside)} "
        f"of {num(sockets)} WebSockets to the same origin opened without waiting, and "
        f"{num(figures['other_origins_waited'])} EventSources to another host name or port "
        "waited."
    )
    return verdict, evidence
