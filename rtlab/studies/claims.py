"""The seed articles' claims, each put to an experiment measured in the same run.

The five seed articles (`/work/shared/seeds/000`-`004`, in Chinese) make claims
about the push techniques: a performance ranking, what SSE can carry, who
reconnects, why WebSockets need heartbeats, when WebSocket beats SSE + POST,
how a long-poll server should wait, and what an SSE connection sends. Each
claim here has

- a measurement (`_measure_*`): an async function that runs the lab's server,
  clients and network relay and returns the figures behind the verdict (a
  flat `dict[str, float]`) and a plotly figure;
- a rule (`rule_*`): a pure function from those figures to a verdict and a
  one- or two-sentence evidence text. The thresholds are module constants and
  the rules never look at anything but the figures, so a verdict can always be
  traced to numbers, and the rules are unit-tested with synthetic figures.

    results = evaluate_all()          # RTLAB_QUICK=1: the quick runs (~40 s), a progress bar
    table(results)                    # claim, source, verdict, evidence; .data: the frame

Verdicts are "holds", "does not hold", "depends" (true under some measured
conditions, not others; the evidence says which) and "needs browser evidence"
(Python can only measure the protocol side; the browser notebook measures
what EventSource and WebSocket do in a real browser).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import itertools
import math
import operator
import random
import statistics
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pandas as pd
import plotly.graph_objects as go
from aiohttp import WSMsgType, web
from plotly.subplots import make_subplots

from rtlab.aio import quick_mode, run_sync, timeout_factor
from rtlab.clients import Client, LongPollClient, SSEClient, WSClient
from rtlab.lab import Lab
from rtlab.message import Message, now_ms
from rtlab.netem import LinkSettings, Relay
from rtlab.profiles import get_profile
from rtlab.runs.progress import progress_bar
from rtlab.studies.experiments import CPU_TICK_S, Result, Scenario, arun, resolved_cpu
from rtlab.views.plots import COLORS, LOG_AXIS
from rtlab.views.tables import TextTable
from rtlab.wire.sse import SSEDecoder

__all__ = [
    "CLAIMS",
    "VERDICTS",
    "ClaimResult",
    "evaluate",
    "evaluate_all",
    "rule_longpoll_check",
    "rule_ranking",
    "rule_sse_binary",
    "rule_sse_periodic_requests",
    "rule_sse_reconnect",
    "rule_sse_vs_ws_text",
    "rule_upstream_rate",
    "rule_ws_idle",
    "table",
]

VERDICTS = ("holds", "does not hold", "depends", "needs browser evidence")

Figures = dict[str, float]
Measurement = tuple[Figures, Any]  # (figures, plotly Figure or None)
Rule = Callable[[Mapping[str, float]], tuple[str, str]]


@dataclass(frozen=True)
class ClaimResult:
    """One claim, its verdict, and the measured figures the verdict came from."""

    key: str
    claim: str
    source: str  # which seed article(s) make the claim, e.g. "seed 003"
    verdict: str  # one of VERDICTS
    evidence: str  # one or two sentences quoting the measured figures
    figures: dict[str, float]
    figure: go.Figure | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Claim:
    key: str
    claim: str
    source: str
    measure: Callable[[bool], Awaitable[Measurement]]
    rule: Rule


# -- shared helpers ----------------------------------------------------------------


def _num(value: float) -> str:
    """A figure as a reader wants it in a sentence: 553, 31.6, 1.45, nan -> 'never'."""
    if math.isnan(value):
        return "never"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _relative_gap(first: float, second: float) -> float:
    """(second - first) relative to the larger of the two: > 0 when first is lower."""
    larger = max(abs(first), abs(second))
    return 0.0 if larger == 0 else (second - first) / larger


def _within(first: float, second: float, relative: float, absolute: float = 0.0) -> bool:
    """Whether two figures agree within a relative tolerance or an absolute one."""
    gap = abs(first - second)
    return gap <= absolute or gap <= relative * max(abs(first), abs(second))


def _median(values: Iterable[float]) -> float:
    data = list(values)
    return float(statistics.median(data)) if data else math.nan


def _percentile(values: Iterable[float], q: float) -> float:
    data = list(values)
    return float(pd.Series(data).quantile(q)) if data else math.nan


def _link(network: str = "4g", **overrides: Any) -> LinkSettings:
    return get_profile(network).link_settings(seed=0, **overrides)


class _Collector:
    """Runs a client in a task and keeps each delivered message, with the number
    of reconnects the client had made when it arrived (to tell the first
    connection's deliveries from those after a reconnect)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.messages: list[tuple[Message, int]] = []
        self.task: asyncio.Task[None] | None = None

    async def _consume(self) -> None:
        async for item in self.client:
            if isinstance(item, Message):
                self.messages.append((item, self.client.stats.reconnects))

    def start(self) -> _Collector:
        self.task = asyncio.create_task(self._consume())
        return self

    @property
    def seqs(self) -> set[int]:
        return {message.seq for message, _ in self.messages}

    @property
    def latencies(self) -> list[float]:
        return [m.latency_ms for m, _ in self.messages if m.latency_ms is not None]

    async def stop(self) -> None:
        await self.client.aclose()
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


@contextlib.asynccontextmanager
async def _collecting(clients: Sequence[Client]) -> AsyncIterator[list[_Collector]]:
    collectors = [_Collector(client).start() for client in clients]
    try:
        yield collectors
    finally:
        for collector in collectors:
            await collector.stop()


async def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait (polling every 10 ms) until `condition()`; TimeoutError names `what`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout * timeout_factor()
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def _connected(clients: Iterable[Client], timeout: float = 10.0) -> None:
    """Until every client has had its first response (the server has subscribed it)."""
    waiting = list(clients)
    await _until(lambda: all(c.stats.requests >= 1 for c in waiting), timeout, "clients")


async def _run_scenarios(scenarios: Sequence[Scenario]) -> Result:
    """Run scenarios one after another in this loop, numbered like `run_many` does."""
    results = []
    for number, scenario in enumerate(scenarios):
        result = await arun(scenario, progress=False)
        result.deliveries.insert(0, "run", number)
        result.runs.insert(0, "run", number)
        results.append(result)
    return functools.reduce(operator.add, results)


def _technique_bars(
    panels: Sequence[tuple[str, str, Mapping[str, float]]], title: str, techniques: Sequence[str]
) -> go.Figure:
    """One panel per measure (name, axis title, {technique: value}), two panels to a
    row, one coloured bar per technique, one legend entry per technique."""
    cols = min(2, len(panels))
    rows = math.ceil(len(panels) / cols)
    figure = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[name for name, _, _ in panels],
        horizontal_spacing=0.15,
        vertical_spacing=0.2,
    )
    for index, (_, axis, values) in enumerate(panels):
        row, col = index // cols + 1, index % cols + 1
        for technique in techniques:
            figure.add_bar(
                x=[technique],
                y=[values[technique]],
                name=technique,
                legendgroup=technique,
                showlegend=index == 0,
                marker_color=COLORS.get(technique),
                row=row,
                col=col,
            )
        figure.update_yaxes(title_text=axis, rangemode="tozero", row=row, col=col)
        figure.update_xaxes(title_text="technique", row=row, col=col)
    figure.update_layout(title=title, legend_title="technique", height=400 * rows)
    return figure


