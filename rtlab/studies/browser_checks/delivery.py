"""How a plain EventSource is fed while connected: the latency of each event
from the server's publish time (the envelope's `ts`) to the page's
`onmessage` (the probe page's clock; both are this machine's clock), on
loopback, and what the page and the server did meanwhile.

- `eventsource_cache`: the same stream served with and without
  `Cache-Control: no-cache` (the lab's `no_cache` setting), at once, each on
  its own lab; then, for each, a second page in the same browser context opens
  an EventSource on the same URL, to see whether anything (the HTTP cache)
  answers it from stored data before the next publish.
- `eventsource_push`: one EventSource while messages flow: the SSE requests
  the server received after the first, and the page's errors and reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from rtlab.lab import Lab
from rtlab.runs.schedule import Schedule
from rtlab.runs.stats import median, percentile
from rtlab.studies.browser_checks.probe import (
    CheckResult,
    Probe,
    fresh_topic,
    probe_page,
    rows,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser

__all__ = ["CACHE_CASES", "eventsource_cache", "eventsource_push", "latencies"]

#: The cache cases, with the lab's `no_cache` setting for each.
CACHE_CASES = {"with": True, "without": False}
SECOND_LOOK = 0.5  # s the second page's EventSource is watched before the next publish


def latencies(log: list[dict[str, Any]]) -> dict[int, float]:
    """Per distinct seq the page got: receive time (page clock) minus the envelope's
    `ts` (server publish time), in ms; the first delivery of each seq counts."""
    got: dict[int, float] = {}
    for record in log:
        if record["kind"] == "message":
            envelope = json.loads(record["data"])
            got.setdefault(int(envelope["seq"]), record["t"] - float(envelope["ts"]))
    return got


def _latency_figures(got: dict[int, float], published: int) -> dict[str, Any]:
    values = list(got.values())
    return {
        "published": published,
        "received": len(got),
        "missed": published - len(set(got) & set(range(1, published + 1))),
        "latency_n": len(values),
        "latency_p50_ms": round(median(values), 2),
        "latency_p90_ms": round(percentile(values, 90), 2),
        "latency_max_ms": round(max(values, default=float("nan")), 2),
        "latency_ms": [round(v, 2) for v in values],
    }


async def _wait_messages(probe: Probe, n: int, what: str) -> None:
    """Until the page's EventSource has `n` messages; no error if it never does."""
    with contextlib.suppress(TimeoutError):
        await probe.wait_count(["es"], "message", n, what)


async def eventsource_cache(
    browser: Browser, *, messages: int = 30, interval: float = 1.0
) -> CheckResult:
    """Both cases at once (see the module). Figures per case as `CASE_NAME`
    (`with_...`, `without_...`): `cache_control` (1.0 when the response said
    `no-cache`), `published`, `received`, `missed`, `latency_n`,
    `latency_p50_ms`, `latency_p90_ms`, `latency_max_ms`, `latency_ms` (per
    event); for the second page: `second_replayed` (messages it got before
    the next publish: anything stored answering it) and `second_got_next`
    (1.0 when it got the next publish live). Also `interval_s`."""
    results = await asyncio.gather(
        *(_cache_case(browser, no_cache, messages, interval) for no_cache in CACHE_CASES.values())
    )
    figures: dict[str, Any] = {"interval_s": interval}
    tables = []
    for case, (case_figures, table) in zip(CACHE_CASES, results, strict=True):
        figures |= {f"{case}_{name}": value for name, value in case_figures.items()}
        tables.append(table.assign(case=case))
    table = pd.concat(tables, ignore_index=True).sort_values("t", kind="stable", ignore_index=True)
    return CheckResult("eventsource_cache", figures, table)


async def _cache_case(
    browser: Browser, no_cache: bool, messages: int, interval: float
) -> tuple[dict[str, Any], pd.DataFrame]:
    topic = fresh_topic("browser-cache")
    url = f"/sse/{topic}"
    async with Lab(no_cache=no_cache) as lab, probe_page(browser, lab) as probe:
        async with probe.page.expect_response(lambda r: r.url.endswith(url)) as answer:
            await probe.call("eventSource", "es", url)
        header = (await answer.value).headers.get("cache-control")
        await probe.wait_count(["es"], "open", 1, "the EventSource")
        async for tick in Schedule.every(interval, messages):
            await lab.apublish(topic, {"i": tick.index})
        await _wait_messages(probe, messages, "every message")
        log = await probe.log("es")
        second = await _second_look(probe, lab, topic, url)
        t0 = probe.t0
    figures = {"cache_control": float(header == "no-cache")}
    figures |= _latency_figures(latencies(log), messages) | second
    return figures, pd.DataFrame(rows(log, t0, page="first"))


async def _second_look(probe: Probe, lab: Lab, topic: str, url: str) -> dict[str, float]:
    """A second page in the first one's browser context opens an EventSource on the
    same URL: what it gets before the next publish, and whether it gets that one."""
    page = await probe.page.context.new_page()
    try:
        await page.goto(probe.page.url)
        second = Probe(page)
        await second.call("eventSource", "es", url)
        await second.wait_count(["es"], "open", 1, "the second page's EventSource")
        await asyncio.sleep(SECOND_LOOK)
        replayed = await second.call("count", "es", "message")
        await lab.apublish(topic, {"i": "next"})
        await _wait_messages(second, int(replayed) + 1, "the next message")
        got = await second.call("count", "es", "message")
    finally:
        await page.close()
    return {"second_replayed": float(replayed), "second_got_next": float(got > replayed)}


async def eventsource_push(
    browser: Browser,
    *,
    messages: int = 150,
    rate: float = 20.0,
    lab_options: Mapping[str, Any] | None = None,
) -> CheckResult:
    """One EventSource on a fresh lab (made with `lab_options`, e.g.
    `{"drop_every": 1}` for a server that ends the response after each event)
    while `messages` are published at `rate` per second, from when it is open.
    Figures: `published`, `received`,
    `missed`, `latency_n`, `latency_p50_ms`, `latency_p90_ms`,
    `latency_max_ms`, `latency_ms` (per event, loopback); `requests_at_open`
    (SSE requests the server had when the page's EventSource was open),
    `requests_while_flowing` (those it received after, until the last
    message arrived), `errors` and `reconnects` (open events after the first)
    in the page; `rate`, `seconds` (of publishing)."""
    topic = fresh_topic("browser-push")
    async with Lab(**(lab_options or {})) as lab, probe_page(browser, lab) as probe:
        await probe.call("eventSource", "es", f"/sse/{topic}")
        await probe.wait_count(["es"], "open", 1, "the EventSource")
        at_open = lab.metrics()["sse"]["requests"]
        schedule = Schedule(rate, messages)
        loop = asyncio.get_running_loop()
        start = loop.time()
        async for tick in schedule:
            await lab.apublish(topic, {"i": tick.index})
        seconds = loop.time() - start
        await _wait_messages(probe, messages, "every message")
        after = lab.metrics()["sse"]["requests"]
        log = await probe.log("es")
        t0 = probe.t0
    figures = _latency_figures(latencies(log), messages) | {
        "requests_at_open": at_open,
        "requests_while_flowing": after - at_open,
        "errors": sum(r["kind"] == "error" for r in log),
        "reconnects": sum(r["kind"] == "open" for r in log) - 1,
        "rate": rate,
        "seconds": round(seconds, 2),
    }
    return CheckResult("eventsource_push", figures, pd.DataFrame(rows(log, t0)))
