"""The pieces of measuring harness the claims still carry themselves, kept here
in one place so that each can be swapped for the shared one in `rtlab.runs`
when it lands there: a recorder of what a client delivers (`Collector`),
waits until a condition holds, the 4G link, and running a few experiment
scenarios in one loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import operator
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

from rtlab.aio import timeout_factor
from rtlab.clients import Client
from rtlab.message import Message
from rtlab.netem import LinkSettings
from rtlab.profiles import get_profile
from rtlab.studies.experiments import Result, Scenario, arun

__all__ = [
    "Collector",
    "collecting",
    "connected",
    "link",
    "run_scenarios",
    "summary_figures",
    "until",
]


def link(network: str = "4g", **overrides: Any) -> LinkSettings:
    """The named network profile's link (seeded, so runs are comparable)."""
    return get_profile(network).link_settings(seed=0, **overrides)


class Collector:
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

    def start(self) -> Collector:
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
async def collecting(clients: Sequence[Client]) -> AsyncIterator[list[Collector]]:
    """A started `Collector` per client, all stopped on the way out."""
    collectors = [Collector(client).start() for client in clients]
    try:
        yield collectors
    finally:
        for collector in collectors:
            await collector.stop()


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait (polling every 10 ms) until `condition()`; TimeoutError names `what`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout * timeout_factor()
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def connected(clients: Iterable[Client], timeout: float = 10.0) -> None:
    """Until every client has had its first response (the server has subscribed it)."""
    waiting = list(clients)
    await until(lambda: all(c.stats.requests >= 1 for c in waiting), timeout, "clients")


async def run_scenarios(scenarios: Sequence[Scenario]) -> Result:
    """Run scenarios one after another in this loop, numbered like `run_many` does."""
    results = []
    for number, scenario in enumerate(scenarios):
        result = await arun(scenario, progress=False)
        result.deliveries.insert(0, "run", number)
        result.runs.insert(0, "run", number)
        results.append(result)
    return functools.reduce(operator.add, results)


async def summary_figures(
    scenarios: Sequence[Scenario], measures: Iterable[str]
) -> dict[str, float]:
    """Run one scenario per technique and take `measures` from its summary row,
    as `{f"{technique}_{measure}": value}`."""
    summary = (await run_scenarios(scenarios)).summary().set_index("technique")
    return {
        f"{scenario.technique}_{measure}": float(summary.at[scenario.technique, measure])
        for scenario in scenarios
        for measure in measures
    }
