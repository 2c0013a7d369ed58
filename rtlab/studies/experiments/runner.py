"""Running a `Scenario`: a Lab (thread or process) behind the netem relay, the
clients connected through it, publishes on an open-loop schedule, and the
recorded deliveries and wire totals turned into a `Result`."""

from __future__ import annotations

import asyncio
import functools
import operator
import random
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd

from rtlab.aio import run_sync
from rtlab.clients import Client
from rtlab.netem import Relay
from rtlab.profiles import NetworkProfile, get_profile
from rtlab.runs.clients import ClientKnobs, make_client
from rtlab.runs.hosts import ServerHandle, start_server
from rtlab.runs.progress import progress_bar
from rtlab.runs.record import recording
from rtlab.runs.rows import DELIVERY_TYPES
from rtlab.runs.schedule import PublishLog, Schedule
from rtlab.runs.store import environment
from rtlab.studies.experiments.result import SETUP_TOTALS, Result
from rtlab.studies.experiments.scenario import Scenario

__all__ = ["arun", "arun_many", "run", "run_many"]


def _profile(scenario: Scenario) -> NetworkProfile:
    profile = get_profile(scenario.network)
    if scenario.delay_ms is not None:
        profile = replace(profile, name=f"{profile.name}+delay", rtt_ms=2 * scenario.delay_ms)
    return profile


def _topics(scenario: Scenario) -> list[str]:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", scenario.name)[:56]
    return [f"{safe}-{t}" for t in range(scenario.topics)]


async def _publish(
    server: ServerHandle, scenario: Scenario, topics: list[str], progress: bool
) -> PublishLog:
    """Publish the scenario's messages on its open-loop schedule; when each was due."""
    rng = random.Random(scenario.seed)
    log = PublishLog()
    schedule = Schedule.lasting(scenario.rate, scenario.duration)
    with progress_bar(
        total=schedule.count,
        desc=scenario.name,
        unit="publish",
        disable=not progress or scenario.duration < 2,
        leave=False,
    ) as bar:
        async for tick in schedule:
            for topic in topics:
                for _ in range(scenario.burst):
                    pad = "".join(rng.choices(string.ascii_letters, k=scenario.message_size))
                    log.record(topic, await server.apublish(topic, pad), tick)
            bar.update(1)
    return log


@dataclass
class _Measured:
    """What one run measured, before it becomes frames."""

    clients: list[Client]
    rows: list[dict[str, Any]]
    completed: bool
    cpu_s: float
    peak_rss: int
    wire: dict[str, int]
    published: PublishLog


async def _peak_rss(server: ServerHandle, peak: list[int]) -> None:
    """Sample the server's resident memory every 0.1 s into `peak[0]`."""
    while True:
        peak[0] = max(peak[0], server.rss_bytes())
        await asyncio.sleep(0.1)


async def _measure(
    scenario: Scenario, profile: NetworkProfile, server: ServerHandle, progress: bool
) -> _Measured:
    """Clients through the relay, the publishes, and what the clients got."""
    topics = _topics(scenario)
    starts = {topic: await server.apublish(topic, "start") for topic in topics}
    link = profile.link_settings(
        seed=scenario.seed, idle_timeout=scenario.idle_timeout, buffer_bytes=scenario.proxy_buffer
    )
    knobs = ClientKnobs(scenario.poll_interval, scenario.longpoll_timeout, scenario.poll_keepalive)
    async with Relay.for_url(server.url, link) as relay:
        pairs = [(topics[i % len(topics)], i) for i in range(scenario.clients)]
        clients = [
            make_client(scenario.technique, relay.url, topic, knobs, after=starts[topic])
            for topic, _ in pairs
        ]
        until = [starts[topic] + scenario.messages_per_topic for topic, _ in pairs]
        peak = [server.rss_bytes()]
        async with recording(clients, until=until, spread=scenario.stagger) as recorders:
            sampler = asyncio.create_task(_peak_rss(server, peak))
            cpu_before = server.cpu_seconds()
            # let every client connect first (the last starts `stagger` s in)
            await asyncio.sleep(scenario.stagger + 0.2 + 2 * profile.delay)
            setup = relay.totals().get(scenario.technique, {})  # connected, nothing sent yet
            published = await _publish(server, scenario, topics, progress)
            drain = scenario.poll_interval + 4 * profile.delay + 2.0
            reached = await asyncio.gather(*(r.wait(drain) for r in recorders))
            sampler.cancel()
            await asyncio.gather(sampler, return_exceptions=True)
            peak[0] = max(peak[0], server.rss_bytes())
            cpu = server.cpu_seconds() - cpu_before
        rows = [row for recorder in recorders for row in recorder.rows()]
        wire = relay.totals().get(scenario.technique, {})
    setup_wire = {f"setup_{key}": setup.get(key, 0) for key in SETUP_TOTALS}
    return _Measured(clients, rows, all(reached), cpu, peak[0], wire | setup_wire, published)


