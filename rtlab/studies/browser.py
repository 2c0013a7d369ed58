"""Headless Chromium through Playwright for Python, for measuring real browsers.

The system Chromium (Debian package `chromium`, `/usr/bin/chromium`) is passed
to Playwright as `executable_path`: Playwright's own browser download is not
used. `chromium_path()` finds it (`RTLAB_CHROMIUM` overrides);
`BrowserUnavailable` says what is missing and how to get it, so tests and
notebooks can skip with that message.

    async with launch() as browser:
        page = await browser.new_page()
        await page.goto(lab.url)

`arun_browser()` (`run_browser()` from synchronous code) measures browser
clients the way `rtlab.studies.experiments` measures the Python ones and returns the
same `Result` frames:

    result = run_browser(lab, "sse", clients=8, messages=200, rate=50)
    (result + python_result).summary()

Each browser client is a client of the demo page (`static/demo.js`) without a
panel, made with `window.rtlab.spawn()`; its records carry the receive time the
page took (`performance.timeOrigin + performance.now()`), so latency is
measured inside the browser, with the same clock as the server's `ts`.

Connections: HTTP/1.1 gives a browser profile six connections per origin, and
a stream, iframe, SSE or long-poll client holds one for as long as it runs; a
seventh would wait for a free one. So the clients are placed five to a page,
each page in its own browser context (a profile of its own, with its own
connection pool), leaving every context a connection for the page's own
requests (the epoch look-up). The same placement is used for every technique,
so techniques are compared under the same conditions.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import secrets
import string
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import aiohttp
import pandas as pd

from rtlab.aio import run_sync
from rtlab.env import executable
from rtlab.lab import Lab
from rtlab.runs.rows import DELIVERY_TYPES
from rtlab.runs.schedule import Schedule
from rtlab.runs.store import environment
from rtlab.studies.experiments import Result, Scenario
from rtlab.techniques import TECHNIQUES

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

__all__ = [
    "PER_CONTEXT",
    "BrowserUnavailable",
    "arun_browser",
    "chromium_path",
    "launch",
    "run_browser",
]

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
INSTALL_HINT = (
    "install the Debian package 'chromium' (apt-get install chromium; `make test` does it "
    "when run as root) or set RTLAB_CHROMIUM to a Chromium or Chrome executable"
)
PER_CONTEXT = 5  # clients per page and browser context: HTTP/1.1 allows 6 connections


class BrowserUnavailable(RuntimeError):
    """No browser to drive: the message names what is missing."""


def chromium_path() -> str:
    """The Chromium executable to drive, or BrowserUnavailable."""
    try:
        found = executable("RTLAB_CHROMIUM", CANDIDATES, "chromium")
    except ValueError as exc:
        raise BrowserUnavailable(str(exc)) from None
    if found is None:
        raise BrowserUnavailable(f"no Chromium found: {INSTALL_HINT}")
    return found


@contextlib.asynccontextmanager
async def launch(headless: bool = True, **options: Any) -> AsyncIterator[Browser]:
    """A Playwright Chromium browser on the system Chromium, closed on exit."""
    try:
        from playwright.async_api import async_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dependency
        raise BrowserUnavailable("the Python package 'playwright' is not installed") from exc
    path = chromium_path()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=path, headless=headless, **options
        )
        try:
            yield browser
        finally:
            await browser.close()


# -- measuring browser clients ------------------------------------------------------

# Runs in the page: spawn `count` clients and return their keys.
_SPAWN = """({technique, count, options}) =>
    Array.from({length: count}, () => window.rtlab.spawn(technique, options))"""
# Runs in the page: true once every client's cursor has reached `seq`.
_REACHED = """({keys, seq}) => keys.every((k) => (window.rtlab.stats[k].lastSeq ?? -1) >= seq)"""
# Runs in the page: disconnect the clients and hand back what they recorded.
_COLLECT = """(keys) => keys.map((k) => {
    window.rtlab.disconnect(k);
    return {records: window.rtlab.records[k], stats: window.rtlab.stats[k]};
})"""


async def _reach(page: Page, keys: list[str], seq: int, timeout: float) -> bool:
    """Wait until every client in `page` has seq `seq`; False after `timeout` s."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.wait_for_function(
            _REACHED, arg={"keys": keys, "seq": seq}, polling=50, timeout=timeout * 1000
        )
    except PlaywrightTimeout:
        return False
    return True


Publisher = Callable[[str, Any], Awaitable[int]]


async def _http_publisher(
    stack: contextlib.AsyncExitStack, url: str, token: str | None
) -> Publisher:
    session = await stack.enter_async_context(aiohttp.ClientSession())
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def publish(topic: str, data: Any) -> int:
        async with session.post(f"{url}/publish/{topic}", json=data, headers=headers) as response:
            body = await response.json()
            if response.status != 201:
                raise RuntimeError(f"publish to {url} failed: {response.status} {body}")
            return int(body["seq"])

    return publish


