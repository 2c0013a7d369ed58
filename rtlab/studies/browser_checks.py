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

Each check is a coroutine taking a Playwright `Browser` (from
`rtlab.studies.browser.launch()`) and, where it can use one, a running `Lab` (else it
starts its own with the settings it needs); each uses its own browser context,
so no connection pool is shared between checks. `run(check, **options)` runs
one from synchronous code (a script or a notebook cell) with its own browser;
`run_all()` runs all four in one browser.

    async with launch() as browser:
        result = await eventsource_reconnect(browser, messages=20, drop_every=5)
    result.figures["reconnects"], result.table
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import secrets
import statistics
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from rtlab.aio import run_sync, timeout_factor
from rtlab.lab import Lab
from rtlab.studies.browser import launch

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

__all__ = [
    "CHECKS",
    "IFRAME_DATA",
    "PROBE_PAGE",
    "CheckResult",
    "claim_figures",
    "connection_limit",
    "cors",
    "eventsource_reconnect",
    "iframe_order",
    "run",
    "run_all",
]

PROBE_PAGE = "/static/probe.html"
WAIT = 10.0  # seconds any one expected browser event may take (scaled by RTLAB_TIMEOUT_FACTOR)

# Data for the forever iframe that would end its <script> element, open an HTML
# comment or end a JavaScript string in an old engine, were it written unescaped.
IFRAME_DATA: tuple[Any, ...] = (
    "</script><script>window.injected = true</script>",
    "<!-- <script>",
    "line\u2028separator\u2029paragraph",
    {"html": "<b>&amp;</b>", "nested": ["</SCRIPT >", "<!--", "-->"]},
    "quotes \" ' ` and a backslash \\",
    "é ✓ 😀",
)


@dataclass(frozen=True)
class CheckResult:
    """A check's summary `figures` and its `table` (one row per event or connection)."""

    check: str
    figures: dict[str, Any]
    table: pd.DataFrame = field(compare=False)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.figures.items())
        return f"<CheckResult {self.check}: {shown}>"


# -- driving the probe page -------------------------------------------------------------


class _Probe:
    """The probe page of one lab, in its own browser context."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.t0 = 0.0

    async def call(self, function: str, *args: Any) -> Any:
        return await self.page.evaluate(f"(args) => probe.{function}(...args)", list(args))

    async def now(self) -> float:
        return float(await self.call("now"))

    async def log(self, name: str) -> list[dict[str, Any]]:
        return list(await self.call("log", name))

    async def wait(self, condition: str, arg: Any, what: str, timeout: float = WAIT) -> None:
        """Until the JavaScript `condition` (a function of `arg`) holds in the page."""
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        try:
            await self.page.wait_for_function(
                condition, arg=arg, timeout=timeout * timeout_factor() * 1000, polling=10
            )
        except PlaywrightTimeout:
            raise TimeoutError(f"timed out waiting for {what}") from None

    async def wait_count(self, names: Sequence[str], kind: str, n: int, what: str) -> None:
        """Until each of `names` has logged at least `n` records of `kind`."""
        await self.wait(
            "([names, kind, n]) => names.every((name) => probe.count(name, kind) >= n)",
            [list(names), kind, n],
            what,
        )


@contextlib.asynccontextmanager
async def _probe(browser: Browser, lab: Lab) -> AsyncIterator[_Probe]:
    """A fresh browser context (its own connection pools) on the lab's probe page."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(lab.url + PROBE_PAGE)
        probe = _Probe(page)
        probe.t0 = await probe.now()
        yield probe
    finally:
        await context.close()


@contextlib.asynccontextmanager
async def _lab(lab: Lab | None, **settings: Any) -> AsyncIterator[Lab]:
    """`lab` as given, or a new one with `settings` for the duration."""
    if lab is not None:
        yield lab
        return
    async with Lab(**settings) as started:
        yield started


def _topic(prefix: str) -> str:
    """A fresh topic, so that a check can run on a lab that is already in use."""
    return f"{prefix}-{secrets.token_hex(4)}"


def _ws_url(lab: Lab) -> str:
    return "ws" + lab.url.removeprefix("http")


def _rows(log: Sequence[dict[str, Any]], t0: float, **columns: Any) -> list[dict[str, Any]]:
    return [{**columns, **record, "t": record["t"] - t0} for record in log]


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def _first(log: Sequence[dict[str, Any]], kind: str) -> float:
    """When the first record of `kind` was logged (nan: never)."""
    return next((float(r["t"]) for r in log if r["kind"] == kind), math.nan)