# -- 1. ranking: WebSocket > SSE > long polling > short polling ----------------------

RANKED = ("ws", "sse", "longpoll", "poll")
RANKING_RATE = 20.0  # messages/s: the standard comparison's rate, faster than a 4G RTT
RANKING_POLL_INTERVAL = 1.0  # the seeds' setInterval(..., 1000)
RANKING_TIE = 0.10  # two techniques within 10 % of each other are tied on a measure
RANKING_MEASURES = {"p50_ms": "median latency", "bytes_per_msg": "wire bytes per message"}


async def _measure_ranking(quick: bool) -> Measurement:
    duration = 1.5 if quick else 5.0
    scenarios = [
        Scenario(
            technique,
            rate=RANKING_RATE,
            duration=duration,
            network="4g",
            poll_interval=RANKING_POLL_INTERVAL,
            label=f"{technique}/4g/{RANKING_RATE:g}ps",
        )
        for technique in RANKED
    ]
    summary = (await _run_scenarios(scenarios)).summary().set_index("technique")
    figures = {
        f"{technique}_{measure}": float(summary.at[technique, measure])
        for technique in RANKED
        for measure in RANKING_MEASURES
    }
    figures["rate_per_s"] = RANKING_RATE
    figure = _technique_bars(
        [
            ("median latency", "median latency (ms)", {t: figures[f"{t}_p50_ms"] for t in RANKED}),
            (
                "wire bytes per message",
                "bytes on the wire per message (B, both ways)",
                {t: figures[f"{t}_bytes_per_msg"] for t in RANKED},
            ),
        ],
        f"The seeds' ranking on 4G at {RANKING_RATE:g} messages/s "
        f"(short polling every {RANKING_POLL_INTERVAL:g} s)",
        RANKED,
    )
    return figures, figure


def rule_ranking(figures: Mapping[str, float]) -> tuple[str, str]:
    """Each adjacent pair of the claimed order (ws, sse, longpoll, poll) on each
    measure: the first "beats" the second when it is lower by more than
    RANKING_TIE, ties within it, else the order is reversed. Holds if every
    step is a win on both measures; does not hold if none is; else depends."""
    steps: list[str] = []
    wins = 0
    for measure in RANKING_MEASURES:
        parts = []
        for first, second in itertools.pairwise(RANKED):
            gap = _relative_gap(figures[f"{first}_{measure}"], figures[f"{second}_{measure}"])
            if gap > RANKING_TIE:
                wins += 1
                parts.append(f"{first} beats {second}")
            elif gap < -RANKING_TIE:
                parts.append(f"{second} beats {first}")
            else:
                parts.append(f"{first} ≈ {second}")
        steps.append(f"{RANKING_MEASURES[measure]}: " + ", ".join(parts))
    total = len(RANKING_MEASURES) * (len(RANKED) - 1)
    verdict = "holds" if wins == total else "does not hold" if wins == 0 else "depends"
    latency = ", ".join(f"{t} {_num(figures[f'{t}_p50_ms'])}" for t in RANKED)
    size = ", ".join(f"{t} {_num(figures[f'{t}_bytes_per_msg'])}" for t in RANKED)
    evidence = (
        f"On 4G at {_num(figures['rate_per_s'])} msg/s, median latency (ms) was {latency} and "
        f"wire bytes per message {size}. The claimed order holds in {wins} of {total} steps "
        f"(ties within {RANKING_TIE:.0%}): " + "; ".join(steps) + "."
    )
    return verdict, evidence


# -- 2. SSE carries only text --------------------------------------------------------

BINARY_SIZES = (64, 1024, 16384)
BASE64_FACTOR = 4 / 3


