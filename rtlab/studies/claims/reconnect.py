"""Seeds 001, 002 and 004: SSE reconnects by itself; WebSocket needs manual
reconnection. Measured by cutting every connection through a 4G relay while
messages flow, with rtlab's SSE client, rtlab's WebSocket client (which
reconnects because rtlab implements it) and a WebSocket client with no
reconnect logic; and, where Chromium is installed, what a page's own
`EventSource` and a plain `WebSocket` do (`rtlab.studies.browser_checks`)."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping

from rtlab.clients import Client, SSEClient, WSClient
from rtlab.lab import Lab
from rtlab.message import Message, now_ms
from rtlab.netem import Relay
from rtlab.runs.record import Recorder, recording
from rtlab.runs.schedule import Schedule
from rtlab.studies.claims.base import Measured, Measurement, Series, num
from rtlab.studies.claims.harness import connected, link, until

__all__ = ["RECONNECT_VARIANTS", "measure_sse_reconnect", "rule_sse_reconnect"]

RECONNECT_VARIANTS = {
    "sse": "SSE client (resumes with Last-Event-ID)",
    "ws": "WebSocket, rtlab's own reconnect + resume",
    "ws_plain": "WebSocket, no reconnect logic",
}
RECONNECT_RATE = 20.0  # messages/s to each client
RECONNECT_CUT_AT = 1.0  # s into publishing, the relay cuts every connection


async def _publish_and_cut(lab: Lab, relay: Relay, topics: list[str], duration: float) -> float:
    """Publish index i to every topic on an open-loop schedule, cutting every
    connection at RECONNECT_CUT_AT; returns when the cut came (ms, wall clock)."""
    cut_ms = math.nan
    async for tick in Schedule.lasting(RECONNECT_RATE, duration):
        if math.isnan(cut_ms) and tick.index / RECONNECT_RATE >= RECONNECT_CUT_AT:
            cut_ms = now_ms()
            relay.cut_all()
        for topic in topics:
            await lab.apublish(topic, tick.index)
    return cut_ms


def _outcome(
    by_name: Mapping[str, Recorder], published: int, start_ms: float, cut_ms: float
) -> tuple[Measured, Series]:
    """Each client's losses, recovery time and reconnects; each one's deliveries
    (seconds since publishing started, seq) and the cut's time for the plot."""
    measured: Measured = {}
    series: Series = {"cut_s": [(cut_ms - start_ms) / 1000]}
    for name, collector in by_name.items():
        after = [
            d.item.received
            for d in collector.deliveries
            if isinstance(d.item, Message) and d.reconnects >= 1
        ]
        first = min((r for r in after if r is not None), default=math.nan)
        measured[f"{name}_lost"] = float(published - len(collector.seqs))
        measured[f"{name}_recover_ms"] = first - cut_ms
        measured[f"{name}_reconnects"] = float(collector.client.stats.reconnects)
        points = [(m.received, m.seq) for m in collector.messages() if m.received is not None]
        series[f"{name}_t_s"] = [(received - start_ms) / 1000 for received, _ in points]
        series[f"{name}_seq"] = [float(seq) for _, seq in points]
    return measured, series


async def measure_sse_reconnect(quick: bool) -> Measurement:
    """The three Python clients through a cut, then the browser's figures."""
    duration = 3.0 if quick else 8.0
    published = Schedule.lasting(RECONNECT_RATE, duration).count or 0
    async with Lab() as lab, Relay.for_url(lab.url, link()) as relay:
        clients: dict[str, Client] = {
            "sse": SSEClient(relay.url, "reconnect-sse", after=0),
            "ws": WSClient(relay.url, "reconnect-ws", after=0),
            "ws_plain": WSClient(relay.url, "reconnect-ws-plain", after=0, reconnect=False),
        }
        async with recording(list(clients.values())) as collectors:
            await connected(clients.values())
            start_ms = now_ms()
            topics = [client.topic for client in clients.values()]
            cut_ms = await _publish_and_cut(lab, relay, topics, duration)
            by_name = dict(zip(clients, collectors, strict=True))
            recoverable = [c for n, c in by_name.items() if n != "ws_plain"]
            with contextlib.suppress(TimeoutError):
                await until(
                    lambda: all(len(c.seqs) >= published for c in recoverable), 10, "recovery"
                )
            measured, series = _outcome(by_name, published, start_ms, cut_ms)
            sse = clients["sse"]
            assert isinstance(sse, SSEClient)
            measured["server_retry_ms"] = float(sse.server_retry_ms or math.nan)
    measured["published"] = float(published)
    measured["cut_at_s"] = RECONNECT_CUT_AT
    measured |= await _browser_reconnect_figures()
    return Measurement(measured, series)


async def _browser_reconnect_figures() -> Measured:
    """What a page's own `EventSource` and a plain `WebSocket` do when the server
    drops them, in headless Chromium (`rtlab.studies.browser_checks`); nothing when no
    Chromium is installed, and the claim is then not testable here."""
    from rtlab.studies import browser, browser_checks

    try:
        async with browser.launch() as chromium:
            result = await browser_checks.eventsource_reconnect(chromium)
    except browser.BrowserUnavailable:
        return {}
    return browser_checks.claim_figures(result)


def rule_sse_reconnect(figures: Mapping[str, float]) -> tuple[str, str]:
    """Python clients show only the protocol side (rtlab's SSE client is
    EventSource-like, not EventSource), so the verdict needs the browser's
    figures: `browser_eventsource_recovered` and `browser_ws_recovered` (1 or 0,
    measured without any reconnect code in the page). With them: holds if
    EventSource recovered and the plain WebSocket did not; does not hold if
    EventSource did not recover; depends otherwise."""
    evidence = (
        f"After the relay cut every connection, rtlab's SSE client lost "
        f"{num(figures['sse_lost'])} of {num(figures['published'])} messages and delivered "
        f"again {num(figures['sse_recover_ms'])} ms later, resuming with Last-Event-ID "
        f"after waiting the server's retry of {num(figures['server_retry_ms'])} ms, as an "
        f"EventSource does; a WebSocket client "
        f"with no reconnect "
        f"logic lost {num(figures['ws_plain_lost'])} and never recovered, while rtlab's "
        f"WSClient, which implements reconnect + resume itself, lost {num(figures['ws_lost'])} "
        f"and recovered after {num(figures['ws_recover_ms'])} ms."
    )
    browser_keys = ("browser_eventsource_recovered", "browser_ws_recovered")
    if not all(key in figures for key in browser_keys):
        return "not testable here", (
            evidence + " What EventSource does needs a browser, and no Chromium was found "
            "(Debian package chromium)."
        )
    eventsource, plain_ws = (figures[key] >= 1 for key in browser_keys)
    verdict = (
        "holds"
        if eventsource and not plain_ws
        else "does not hold"
        if not eventsource
        else "depends"
    )
    browser = (
        f" In the browser, EventSource {'recovered' if eventsource else 'did not recover'} "
        f"and a plain WebSocket {'recovered' if plain_ws else 'did not'}."
    )
    return verdict, evidence + browser