# -- 1. EventSource reconnects by itself; a WebSocket stays closed ---------------------------


async def eventsource_reconnect(
    browser: Browser,
    lab: Lab | None = None,
    *,
    messages: int = 20,
    drop_every: int = 5,
    retry_ms: int = 200,
    interval: float = 0.05,
) -> CheckResult:
    """A plain EventSource and a plain WebSocket, each on its own topic, while
    `messages` are published every `interval` seconds and the server cuts every
    connection after each message whose seq is a multiple of `drop_every`.

    With no `lab`, one is started with `drop_every` and `retry_ms`; a given lab
    is used with its own settings and must have `drop_every` set.

    Figures: `published`; for the EventSource `received`, `duplicates`,
    `lost`, `out_of_order`; `drops` (the cuts `drop_every` makes in the
    published seqs), `errors`, `reconnects` (open events after the first);
    `resumed_from`, the last event id the page had seen at each error (what
    its EventSource sends back as `Last-Event-ID`), `resumed_seqs` (the seq in
    each) and `first_after_resume` (the first seq delivered after each
    reconnect, None when none was: always the one after the resumed seq, so
    the server resumed from the header); `swallowed_at_cut`, cuts where Chromium dropped the
    event that arrived just before the connection failed (the response was cut
    without its last chunk), so it resumed from the seq before and the server
    sent that message again, and cut again: `errors` is `drops` plus those;
    `reconnect_delay_ms` (error to the next open, per reconnect) and its
    median beside `retry_ms`; `server_requests` and `server_messages_sent`
    (from the lab's metrics: `published` plus one resend per swallowed event).
    For the WebSocket: `ws_received`, `ws_close_code`, `ws_ready_state` and
    `ws_received_after_close`. For the claim (`claim_figures`):
    `browser_eventsource_recovered` (1.0 when every message published after
    the first cut arrived, else 0.0) and `browser_ws_recovered` (1.0 when the
    WebSocket delivered anything published after its cut, else 0.0).
    """
    async with _lab(lab, drop_every=drop_every, retry_ms=retry_ms) as running:
        every = running.settings.drop_every
        if every is None:
            raise ValueError("eventsource_reconnect needs a Lab with drop_every set")
        retry = running.settings.retry_ms
        topic, ws_topic = _topic("browser-es"), _topic("browser-ws")
        before = running.metrics()["sse"]
        async with _probe(browser, running) as probe:
            await probe.call("eventSource", "es", f"/sse/{topic}")
            await probe.call("webSocket", "ws", f"{_ws_url(running)}/ws/{ws_topic}")
            await probe.wait_count(["es", "ws"], "open", 1, "the EventSource and WebSocket")
            loop = asyncio.get_running_loop()
            start = loop.time()
            for index in range(messages):
                await asyncio.sleep(max(0.0, start + index * interval - loop.time()))
                data = {"i": index}
                await asyncio.gather(
                    running.apublish(topic, data), running.apublish(ws_topic, data)
                )
            # Done when every message has arrived and every error has been followed
            # by its open; when the last message is itself followed by a cut, once
            # the error of that cut (its last event id is the last seq) is in too.
            await probe.wait(
                "([n, lastCut]) => probe.count('es', 'message') >= n && "
                "probe.count('es', 'open') === probe.count('es', 'error') + 1 && "
                "(!lastCut || probe.log('es').some((r) => r.kind === 'error' && "
                "r.lastEventId.split(':').pop() === String(n)))",
                [messages, messages % every == 0],
                "every message by EventSource, and its last reconnect",
            )
            es_log, ws_log = await probe.log("es"), await probe.log("ws")
            ws_state = int(await probe.call("state", "ws"))
            after = running.metrics()["sse"]
            t0 = probe.t0
    return _reconnect_result(
        es_log,
        ws_log,
        t0,
        published=messages,
        drop_every=every,
        retry_ms=retry,
        ws_state=ws_state,
        server_requests=after["requests"] - before["requests"],
        server_messages=after["messages"] - before["messages"],
    )


def _seq(record: dict[str, Any]) -> int:
    return int(json.loads(record["data"])["seq"])


