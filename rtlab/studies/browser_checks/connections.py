"""Six connections per host: the seventh EventSource to one origin waits over
HTTP/1.1 (the lab speaks nothing else), and so does a plain `fetch()`; another
host name or port for the same server, and WebSockets, are not held back."""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from rtlab.lab import Lab
from rtlab.studies.browser_checks.probe import (
    CheckResult,
    Probe,
    first,
    fresh_topic,
    lab_or_new,
    probe_page,
    ws_url,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser

__all__ = ["connection_limit"]


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
    async with lab_or_new(lab, cors_origins=frozenset({"*"})) as running:
        _check_lab(running)
        async with (
            Lab(cors_origins=frozenset({running.url})) as other,
            probe_page(browser, running) as probe,
        ):
            names = [f"es{i}" for i in range(streams)]
            waiting, open_now, closes = await _past_six(probe, names, hold)
            fetch_waiting = await _fetch_behind_six(probe, open_now, closes, hold)
            sockets = await _beside_six(probe, running, other, names, open_now, streams)
            still_open = await probe.page.evaluate(
                "([names]) => names.filter((n) => probe.state(n) === 1).length", [open_now]
            )
            logs = {
                name: await probe.log(name)
                for name in [*names, "fetch", "other host", "other port", *sockets]
            }
            t0 = probe.t0
    return _limit_result(logs, t0, streams, waiting, closes, fetch_waiting, still_open, hold)


def _check_lab(running: Lab) -> None:
    if running.host != "127.0.0.1":
        raise ValueError("connection_limit needs a lab bound to 127.0.0.1")
    allowed = running.settings.cors_origins
    if "*" not in allowed and running.url not in allowed:
        raise ValueError(
            f"connection_limit needs the lab's cors_origins to allow {running.url} (or *) "
            "for its EventSource to http://localhost"
        )


async def _past_six(
    probe: Probe, names: list[str], hold: float
) -> tuple[list[str], list[str], list[str]]:
    """Phase 1: open `names`; six open, the rest wait. Then close the oldest open one
    for each waiting one, which gets its connection. The waiting ones, those open
    now and those closed."""
    for name in names:
        await probe.call("eventSource", name, f"/sse/{fresh_topic('limit')}")
    await probe.wait(
        "([names]) => names.filter((n) => probe.count(n, 'open') >= 1).length >= 6",
        [names],
        "six EventSources to open",
    )
    await asyncio.sleep(hold)
    states = {name: await probe.call("state", name) for name in names}
    opened = [name for name in names if states[name] == 1]
    waiting = [name for name in names if states[name] == 0]
    open_now, closes = list(opened), []
    for name in waiting:
        closes.append(open_now.pop(0))
        await probe.call("close", closes[-1])
        await probe.wait_count([name], "open", 1, f"{name} after a close")
        open_now.append(name)
    return waiting, open_now, closes


async def _fetch_behind_six(
    probe: Probe, open_now: list[str], closes: list[str], hold: float
) -> bool:
    """Phase 2: a fetch() to the same origin waits behind the six streams too, until
    the page closes one (taken from `open_now`, added to `closes`); whether it waited."""
    await probe.call("fetchText", "fetch", "/metrics")
    await asyncio.sleep(hold)
    fetch_waiting = await probe.call("count", "fetch", "response") == 0
    closes.append(open_now.pop(0))
    await probe.call("close", closes[-1])
    await probe.wait_count(["fetch"], "response", 1, "the fetch after a close")
    return bool(fetch_waiting)


async def _beside_six(
    probe: Probe, running: Lab, other: Lab, names: list[str], open_now: list[str], streams: int
) -> list[str]:
    """Phases 3 and 4: other origins, and `streams` WebSockets, beside six open streams
    (the fetch took the place of a closed one: one more, "refill", fills it again);
    the WebSockets' names."""
    names.append("refill")
    await probe.call("eventSource", "refill", f"/sse/{fresh_topic('limit')}")
    await probe.wait_count(["refill"], "open", 1, "the sixth EventSource again")
    open_now.append("refill")
    host_url = f"http://localhost:{running.port}/sse/{fresh_topic('limit')}"
    await probe.call("eventSource", "other host", host_url)
    await probe.call("eventSource", "other port", f"{other.url}/sse/{fresh_topic('limit')}")
    await probe.wait_count(["other host", "other port"], "open", 1, "the other origins")
    sockets = [f"ws{i}" for i in range(streams)]
    for name in sockets:
        await probe.call("webSocket", name, f"{ws_url(running)}/ws/{fresh_topic('limit')}")
    await probe.wait_count(sockets, "open", 1, "the WebSockets")
    return sockets


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
    table = _limit_table(logs, t0, closes)
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


def _limit_table(
    logs: dict[str, list[dict[str, Any]]], t0: float, closes: list[str]
) -> pd.DataFrame:
    """One row per connection: when it was created and opened, and the page's close
    it waited for, if any."""
    close_at = {name: first(logs[name], "closed by page") for name in closes}
    records = []
    for name, log in logs.items():
        created = first(log, "create")
        opened = first(log, "response" if name == "fetch" else "open")
        kind = (
            "fetch" if name == "fetch" else "WebSocket" if name.startswith("ws") else "EventSource"
        )
        target = name if name.startswith("other") else "same origin"
        # The close this connection waited for: the latest one before it opened.
        before = [(at, closed) for closed, at in close_at.items() if at <= opened]
        waited = max(before)[1] if before and created < max(before)[0] else None
        records.append(
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
    return pd.DataFrame(records)
