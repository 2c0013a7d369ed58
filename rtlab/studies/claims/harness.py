"""What the claims share on top of `rtlab.runs`: waiting for clients to be
subscribed, the seeded link of a network profile, one summary figure per
technique from a few experiment scenarios, and the steady-state wire bytes per
message of SSE and WebSocket (handshakes and preludes left out, so a run's
length does not change the figure).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rtlab.clients import Client, SSEClient, WSClient
from rtlab.env import timeout_factor
from rtlab.lab import Lab
from rtlab.netem import LinkSettings, Relay
from rtlab.profiles import get_profile
from rtlab.runs.record import recording
from rtlab.runs.wait import require
from rtlab.studies.experiments import Scenario, arun_many

__all__ = [
    "connected",
    "link",
    "ratio",
    "steady_bytes",
    "summary_figures",
    "swept_figures",
    "until",
]


def link(network: str = "4g", **overrides: Any) -> LinkSettings:
    """The named network profile's link (seeded, so runs are comparable)."""
    return get_profile(network).link_settings(seed=0, **overrides)


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait until `condition()` (timeout scaled by RTLAB_TIMEOUT_FACTOR); a
    TimeoutError names `what`."""
    await require(condition, timeout * timeout_factor(), what)


async def connected(clients: Iterable[Client], timeout: float = 10.0) -> None:
    """Until every client has had its first response (the server has subscribed it)."""
    waiting = list(clients)
    await until(lambda: all(c.stats.requests >= 1 for c in waiting), timeout, "clients")


async def summary_figures(
    scenarios: Sequence[Scenario], measures: Iterable[str]
) -> dict[str, float]:
    """Run one scenario per technique and take `measures` from its summary row,
    as `{f"{technique}_{measure}": value}`."""
    summary = (await arun_many(scenarios, progress=False)).summary().set_index("technique")
    return {
        f"{scenario.technique}_{measure}": float(summary.at[scenario.technique, measure])
        for scenario in scenarios
        for measure in measures
    }


def ratio(first: float, second: float) -> float:
    """first / second, NaN when second is not positive (or either is NaN)."""
    return first / second if second > 0 else math.nan


async def swept_figures(scenarios: Sequence[Scenario], measures: Iterable[str]) -> dict[str, float]:
    """Run the scenarios of a rate sweep and take `measures` from each summary
    row, as `{f"{technique}_{measure}@{rate:g}": value}`."""
    summary = (await arun_many(scenarios, progress=False)).summary()
    return {
        f"{row.technique}_{measure}@{row.rate:g}": float(getattr(row, measure))
        for row in summary.itertuples(index=False)
        for measure in measures
    }


async def steady_bytes(
    lab: Lab, relay: Relay, topic: str, payloads: Sequence[Any]
) -> tuple[dict[str, float], dict[str, list[Any]]]:
    """Publish `payloads` to an SSE and a WebSocket client behind `relay`,
    counting only after both are subscribed: each one's downstream wire bytes
    per message (`{"sse": B, "ws": B}`, HTTP chunk and protocol framing and
    rtlab's JSON envelope included) and the data each delivered, in order."""
    clients: list[Client] = [
        SSEClient(relay.url, topic, after=0),
        WSClient(relay.url, topic, after=0),
    ]
    async with recording(clients) as collectors:
        await connected(clients)
        relay.reset_counters()  # count the messages, not the handshakes
        for payload in payloads:
            await lab.apublish(topic, payload)
        count = len(payloads)
        await until(lambda: all(len(c.messages()) >= count for c in collectors), 10, topic)
        data = {
            name: [m.data for m in c.messages()]
            for name, c in zip(("sse", "ws"), collectors, strict=True)
        }
    wire = relay.totals()
    per_message = {name: wire[name]["bytes_down"] / count for name in ("sse", "ws")}
    return per_message, data