def _reconnect_result(
    es_log: list[dict[str, Any]],
    ws_log: list[dict[str, Any]],
    t0: float,
    *,
    published: int,
    drop_every: int,
    retry_ms: int,
    ws_state: int,
    server_requests: int,
    server_messages: int,
) -> CheckResult:
    seqs = [_seq(r) for r in es_log if r["kind"] == "message"]
    errors = [r for r in es_log if r["kind"] == "error"]
    opens = [r for r in es_log if r["kind"] == "open"]
    resumed_from = [str(r["lastEventId"]) for r in errors]
    resumed_seqs = [int(value.rpartition(":")[2] or 0) for value in resumed_from]
    delays = [o["t"] - e["t"] for e, o in zip(errors, opens[1:], strict=False)]
    # Per reconnect: the first seq its response delivered (None: cut before any).
    first_after_resume: list[int | None] = []
    reopened = False
    for record in es_log:
        if record["kind"] == "open" and record is not opens[0]:
            first_after_resume.append(None)
            reopened = True
        elif record["kind"] == "message" and reopened:
            first_after_resume[-1] = _seq(record)
            reopened = False
    ws_seqs = [_seq(r) for r in ws_log if r["kind"] == "message"]
    closes = [r for r in ws_log if r["kind"] == "close"]
    ws_closed_at = closes[0]["t"] if closes else math.inf
    after_close = [r for r in ws_log if r["kind"] == "message" and r["t"] > ws_closed_at]
    first_cut = drop_every  # the first message after the first cut is drop_every + 1
    received = set(seqs)
    figures: dict[str, Any] = {
        "published": published,
        "drop_every": drop_every,
        "received": len(seqs),
        "duplicates": len(seqs) - len(received),
        "lost": published - len(received & set(range(1, published + 1))),
        "out_of_order": sum(b < a for a, b in itertools.pairwise(seqs)),
        "drops": published // drop_every,
        "errors": len(errors),
        "reconnects": len(opens) - 1,
        "resumed_from": resumed_from,
        "resumed_seqs": resumed_seqs,
        "first_after_resume": first_after_resume,
        "swallowed_at_cut": sum(seq % drop_every != 0 for seq in resumed_seqs),
        "retry_ms": retry_ms,
        "reconnect_delay_ms": [round(delay, 1) for delay in delays],
        "reconnect_delay_p50_ms": round(_median(delays), 1),
        "server_requests": server_requests,
        "server_messages_sent": server_messages,
        "ws_received": len(ws_seqs),
        "ws_close_code": closes[0]["code"] if closes else None,
        "ws_ready_state": ws_state,
        "ws_received_after_close": len(after_close),
        "browser_eventsource_recovered": float(
            published > first_cut and set(range(first_cut + 1, published + 1)) <= received
        ),
        "browser_ws_recovered": float(any(seq > first_cut for seq in ws_seqs)),
    }
    table = pd.DataFrame(
        _rows(es_log, t0, api="EventSource") + _rows(ws_log, t0, api="WebSocket"),
    ).sort_values("t", kind="stable", ignore_index=True)
    return CheckResult("eventsource_reconnect", figures, table)


def claim_figures(result: CheckResult) -> dict[str, float]:
    """The figures `rtlab.studies.claims.rule_sse_reconnect` waits for, from an
    `eventsource_reconnect` result: merge them into that claim's figures."""
    keys = ("browser_eventsource_recovered", "browser_ws_recovered")
    return {key: float(result.figures[key]) for key in keys}


# -- 2. six connections per host: the seventh EventSource waits -----------------------------