@contextlib.asynccontextmanager
async def _binary_ws_server() -> AsyncIterator[str]:
    """A minimal WebSocket endpoint that answers `"SIZE COUNT SEED"` with COUNT
    binary frames of random bytes. rtlab's own protocol is JSON text only, so
    the binary frame a WebSocket could use instead of base64 needs its own
    server; the path starts with /ws/ so the relay counts it as WebSocket."""

    async def handler(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(compress=False)
        await socket.prepare(request)
        async for frame in socket:
            if frame.type == WSMsgType.TEXT:
                size, count, seed = map(int, frame.data.split())
                rng = random.Random(seed)
                for _ in range(count):
                    await socket.send_bytes(rng.randbytes(size))
        return socket

    app = web.Application()
    app.router.add_get("/ws/binary", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def _raw_bytes_survive_sse(payload: bytes) -> bool:
    """Whether raw bytes put in an SSE data field come out of a spec decoder unchanged."""
    events = SSEDecoder().feed(b"data: " + payload + b"\n\n")
    return len(events) == 1 and events[0].data.encode() == payload


async def _binary_frames_cost(url: str, relay: Relay, size: int, count: int) -> float:
    """Downstream wire bytes for `count` binary frames of `size` random bytes."""
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(url.replace("http", "ws", 1) + "/ws/binary") as socket,
    ):
        relay.reset_counters()  # leave the handshake out
        await socket.send_str(f"{size} {count} {size}")
        rng = random.Random(size)
        for _ in range(count):
            frame = await socket.receive(timeout=10 * timeout_factor())
            if frame.type != WSMsgType.BINARY or frame.data != rng.randbytes(size):
                raise RuntimeError(f"binary frame corrupted or missing: {frame.type}")
        return float(relay.totals()["ws"]["bytes_down"])


async def _measure_sse_binary(quick: bool) -> Measurement:
    count = 3 if quick else 20
    rng = random.Random(0)
    figures: Figures = {}
    intact = tries = 0
    async with (
        Lab() as lab,
        Relay.for_url(lab.url) as relay,
        _binary_ws_server() as binary_url,
        Relay.for_url(binary_url) as binary_relay,
    ):
        for size in BINARY_SIZES:
            topic = f"binary-{size}"
            clients: list[Client] = [
                SSEClient(relay.url, topic, after=0),
                WSClient(relay.url, topic, after=0),
            ]
            async with _collecting(clients) as collectors:
                await _connected(clients)
                relay.reset_counters()  # count the messages, not the handshakes
                payloads = [rng.randbytes(size) for _ in range(count)]
                for payload in payloads:
                    await lab.apublish(topic, base64.b64encode(payload).decode("ascii"))
                await _until(
                    lambda: all(len(c.messages) >= count for c in collectors), 10, "base64 copies"
                )
                for collector in collectors:
                    decoded = [base64.b64decode(m.data) for m, _ in collector.messages]
                    if decoded != payloads:
                        raise RuntimeError("a base64 payload did not survive the round trip")
            wire = relay.totals()
            sent = count * size
            figures[f"sse_per_byte_{size}"] = wire["sse"]["bytes_down"] / sent
            figures[f"ws_text_per_byte_{size}"] = wire["ws"]["bytes_down"] / sent
            binary = await _binary_frames_cost(binary_relay.url, binary_relay, size, count)
            figures[f"ws_binary_per_byte_{size}"] = binary / sent
            for payload in payloads:
                tries += 1
                intact += _raw_bytes_survive_sse(payload)
    figures["raw_sse_intact"] = intact / tries
    figures["raw_sse_tries"] = float(tries)
    return figures, _binary_figure(figures)


def _binary_figure(figures: Mapping[str, float]) -> go.Figure:
    figure = go.Figure()
    sizes = list(BINARY_SIZES)
    series = [
        ("sse_per_byte", "SSE: base64 text in the JSON envelope", COLORS["sse"], "solid"),
        ("ws_text_per_byte", "WebSocket text frame: the same base64", COLORS["ws"], "solid"),
        ("ws_binary_per_byte", "WebSocket binary frame: raw bytes", COLORS["ws"], "dash"),
    ]
    for prefix, name, color, dash in series:
        figure.add_scatter(
            x=sizes,
            y=[figures[f"{prefix}_{size}"] for size in sizes],
            name=name,
            mode="lines+markers",
            line={"color": color, "dash": dash},
        )
    figure.add_scatter(
        x=sizes,
        y=[BASE64_FACTOR] * len(sizes),
        name="base64 alone (4/3)",
        mode="lines",
        line={"color": "grey", "dash": "dot"},
    )
    figure.update_layout(
        title="Cost of sending random bytes: wire bytes per payload byte",
        xaxis_title="payload size (bytes, log scale)",
        yaxis_title="bytes on the wire per payload byte (log scale)",
        legend_title="how the bytes travel",
    )
    figure.update_xaxes(type="log", tickvals=sizes, ticktext=[f"{size:,}" for size in sizes])
    figure.update_yaxes(**LOG_AXIS)
    return figure


def rule_sse_binary(figures: Mapping[str, float]) -> tuple[str, str]:
    """Holds if raw random bytes never survive an SSE data field (so binary
    must be encoded) and the encoded payload costs at least base64's 4/3 on
    the SSE wire at every size; does not hold otherwise."""
    sse = [figures[f"sse_per_byte_{size}"] for size in BINARY_SIZES]
    text = [figures[f"ws_text_per_byte_{size}"] for size in BINARY_SIZES]
    binary = [figures[f"ws_binary_per_byte_{size}"] for size in BINARY_SIZES]
    holds = figures["raw_sse_intact"] == 0 and min(sse) >= BASE64_FACTOR * 0.999
    sizes = "/".join(f"{s:,}" for s in BINARY_SIZES)
    evidence = (
        f"Raw random bytes in an SSE data field came out intact in "
        f"{figures['raw_sse_intact']:.0%} of {figures['raw_sse_tries']:.0f} tries (UTF-8 decoding "
        f"and CR/LF alter them), so binary must be encoded: as base64 in rtlab's JSON envelope, "
        f"payloads of {sizes} B cost {' / '.join(map(_num, sse))} wire bytes per payload byte "
        f"over SSE (base64 alone is 1.33), {' / '.join(map(_num, text))} as WebSocket text, "
        f"and {' / '.join(map(_num, binary))} as raw WebSocket binary frames."
    )
    return ("holds" if holds else "does not hold"), evidence


# -- 3. SSE reconnects by itself, WebSocket does not ----------------------------------

RECONNECT_VARIANTS = {
    "sse": "SSE client (resumes with Last-Event-ID)",
    "ws": "WebSocket, rtlab's own reconnect + resume",
    "ws_plain": "WebSocket, no reconnect logic",
}


async def _measure_sse_reconnect(quick: bool) -> Measurement:
    rate, cut_at, duration = 20.0, 1.0, (3.0 if quick else 8.0)
    figures: Figures = {}
    async with Lab() as lab, Relay.for_url(lab.url, _link()) as relay:
        clients: dict[str, Client] = {
            "sse": SSEClient(relay.url, "reconnect-sse", after=0),
            "ws": WSClient(relay.url, "reconnect-ws", after=0),
            "ws_plain": WSClient(relay.url, "reconnect-ws-plain", after=0, reconnect=False),
        }
        topics = {name: client.topic for name, client in clients.items()}
        async with _collecting(list(clients.values())) as collectors:
            await _connected(clients.values())
            loop = asyncio.get_running_loop()
            start, start_ms, cut_ms = loop.time(), now_ms(), math.nan
            published = round(rate * duration)
            for index in range(published):
                await asyncio.sleep(max(0.0, start + index / rate - loop.time()))
                if math.isnan(cut_ms) and index / rate >= cut_at:
                    cut_ms = now_ms()
                    relay.cut_all()
                for topic in topics.values():
                    await lab.apublish(topic, index)
            recoverable = [c for n, c in zip(clients, collectors, strict=True) if n != "ws_plain"]
            with contextlib.suppress(TimeoutError):
                await _until(
                    lambda: all(len(c.seqs) >= published for c in recoverable), 10, "recovery"
                )
            by_name = dict(zip(clients, collectors, strict=True))
            for name, collector in by_name.items():
                after = [m.received for m, reconnects in collector.messages if reconnects >= 1]
                first = min((r for r in after if r is not None), default=math.nan)
                figures[f"{name}_lost"] = float(published - len(collector.seqs))
                figures[f"{name}_recover_ms"] = first - cut_ms
                figures[f"{name}_reconnects"] = float(collector.client.stats.reconnects)
            sse = clients["sse"]
            assert isinstance(sse, SSEClient)
            figures["server_retry_ms"] = float(sse.server_retry_ms or math.nan)
    figures["published"] = float(published)
    figures["cut_at_s"] = cut_at
    figures |= await _browser_reconnect_figures()
    return figures, _reconnect_figure(by_name, start_ms, cut_ms)


async def _browser_reconnect_figures() -> Figures:
    """What a page's own `EventSource` and a plain `WebSocket` do when the server
    drops them, in headless Chromium (`rtlab.studies.browser_checks`); nothing when no
    Chromium is installed, and the claim then says it needs browser evidence."""
    from rtlab.studies import browser, browser_checks

    try:
        async with browser.launch() as chromium:
            result = await browser_checks.eventsource_reconnect(chromium)
    except browser.BrowserUnavailable:
        return {}
    return browser_checks.claim_figures(result)


def _reconnect_figure(
    collectors: Mapping[str, _Collector], start_ms: float, cut_ms: float
) -> go.Figure:
    figure = go.Figure()
    styles = {  # (colour, symbol): SSE and rtlab's WS overlap until the cut
        "sse": (COLORS["sse"], "circle-open"),
        "ws": (COLORS["ws"], "x-thin-open"),
        "ws_plain": ("grey", "circle"),
    }
    for name, collector in collectors.items():
        points = [(m.received, m.seq) for m, _ in collector.messages if m.received is not None]
        figure.add_scatter(
            x=[(received - start_ms) / 1000 for received, _ in points],
            y=[seq for _, seq in points],
            mode="markers",
            name=RECONNECT_VARIANTS[name],
            marker={"color": styles[name][0], "symbol": styles[name][1], "size": 7},
        )
    top = max((m.seq for c in collectors.values() for m, _ in c.messages), default=1)
    figure.add_scatter(
        x=[(cut_ms - start_ms) / 1000] * 2,
        y=[0, top],
        mode="lines",
        name="the relay cuts every connection",
        line={"color": "black", "dash": "dash"},
    )
    figure.update_layout(
        title="Deliveries around a cut of every connection (4G link)",
        xaxis_title="time since publishing started (s)",
        yaxis_title="message seq delivered",
        legend_title="client",
    )
    return figure


def rule_sse_reconnect(figures: Mapping[str, float]) -> tuple[str, str]:
    """Python clients show only the protocol side (rtlab's SSE client is
    EventSource-like, not EventSource), so the verdict needs the browser's
    figures: `browser_eventsource_recovered` and `browser_ws_recovered` (1 or 0,
    measured without any reconnect code in the page). With them: holds if
    EventSource recovered and the plain WebSocket did not; does not hold if
    EventSource did not recover; depends otherwise."""
    evidence = (
        f"After the relay cut every connection, rtlab's SSE client lost "
        f"{_num(figures['sse_lost'])} of {_num(figures['published'])} messages and delivered "
        f"again {_num(figures['sse_recover_ms'])} ms later, resuming with Last-Event-ID "
        f"after waiting the server's retry of {_num(figures['server_retry_ms'])} ms, as an "
        f"EventSource does; a WebSocket client "
        f"with no reconnect "
        f"logic lost {_num(figures['ws_plain_lost'])} and never recovered, while rtlab's "
        f"WSClient, which implements reconnect + resume itself, lost {_num(figures['ws_lost'])} "
        f"and recovered after {_num(figures['ws_recover_ms'])} ms."
    )
    browser_keys = ("browser_eventsource_recovered", "browser_ws_recovered")
    if not all(key in figures for key in browser_keys):
        return "needs browser evidence", evidence + " What EventSource does is not measured here."
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


# -- 4. an idle WebSocket is dropped, so heartbeats are needed -------------------------

IDLE_TIMEOUT = 1.0  # s: the relay closes a connection silent for this long
IDLE_HEARTBEAT = 0.3  # s: the server's ping interval when heartbeats are on
IDLE_OFF = 3600.0  # s: "heartbeat off" (no ping within the run)
IDLE_CONDITIONS = {
    "no_hb": ("idle-timeout intermediary, no heartbeat", IDLE_OFF, IDLE_TIMEOUT),
    "hb": (
        f"idle-timeout intermediary, ping every {IDLE_HEARTBEAT:g} s",
        IDLE_HEARTBEAT,
        IDLE_TIMEOUT,
    ),
    "direct": ("no idle timeout on the path, no heartbeat", IDLE_OFF, None),
}


async def _idle_condition(heartbeat: float, idle_timeout: float | None, seconds: float) -> Figures:
    async with (
        Lab(heartbeat=heartbeat) as lab,
        Relay.for_url(lab.url, _link(idle_timeout=idle_timeout)) as relay,
    ):
        client = WSClient(relay.url, "idle", after=0)
        async with _collecting([client]):
            await _connected([client])
            await asyncio.sleep(seconds)  # nothing is published: the socket is idle
        ws = relay.totals().get("ws", {})
        return {
            "idle_closes": float(ws.get("idle_closes", 0)),
            "reconnects": float(client.stats.reconnects),
            "connections": float(ws.get("connections", 0)),
        }


async def _measure_ws_idle(quick: bool) -> Measurement:
    seconds = 3.0 if quick else 10.0
    outcomes = await asyncio.gather(
        *(
            _idle_condition(heartbeat, timeout, seconds)
            for _, heartbeat, timeout in IDLE_CONDITIONS.values()
        )
    )
    figures: Figures = {
        f"{name}_{measure}": value
        for name, outcome in zip(IDLE_CONDITIONS, outcomes, strict=True)
        for measure, value in outcome.items()
    }
    figures |= {"idle_timeout_s": IDLE_TIMEOUT, "heartbeat_s": IDLE_HEARTBEAT, "seconds": seconds}
    figure = go.Figure()
    labels = [label for label, _, _ in IDLE_CONDITIONS.values()]
    for measure, name in (("idle_closes", "closed for idleness"), ("reconnects", "reconnects")):
        figure.add_bar(
            x=labels, y=[figures[f"{key}_{measure}"] for key in IDLE_CONDITIONS], name=name
        )
    figure.update_layout(
        title=f"An idle WebSocket for {seconds:g} s (intermediary idle timeout {IDLE_TIMEOUT:g} s)",
        xaxis_title="condition",
        yaxis_title="count over the run (connections)",
        legend_title="measure",
        barmode="group",
    )
    return figures, figure


def rule_ws_idle(figures: Mapping[str, float]) -> tuple[str, str]:
    """Does not hold if even an idle-timeout intermediary left the silent socket
    alone; holds if the socket was dropped on a direct path too; depends (the
    expected outcome) if it was dropped only where an intermediary enforces an
    idle timeout, and heartbeats prevented that."""
    dropped, with_hb, direct = (
        figures["no_hb_idle_closes"],
        figures["hb_idle_closes"],
        figures["direct_idle_closes"] + figures["direct_reconnects"],
    )
    if dropped == 0:
        verdict = "does not hold"
    elif direct > 0:
        verdict = "holds"
    else:
        verdict = "depends"
    evidence = (
        f"In {_num(figures['seconds'])} s with no messages, an intermediary with a "
        f"{_num(figures['idle_timeout_s'])} s idle timeout closed the silent WebSocket "
        f"{_num(dropped)} times ({_num(figures['no_hb_reconnects'])} reconnects) without "
        f"heartbeat, {_num(with_hb)} times with a ping every {_num(figures['heartbeat_s'])} s, "
        f"and a path without idle timeout dropped it {_num(direct)} times: the drop comes from "
        f"intermediaries (proxies, NAT, load balancers), not from WebSocket itself."
    )
    if with_hb > 0:
        evidence += " The heartbeat did not prevent every drop at this interval."
    return verdict, evidence


# -- 5. upstream rate: WebSocket vs SSE + separate POSTs --------------------------------

UPSTREAM_RATES_FULL = (0.1, 0.2, 1.0, 5.0)
UPSTREAM_RATES_QUICK = (0.2, 1.0, 5.0)
UPSTREAM_HIGH, UPSTREAM_LOW = 1.0, 0.2  # the claim's thresholds (messages/s)
UPSTREAM_BYTES_TOL = 0.10  # bytes per message differ when apart by more than 10 %
UPSTREAM_MS_TOL = (0.10, 5.0)  # latency differs when apart by more than 10 % and 5 ms


def _upstream_count(rate: float, quick: bool) -> int:
    if quick:
        return max(2, min(5, round(rate * 5)))
    return max(3, round(rate * 20))


async def _upstream_one(lab: Lab, rate: float, design: str, count: int) -> Figures:
    """Send `count` upstream messages at `rate` through a 4G relay, with the
    sender's own downstream open as a real client's would be (WS: the same
    socket; POST design: an SSE stream). Bytes: everything on the sender's link
    per message after the connections are set up; latency: send to arrival at
    a subscriber on loopback, so only the upstream path is timed."""
    topic = f"up-{design}-{rate:g}"
    async with (
        Relay.for_url(lab.url, _link()) as relay,
        aiohttp.ClientSession() as http,
    ):
        sender: Client = (
            WSClient(relay.url, topic, after=0)
            if design == "ws"
            else SSEClient(relay.url, topic, after=0)
        )
        subscriber = SSEClient(lab.url, topic, after=0)
        async with _collecting([sender, subscriber]) as (echo, watcher):
            await _connected([sender, subscriber])
            sent: dict[int, float] = {}

            async def send(index: int) -> None:
                sent[index] = now_ms()
                if isinstance(sender, WSClient):
                    await sender.publish({"k": index})
                    return
                async with http.post(f"{relay.url}/publish/{topic}", json={"k": index}) as answer:
                    await answer.read()
                    if answer.status != 201:
                        raise RuntimeError(f"POST /publish answered {answer.status}")

            def arrived() -> dict[int, float]:
                return {
                    m.data["k"]: m.received for m, _ in watcher.messages if m.received is not None
                }

            cold = math.nan
            if design == "post":  # open the keep-alive connection, timing its first use
                await send(-1)
                await _until(lambda: -1 in arrived(), 10, "the first POST")
                cold = arrived()[-1] - sent[-1]
                await _until(lambda: len(echo.seqs) >= 1, 10, "the first POST's echo")
            relay.reset_counters()
            loop = asyncio.get_running_loop()
            start = loop.time()
            for index in range(count):
                await asyncio.sleep(max(0.0, start + index / rate - loop.time()))
                await send(index)
            await _until(lambda: len(arrived()) >= len(sent), 10, "upstream messages")
            await _until(lambda: len(echo.seqs) >= len(sent), 10, "the sender's echo")
            times = arrived()
            latencies = [times[k] - sent[k] for k in range(count)]
        wire = relay.totals()
        total = sum(row["bytes_up"] + row["bytes_down"] for row in wire.values())
    return {"bytes": total / count, "p50_ms": _median(latencies), "cold_ms": cold}


async def _measure_upstream_rate(quick: bool) -> Measurement:
    rates = UPSTREAM_RATES_QUICK if quick else UPSTREAM_RATES_FULL
    combos = [(rate, design) for rate in rates for design in ("ws", "post")]
    async with Lab() as lab:
        outcomes = await asyncio.gather(
            *(
                _upstream_one(lab, rate, design, _upstream_count(rate, quick))
                for rate, design in combos
            )
        )
    figures: Figures = {}
    for (rate, design), outcome in zip(combos, outcomes, strict=True):
        figures[f"{design}_bytes@{rate:g}"] = outcome["bytes"]
        figures[f"{design}_p50_ms@{rate:g}"] = outcome["p50_ms"]
    figures["post_cold_ms"] = _median(
        o["cold_ms"] for (_, d), o in zip(combos, outcomes, strict=True) if d == "post"
    )
    return figures, _upstream_figure(figures, rates)


def _rates_in(figures: Mapping[str, float]) -> list[float]:
    return sorted(float(key.split("@")[1]) for key in figures if key.startswith("ws_bytes@"))


def _upstream_figure(figures: Mapping[str, float], rates: Sequence[float]) -> go.Figure:
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=["bytes per upstream message", "send → subscriber median latency"],
    )
    designs = {
        "ws": ("WebSocket (one socket)", COLORS["ws"]),
        "post": ("SSE + POST", COLORS["sse"]),
    }
    for col, measure in enumerate(("bytes", "p50_ms"), start=1):
        for design, (name, color) in designs.items():
            figure.add_scatter(
                x=list(rates),
                y=[figures[f"{design}_{measure}@{rate:g}"] for rate in rates],
                name=name,
                legendgroup=design,
                showlegend=col == 1,
                mode="lines+markers",
                line={"color": color},
                row=1,
                col=col,
            )
        figure.update_xaxes(
            title_text="upstream messages per second (log scale)",
            type="log",
            tickvals=list(rates),
            ticktext=[f"{rate:g}" for rate in rates],
            row=1,
            col=col,
        )
        figure.update_yaxes(rangemode="tozero", row=1, col=col)
    figure.update_yaxes(title_text="wire bytes per message (B, both ways)", row=1, col=1)
    figure.update_yaxes(title_text="median latency (ms)", row=1, col=2)
    figure.update_layout(
        title="Client → server messages on 4G: WebSocket vs SSE + separate POSTs",
        legend_title="design",
    )
    return figure


