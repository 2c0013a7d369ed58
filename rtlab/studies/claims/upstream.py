"""Seed 003: above ~1 client→server message per second WebSocket beats SSE +
separate POSTs; below ~0.2/s they don't differ. Measured at upstream rates
from 0.1 to 10 per second on 4G: for each design, the send-to-subscriber
latency, the new TCP connections opened per upstream message, and the wire
bytes per message.

Wire bytes per message do not depend on the rate (a POST carries its HTTP
head whether it comes every 10 ms or every 10 s), so they cannot place a
threshold between rates; they are reported, not judged. What does depend on
the rate is whether the POSTs find their keep-alive connection still open:
a server closes one left idle for its keep-alive timeout, and the next POST
pays a new connection (a round trip before its first byte). The POSTs go
through their own relay, which closes a connection idle for
UPSTREAM_KEEPALIVE (5 s, the default of Node.js's `server.keepAliveTimeout`
and of Apache httpd's `KeepAliveTimeout`; nginx's 75 s would move the
crossover to 1/75 per second). That timeout is a parameter of the
measurement; rates straddle 1/5 s without sitting on it. Each design waits
one interval before its first message, so every message follows a full gap.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Mapping, Sequence

import aiohttp

from rtlab.clients import Client, SSEClient, WSClient
from rtlab.lab import Lab
from rtlab.message import now_ms
from rtlab.netem import Relay
from rtlab.runs.record import recording
from rtlab.runs.schedule import Schedule
from rtlab.runs.stats import median
from rtlab.studies.claims.base import Measured, Measurement, num, within
from rtlab.studies.claims.harness import connected, link, until

__all__ = [
    "UPSTREAM_KEEPALIVE",
    "UPSTREAM_RATES_FULL",
    "UPSTREAM_RATES_QUICK",
    "measure_upstream_rate",
    "rates_in",
    "rule_upstream_rate",
    "upstream_one",
]

UPSTREAM_RATES_FULL = (0.1, 0.15, 0.5, 1.0, 2.0, 5.0, 10.0)
UPSTREAM_RATES_QUICK = (0.15, 1.0, 10.0)
UPSTREAM_HIGH, UPSTREAM_LOW = 1.0, 0.2  # the claim's thresholds (messages/s)
UPSTREAM_KEEPALIVE = 5.0  # s: the server closes a keep-alive connection idle this long
UPSTREAM_MS_TOL = (0.10, 5.0)  # latency differs when apart by more than 10 % and 5 ms
UPSTREAM_NEW_CONNECTIONS = 0.5  # a new connection for half the messages or more: differs


def _upstream_count(rate: float, quick: bool) -> int:
    if quick:
        return max(2, min(5, round(rate * 5)))
    return max(3, round(rate * 20))


class _Sender:
    """Sends upstream message `{"k": index}` by `design` ("ws": on the sender's
    own WebSocket; "post": a POST /publish through the relay), noting when."""

    def __init__(self, client: Client, http: aiohttp.ClientSession, url: str) -> None:
        self.client, self.http, self.url = client, http, url
        self.sent: dict[int, float] = {}

    async def send(self, index: int) -> None:
        self.sent[index] = now_ms()
        if isinstance(self.client, WSClient):
            await self.client.publish({"k": index})
            return
        async with self.http.post(self.url, json={"k": index}) as answer:
            await answer.read()
            if answer.status != 201:
                raise RuntimeError(f"POST /publish answered {answer.status}")


async def upstream_one(
    lab: Lab, rate: float, design: str, count: int, keepalive: float
) -> Measured:
    """Send `count` upstream messages at `rate` through 4G relays, with the
    sender's own downstream open as a real client's would be (WS: the same
    socket; POST design: an SSE stream, the POSTs through a relay of their own
    that closes connections idle for `keepalive` s). Bytes: everything on the
    sender's links per message after the connections are set up; new
    connections: opened on those links per message; latency: send to arrival
    at a subscriber on loopback, so only the upstream path is timed."""
    topic = f"up-{design}-{rate:g}"
    async with (
        Relay.for_url(lab.url, link()) as relay,
        Relay.for_url(lab.url, link(idle_timeout=keepalive)) as posts,
        aiohttp.ClientSession() as http,
    ):
        own: Client = (
            WSClient(relay.url, topic, after=0)
            if design == "ws"
            else SSEClient(relay.url, topic, after=0)
        )
        sender = _Sender(own, http, f"{posts.url}/publish/{topic}")
        subscriber = SSEClient(lab.url, topic, after=0)
        async with recording([own, subscriber]) as (echo, watcher):
            await connected([own, subscriber])

            def arrived() -> dict[int, float]:
                return {
                    m.data["k"]: m.received for m in watcher.messages() if m.received is not None
                }

            cold = math.nan
            if design == "post":  # open the keep-alive connection, timing its first use
                await sender.send(-1)
                await until(lambda: -1 in arrived(), 10, "the first POST")
                cold = arrived()[-1] - sender.sent[-1]
                await until(lambda: len(echo.seqs) >= 1, 10, "the first POST's echo")
            for link_relay in (relay, posts):
                link_relay.reset_counters()
            already_open = len(relay.connections) + len(posts.connections)
            async for tick in Schedule(rate, count, delay=1 / rate):  # every message after a gap
                await sender.send(tick.index)
            await until(lambda: len(arrived()) >= len(sender.sent), 10, "upstream messages")
            await until(lambda: len(echo.seqs) >= len(sender.sent), 10, "the sender's echo")
            times = arrived()
            latencies = [times[k] - sender.sent[k] for k in range(count)]
        rows = [*relay.totals().values(), *posts.totals().values()]
        opened = len(relay.connections) + len(posts.connections) - already_open
    total = sum(row["bytes_up"] + row["bytes_down"] for row in rows)
    return {
        "bytes": total / count,
        "p50_ms": median(latencies),
        "connections_per_msg": opened / count,
        "cold_ms": cold,
    }


async def measure_upstream_rate(quick: bool, keepalive: float = UPSTREAM_KEEPALIVE) -> Measurement:
    """Both designs at each rate, all at once against one server; the POSTs'
    keep-alive connections close after `keepalive` idle seconds."""
    rates = UPSTREAM_RATES_QUICK if quick else UPSTREAM_RATES_FULL
    combos = [(rate, design) for rate in rates for design in ("ws", "post")]
    async with Lab() as lab:
        outcomes = await asyncio.gather(
            *(
                upstream_one(lab, rate, design, _upstream_count(rate, quick), keepalive)
                for rate, design in combos
            )
        )
    measured: Measured = {}
    for (rate, design), outcome in zip(combos, outcomes, strict=True):
        for measure in ("bytes", "p50_ms", "connections_per_msg"):
            measured[f"{design}_{measure}@{rate:g}"] = outcome[measure]
    measured["post_cold_ms"] = median(
        o["cold_ms"] for (_, d), o in zip(combos, outcomes, strict=True) if d == "post"
    )
    measured["keepalive_s"] = keepalive
    return Measurement(measured)


def rates_in(figures: Mapping[str, float]) -> list[float]:
    """The upstream rates measured, from the figures' `ws_bytes@RATE` keys."""
    return sorted(float(key.split("@")[1]) for key in figures if key.startswith("ws_bytes@"))