async def arun_browser(
    lab: Lab | str | None = None,
    technique: str = "sse",
    *,
    clients: int = 1,
    messages: int = 100,
    rate: float = 100.0,
    topic: str | None = None,
    message_size: int = 64,
    poll_interval: float = 0.5,
    longpoll_timeout: float = 25.0,
    heartbeat: float | None = None,
    drop_every: int | None = None,
    token: str | None = None,
    browser: Browser | None = None,
    per_context: int = PER_CONTEXT,
    timeout: float = 30.0,
    label: str = "",
    seed: int = 0,
) -> Result:
    """Measure `clients` browser clients of `technique` receiving `messages` messages.

    `lab`: a running `Lab`, the URL of an rtlab server (publishing then goes
    through `POST /publish`, with `token` if one is set), or None to start a
    Lab for this run (`drop_every` then makes it cut every connection after
    each N-th message; SSE retry 250 ms). `heartbeat` is the server's heartbeat
    interval in seconds (a Lab's own by default, else 15): stream and iframe
    clients take a connection silent for three heartbeats for dead. `browser`
    reuses a browser from `launch()`; by default one is launched and closed.

    The clients start one message before a "ready" message, so each has it
    from history as soon as it is subscribed; once all have it, `messages`
    messages of `message_size` random letters are published at `rate` per
    second, and the run waits up to `timeout` seconds after the last for every
    client to have them all. The result has the frames of `rtlab.studies.experiments`
    (run 0; `runs.client_kind` is "browser", the scenario label defaults to
    "TECHNIQUE (browser)"); the ready message is not among the deliveries.
    Wire bytes are not counted (no relay sits in front of a browser), so
    `bytes_up`, `bytes_down` and `connections` are NaN.
    """
    _check(technique, clients, messages, rate, per_context, lab, drop_every)
    name = label or f"{technique} (browser)"
    topic = topic or f"browser-{technique}-{secrets.token_hex(4)}"
    async with contextlib.AsyncExitStack() as stack:
        lab, url, publish = await _server(stack, lab, drop_every, heartbeat, token)
        if isinstance(lab, Lab):
            heartbeat = heartbeat or lab.settings.heartbeat
        scenario = Scenario(
            technique,
            clients=clients,
            rate=rate,
            duration=messages / rate,
            message_size=message_size,
            poll_interval=poll_interval,
            longpoll_timeout=longpoll_timeout,
            heartbeat=heartbeat or 15.0,
            seed=seed,
            label=name,
        )
        if browser is None:
            browser = await stack.enter_async_context(launch())
        version = browser.version

        ready = await publish(topic, "ready")
        pages = await _spawn(stack, browser, url, scenario, per_context, topic, ready)
        await _connected(pages, ready, timeout)

        cpu_before = lab.server_cpu_seconds() if isinstance(lab, Lab) else math.nan
        await _publish(publish, topic, scenario, messages)
        last = ready + messages
        reached = await asyncio.gather(*(_reach(page, keys, last, timeout) for page, keys in pages))
        cpu = lab.server_cpu_seconds() - cpu_before if isinstance(lab, Lab) else math.nan
        collected = [c for page, keys in pages for c in await page.evaluate(_COLLECT, keys)]
        server = "thread" if isinstance(lab, Lab) else "url"

    deliveries = _deliveries(collected, scenario, topic, ready, last)
    run_row = _run_row(scenario, collected, deliveries, messages, cpu, server, all(reached))
    meta = {
        "scenarios": [asdict(scenario) | {"client_kind": "browser", "messages": messages}],
        "browser": f"Chromium {version}",
        **environment(chromium=version),
    }
    return Result(deliveries, pd.DataFrame([run_row]), meta).numbered(0)


def _check(
    technique: str,
    clients: int,
    messages: int,
    rate: float,
    per_context: int,
    lab: Lab | str | None,
    drop_every: int | None,
) -> None:
    """ValueError for arguments `arun_browser` cannot run with."""
    if technique not in TECHNIQUES:
        raise ValueError(f"technique must be one of {', '.join(TECHNIQUES)}")
    if clients < 1 or messages < 1 or per_context < 1:
        raise ValueError("clients, messages and per_context must be at least 1")
    if not rate > 0:
        raise ValueError("rate must be > 0 messages per second")
    if lab is not None and drop_every is not None:
        raise ValueError("drop_every is a server setting: pass Lab(drop_every=N) instead")


async def _server(
    stack: contextlib.AsyncExitStack,
    lab: Lab | str | None,
    drop_every: int | None,
    heartbeat: float | None,
    token: str | None,
) -> tuple[Lab | str, str, Publisher]:
    """The server to measure against (a new Lab, closed with `stack`, when `lab` is
    None), its URL and how to publish to it."""
    if lab is None:
        lab = await stack.enter_async_context(
            Lab(drop_every=drop_every, retry_ms=250, heartbeat=heartbeat or 15.0)
        )
    if isinstance(lab, Lab):
        return lab, lab.url, lab.apublish
    url = lab.rstrip("/")
    return lab, url, await _http_publisher(stack, url, token)


