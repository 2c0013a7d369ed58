"""Seed 003: above ~1 client→server message per second WebSocket beats SSE +
separate POSTs; below ~0.2/s they don't differ. Measured at several upstream
rates on 4G: wire bytes per upstream message and send-to-subscriber latency
for each design."""

from __future__ import annotations

import asyncio
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
    "UPSTREAM_RATES_FULL",
    "UPSTREAM_RATES_QUICK",
    "measure_upstream_rate",
    "rates_in",
    "rule_upstream_rate",
]

UPSTREAM_RATES_FULL = (0.1, 0.2, 1.0, 5.0)
UPSTREAM_RATES_QUICK = (0.2, 1.0, 5.0)
UPSTREAM_HIGH, UPSTREAM_LOW = 1.0, 0.2  # the claim's thresholds (messages/s)
UPSTREAM_BYTES_TOL = 0.10  # bytes per message differ when apart by more than 10 %
UPSTREAM_MS_TOL = (0.10, 5.0)  # latency differs when apart by more than 10 % and 5 ms


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


async def _upstream_one(lab: Lab, rate: float, design: str, count: int) -> Measured:
    """Send `count` upstream messages at `rate` through a 4G relay, with the
    sender's own downstream open as a real client's would be (WS: the same
    socket; POST design: an SSE stream). Bytes: everything on the sender's link
    per message after the connections are set up; latency: send to arrival at
    a subscriber on loopback, so only the upstream path is timed."""
    topic = f"up-{design}-{rate:g}"
    async with Relay.for_url(lab.url, link()) as relay, aiohttp.ClientSession() as http:
        own: Client = (
            WSClient(relay.url, topic, after=0)
            if design == "ws"
            else SSEClient(relay.url, topic, after=0)
        )
        sender = _Sender(own, http, f"{relay.url}/publish/{topic}")
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
            relay.reset_counters()
            async for tick in Schedule(rate, count):
                await sender.send(tick.index)
            await until(lambda: len(arrived()) >= len(sender.sent), 10, "upstream messages")
            await until(lambda: len(echo.seqs) >= len(sender.sent), 10, "the sender's echo")
            times = arrived()
            latencies = [times[k] - sender.sent[k] for k in range(count)]
        wire = relay.totals()
        total = sum(row["bytes_up"] + row["bytes_down"] for row in wire.values())
    return {"bytes": total / count, "p50_ms": median(latencies), "cold_ms": cold}


async def measure_upstream_rate(quick: bool) -> Measurement:
    """Both designs at each rate, all at once against one server."""
    rates = UPSTREAM_RATES_QUICK if quick else UPSTREAM_RATES_FULL
    combos = [(rate, design) for rate in rates for design in ("ws", "post")]
    async with Lab() as lab:
        outcomes = await asyncio.gather(
            *(
                _upstream_one(lab, rate, design, _upstream_count(rate, quick))
                for rate, design in combos
            )
        )
    measured: Measured = {}
    for (rate, design), outcome in zip(combos, outcomes, strict=True):
        measured[f"{design}_bytes@{rate:g}"] = outcome["bytes"]
        measured[f"{design}_p50_ms@{rate:g}"] = outcome["p50_ms"]
    measured["post_cold_ms"] = median(
        o["cold_ms"] for (_, d), o in zip(combos, outcomes, strict=True) if d == "post"
    )
    return Measurement(measured)


def rates_in(figures: Mapping[str, float]) -> list[float]:
    """The upstream rates measured, from the figures' `ws_bytes@RATE` keys."""
    return sorted(float(key.split("@")[1]) for key in figures if key.startswith("ws_bytes@"))


def _differs(figures: Mapping[str, float], rate: float) -> bool:
    """Whether the designs differ at `rate` beyond the bytes or the latency tolerance."""
    same_bytes = within(
        figures[f"ws_bytes@{rate:g}"], figures[f"post_bytes@{rate:g}"], UPSTREAM_BYTES_TOL
    )
    same_latency = within(
        figures[f"ws_p50_ms@{rate:g}"], figures[f"post_p50_ms@{rate:g}"], *UPSTREAM_MS_TOL
    )
    return not (same_bytes and same_latency)


def _span(values: Sequence[float]) -> str:
    low, high = num(min(values)), num(max(values))
    return low if low == high else f"{low}–{high}"


def rule_upstream_rate(figures: Mapping[str, float]) -> tuple[str, str]:
    """At each rate the designs differ if their bytes per message are more than
    UPSTREAM_BYTES_TOL apart or their median latencies more than
    UPSTREAM_MS_TOL. The claim predicts a difference at >= 1/s and none at
    <= 0.2/s: holds if so; does not hold if every rate differs (the cost is per
    message, no threshold) or none does; depends otherwise."""
    rates = rates_in(figures)
    differs = {rate: _differs(figures, rate) for rate in rates}
    high = [differs[r] for r in rates if r >= UPSTREAM_HIGH]
    low = [differs[r] for r in rates if r <= UPSTREAM_LOW]
    if high and low and all(high) and not any(low):
        verdict = "holds"
    elif all(differs.values()) or not any(differs.values()):
        verdict = "does not hold"
    else:
        verdict = "depends"
    extra = [figures[f"post_bytes@{r:g}"] - figures[f"ws_bytes@{r:g}"] for r in rates]
    ws_lat = _span([figures[f"ws_p50_ms@{r:g}"] for r in rates])
    post_lat = _span([figures[f"post_p50_ms@{r:g}"] for r in rates])
    ws_b = _span([figures[f"ws_bytes@{r:g}"] for r in rates])
    post_b = _span([figures[f"post_bytes@{r:g}"] for r in rates])
    which = ", ".join(f"{num(r)}/s" for r in rates if differs[r]) or "no rate"
    listed = ", ".join(num(r) for r in rates)
    cold = num(figures["post_cold_ms"])
    evidence = (
        f"Per upstream message (rates {listed}/s on 4G), WebSocket "
        f"cost {ws_b} wire bytes and SSE + POST {post_b} (+{_span(extra)} B, i.e. "
        f"+{num(extra[0] * rates[0])} B/s at {num(rates[0])}/s, "
        f"+{num(extra[-1] * rates[-1])} B/s at {num(rates[-1])}/s), and median send-to-"
        f"subscriber latency was {ws_lat} vs {post_lat} ms on a warm keep-alive "
        f"connection (the first POST, opening it: {cold} ms). The "
        f"designs differ beyond tolerance at {which}, so the gap is per message, not a "
        f"threshold between 0.2 and 1/s."
        if verdict == "does not hold" and all(differs.values())
        else f"Per upstream message (rates {listed}/s on 4G), WebSocket "
        f"cost {ws_b} wire bytes and SSE + POST {post_b}; median send-to-subscriber "
        f"latency {ws_lat} vs {post_lat} ms (first POST: "
        f"{cold} ms). The designs differ beyond tolerance at {which}."
    )
    return verdict, evidence