def _differs(figures: Mapping[str, float], rate: float) -> bool:
    """Whether SSE + POST is worse than WebSocket at `rate` on what the rate
    changes: the median latency beyond UPSTREAM_MS_TOL, or new connections
    for at least UPSTREAM_NEW_CONNECTIONS of its messages."""
    same_latency = within(
        figures[f"ws_p50_ms@{rate:g}"], figures[f"post_p50_ms@{rate:g}"], *UPSTREAM_MS_TOL
    )
    reconnecting = figures[f"post_connections_per_msg@{rate:g}"] >= UPSTREAM_NEW_CONNECTIONS
    return reconnecting or not same_latency


def _span(values: Sequence[float]) -> str:
    low, high = num(min(values)), num(max(values))
    return low if low == high else f"{low}–{high}"


def _rates(rates: Sequence[float]) -> str:
    return ", ".join(num(rate) for rate in rates) + "/s" if rates else "no rate"


def _crossovers(rates: Sequence[float], differs: Mapping[float, bool]) -> str:
    """Where the designs start or stop differing between adjacent rates."""
    found = [
        f"between {num(low)} and {num(high)}/s"
        for low, high in itertools.pairwise(rates)
        if differs[low] != differs[high]
    ]
    return "a crossover " + " and ".join(found) if found else "no crossover"


def rule_upstream_rate(figures: Mapping[str, float]) -> tuple[str, str]:
    """At each rate the designs differ if SSE + POST's median latency is more
    than UPSTREAM_MS_TOL from WebSocket's, or it opens a new connection for
    UPSTREAM_NEW_CONNECTIONS of its messages or more (`_differs`); bytes per
    message do not depend on the rate and are reported, not judged.

    The claim has two parts: the designs differ at every rate >= 1/s, and at
    no rate <= 0.2/s. Holds if both are measured true; does not hold if both
    are false; depends if one is (the evidence says which and where the
    crossover lies)."""
    rates = rates_in(figures)
    differs = {rate: _differs(figures, rate) for rate in rates}
    high = all(differs[r] for r in rates if r >= UPSTREAM_HIGH)
    low = not any(differs[r] for r in rates if r <= UPSTREAM_LOW)
    verdict = "holds" if high and low else "does not hold" if not (high or low) else "depends"
    ws_b = _span([figures[f"ws_bytes@{r:g}"] for r in rates])
    post_b = _span([figures[f"post_bytes@{r:g}"] for r in rates])
    extra = [figures[f"post_bytes@{r:g}"] - figures[f"ws_bytes@{r:g}"] for r in rates]
    latency = "; ".join(
        f"{num(r)}/s {num(figures[f'ws_p50_ms@{r:g}'])} vs "
        f"{num(figures[f'post_p50_ms@{r:g}'])} ms, "
        f"{num(figures[f'post_connections_per_msg@{r:g}'])} new connection(s) per POST"
        for r in rates
    )
    parts = (
        f"WebSocket ahead at every rate >= {num(UPSTREAM_HIGH)}/s: {'yes' if high else 'no'}; "
        f"no difference at every rate <= {num(UPSTREAM_LOW)}/s: {'yes' if low else 'no'}"
    )
    evidence = (
        f"On 4G, POSTs on keep-alive connections a server closes after "
        f"{num(figures['keepalive_s'])} s idle; median send-to-subscriber latency WebSocket vs "
        f"SSE + POST: {latency} (a POST on a new connection: {num(figures['post_cold_ms'])} ms). "
        f"They differ beyond tolerance at {_rates([r for r in rates if differs[r]])}, with "
        f"{_crossovers(rates, differs)} ({parts}). Wire bytes per message, the same at every "
        f"rate: WebSocket {ws_b}, SSE + POST {post_b} (+{_span(extra)} B per message)."
    )
    return verdict, evidence
