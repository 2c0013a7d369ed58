"""Seed 001: short polling is costly because "建立 tcp 连接十分消耗资源" (setting up
TCP connections uses a lot of resources); seed 004 says the server closes the
connection after each answer.

HTTP/1.1 keeps a connection open by default, so whether a poll sets up a TCP
connection at all depends on the client. The lab polls both ways on the 4G
profile, with the server in its own process so its CPU time is its own: one
keep-alive connection for every request, and a new connection per request
(`Connection: close`, `PollClient(keepalive=False)`). The relay charges each
new connection its round trip (SYN, SYN-ACK) before the request can leave.

Rule, on the server's CPU time per poll request (the resource the seed names;
publishes are requests too, so they are kept to a few per cent of the polls):
- holds when a new connection per request costs at least `HOLDS_RATIO` (1.5)
  times keep-alive's CPU per request;
- does not hold when it costs at most `NO_RATIO` (1.1) times as much;
- depends in between (a cost, but not a large one).
"""

from __future__ import annotations

from collections.abc import Mapping

from rtlab.studies.claims.base import Measurement, num
from rtlab.studies.experiments import Scenario, arun_many

__all__ = ["HOLDS_RATIO", "NO_RATIO", "measure_tcp_setup", "rule_tcp_setup"]

HOLDS_RATIO = 1.5
NO_RATIO = 1.1
POLL_INTERVAL = 0.1  # s: ten requests a second per client
RATE = 2.0  # messages/s: publishes (requests to the server too) stay a few % of the polls


async def measure_tcp_setup(quick: bool) -> Measurement:
    """Server CPU and connections per request, for short polling with and
    without keep-alive on 4G. (Latency is not compared: a periodic poll's
    latency depends on its phase, which the extra round trip only shifts.)"""
    clients, duration = (4, 2.0) if quick else (10, 8.0)
    scenarios = [
        Scenario(
            "poll",
            clients=clients,
            rate=RATE,
            duration=duration,
            poll_interval=POLL_INTERVAL,
            network="4g",
            server="process",
            poll_keepalive=keepalive,
            label=f"poll/4g/{'keep-alive' if keepalive else 'new connection'}",
        )
        for keepalive in (True, False)
    ]
    result = await arun_many(scenarios, progress=False)
    summary = result.summary().set_index("run")
    runs = result.runs.set_index("run")
    measured: dict[str, float] = {"clients": float(clients), "duration_s": duration}
    for run, name in ((0, "keepalive"), (1, "fresh")):
        requests = float(runs.at[run, "requests"])
        measured[f"{name}_requests"] = requests
        measured[f"{name}_connections_per_request"] = float(runs.at[run, "connections"]) / requests
        measured[f"{name}_cpu_us_per_request"] = (
            float(runs.at[run, "server_cpu_s"]) / requests * 1e6
        )
        measured[f"{name}_delivered"] = float(summary.at[run, "delivered"])
    return Measurement(measured)


def rule_tcp_setup(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring: the ratio of server CPU per request."""
    kept, fresh = figures["keepalive_cpu_us_per_request"], figures["fresh_cpu_us_per_request"]
    ratio = fresh / kept if kept > 0 else float("inf")
    if ratio >= HOLDS_RATIO:
        verdict = "holds"
    elif ratio <= NO_RATIO:
        verdict = "does not hold"
    else:
        verdict = "depends"
    evidence = (
        f"Short polling on 4G, {num(figures['clients'])} clients: a new TCP connection per "
        f"request ({num(figures['fresh_connections_per_request'])} connections/request) cost "
        f"the server {num(fresh)} µs of CPU per request against {num(kept)} µs with "
        f"keep-alive ({num(figures['keepalive_connections_per_request'])} connections/request), "
        f"{ratio:.2f}x (holds from {HOLDS_RATIO}x, does not hold up to {NO_RATIO}x)."
    )
    return verdict, evidence
