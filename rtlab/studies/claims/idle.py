"""Seed 004: a WebSocket left without messages for long is dropped, so
heartbeats are needed. Measured by leaving one WebSocket idle behind a relay
that closes silent connections, with and without the server's pings, and on a
path with no idle timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from rtlab.clients import WSClient
from rtlab.lab import Lab
from rtlab.netem import Relay
from rtlab.runs.record import recording
from rtlab.studies.claims.base import Measured, Measurement, num
from rtlab.studies.claims.harness import connected, link

__all__ = [
    "IDLE_CONDITIONS",
    "IDLE_HEARTBEAT",
    "IDLE_TIMEOUT",
    "measure_ws_idle",
    "rule_ws_idle",
]

IDLE_TIMEOUT = 1.0  # s: the relay closes a connection silent for this long
IDLE_HEARTBEAT = 0.3  # s: the server's ping interval when heartbeats are on
IDLE_OFF = 3600.0  # s: "heartbeat off" (no ping within the run)
IDLE_CONDITIONS = {  # name: (label, heartbeat interval, relay idle timeout)
    "no_hb": ("idle-timeout intermediary, no heartbeat", IDLE_OFF, IDLE_TIMEOUT),
    "hb": (
        f"idle-timeout intermediary, ping every {IDLE_HEARTBEAT:g} s",
        IDLE_HEARTBEAT,
        IDLE_TIMEOUT,
    ),
    "direct": ("no idle timeout on the path, no heartbeat", IDLE_OFF, None),
}


async def _idle_condition(heartbeat: float, idle_timeout: float | None, seconds: float) -> Measured:
    async with (
        Lab(heartbeat=heartbeat) as lab,
        Relay.for_url(lab.url, link(idle_timeout=idle_timeout)) as relay,
    ):
        client = WSClient(relay.url, "idle", after=0)
        async with recording([client]):
            await connected([client])
            await asyncio.sleep(seconds)  # nothing is published: the socket is idle
        ws = relay.totals().get("ws", {})
        return {
            "idle_closes": float(ws.get("idle_closes", 0)),
            "reconnects": float(client.stats.reconnects),
            "connections": float(ws.get("connections", 0)),
        }


async def measure_ws_idle(quick: bool) -> Measurement:
    """Every condition of IDLE_CONDITIONS at once, each its own server and relay."""
    seconds = 3.0 if quick else 10.0
    outcomes = await asyncio.gather(
        *(
            _idle_condition(heartbeat, timeout, seconds)
            for _, heartbeat, timeout in IDLE_CONDITIONS.values()
        )
    )
    measured: Measured = {
        f"{name}_{measure}": value
        for name, outcome in zip(IDLE_CONDITIONS, outcomes, strict=True)
        for measure, value in outcome.items()
    }
    measured |= {"idle_timeout_s": IDLE_TIMEOUT, "heartbeat_s": IDLE_HEARTBEAT, "seconds": seconds}
    return Measurement(measured)


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
        f"In {num(figures['seconds'])} s with no messages, an intermediary with a "
        f"{num(figures['idle_timeout_s'])} s idle timeout closed the silent WebSocket "
        f"{num(dropped)} times ({num(figures['no_hb_reconnects'])} reconnects) without "
        f"heartbeat, {num(with_hb)} times with a ping every {num(figures['heartbeat_s'])} s, "
        f"and a path without idle timeout dropped it {num(direct)} times: the drop comes from "
        f"intermediaries (proxies, NAT, load balancers), not from WebSocket itself."
    )
    if with_hb > 0:
        evidence += " The heartbeat did not prevent every drop at this interval."
    return verdict, evidence
