"""EventSource reconnects by itself; a WebSocket stays closed: a plain
`new EventSource(url)` and a plain `new WebSocket(url)` against a lab that
cuts every connection after each `drop_every`-th message."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from rtlab.lab import Lab
from rtlab.runs.schedule import Schedule
from rtlab.runs.stats import median
from rtlab.studies.browser_checks.probe import (
    CheckResult,
    fresh_topic,
    lab_or_new,
    probe_page,
    rows,
    ws_url,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser

__all__ = ["claim_figures", "eventsource_reconnect"]


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
    async with lab_or_new(lab, drop_every=drop_every, retry_ms=retry_ms) as running:
        every = running.settings.drop_every
        if every is None:
            raise ValueError("eventsource_reconnect needs a Lab with drop_every set")
        retry = running.settings.retry_ms
        topic, ws_topic = fresh_topic("browser-es"), fresh_topic("browser-ws")
        before = running.metrics()["sse"]
        async with probe_page(browser, running) as probe:
            await probe.call("eventSource", "es", f"/sse/{topic}")
            await probe.call("webSocket", "ws", f"{ws_url(running)}/ws/{ws_topic}")
            await probe.wait_count(["es", "ws"], "open", 1, "the EventSource and WebSocket")
            async for tick in Schedule.every(interval, messages):
                data = {"i": tick.index}
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
    received = {_seq(r) for r in es_log if r["kind"] == "message"}
    ws_seqs = [_seq(r) for r in ws_log if r["kind"] == "message"]
    first_cut = drop_every  # the first message after the first cut is drop_every + 1
    figures = (
        _eventsource_figures(es_log, published, drop_every, retry_ms)
        | {"server_requests": server_requests, "server_messages_sent": server_messages}
        | _websocket_figures(ws_log, ws_state)
        | {
            "browser_eventsource_recovered": float(
                published > first_cut and set(range(first_cut + 1, published + 1)) <= received
            ),
            "browser_ws_recovered": float(any(seq > first_cut for seq in ws_seqs)),
        }
    )
    table = pd.DataFrame(
        rows(es_log, t0, api="EventSource") + rows(ws_log, t0, api="WebSocket"),
    ).sort_values("t", kind="stable", ignore_index=True)
    return CheckResult("eventsource_reconnect", figures, table)


def _eventsource_figures(
    es_log: list[dict[str, Any]], published: int, drop_every: int, retry_ms: int
) -> dict[str, Any]:
    seqs = [_seq(r) for r in es_log if r["kind"] == "message"]
    errors = [r for r in es_log if r["kind"] == "error"]
    opens = [r for r in es_log if r["kind"] == "open"]
    resumed_from = [str(r["lastEventId"]) for r in errors]
    resumed_seqs = [int(value.rpartition(":")[2] or 0) for value in resumed_from]
    delays = [o["t"] - e["t"] for e, o in zip(errors, opens[1:], strict=False)]
    received = set(seqs)
    return {
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
        "first_after_resume": _first_after_resume(es_log, opens),
        "swallowed_at_cut": sum(seq % drop_every != 0 for seq in resumed_seqs),
        "retry_ms": retry_ms,
        "reconnect_delay_ms": [round(delay, 1) for delay in delays],
        "reconnect_delay_p50_ms": round(median(delays), 1),
    }


def _first_after_resume(
    es_log: list[dict[str, Any]], opens: list[dict[str, Any]]
) -> list[int | None]:
    """Per reconnect: the first seq its response delivered (None: cut before any)."""
    first_after_resume: list[int | None] = []
    reopened = False
    for record in es_log:
        if record["kind"] == "open" and record is not opens[0]:
            first_after_resume.append(None)
            reopened = True
        elif record["kind"] == "message" and reopened:
            first_after_resume[-1] = _seq(record)
            reopened = False
    return first_after_resume


def _websocket_figures(ws_log: list[dict[str, Any]], ws_state: int) -> dict[str, Any]:
    ws_seqs = [_seq(r) for r in ws_log if r["kind"] == "message"]
    closes = [r for r in ws_log if r["kind"] == "close"]
    ws_closed_at = closes[0]["t"] if closes else math.inf
    after_close = [r for r in ws_log if r["kind"] == "message" and r["t"] > ws_closed_at]
    return {
        "ws_received": len(ws_seqs),
        "ws_close_code": closes[0]["code"] if closes else None,
        "ws_ready_state": ws_state,
        "ws_received_after_close": len(after_close),
    }


def claim_figures(result: CheckResult) -> dict[str, float]:
    """The figures `rtlab.studies.claims.rule_sse_reconnect` waits for, from an
    `eventsource_reconnect` result: merge them into that claim's figures."""
    keys = ("browser_eventsource_recovered", "browser_ws_recovered")
    return {key: float(result.figures[key]) for key in keys}