async def connection_limit(
    browser: Browser,
    lab: Lab | None = None,
    *,
    streams: int = 7,
    hold: float = 0.3,
) -> CheckResult:
    """One page, four phases, each connection's open time measured:

    1. `streams` EventSources to the page's own origin: the browser opens six
       at once (its per host:port limit over HTTP/1.1) and the rest wait; after
       `hold` seconds the page closes one, and a waiting one opens.
    2. With six open again, a plain `fetch()` to the same origin waits too,
       until the page closes another; a new EventSource takes its place.
    3. With six open, an EventSource to the same server under another host
       name (`localhost` instead of `127.0.0.1`: another origin, so it needs
       the lab's CORS allowance) and one to a second lab on another port.
    4. With six open, `streams` WebSockets to the same origin.

    With no `lab`, one is started with `cors_origins={"*"}`; a given lab must
    bind 127.0.0.1 and allow its own origin (`*` or its URL) in `cors_origins`.

    Figures: `streams`, `hold_ms`, `opened_at_once` (EventSources open when
    the hold ended), `waiting_after_hold`, `waited_for_close` (those that
    opened only after the page closed one), `open_after_close_ms` (close to
    the next open), `fetch_waited_for_close` (1/0) and `fetch_after_close_ms`,
    `other_host_open_ms` and `other_port_open_ms` (create to open),
    `other_origins_waited` (how many of those two waited for a close),
    `websockets`, `websockets_open_with_six_streams` (opened without waiting
    while `eventsources_open_beside_websockets` streams were open) and
    `websocket_open_ms` (create to open, per socket). The table has one row
    per connection, with the close it waited for, if any.
    """
    if streams < 7:
        raise ValueError("connection_limit needs at least 7 streams to pass the limit of 6")
    async with _lab(lab, cors_origins=frozenset({"*"})) as running:
        if running.host != "127.0.0.1":
            raise ValueError("connection_limit needs a lab bound to 127.0.0.1")
        allowed = running.settings.cors_origins
        if "*" not in allowed and running.url not in allowed:
            raise ValueError(
                f"connection_limit needs the lab's cors_origins to allow {running.url} (or *) "
                "for its EventSource to http://localhost"
            )
        async with (
            Lab(cors_origins=frozenset({running.url})) as other,
            _probe(browser, running) as probe,
        ):
            names = [f"es{i}" for i in range(streams)]
            for name in names:
                await probe.call("eventSource", name, f"/sse/{_topic('limit')}")
            await probe.wait(
                "([names]) => names.filter((n) => probe.count(n, 'open') >= 1).length >= 6",
                [names],
                "six EventSources to open",
            )
            await asyncio.sleep(hold)
            states = {name: await probe.call("state", name) for name in names}
            opened = [name for name in names if states[name] == 1]
            waiting = [name for name in names if states[name] == 0]
            # Phase 1: close the oldest open one; the first waiting one gets its connection.
            open_now, closes = list(opened), []
            for name in waiting:
                closes.append(open_now.pop(0))
                await probe.call("close", closes[-1])
                await probe.wait_count([name], "open", 1, f"{name} after a close")
                open_now.append(name)
            # Phase 2: a fetch() to the same origin waits behind the six streams too.
            await probe.call("fetchText", "fetch", "/metrics")
            await asyncio.sleep(hold)
            fetch_waiting = await probe.call("count", "fetch", "response") == 0
            closes.append(open_now.pop(0))
            await probe.call("close", closes[-1])
            await probe.wait_count(["fetch"], "response", 1, "the fetch after a close")
            # Phases 3 and 4: other origins, and WebSockets, beside six open streams
            # (the fetch took the place of a closed one: one more fills it again).
            names.append("refill")
            await probe.call("eventSource", "refill", f"/sse/{_topic('limit')}")
            await probe.wait_count(["refill"], "open", 1, "the sixth EventSource again")
            open_now.append("refill")
            host_url = f"http://localhost:{running.port}/sse/{_topic('limit')}"
            await probe.call("eventSource", "other host", host_url)
            await probe.call("eventSource", "other port", f"{other.url}/sse/{_topic('limit')}")
            await probe.wait_count(["other host", "other port"], "open", 1, "the other origins")
            sockets = [f"ws{i}" for i in range(streams)]
            for name in sockets:
                await probe.call("webSocket", name, f"{_ws_url(running)}/ws/{_topic('limit')}")
            await probe.wait_count(sockets, "open", 1, "the WebSockets")
            still_open = await probe.page.evaluate(
                "([names]) => names.filter((n) => probe.state(n) === 1).length", [open_now]
            )
            logs = {
                name: await probe.log(name)
                for name in [*names, "fetch", "other host", "other port", *sockets]
            }
            t0 = probe.t0
    return _limit_result(logs, t0, streams, waiting, closes, fetch_waiting, still_open, hold)


