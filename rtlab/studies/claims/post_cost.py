"""Seed 003: sending client-to-server data as separate Ajax requests beside SSE
"会增加开销，但也就多一点点而已" (adds overhead, but only a little) against
sending it on a WebSocket.

Measured with the upstream claim's sender (`upstream.upstream_one`): on 4G,
`POST_RATE` upstream messages a second, each sender with its own downstream
open as a real client's would be (the WebSocket design on the same socket;
the POST design beside an SSE stream, its POSTs on a keep-alive connection
already open, which `POST_RATE` keeps warm). Per upstream message: wire bytes
on the sender's links after set-up (the relays' counts: HTTP or WebSocket
framing and rtlab's JSON, not TCP/IP headers), the lab's server CPU (its
thread's clock, nanosecond resolution on Linux) and the median latency from
send to arrival at a subscriber on loopback.

Rule, POST against WebSocket:
- holds if a POST costs at most `LITTLE` (1.5x) a WebSocket message's bytes
  and server CPU, and adds at most `LITTLE_MS` (10 ms) of median latency;
- does not hold if it costs at least `MUCH` (3x) on bytes or CPU, or adds a
  round trip (`ROUND_TRIP_MS`, 60 ms on 4G) or more;
- depends otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

from rtlab.lab import Lab
from rtlab.studies.claims.base import Measurement, num
from rtlab.studies.claims.upstream import UPSTREAM_KEEPALIVE, upstream_one

__all__ = ["POST_RATE", "measure_post_overhead_small", "rule_post_overhead_small"]

POST_RATE = 2.0  # upstream messages/s: the keep-alive connection never idles out
LITTLE, MUCH = 1.5, 3.0
LITTLE_MS, ROUND_TRIP_MS = 10.0, 60.0


async def measure_post_overhead_small(quick: bool) -> Measurement:
    """Bytes, server CPU and median latency per upstream message, per design,
    one design after the other so each has the server's CPU to itself."""
    count = 8 if quick else 30
    measured: dict[str, float] = {"rate": POST_RATE, "messages": float(count)}
    for design in ("ws", "post"):
        async with Lab() as lab:
            before = lab.server_cpu_seconds()
            outcome = await upstream_one(lab, POST_RATE, design, count, UPSTREAM_KEEPALIVE)
            cpu = lab.server_cpu_seconds() - before
        measured[f"{design}_bytes_per_msg"] = outcome["bytes"]
        measured[f"{design}_p50_ms"] = outcome["p50_ms"]
        measured[f"{design}_connections_per_msg"] = outcome["connections_per_msg"]
        measured[f"{design}_cpu_us_per_msg"] = cpu / count * 1e6
    return Measurement(measured)


def rule_post_overhead_small(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    bytes_ratio = figures["post_bytes_per_msg"] / figures["ws_bytes_per_msg"]
    cpu_ratio = figures["post_cpu_us_per_msg"] / figures["ws_cpu_us_per_msg"]
    added_ms = figures["post_p50_ms"] - figures["ws_p50_ms"]
    if bytes_ratio >= MUCH or cpu_ratio >= MUCH or added_ms >= ROUND_TRIP_MS:
        verdict = "does not hold"
    elif bytes_ratio <= LITTLE and cpu_ratio <= LITTLE and added_ms <= LITTLE_MS:
        verdict = "holds"
    else:
        verdict = "depends"
    evidence = (
        f"At {num(figures['rate'])} upstream messages/s on 4G, a POST beside SSE cost "
        f"{num(figures['post_bytes_per_msg'])} B on the wire against "
        f"{num(figures['ws_bytes_per_msg'])} B for a WebSocket message ({bytes_ratio:.1f}x), "
        f"{num(figures['post_cpu_us_per_msg'])} µs of server CPU against "
        f"{num(figures['ws_cpu_us_per_msg'])} µs ({cpu_ratio:.1f}x), and its median latency "
        f"was {num(figures['post_p50_ms'])} ms against {num(figures['ws_p50_ms'])} ms "
        f"({added_ms:+.1f} ms); holds up to {LITTLE}x and +{LITTLE_MS:g} ms, does not hold "
        f"from {MUCH}x or +{ROUND_TRIP_MS:g} ms."
    )
    return verdict, evidence