def rule_upstream_rate(figures: Mapping[str, float]) -> tuple[str, str]:
    """At each rate the designs differ if their bytes per message are more than
    UPSTREAM_BYTES_TOL apart or their median latencies more than
    UPSTREAM_MS_TOL. The claim predicts a difference at >= 1/s and none at
    <= 0.2/s: holds if so; does not hold if every rate differs (the cost is per
    message, no threshold) or none does; depends otherwise."""
    rates = _rates_in(figures)
    differs: dict[float, bool] = {}
    for rate in rates:
        same_bytes = _within(
            figures[f"ws_bytes@{rate:g}"], figures[f"post_bytes@{rate:g}"], UPSTREAM_BYTES_TOL
        )
        same_latency = _within(
            figures[f"ws_p50_ms@{rate:g}"], figures[f"post_p50_ms@{rate:g}"], *UPSTREAM_MS_TOL
        )
        differs[rate] = not (same_bytes and same_latency)
    high = [differs[r] for r in rates if r >= UPSTREAM_HIGH]
    low = [differs[r] for r in rates if r <= UPSTREAM_LOW]
    if high and low and all(high) and not any(low):
        verdict = "holds"
    elif all(differs.values()) or not any(differs.values()):
        verdict = "does not hold"
    else:
        verdict = "depends"
    extra = [figures[f"post_bytes@{r:g}"] - figures[f"ws_bytes@{r:g}"] for r in rates]
    ws_lat = [figures[f"ws_p50_ms@{r:g}"] for r in rates]
    post_lat = [figures[f"post_p50_ms@{r:g}"] for r in rates]
    ws_b = [figures[f"ws_bytes@{r:g}"] for r in rates]
    post_b = [figures[f"post_bytes@{r:g}"] for r in rates]
    which = ", ".join(f"{_num(r)}/s" for r in rates if differs[r]) or "no rate"

    def span(values: Sequence[float]) -> str:
        low, high = _num(min(values)), _num(max(values))
        return low if low == high else f"{low}–{high}"

    evidence = (
        f"Per upstream message (rates {', '.join(_num(r) for r in rates)}/s on 4G), WebSocket "
        f"cost {span(ws_b)} wire bytes and SSE + POST {span(post_b)} (+{span(extra)} B, i.e. "
        f"+{_num(extra[0] * rates[0])} B/s at {_num(rates[0])}/s, "
        f"+{_num(extra[-1] * rates[-1])} B/s at {_num(rates[-1])}/s), and median send-to-"
        f"subscriber latency was {span(ws_lat)} vs {span(post_lat)} ms on a warm keep-alive "
        f"connection (the first POST, opening it: {_num(figures['post_cold_ms'])} ms). The "
        f"designs differ beyond tolerance at {which}, so the gap is per message, not a "
        f"threshold between 0.2 and 1/s."
        if verdict == "does not hold" and all(differs.values())
        else f"Per upstream message (rates {', '.join(_num(r) for r in rates)}/s on 4G), WebSocket "
        f"cost {span(ws_b)} wire bytes and SSE + POST {span(post_b)}; median send-to-subscriber "
        f"latency {span(ws_lat)} vs {span(post_lat)} ms (first POST: "
        f"{_num(figures['post_cold_ms'])} ms). The designs differ beyond tolerance at {which}."
    )
    return verdict, evidence