def _limit_result(
    logs: dict[str, list[dict[str, Any]]],
    t0: float,
    initial: int,
    waiting: list[str],
    closes: list[str],
    fetch_waiting: bool,
    streams_open: int,
    hold: float,
) -> CheckResult:
    close_at = {name: _first(logs[name], "closed by page") for name in closes}
    rows = []
    for name, log in logs.items():
        created = _first(log, "create")
        opened = _first(log, "response" if name == "fetch" else "open")
        kind = (
            "fetch" if name == "fetch" else "WebSocket" if name.startswith("ws") else "EventSource"
        )
        target = name if name.startswith("other") else "same origin"
        # The close this connection waited for: the latest one before it opened.
        before = [(at, closed) for closed, at in close_at.items() if at <= opened]
        waited = max(before)[1] if before and created < max(before)[0] else None
        rows.append(
            {
                "name": name,
                "api": kind,
                "target": target,
                "created_ms": created - t0,
                "opened_ms": opened - t0,
                "open_after_ms": opened - created,
                "waited_for_close_of": waited,
                "closed_by_page_ms": close_at.get(name, math.nan) - t0,
            }
        )
    table = pd.DataFrame(rows)
    by_name = table.set_index("name")
    streams = table[(table.api == "EventSource") & (table.target == "same origin")]
    held = [n for n in streams.name if pd.notna(by_name.at[n, "waited_for_close_of"])]
    sockets = table[table.api == "WebSocket"]
    fetch_close = closes[-1]

    def after_close(name: str) -> float:
        closed = by_name.at[name, "waited_for_close_of"]
        if pd.isna(closed):
            return math.nan
        return float(by_name.at[name, "opened_ms"] - by_name.at[closed, "closed_by_page_ms"])

    figures: dict[str, Any] = {
        "streams": initial,
        "opened_at_once": initial - len(waiting),
        "waiting_after_hold": len(waiting),
        "hold_ms": hold * 1000,
        "waited_for_close": len(held),
        "open_after_close_ms": [round(after_close(n), 1) for n in held],
        "fetch_waited_for_close": int(
            fetch_waiting and by_name.at["fetch", "waited_for_close_of"] == fetch_close
        ),
        "fetch_after_close_ms": round(after_close("fetch"), 1),
        "other_host_open_ms": round(float(by_name.at["other host", "open_after_ms"]), 1),
        "other_port_open_ms": round(float(by_name.at["other port", "open_after_ms"]), 1),
        "other_origins_waited": int(
            by_name.loc[["other host", "other port"], "waited_for_close_of"].notna().sum()
        ),
        "websockets": len(sockets),
        "websockets_open_with_six_streams": (
            int(sockets.waited_for_close_of.isna().sum()) if streams_open >= 6 else 0
        ),
        "eventsources_open_beside_websockets": streams_open,
        "websocket_open_ms": [round(v, 1) for v in sockets.open_after_ms],
    }
    return CheckResult("connection_limit", figures, table)


# -- 3. CORS: EventSource and fetch() across origins ----------------------------------------