async def arun(scenario: Scenario, progress: bool = True) -> Result:
    """Run one scenario (awaitable form of `run`)."""
    profile = _profile(scenario)
    server = await start_server(
        scenario.server, max(1000, scenario.messages_per_topic), scenario.heartbeat
    )
    try:
        measured = await _measure(scenario, profile, server, progress)
    finally:
        await server.aclose()
    return _result(scenario, measured)


def _result(scenario: Scenario, measured: _Measured) -> Result:
    """The run's frames: its deliveries and its one run row."""
    deliveries = pd.DataFrame(measured.rows, columns=list(DELIVERY_TYPES)).astype(DELIVERY_TYPES)
    deliveries.insert(0, "technique", scenario.technique)
    deliveries.insert(0, "scenario", scenario.name)
    run_row = _run_row(scenario, measured, deliveries.drop_duplicates(["client", "seq"]).shape[0])
    meta = {"scenarios": [asdict(scenario)]}
    return Result(deliveries, pd.DataFrame([run_row]), meta, measured.published)


def _run_row(scenario: Scenario, measured: _Measured, unique: int) -> dict[str, Any]:
    clients, wire = measured.clients, measured.wire
    expected = scenario.messages_per_topic * scenario.clients
    return {
        **scenario.row(),
        "expected": expected,
        "delivered": unique,
        "losses": expected - unique,
        "duplicates": sum(c.stats.duplicates for c in clients),
        "gaps": sum(c.stats.gaps + c.stats.holes for c in clients),
        "requests": sum(c.stats.requests for c in clients),
        "empty_responses": sum(getattr(c, "empty_responses", 0) for c in clients),
        "reconnects": sum(c.stats.reconnects for c in clients),
        "errors": sum(c.stats.errors for c in clients),
        "last_error": next((repr(c.last_error) for c in clients if c.last_error), ""),
        "bytes_up": wire.get("bytes_up", 0),
        "bytes_down": wire.get("bytes_down", 0),
        "connections": wire.get("connections", 0),
        **{f"setup_{key}": wire.get(f"setup_{key}", 0) for key in SETUP_TOTALS},
        "server_cpu_s": measured.cpu_s,
        "peak_rss_mb": measured.peak_rss / 2**20,
        "server": scenario.server,
        "completed": measured.completed,
        "client_kind": "python",  # rtlab.studies.browser's runs say "browser"
    }


async def arun_many(scenarios: Iterable[Scenario], progress: bool = True) -> Result:
    """Run scenarios one after another, numbered 0, 1, ... in the frames' `run`
    column, in one `Result` (awaitable form of `run_many`)."""
    scenarios = list(scenarios)
    if not scenarios:
        raise ValueError("run_many needs at least one scenario")
    results = []
    bar = progress_bar(
        scenarios, desc="scenarios", unit="run", disable=not progress or len(scenarios) < 2
    )
    for run_id, scenario in enumerate(bar):
        results.append((await arun(scenario, progress)).numbered(run_id))
    combined: Result = functools.reduce(operator.add, results)
    combined.meta.update(environment())
    return combined


def run_many(scenarios: Iterable[Scenario], progress: bool = True) -> Result:
    """`arun_many` from synchronous code."""
    return run_sync(arun_many(scenarios, progress))


def run(scenario: Scenario | Sequence[Scenario], progress: bool = True) -> Result:
    """Run one scenario (or several); works from a script and from a notebook cell."""
    scenarios = [scenario] if isinstance(scenario, Scenario) else list(scenario)
    return run_many(scenarios, progress)