# -- 6. SSE and WebSocket do not differ for text ---------------------------------------

TEXT_TOLERANCES = {  # measure: (relative, absolute) tolerance; within either is "no difference"
    "p50_ms": (0.10, 2.0),
    "p99_ms": (0.20, 5.0),
    "bytes_per_msg": (0.10, 0.0),
    "server_cpu_s": (0.25, 0.05),
}
TEXT_LABELS = {
    "p50_ms": ("median latency", "ms"),
    "p99_ms": ("p99 latency", "ms"),
    "bytes_per_msg": ("wire bytes per message", "B"),
    "server_cpu_s": ("server CPU", "s"),
}


async def _measure_sse_vs_ws_text(quick: bool) -> Measurement:
    clients, duration = (10, 1.5) if quick else (20, 5.0)
    scenarios = [
        Scenario(
            technique,
            clients=clients,
            rate=20.0,
            duration=duration,
            network="4g",
            server="process",
            label=f"{technique}/4g/{clients}clients",
        )
        for technique in ("sse", "ws")
    ]
    summary = (await _run_scenarios(scenarios)).summary().set_index("technique")
    figures = {
        f"{technique}_{measure}": float(summary.at[technique, measure])
        for technique in ("sse", "ws")
        for measure in TEXT_TOLERANCES
    }
    figures |= {"clients": float(clients), "rate_per_s": 20.0, "duration_s": duration}
    return figures, _text_figure(figures)


