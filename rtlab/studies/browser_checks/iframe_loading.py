"""Does a forever iframe keep its page loading? The page's `load` event and the
readyStates of the page and of the iframe's document while the stream is open,
and after the server ends it.

The page is served on the lab's own origin (Playwright answers one URL of the
lab, `LOADING_PAGE`, with the markup below; everything else, the iframe's
`/iframe/{topic}` included, goes to the lab), so the iframe's document is
same-origin and its readyState readable. Unlike the probe page, whose `load`
has fired before a check adds its iframe, this page has the forever iframe in
its markup: a browser's page `load` waits for the iframes in it, and the
progress bar is tied to that load.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from rtlab.env import timeout_factor
from rtlab.lab import Lab
from rtlab.runs.schedule import Schedule
from rtlab.studies.browser_checks.probe import WAIT, CheckResult, fresh_topic

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

__all__ = ["LOADING_PAGE", "STATES", "iframe_loading"]

LOADING_PAGE = "/static/iframe-loading.html"
SAMPLE_MS = 50  # the page samples both readyStates this often (and on every change)
#: readyState as a number for the series: no document yet is -1.
STATES = {"loading": 0.0, "interactive": 1.0, "complete": 2.0}

# Times are performance.now(): ms since the page's navigation started.
_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>rtlab iframe loading</title>
<link rel="icon" href="data:,">
<script>
"use strict";
(() => {
  const rec = { loads: [], frameLoads: [], calls: [], samples: [] };
  window.rec = rec;
  window.probeCall = (envelope) =>
    rec.calls.push({ t: performance.now(), type: envelope.type, seq: envelope.seq ?? null });
  window.addEventListener("load", () => { rec.loads.push(performance.now()); sample(); });
  const sample = () => {
    const frame = document.getElementById("frame");
    let inner = null;
    try {
      inner = frame && frame.contentDocument ? frame.contentDocument.readyState : null;
    } catch (error) {
      inner = "unreadable";
    }
    rec.samples.push({ t: performance.now(), page: document.readyState, frame: inner });
  };
  rec.sample = sample;
  rec.timer = setInterval(sample, SAMPLE_MS);
  document.addEventListener("readystatechange", sample);
  sample();
})();
</script></head><body>
<iframe id="frame" src="SRC"
  onload="rec.frameLoads.push(performance.now()); rec.sample()"></iframe>
</body></html>
"""


_RECEIVED = "([n]) => rec.calls.filter((c) => c.type === 'message').length >= n"
_COLLECT = (
    "() => { clearInterval(rec.timer); rec.sample(); "
    "const { timer, sample, ...rest } = rec; return rest; }"
)


async def iframe_loading(
    browser: Browser,
    *,
    messages: int = 10,
    interval: float = 1.0,
    after_end: float = 3.0,
) -> CheckResult:
    """A page on a lab of its own with the forever iframe
    `/iframe/{topic}?after=0&callback=probeCall` in its markup; `messages`
    published every `interval` seconds; then the lab is stopped, which ends
    every open stream cleanly (the hub closes its topics, the iframe response
    gets its chunked terminator), and the page is watched `after_end` seconds
    more (or until `load` fires).

    Figures (ms on the page's clock; nan: never): `published`,
    `messages_received`, `first_message_ms`, `open_ms` (first message to the
    end), `load_fired_while_open` (1/0), `load_after_first_ms`,
    `load_after_end_ms` (negative if before the end), `frame_load_after_end_ms`
    (the iframe element's own load), `iframe_loading_share` and
    `page_complete_share` (of the `samples_open` samples from the first message
    to the end: the iframe's document 'loading', the page's 'complete'),
    `iframe_complete_after_end` (1/0, the last sample), `after_end_s`; and
    lists for a timeline: `sample_ms` with `page_state` and `frame_state`
    (`STATES`: 0 loading, 1 interactive, 2 complete, -1 no document),
    `message_ms`, `load_ms`, `frame_load_ms`.
    """
    topic = fresh_topic("iframe-loading")
    async with Lab() as lab:
        context = await browser.new_context()
        try:
            page = await context.new_page()
            src = f"/iframe/{topic}?after=0&amp;callback=probeCall"
            markup = _PAGE.replace("SAMPLE_MS", str(SAMPLE_MS)).replace("SRC", src)
            await page.route(
                lab.url + LOADING_PAGE,
                lambda route: route.fulfill(content_type="text/html; charset=utf-8", body=markup),
            )
            await page.goto(lab.url + LOADING_PAGE, wait_until="commit")
            async for tick in Schedule.every(interval, messages):
                await lab.apublish(topic, {"i": tick.index})
            await _wait(page, _RECEIVED, n=messages)
            end_ms = float(await page.evaluate("performance.now()"))
            await lab.astop()  # ends the stream; leaving the block stops nothing more
            await _wait(page, "() => rec.loads.length > 0", timeout=after_end, required=False)
            record: dict[str, Any] = await page.evaluate(_COLLECT)
        finally:
            await context.close()
    return _result(record, messages, end_ms, after_end)