async def _spawn(
    stack: contextlib.AsyncExitStack,
    browser: Browser,
    url: str,
    scenario: Scenario,
    per_context: int,
    topic: str,
    ready: int,
) -> list[tuple[Page, list[str]]]:
    """The scenario's clients on the demo page, `per_context` to a page, each page in
    its own browser context (closed with `stack`), each starting just before the
    `ready` message; each page with its clients' keys."""
    technique, clients = scenario.technique, scenario.clients
    options = {
        "topic": topic,
        "after": ready - 1,
        "interval": scenario.poll_interval * 1000,
        "timeout": scenario.longpoll_timeout,
        "heartbeat": scenario.heartbeat,
    }
    pages: list[tuple[Page, list[str]]] = []
    for first in range(0, clients, per_context):
        context = await browser.new_context()
        stack.push_async_callback(context.close)
        page = await context.new_page()
        await page.goto(f"{url}/?metrics=0")
        count = min(per_context, clients - first)
        keys = await page.evaluate(
            _SPAWN, {"technique": technique, "count": count, "options": options}
        )
        pages.append((page, keys))
    return pages


async def _connected(pages: list[tuple[Page, list[str]]], ready: int, timeout: float) -> None:
    """Until every client has the ready message; TimeoutError naming their states."""
    connected = await asyncio.gather(*(_reach(page, keys, ready, timeout) for page, keys in pages))
    if not all(connected):
        page, keys = pages[connected.index(False)]
        states = await page.evaluate(
            "(keys) => keys.map((k) => [k, rtlab.stats[k].state, rtlab.stats[k].lastError])",
            keys,
        )
        raise TimeoutError(f"the browser clients did not all connect within {timeout} s: {states}")


async def _publish(publish: Publisher, topic: str, scenario: Scenario, messages: int) -> None:
    """`messages` of `message_size` random letters (seeded) at the scenario's rate, on
    an open-loop schedule."""
    rng = random.Random(scenario.seed)
    async for _ in Schedule(scenario.rate, messages):
        await publish(topic, "".join(rng.choices(string.ascii_letters, k=scenario.message_size)))


def _deliveries(
    collected: list[dict[str, Any]], scenario: Scenario, topic: str, ready: int, last: int
) -> pd.DataFrame:
    """The deliveries frame from the pages' records (the ready message left out)."""
    rows = [
        {
            "client": index,
            "topic": topic,
            "seq": record["seq"],
            "ts": record["ts"],
            "received": record["received"],
            "latency_ms": record["latency"],
            "bytes": record["bytes"],
        }
        for index, client in enumerate(collected)
        for record in client["records"]
        if ready < record["seq"] <= last
    ]
    deliveries = pd.DataFrame(rows, columns=list(DELIVERY_TYPES)).astype(DELIVERY_TYPES)
    deliveries.insert(0, "technique", scenario.technique)
    deliveries.insert(0, "scenario", scenario.label)
    return deliveries


def _run_row(
    scenario: Scenario,
    collected: list[dict[str, Any]],
    deliveries: pd.DataFrame,
    messages: int,
    cpu: float,
    server: str,
    completed: bool,
) -> dict[str, Any]:
    """The run's row: the scenario's knobs and the clients' own counts."""
    stats = [client["stats"] for client in collected]
    expected = messages * scenario.clients
    unique = deliveries.drop_duplicates(["client", "seq"]).shape[0]
    return {
        # one topic, one message per publish, no relay, whatever the scenario says
        **scenario.row(),
        "scenario": scenario.label,
        "network": "loopback",
        "topics": 1,
        "burst": 1,
        "expected": expected,
        "delivered": unique,
        "losses": expected - unique,
        "duplicates": sum(s["duplicates"] for s in stats),
        "gaps": sum(s["gaps"] + s["holes"] for s in stats),
        "requests": sum(s["requests"] for s in stats),
        "empty_responses": sum(s["emptyResponses"] for s in stats),
        "reconnects": sum(s["reconnects"] for s in stats),
        "errors": sum(s["errors"] for s in stats),
        "last_error": next((str(s["lastError"]) for s in stats if s["lastError"]), ""),
        "bytes_up": math.nan,
        "bytes_down": math.nan,
        "connections": math.nan,
        "server_cpu_s": cpu,
        "peak_rss_mb": math.nan,
        "server": server,
        "completed": completed,
        "client_kind": "browser",
    }


def run_browser(lab: Lab | str | None = None, technique: str = "sse", **options: Any) -> Result:
    """`arun_browser` from synchronous code (a script, or a notebook cell without await)."""
    return run_sync(arun_browser(lab, technique, **options))