def _text_figure(figures: Mapping[str, float]) -> go.Figure:
    """One panel per measure of TEXT_LABELS; a server CPU counted in clock ticks
    gets error bars of one tick, so that 6 ticks against 7 do not read as a gap."""
    figure = _technique_bars(
        [
            (label, f"{label} ({unit})", {t: figures[f"{t}_{measure}"] for t in ("sse", "ws")})
            for measure, (label, unit) in TEXT_LABELS.items()
        ],
        f"SSE vs WebSocket for text: {_num(figures['clients'])} clients, "
        f"{_num(figures['rate_per_s'])} msg/s, 4G, server in its own process",
        ("sse", "ws"),
    )
    cpu = pd.Series([figures["sse_server_cpu_s"], figures["ws_server_cpu_s"]])
    if resolved_cpu(cpu).isna().any():
        panel = list(TEXT_LABELS).index("server_cpu_s")
        figure.update_traces(
            error_y={"type": "constant", "value": CPU_TICK_S},
            selector={"xaxis": f"x{panel + 1}"},
        )
        figure.layout.annotations[
            panel
        ].text = f"server CPU (± one {CPU_TICK_S * 1000:g} ms clock tick)"
    return figure


def rule_sse_vs_ws_text(figures: Mapping[str, float]) -> tuple[str, str]:
    """Holds if SSE and WebSocket agree on every measure within TEXT_TOLERANCES
    (relative or absolute); otherwise does not hold, naming what differs."""
    parts, differing = [], []
    for measure, (relative, absolute) in TEXT_TOLERANCES.items():
        sse, ws = figures[f"sse_{measure}"], figures[f"ws_{measure}"]
        label, unit = TEXT_LABELS[measure]
        part = f"{label} SSE {_num(sse)} vs WS {_num(ws)} {unit}"
        if not _within(sse, ws, relative, absolute):
            differing.append(
                f"{label} ({_relative_gap(ws, sse):+.0%}, {sse - ws:+.3g} {unit} for SSE)"
            )
        parts.append(part)
    tolerance = ", ".join(
        f"{TEXT_LABELS[m][0]} {r:.0%}" + (f" or {_num(a)} {TEXT_LABELS[m][1]}" if a else "")
        for m, (r, a) in TEXT_TOLERANCES.items()
    )
    evidence = (
        f"{_num(figures['clients'])} clients at {_num(figures['rate_per_s'])} msg/s on 4G: "
        + "; ".join(parts)
        + f" (tolerances: {tolerance}). "
        + (
            "Differs: " + ", ".join(differing) + "; the rest agree."
            if differing
            else "All agree within tolerance."
        )
    )
    return ("does not hold" if differing else "holds"), evidence