async def cors(browser: Browser, page_lab: Lab | None = None, *, messages: int = 3) -> CheckResult:
    """A page on `page_lab`'s origin (a new lab when None) reads from two labs
    on other ports: one with no `cors_origins`, one whose `cors_origins` holds
    the page's origin. On each: an EventSource (then `messages` published), and
    a `fetch()` of `/poll/{topic}?after=0` once they are published.

    Figures, per case (`refused`: no allowance, `allowed`): `*_es_messages`,
    `*_es_errors`, `*_es_ready_state` (2 = CLOSED, for good), `*_es_opened`,
    `*_fetch` ("200 with N messages", or the page's error), and from the
    target lab's metrics `*_server_sse_requests` (1: the browser never
    retried) and `*_server_sse_messages_sent` (what the server wrote anyway:
    the browser, not the server, withholds a refused response).
    """
    async with (
        _lab(page_lab) as page_origin,
        Lab() as refused,
        Lab(cors_origins=frozenset({page_origin.url})) as allowed,
        _probe(browser, page_origin) as probe,
    ):
        topic = _topic("cors")
        targets = {"refused": refused, "allowed": allowed}
        for case, lab in targets.items():
            await probe.call("eventSource", f"es {case}", f"{lab.url}/sse/{topic}")
        await probe.wait_count(["es allowed"], "open", 1, "the allowed EventSource")
        await probe.wait_count(["es refused"], "error", 1, "the refused EventSource's error")
        for lab in targets.values():
            for index in range(messages):
                await lab.apublish(topic, {"i": index})
        for case, lab in targets.items():
            await probe.call("fetchText", f"fetch {case}", f"{lab.url}/poll/{topic}?after=0")
        await probe.wait_count(["es allowed"], "message", messages, "the allowed messages")
        await probe.wait(
            "([names]) => names.every((n) => probe.count(n, 'response') + "
            "probe.count(n, 'failure') >= 1)",
            [["fetch refused", "fetch allowed"]],
            "both fetches",
        )
        figures: dict[str, Any] = {"page_origin": page_origin.url, "published": messages}
        rows: list[dict[str, Any]] = []
        for case, lab in targets.items():
            es_log, fetch_log = await probe.log(f"es {case}"), await probe.log(f"fetch {case}")
            metrics = lab.metrics()["sse"]
            outcome = fetch_log[-1]
            if outcome["kind"] == "response":
                got = len(json.loads(outcome["body"])["messages"])
                fetched = f"{outcome['status']} with {got} messages"
            else:
                fetched = outcome["error"]
            figures |= {
                f"{case}_cors_origins": sorted(lab.settings.cors_origins),
                f"{case}_es_opened": sum(r["kind"] == "open" for r in es_log),
                f"{case}_es_messages": sum(r["kind"] == "message" for r in es_log),
                f"{case}_es_errors": sum(r["kind"] == "error" for r in es_log),
                f"{case}_es_ready_state": await probe.call("state", f"es {case}"),
                f"{case}_fetch": fetched,
                f"{case}_server_sse_requests": metrics["requests"],
                f"{case}_server_sse_messages_sent": metrics["messages"],
            }
            rows += _rows(es_log, probe.t0, case=case, api="EventSource")
            rows += _rows(fetch_log, probe.t0, case=case, api="fetch")
    table = pd.DataFrame(rows).sort_values("t", kind="stable", ignore_index=True)
    return CheckResult("cors", figures, table)


# -- 4. the forever iframe: every call, in order, data intact ----------------------------------


async def iframe_order(
    browser: Browser,
    lab: Lab | None = None,
    *,
    messages: int = 12,
    interval: float = 0.01,
    callback: str = "probeCall",
) -> CheckResult:
    """A hidden iframe on `/iframe/{topic}?after=0&callback=CALLBACK`; the page
    defines `window[CALLBACK]` and records each call. `messages` are published
    every `interval` seconds, their data cycling through `IFRAME_DATA` (strings
    that would close the script element, open a comment or hold U+2028).

    Figures: `published`, `calls` (message envelopes received; heartbeats are
    left out), `in_order` (1 when the seqs are exactly 1..published in that
    order), `intact` (envelopes whose data equals what was published),
    `injected` (1 if a script inside the data ran: `window.injected` set).
    """
    async with _lab(lab) as running, _probe(browser, running) as probe:
        topic = _topic("iframe")
        sent = [
            {"i": index, "text": IFRAME_DATA[index % len(IFRAME_DATA)]} for index in range(messages)
        ]
        await probe.call(
            "iframe", "frame", f"/iframe/{topic}?after=0&callback={callback}", callback
        )
        for data in sent:
            await running.apublish(topic, data)
            await asyncio.sleep(interval)
        await probe.wait(
            "([n]) => probe.log('frame').filter((r) => r.kind === 'call' && "
            "r.envelope.type === 'message').length >= n",
            [messages],
            "every iframe call",
        )
        log = await probe.log("frame")
        injected = await probe.page.evaluate("window.injected === true")
        await probe.call("close", "frame")
        t0 = probe.t0
    calls = [r for r in log if r["kind"] == "call" and r["envelope"]["type"] == "message"]
    seqs = [int(r["envelope"]["seq"]) for r in calls]
    intact = sum(
        0 < seq <= messages and r["envelope"]["data"] == sent[seq - 1]
        for seq, r in zip(seqs, calls, strict=True)
    )
    figures: dict[str, Any] = {
        "published": messages,
        "calls": len(calls),
        "in_order": int(seqs == list(range(1, messages + 1))),
        "intact": intact,
        "injected": int(injected),
    }
    table = pd.DataFrame(
        [
            {
                "t": r["t"] - t0,
                "seq": r["envelope"].get("seq"),
                "type": r["envelope"]["type"],
                "data": json.dumps(r["envelope"].get("data"), ensure_ascii=False),
            }
            for r in log
            if r["kind"] == "call"
        ]
    )
    return CheckResult("iframe_order", figures, table)


# -- running them ----------------------------------------------------------------------------

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
