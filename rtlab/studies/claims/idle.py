"""Seed 004: a WebSocket left without messages for long is dropped, so
heartbeats are needed. Measured by leaving one WebSocket idle behind a relay
that closes silent connections (as a reverse proxy does), with no heartbeat
and with the server's pings, and on a path with no idle timeout.

The proxy's idle timeout and the ping interval are parameters of the
measurement, not fixed by the lab. Their defaults are a common deployment
scaled down by IDLE_SCALE (1/30) so that a run takes seconds: nginx's
`proxy_read_timeout` of 60 s becomes 2 s, and Socket.IO's default ping
interval of 25 s becomes 0.83 s; the idle run lasts 150 s scaled (5 s), 360 s
in the full run (12 s). With other settings the same rule gives other
verdicts: a ping slower than the timeout does not save the socket, and a run
shorter than the timeout never sees a drop.
"""

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
    "IDLE_SCALE",
    "IDLE_TIMEOUT",
    "measure_ws_idle",
    "rule_ws_idle",
]

IDLE_SCALE = 1 / 30  # real seconds -> lab seconds
IDLE_TIMEOUT = 60.0 * IDLE_SCALE  # s: nginx's default proxy_read_timeout, scaled
IDLE_HEARTBEAT = 25.0 * IDLE_SCALE  # s: Socket.IO's default ping interval, scaled
IDLE_SECONDS = {True: 150.0 * IDLE_SCALE, False: 360.0 * IDLE_SCALE}  # quick?: idle run
IDLE_OFF = 3600.0  # s: "heartbeat off" (no ping within the run)
IDLE_CONDITIONS = {  # name: label; the settings are in the figures
    "no_hb": "idle-timeout proxy, no heartbeat",
    "hb": "idle-timeout proxy, server pings",
    "direct": "no idle timeout on the path, no heartbeat",
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


async def measure_ws_idle(
    quick: bool, idle_timeout: float = IDLE_TIMEOUT, heartbeat: float = IDLE_HEARTBEAT
) -> Measurement:
    """The three conditions of IDLE_CONDITIONS at once, each its own server and
    relay: the proxy closes connections silent for `idle_timeout` s, and the
    server pings every `heartbeat` s where heartbeats are on."""
    seconds = IDLE_SECONDS[quick]
    settings = {
        "no_hb": (IDLE_OFF, idle_timeout),
        "hb": (heartbeat, idle_timeout),
        "direct": (IDLE_OFF, None),
    }
    outcomes = await asyncio.gather(
        *(_idle_condition(ping, timeout, seconds) for ping, timeout in settings.values())
    )
    measured: Measured = {
        f"{name}_{measure}": value
        for name, outcome in zip(settings, outcomes, strict=True)
        for measure, value in outcome.items()
    }
    measured |= {"idle_timeout_s": idle_timeout, "heartbeat_s": heartbeat, "seconds": seconds}
    return Measurement(measured)


def rule_ws_idle(figures: Mapping[str, float]) -> tuple[str, str]:
    """Behind a proxy that closes silent connections (the conditions in the
    figures): holds if the idle socket was dropped without heartbeats and
    survived with them; does not hold if it survived without heartbeats;
    depends if it was dropped with heartbeats too (on the ping interval
    against the proxy's timeout). The path without idle timeout is evidence
    of where a drop comes from, not part of the verdict."""
    dropped, with_hb = figures["no_hb_idle_closes"], figures["hb_idle_closes"]
    direct = figures["direct_idle_closes"] + figures["direct_reconnects"]
    if dropped == 0:
        verdict = "does not hold"
    elif with_hb == 0:
        verdict = "holds"
    else:
        verdict = "depends"
    evidence = (
        f"In {num(figures['seconds'])} s with no messages, a proxy with a "
        f"{num(figures['idle_timeout_s'])} s idle timeout closed the silent WebSocket "
        f"{num(dropped)} times ({num(figures['no_hb_reconnects'])} reconnects) without "
        f"heartbeat and {num(with_hb)} times with a ping every {num(figures['heartbeat_s'])} s; "
        f"a path without idle timeout dropped it {num(direct)} times."
    )
    if dropped > 0 and direct == 0:
        evidence += " The drop comes from the intermediary, not from WebSocket itself."
    if with_hb > 0:
        evidence += " The heartbeat did not prevent every drop at this interval."
    return verdict, evidence