async def _wait(
    page: Page, condition: str, *, n: int = 0, timeout: float = WAIT, required: bool = True
) -> None:
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.wait_for_function(
            condition, arg=[n], timeout=timeout * timeout_factor() * 1000, polling=10
        )
    except PlaywrightTimeout:
        if required:
            raise TimeoutError(f"timed out waiting for {condition}") from None


def _result(record: dict[str, Any], published: int, end_ms: float, after_end: float) -> CheckResult:
    calls = [c for c in record["calls"] if c["type"] == "message"]
    first = float(calls[0]["t"]) if calls else math.nan
    load = float(record["loads"][0]) if record["loads"] else math.nan
    frame_load = float(record["frameLoads"][0]) if record["frameLoads"] else math.nan
    samples = record["samples"]
    open_samples = [s for s in samples if first <= s["t"] < end_ms]
    figures: dict[str, Any] = {
        "published": published,
        "messages_received": len(calls),
        "first_message_ms": round(first, 1),
        "open_ms": round(end_ms - first, 1),
        "end_ms": round(end_ms, 1),
        "load_fired_while_open": int(load < end_ms),
        "load_after_first_ms": round(load - first, 1),
        "load_after_end_ms": round(load - end_ms, 1),
        "frame_load_after_end_ms": round(frame_load - end_ms, 1),
        "samples_open": len(open_samples),
        "iframe_loading_share": _share(open_samples, "frame", "loading"),
        "page_complete_share": _share(open_samples, "page", "complete"),
        "iframe_complete_after_end": int(bool(samples) and samples[-1]["frame"] == "complete"),
        "after_end_s": after_end,
        # the series a plot draws
        "sample_ms": [float(s["t"]) for s in samples],
        "page_state": [STATES.get(s["page"], -1.0) for s in samples],
        "frame_state": [STATES.get(s["frame"], -1.0) for s in samples],
        "message_ms": [float(c["t"]) for c in calls],
        "load_ms": [float(t) for t in record["loads"]],
        "frame_load_ms": [float(t) for t in record["frameLoads"]],
    }
    return CheckResult("iframe_loading", figures, _table(record, calls, end_ms))


def _share(samples: list[dict[str, Any]], key: str, state: str) -> float:
    """The fraction of `samples` whose `key` readyState is `state` (nan: no samples)."""
    if not samples:
        return math.nan
    return round(float(sum(s[key] == state for s in samples)) / len(samples), 3)


def _table(record: dict[str, Any], calls: list[dict[str, Any]], end_ms: float) -> pd.DataFrame:
    samples = record["samples"]
    return pd.DataFrame(
        [{"t": s["t"], "kind": "sample", "page": s["page"], "frame": s["frame"]} for s in samples]
        + [{"t": c["t"], "kind": "message", "seq": c["seq"]} for c in calls]
        + [{"t": t, "kind": "load"} for t in record["loads"]]
        + [{"t": t, "kind": "iframe load"} for t in record["frameLoads"]]
        + [{"t": end_ms, "kind": "end"}]
    ).sort_values("t", ignore_index=True)