# -- 7. a long-poll server that checks once a second ------------------------------------

CHECK_INTERVAL = 1.0  # s: seed 002's setTimeout(checkData, 1000)
CHECK_HOLDS_MS = 50.0  # extra median latency at most this (or 10 % of the interval): holds
CHECK_FAILS_SHARE = 0.25  # extra median latency of a quarter interval or more: does not hold


async def _measure_longpoll_check(quick: bool) -> Measurement:
    rate, count = (3.0, 15) if quick else (1.0, 20)
    rng = random.Random(0)
    gaps = [rng.uniform(0.5, 1.5) / rate for _ in range(count)]
    async with (
        Lab() as event_lab,
        Lab(longpoll_check_interval=CHECK_INTERVAL) as check_lab,
        Relay.for_url(event_lab.url, _link()) as event_relay,
        Relay.for_url(check_lab.url, _link()) as check_relay,
    ):
        clients = [
            LongPollClient(event_relay.url, "check", after=0),
            LongPollClient(check_relay.url, "check", after=0),
        ]
        async with _collecting(clients) as (event, check):
            # A long poll is answered only when data comes: ready once both are held.
            await _until(
                lambda: all(
                    lab.metrics()["longpoll"]["open"] >= 1 for lab in (event_lab, check_lab)
                ),
                10,
                "held long polls",
            )
            for index, gap in enumerate(gaps):
                await asyncio.sleep(gap)
                await asyncio.gather(
                    event_lab.apublish("check", index), check_lab.apublish("check", index)
                )
            await _until(
                lambda: len(event.seqs) >= count and len(check.seqs) >= count,
                CHECK_INTERVAL + 10,
                "long-poll deliveries",
            )
            latencies = {"event": event.latencies, "check": check.latencies}
    figures: Figures = {
        "event_p50_ms": _median(latencies["event"]),
        "check_p50_ms": _median(latencies["check"]),
        "event_p99_ms": _percentile(latencies["event"], 0.99),
        "check_p99_ms": _percentile(latencies["check"], 0.99),
        "interval_s": CHECK_INTERVAL,
        "messages": float(count),
        "rate_per_s": rate,
    }
    figure = go.Figure()
    names = {
        "event": "event-driven wait (rtlab default)",
        "check": f"check every {CHECK_INTERVAL:g} s (seed 002)",
    }
    for name, values in latencies.items():
        ordered = sorted(values)
        figure.add_scatter(
            x=ordered,
            y=[(i + 1) / len(ordered) for i in range(len(ordered))],
            mode="lines+markers",
            line_shape="hv",
            name=names[name],
        )
    figure.update_layout(
        title=f"Long-poll latency on 4G, messages at random ~{rate:g}/s",
        xaxis_title="latency: receive − publish (ms)",
        yaxis_title="fraction of messages delivered",
        legend_title="server",
    )
    return figures, figure


def rule_longpoll_check(figures: Mapping[str, float]) -> tuple[str, str]:
    """The claim, as seed 002 states it, is that such a server still answers as
    soon as data arrives. Holds if checking adds at most CHECK_HOLDS_MS (or 10 %
    of the interval) to the median latency; does not hold if it adds a quarter
    of the interval or more; depends in between."""
    interval_ms = figures["interval_s"] * 1000
    extra = figures["check_p50_ms"] - figures["event_p50_ms"]
    if extra <= max(CHECK_HOLDS_MS, 0.1 * interval_ms):
        verdict = "holds"
    elif extra >= CHECK_FAILS_SHARE * interval_ms:
        verdict = "does not hold"
    else:
        verdict = "depends"
    evidence = (
        f"Checking every {_num(figures['interval_s'])} s, the median latency was "
        f"{_num(figures['check_p50_ms'])} ms (p99 {_num(figures['check_p99_ms'])}) against "
        f"{_num(figures['event_p50_ms'])} ms (p99 {_num(figures['event_p99_ms'])}) for the "
        f"event-driven wait: {_num(extra)} ms more, since a message waits for the next check "
        f"(half the interval on average; {_num(figures['messages'])} messages on 4G)."
    )
    return verdict, evidence


# -- 8. once connected, the browser keeps asking an SSE server ---------------------------


async def _sse_requests_over_time(
    lab: Lab, seconds: float, rate: float
) -> tuple[Figures, list[tuple[float, int]]]:
    """One SSE client through a 4G relay while messages flow; samples its request
    count every 0.1 s. Returns its figures and (time s, requests) samples."""
    async with Relay.for_url(lab.url, _link()) as relay:
        client = SSEClient(relay.url, "periodic", after=0)
        async with _collecting([client]) as (collector,):
            await _connected([client])
            await _until(lambda: relay.totals().get("sse") is not None, 10, "the SSE connection")
            first_request_bytes = relay.totals()["sse"]["bytes_up"]
            loop = asyncio.get_running_loop()
            start, samples, published = loop.time(), [(0.0, client.stats.requests)], 0
            while (elapsed := loop.time() - start) < seconds:
                if published < elapsed * rate:
                    await lab.apublish("periodic", published)
                    published += 1
                await asyncio.sleep(0.1 / max(1.0, rate / 10))
                samples.append((loop.time() - start, client.stats.requests))
            await asyncio.sleep(0.2)  # the last messages cross the link
            sse = relay.totals()["sse"]
            figures = {
                "requests": float(client.stats.requests),
                "bytes_up_after_first": float(sse["bytes_up"] - first_request_bytes),
                "connections": float(sse["connections"]),
                "delivered": float(len(collector.seqs)),
                "published": float(published),
            }
    return figures, samples


