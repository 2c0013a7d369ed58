"""What the claims share on top of `rtlab.runs`: waiting for clients to be
subscribed, the seeded link of a network profile, and one summary figure per
technique from a few experiment scenarios.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rtlab.clients import Client
from rtlab.env import timeout_factor
from rtlab.netem import LinkSettings
from rtlab.profiles import get_profile
from rtlab.runs.wait import require
from rtlab.studies.experiments import Scenario, arun_many

__all__ = ["connected", "link", "summary_figures", "until"]


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
