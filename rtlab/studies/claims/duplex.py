"""Seed 000 (and 001-004): WebSocket is full duplex, "该协议可以实现服务器与客户端之间全双工通信":
client and server send at the same time on one connection.

Measured with Python clients on one WebSocket through the 4G relay, three runs
of `DUPLEX_RATE` (20) messages a second per direction: server->client only
(the server publishes to the socket's topic), client->server only (publish
frames on the socket), and both at once on the same connection. Downstream
latency: the server's publish stamp to arrival at the WebSocket client;
upstream: the send to arrival at an SSE subscriber on loopback, so only the
WebSocket's upstream path is timed. rtlab's server publishes an upstream frame
to the socket's own topic, so each upstream message also comes back down the
socket as an echo (not counted as downstream: only the server's own messages
are); the up-only run carries those echoes too.

Rule, on each direction's median latency with both at once against its
one-direction run:
- holds if every message arrives both ways in the two-way run and each
  direction's median is within `DUPLEX_TOL` (10 %, or 5 ms) of its
  one-direction run;
- does not hold if some direction's median is `DUPLEX_WAIT_MS` (60 ms, the 4G
  round trip) or more above its one-direction run (one direction waits for the
  other), or messages are missing in the two-way run;
- depends otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from rtlab.clients import SSEClient, WSClient
from rtlab.lab import Lab
from rtlab.message import now_ms
from rtlab.netem import Relay
from rtlab.runs.record import recording
from rtlab.runs.schedule import Schedule
from rtlab.runs.stats import median
from rtlab.studies.claims.base import Measured, Measurement, num, within
from rtlab.studies.claims.harness import connected, link, until

__all__ = [
    "DUPLEX_RATE",
    "DUPLEX_TOL",
    "DUPLEX_WAIT_MS",
    "measure_ws_full_duplex",
    "rule_ws_full_duplex",
]

DUPLEX_RATE = 20.0  # messages/s per direction
DUPLEX_TOL = (0.10, 5.0)  # same latency: within 10 % or 5 ms
DUPLEX_WAIT_MS = 60.0  # the 4G round trip: a direction waiting for the other
RUNS = ("down", "up", "both")


async def _run(lab: Lab, run: str, count: int) -> tuple[Measured, dict[str, list[float]]]:
    """One run on its own relay and topic; the latencies of each direction sent."""
    topic = f"duplex-{run}"
    down, up = run in ("down", "both"), run in ("up", "both")
    async with Relay.for_url(lab.url, link()) as relay:
        socket = WSClient(relay.url, topic, after=0)
        subscriber = SSEClient(lab.url, topic, after=0)
        async with recording([socket, subscriber]) as (own, watcher):
            await connected([socket, subscriber])
            sent: dict[int, float] = {}

            async def downstream() -> None:
                async for tick in Schedule(DUPLEX_RATE, count):
                    await lab.apublish(topic, {"d": tick.index})

            async def upstream() -> None:
                async for tick in Schedule(DUPLEX_RATE, count):
                    sent[tick.index] = now_ms()
                    await socket.publish({"u": tick.index})

            def keyed(messages: list[Any], key: str) -> list[Any]:
                return [m for m in messages if isinstance(m.data, dict) and key in m.data]

            await asyncio.gather(*([downstream()] if down else []), *([upstream()] if up else []))
            want_down, want_up = count if down else 0, count if up else 0
            await until(
                lambda: (
                    len(keyed(own.messages(), "d")) >= want_down
                    and len(keyed(watcher.messages(), "u")) >= want_up
                ),
                10,
                f"the {run} run's messages",
            )
            got_down = keyed(own.messages(), "d")
            got_up = keyed(watcher.messages(), "u")
            series = {
                "down": [m.received - m.ts for m in got_down if m.received is not None],
                "up": [m.received - sent[m.data["u"]] for m in got_up if m.received is not None],
            }
    figures: Measured = {}
    if down:
        figures[f"{run}_down_p50_ms"] = median(series["down"])
        figures[f"{run}_down_delivered"] = float(len(got_down))
    if up:
        figures[f"{run}_up_p50_ms"] = median(series["up"])
        figures[f"{run}_up_delivered"] = float(len(got_up))
    return figures, {f"{run}_{d}_ms": v for d, v in series.items() if v}


async def measure_ws_full_duplex(quick: bool) -> Measurement:
    """The three runs one after another against one server."""
    count = 60 if quick else 150
    measured: Measured = {"rate": DUPLEX_RATE, "count": float(count)}
    series: dict[str, list[float]] = {}
    async with Lab() as lab:
        for run in RUNS:
            figures, lists = await _run(lab, run, count)
            measured |= figures
            series |= lists
    return Measurement(measured, series)


def rule_ws_full_duplex(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    count = figures["count"]
    parts, same, waits = [], True, False
    for direction, label in (("down", "server->client"), ("up", "client->server")):
        alone, both = (
            figures[f"{direction}_{direction}_p50_ms"],
            figures[f"both_{direction}_p50_ms"],
        )
        same = same and within(alone, both, *DUPLEX_TOL)
        waits = waits or both - alone >= DUPLEX_WAIT_MS
        parts.append(f"{label} {num(both)} ms with both against {num(alone)} ms alone")
    delivered = min(figures["both_down_delivered"], figures["both_up_delivered"])
    missing = delivered < count
    if missing or waits:
        verdict = "does not hold"
    elif same:
        verdict = "holds"
    else:
        verdict = "depends"
    evidence = (
        f"One WebSocket on 4G, {num(figures['rate'])} msg/s each way: median latency "
        f"{'; '.join(parts)} (same within {DUPLEX_TOL[0]:.0%} or {num(DUPLEX_TOL[1])} ms, "
        f"waiting from +{num(DUPLEX_WAIT_MS)} ms); {num(delivered)} of {num(count)} messages "
        f"each way arrived with both at once."
    )
    return verdict, evidence
