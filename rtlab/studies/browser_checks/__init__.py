"""What only a browser shows, measured in headless Chromium.

The Python clients speak each protocol; they cannot say what a browser's own
`EventSource`, `WebSocket`, `fetch()` and iframes do with it. Each check here
opens a blank page served by the lab (`/static/probe.html`, with the small
recorder in `/static/probe.js`, so the page is same-origin with its lab),
drives plain browser APIs in it with no reconnect or resume code of its own,
and returns a `CheckResult`: summary `figures` (a dict) and a `table`
(one row per event or connection, times in ms from the check's start, on the
page's clock).

- `eventsource_reconnect`: a plain `new EventSource(url)` against a lab that
  cuts every connection after each `drop_every`-th message: what arrived, the
  reconnects, the Last-Event-ID each resumed from, the delay against the
  announced `retry:`; and a plain `new WebSocket(url)` cut the same way. Its
  figures include `browser_eventsource_recovered` and `browser_ws_recovered`,
  the two `rtlab.studies.claims.rule_sse_reconnect` waits for (`claim_figures`).
- `connection_limit`: seven EventSources to one origin over HTTP/1.1 (the
  lab speaks nothing else): six open, the seventh waits until one closes, and
  so does a plain `fetch()`; another host name or port for the same server,
  and WebSockets, are not held back.
- `cors`: a page on one origin opens an EventSource and a `fetch()` to a lab
  on another, without and with the page's origin in the lab's `cors_origins`.
- `iframe_order`: a forever iframe calling `parent.fn(envelope)`, with data
  that tries to break out of its `<script>`: every call, in order, intact.
- `eventsource_failures`: a plain EventSource cut 1 s into a stream, and cut
  with its reconnect answered 503: whether it recovers from each, its
  reconnects and its readyState at the end.
- `eventsource_cache`: the SSE stream with and without `Cache-Control:
  no-cache`: each event's delivery latency and the missed ones, and whether a
  second page's EventSource on the same URL is answered from anything stored.
- `eventsource_push`: one EventSource while messages flow: the requests the
  server received after the first, and each event's latency on loopback.
- `iframe_loading`: a page with the forever iframe in its markup while
  messages flow, then the server ends the stream: when the page's `load`
  fired, and the page's and the iframe's readyState sampled over time.
- `ws_origin`: a page on one origin opens a WebSocket to a lab on another port
  (no CORS headers) accepting any Origin and to one with its default Origin
  check, and `fetch()`es the first's `/poll` without CORS: what opened, what
  was delivered, the Origin the browser sent, what reached each server.

Each check is a coroutine taking a Playwright `Browser` (from
`rtlab.studies.browser.launch()`) and, where it can use one, a running `Lab` (else it
starts its own with the settings it needs); each uses its own browser context,
so no connection pool is shared between checks. `run(check, **options)` runs
one from synchronous code (a script or a notebook cell) with its own browser;
`run_all()` runs the first four (`CHECKS`, a few seconds) in one browser. The
next three take 5-35 s each, measure claims (`rtlab.studies.claims`) and are
run as `run(eventsource_cache, messages=5)`; so is `run(ws_origin)` (a
second or two), which measures claims too.

    async with launch() as browser:
        result = await eventsource_reconnect(browser, messages=20, drop_every=5)
    result.figures["reconnects"], result.table

A package, one module per subject (`reconnect`, `connections`, `origins`,
`iframes`, `failures`, `delivery`, `ws_origin`) over the probe page's driver (`probe`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rtlab.aio import run_sync
from rtlab.studies.browser import launch
from rtlab.studies.browser_checks.connections import connection_limit
from rtlab.studies.browser_checks.delivery import eventsource_cache, eventsource_push
from rtlab.studies.browser_checks.failures import eventsource_failures
from rtlab.studies.browser_checks.iframe_loading import iframe_loading
from rtlab.studies.browser_checks.iframes import IFRAME_DATA, iframe_order
from rtlab.studies.browser_checks.origins import cors
from rtlab.studies.browser_checks.poll_connections import poll_connections
from rtlab.studies.browser_checks.probe import PROBE_PAGE, CheckResult
from rtlab.studies.browser_checks.reconnect import claim_figures, eventsource_reconnect
from rtlab.studies.browser_checks.ws_origin import ws_origin

__all__ = [
    "CHECKS",
    "IFRAME_DATA",
    "PROBE_PAGE",
    "CheckResult",
    "claim_figures",
    "connection_limit",
    "cors",
    "eventsource_cache",
    "eventsource_failures",
    "eventsource_push",
    "eventsource_reconnect",
    "iframe_loading",
    "iframe_order",
    "poll_connections",
    "run",
    "run_all",
    "ws_origin",
]

Check = Callable[..., Awaitable[CheckResult]]
CHECKS: dict[str, Check] = {
    "eventsource_reconnect": eventsource_reconnect,
    "connection_limit": connection_limit,
    "cors": cors,
    "iframe_order": iframe_order,
}


def run(check: Check | str, **options: Any) -> CheckResult:
    """Run one check from synchronous code, in its own headless Chromium."""
    chosen = CHECKS[check] if isinstance(check, str) else check

    async def main() -> CheckResult:
        async with launch() as browser:
            return await chosen(browser, **options)

    return run_sync(main())


def run_all() -> dict[str, CheckResult]:
    """Every check with its default options, one after another in one browser."""

    async def main() -> dict[str, CheckResult]:
        async with launch() as browser:
            return {name: await check(browser) for name, check in CHECKS.items()}

    return run_sync(main())