async def _measure_sse_periodic_requests(quick: bool) -> Measurement:
    seconds, rate = (3.0, 10.0) if quick else (15.0, 10.0)
    async with Lab() as lab, Lab(drop_every=1, retry_ms=500) as closing_lab:
        (figures, samples), (closing, closing_samples) = await asyncio.gather(
            _sse_requests_over_time(lab, seconds, rate),
            _sse_requests_over_time(closing_lab, seconds, rate),
        )
    figures |= {
        "closing_server_requests": closing["requests"],
        "seconds": seconds,
        "rate_per_s": rate,
    }
    figure = go.Figure()
    for name, points in (
        ("rtlab SSE server (the response stays open)", samples),
        ("a server that ends the response after each event (seed 001's example)", closing_samples),
    ):
        figure.add_scatter(
            x=[t for t, _ in points],
            y=[n for _, n in points],
            mode="lines",
            line_shape="hv",
            name=name,
        )
    figure.update_layout(
        title=f"HTTP requests made by an SSE client while {rate:g} messages/s flow",
        xaxis_title="time since connected (s)",
        yaxis_title="requests made so far (count)",
        yaxis_rangemode="tozero",
        legend_title="server",
    )
    return figures, figure


def rule_sse_periodic_requests(figures: Mapping[str, float]) -> tuple[str, str]:
    """Does not hold if the client made one request, on one connection, and sent
    nothing more upstream while messages flowed; holds if it sent further
    requests (more than one per 10 s) on its own; depends otherwise."""
    requests, up, connections = (
        figures["requests"],
        figures["bytes_up_after_first"],
        figures["connections"],
    )
    if requests == 1 and up == 0 and connections == 1:
        verdict = "does not hold"
    elif requests - 1 > figures["seconds"] / 10 and up > 0:
        verdict = "holds"
    else:
        verdict = "depends"
    evidence = (
        f"Over {_num(figures['seconds'])} s with {_num(figures['rate_per_s'])} messages/s flowing, "
        f"the SSE client made {_num(requests)} request(s) on {_num(connections)} connection(s) "
        f"and sent {_num(up)} bytes upstream after its first request; repeated requests appear "
        f"only when the server ends the response ({_num(figures['closing_server_requests'])} "
        f"requests against a server that closes after each event, like seed 001's example). "
        f"What a browser's EventSource sends is checked in the browser notebook."
    )
    return verdict, evidence


# -- the claims --------------------------------------------------------------------------

CLAIMS: dict[str, Claim] = {
    claim.key: claim
    for claim in (
        Claim(
            "ranking",
            "For performance, WebSocket > SSE > long polling > short polling.",
            "seed 000, 002",
            _measure_ranking,
            rule_ranking,
        ),
        Claim(
            "sse_binary",
            "SSE only carries text; binary data must be encoded, which makes it bigger.",
            "seed 002, 003",
            _measure_sse_binary,
            rule_sse_binary,
        ),
        Claim(
            "sse_reconnect",
            "SSE reconnects by itself; WebSocket needs manual reconnection.",
            "seed 001, 002, 004",
            _measure_sse_reconnect,
            rule_sse_reconnect,
        ),
        Claim(
            "ws_idle",
            "A WebSocket left without messages for long is dropped, so heartbeats are needed.",
            "seed 004",
            _measure_ws_idle,
            rule_ws_idle,
        ),
        Claim(
            "upstream_rate",
            "Above ~1 client→server message per second WebSocket beats SSE + separate "
            "POSTs; below ~0.2/s they don't differ.",
            "seed 003",
            _measure_upstream_rate,
            rule_upstream_rate,
        ),
        Claim(
            "sse_vs_ws_text",
            "For text, SSE and WebSocket don't differ in latency, bandwidth or server load.",
            "seed 003",
            _measure_sse_vs_ws_text,
            rule_sse_vs_ws_text,
        ),
        Claim(
            "longpoll_check",
            "A long-poll server can check for new data once a second (and still answer as "
            "soon as data arrives).",
            "seed 002",
            _measure_longpoll_check,
            rule_longpoll_check,
        ),
        Claim(
            "sse_periodic_requests",
            "Once SSE is connected, the browser keeps asking the server periodically.",
            "seed 001",
            _measure_sse_periodic_requests,
            rule_sse_periodic_requests,
        ),
    )
}


async def _aevaluate(key: str, quick: bool) -> ClaimResult:
    try:
        claim = CLAIMS[key]
    except KeyError:
        raise ValueError(f"unknown claim {key!r}; choose one of {', '.join(CLAIMS)}") from None
    figures, figure = await claim.measure(quick)
    verdict, evidence = claim.rule(figures)
    if verdict not in VERDICTS:
        raise RuntimeError(f"rule for {key!r} gave verdict {verdict!r}, not one of {VERDICTS}")
    return ClaimResult(key, claim.claim, claim.source, verdict, evidence, figures, figure)


def evaluate(key: str, quick: bool | None = None) -> ClaimResult:
    """Measure one claim and judge it (quick=None: `RTLAB_QUICK`, see `quick_mode`)."""
    return run_sync(_aevaluate(key, quick_mode() if quick is None else quick))


async def _aevaluate_all(quick: bool, bar: Any) -> list[ClaimResult]:
    """Each claim in turn, stepping `bar` once per claim and naming the one running."""
    results = []
    for key in CLAIMS:
        bar.set_postfix_str(key)
        results.append(await _aevaluate(key, quick))
        bar.update(1)
    bar.set_postfix_str("")  # done: the full bar says it
    return results


def evaluate_all(quick: bool | None = None, progress: bool = True) -> list[ClaimResult]:
    """Every claim, one after another so that no run disturbs another's timing.

    With `progress`, a bar steps once per claim and names the one running; it
    ends complete (green in JupyterLab) once every claim has run, and stops
    where it was (red) if one fails. The bar is made here, in the caller's
    thread, so it shows in the cell that called even when `run_sync` runs the
    claims on a worker thread.
    """
    chosen = quick_mode() if quick is None else quick
    with progress_bar(total=len(CLAIMS), desc="claims", unit="claim", disable=not progress) as bar:
        return run_sync(_aevaluate_all(chosen, bar))


def table(results: Iterable[ClaimResult]) -> TextTable:
    """Claim, source, verdict and evidence, one row per claim (indexed by key),
    shown whole: the claim and the evidence wrap, nothing is cut. `.data` is
    the frame."""
    rows = [
        {
            "key": r.key,
            "claim": r.claim,
            "source": r.source,
            "verdict": r.verdict,
            "evidence": r.evidence,
        }
        for r in results
    ]
    frame = pd.DataFrame(rows, columns=["key", "claim", "source", "verdict", "evidence"])
    return TextTable(frame.set_index("key"), wrap=("claim", "evidence"))
