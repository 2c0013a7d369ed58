"""Seed 003: "IE、Morzilla Firefox 下端的进度栏都会显示加载没有完成" (with a forever
iframe, the progress bar at the bottom of IE and Firefox shows the page as still
loading).

Measured in headless Chromium (IE and Firefox are not available here;
`rtlab.studies.browser_checks.iframe_loading`): a page on the lab's origin with
rtlab's forever iframe (`/iframe/{topic}`) in its markup, MESSAGES published at
one per INTERVAL_S (QUICK_MESSAGES in quick mode), then the lab is stopped,
which ends the stream cleanly. Recorded in the page: when its `load` event
fired, and the page's and the iframe document's readyState every 50 ms. A
headless browser draws no progress bar; what drives it is the page's load,
which waits for every iframe in it, so that load event and the iframe's
readyState stand for it.

Rule (thresholds are the constants below):
- holds if the page's load event does not fire while the stream is open and
  the iframe's document is 'loading' in at least LOADING_SHARE (95 %) of the
  samples from the first message to the end of the stream;
- does not hold if the load event fires within FIRES_SOON_MS (1 s) of the
  first message;
- depends otherwise (it fires while the stream is open but later than that,
  or it does not fire but the iframe's document is not kept 'loading').
When the load fires after the stream ends is reported, not judged. Without
Chromium, or if the iframe delivered no message: "not testable here".
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rtlab.studies.claims.base import Measurement, num
from rtlab.studies.claims.in_browser import NEEDS_CHROMIUM, browser_check

__all__ = ["measure_iframe_loading", "rule_iframe_loading"]

MESSAGES = 10
QUICK_MESSAGES = 4
INTERVAL_S = 1.0
AFTER_END_S = 3.0  # how long the page is watched after the stream ends
LOADING_SHARE = 0.95  # of the samples while open the iframe is 'loading': holds
FIRES_SOON_MS = 1000.0  # load within this of the first message: does not hold
FIGURES = (
    "published",
    "messages_received",
    "first_message_ms",
    "open_ms",
    "end_ms",
    "load_fired_while_open",
    "load_after_first_ms",
    "load_after_end_ms",
    "frame_load_after_end_ms",
    "samples_open",
    "iframe_loading_share",
    "page_complete_share",
    "iframe_complete_after_end",
    "after_end_s",
)
SERIES = ("sample_ms", "page_state", "frame_state", "message_ms", "load_ms", "frame_load_ms")


async def measure_iframe_loading(quick: bool) -> Measurement:
    """The check in Chromium; no figures without it."""
    messages = QUICK_MESSAGES if quick else MESSAGES
    figures = await browser_check(
        "iframe_loading", messages=messages, interval=INTERVAL_S, after_end=AFTER_END_S
    )
    if figures is None:
        return Measurement({})
    measured = {name: float(figures[name]) for name in FIGURES}
    series = {name: [float(v) for v in figures[name]] for name in SERIES}
    return Measurement(measured, series)


def rule_iframe_loading(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    if not figures:
        return NEEDS_CHROMIUM
    received = figures["messages_received"]
    share = figures["iframe_loading_share"]
    load_after_first = figures["load_after_first_ms"]
    stream = (
        f"In Chromium, a page with rtlab's forever iframe received {num(received)} of "
        f"{num(figures['published'])} messages at one per {num(INTERVAL_S)} s"
    )
    if received == 0:
        return "not testable here", f"{stream}: the stream never delivered, so nothing to judge."
    open_s = figures["open_ms"] / 1000
    if figures["load_fired_while_open"] == 1:
        verdict = "does not hold" if load_after_first <= FIRES_SOON_MS else "depends"
        while_open = (
            f"its load event fired {num(load_after_first)} ms after the first message, with "
            f"the stream still open (limit for 'does not hold': {num(FIRES_SOON_MS)} ms)"
        )
    else:
        verdict = "holds" if share >= LOADING_SHARE else "depends"
        while_open = f"its load event did not fire in the {num(open_s)} s the stream was open"
    after_end = figures["load_after_end_ms"]
    if math.isnan(after_end):
        ended = (
            f"the load event never fired, even in the {num(figures['after_end_s'])} s after "
            "the server ended the stream"
        )
    elif after_end < 0:
        ended = "the load event came before the server ended the stream"
    else:
        ended = f"the load event fired {num(after_end)} ms after the server ended the stream"
    evidence = (
        f"{stream}; {while_open}, and the iframe's document was 'loading' in "
        f"{num(100 * share)} % of the {num(figures['samples_open'])} samples meanwhile "
        f"('holds' needs {num(100 * LOADING_SHARE)} %); {ended}."
    )
    return verdict, evidence
