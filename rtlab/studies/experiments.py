"""Scenario -> run -> Result: measured comparisons, as tidy pandas frames.

A `Scenario` fixes one technique and its knobs (clients, topics, publish rate
and bursts, message size, duration, poll interval, long-poll timeout, network
profile, seed). `run()` starts a Lab, puts the netem relay in front of it with
the scenario's network profile, connects the clients through the relay,
publishes on a fixed schedule, and returns a `Result`:

- `deliveries`: one row per delivered message per client (technique, client,
  topic, seq, publish ts, receive time, latency in ms, envelope bytes);
- `runs`: one row per run (requests, empty responses, wire bytes up and down
  as counted by the relay, messages expected/delivered, duplicates, losses,
  gaps, server CPU seconds, peak RSS, reconnects, and `client_kind`:
  "python" here, "browser" for `rtlab.studies.browser.arun_browser`, whose results
  have the same frames and add to these with `+`).

Latency is the client's receive time minus the server's publish time (both
this machine's clock), so it contains the downstream network delay and the
technique's own waiting, not the publisher's upload.

`Result.save()` writes the frames (gzip CSV) with a JSON file of the
scenarios, package versions, machine and git commit; `load()` reads them back.
"""

from __future__ import annotations

import asyncio
import functools
import operator
import random
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from rtlab.aio import run_sync
from rtlab.clients import Client
from rtlab.netem import Relay
from rtlab.profiles import PROFILES, NetworkProfile, get_profile
from rtlab.runs import store
from rtlab.runs.clients import ClientKnobs, make_client
from rtlab.runs.columns import header, readable, rounded
from rtlab.runs.hosts import ServerHandle, start_server
from rtlab.runs.progress import progress_bar
from rtlab.runs.record import recording
from rtlab.runs.rows import DELIVERY_TYPES, RUN_COLUMNS
from rtlab.runs.schedule import PublishLog, Schedule
from rtlab.runs.stats import MIN_P99_SAMPLES
from rtlab.runs.store import DATA_DIR, environment
from rtlab.techniques import TECHNIQUES

__all__ = ["TECHNIQUES", "Result", "Scenario", "arun", "arun_many", "load", "run", "run_many"]


@dataclass(frozen=True)
class Scenario:
    """One technique under one set of conditions. Times in seconds."""

    technique: str
    clients: int = 1
    topics: int = 1
    rate: float = 20.0  # publish events per second, per topic
    burst: int = 1  # messages per publish event
    message_size: int = 64  # characters of the data string
    duration: float = 3.0  # seconds of publishing
    poll_interval: float = 1.0
    longpoll_timeout: float = 25.0
    network: str = "loopback"
    delay_ms: float | None = None  # one-way delay overriding the profile's
    server: str = "thread"  # "thread": a Lab in this process; "process": its own process
    heartbeat: float = 15.0  # server heartbeat (SSE comments, stream lines, WebSocket pings)
    idle_timeout: float | None = None  # the link kills connections silent this long
    proxy_buffer: int = 0  # the link holds responses until this many bytes, like a proxy
    seed: int = 0
    label: str = ""
    poll_keepalive: bool = True  # polls reuse one TCP connection (False: a new one each request)
    stagger: float = 0.0  # clients start evenly spread over this long (polls at varied phases)

    def __post_init__(self) -> None:
        problems = []
        if self.technique not in TECHNIQUES:
            problems.append(f"technique must be one of {', '.join(TECHNIQUES)}")
        if self.network not in PROFILES:
            problems.append(f"network must be one of {', '.join(PROFILES)}")
        for name in ("clients", "topics", "burst"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        for name in ("rate", "duration", "poll_interval", "longpoll_timeout"):
            if not getattr(self, name) > 0:
                problems.append(f"{name} must be > 0")
        if not self.stagger >= 0:
            problems.append("stagger must be >= 0")
        if self.delay_ms is not None and self.delay_ms < 0:
            problems.append("delay_ms must be >= 0")
        if self.server not in ("thread", "process"):
            problems.append("server must be 'thread' or 'process'")
        if self.message_size < 0:
            problems.append("message_size must be >= 0")
        if problems:
            raise ValueError(f"invalid scenario {self.technique!r}: " + "; ".join(problems))

    @property
    def name(self) -> str:
        return self.label or f"{self.technique}-{self.network}"

    def row(self) -> dict[str, Any]:
        """The scenario's columns of a run row, in `rtlab.runs.rows.RUN_COLUMNS` order."""
        knobs = ("clients", "topics", "rate", "burst", "message_size", "duration", "poll_interval")
        labels = {"scenario": self.name, "technique": self.technique, "network": self.network}
        return labels | {knob: getattr(self, knob) for knob in knobs}

    @property
    def messages_per_topic(self) -> int:
        return max(1, round(self.rate * self.duration)) * self.burst


#: What `Result.table()` shows unless told otherwise.
SETUP_TOTALS = ("bytes_up", "bytes_down", "connections")  # the relay's, before the first publish
TABLE_COLUMNS = (
    "delivered",
    "losses",
    "latency_n",
    "p50_ms",
    "p99_ms",
    "requests_per_msg",
    "setup_bytes_per_conn",
    "steady_bytes_per_msg",
)

CPU_TICK_S = 0.01  # psutil reads CPU times from /proc in clock ticks of 1/100 s
CPU_MIN_TICKS = 20  # a figure counted in ticks is kept from 20 of them (within 5 %)


def _bytes_split(runs: pd.DataFrame, delivered: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Wire bytes split into connection set-up and steady state.

    Set-up is what crossed the relay once the clients were connected and before
    the first publish (handshakes, request and response headers, preludes,
    the polls or pings of that idle moment), per connection then open; steady
    state is everything after, per delivered message, so a run's length does
    not change it. Runs recorded before the split (no `setup_*` columns), and
    browser runs (no relay), give NaN.
    """
    if not {"setup_bytes_up", "setup_bytes_down", "setup_connections"} <= set(runs):
        nan = pd.Series(float("nan"), index=runs.index)
        return nan, nan
    setup = runs["setup_bytes_up"] + runs["setup_bytes_down"]
    steady = runs["bytes_up"] + runs["bytes_down"] - setup
    connections = runs["setup_connections"].where(runs["setup_connections"] > 0)
    return setup / connections, steady / delivered


def resolved_cpu(seconds: pd.Series) -> pd.Series:
    """CPU seconds where the measurement resolves them, else NaN.

    A figure that falls on the clock-tick grid was counted in ticks, and is
    off by up to one tick: it is kept only from CPU_MIN_TICKS ticks up. A
    figure off the grid comes from a finer clock and is kept as it is.
    """
    ticks = seconds / CPU_TICK_S
    on_grid = (ticks - ticks.round()).abs() < 1e-6
    return seconds.where(~on_grid | (ticks >= CPU_MIN_TICKS))


@dataclass
class Result:
    deliveries: pd.DataFrame
    runs: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    # when each message of one `arun` was due (not saved; `+` drops it)
    published: PublishLog = field(default_factory=PublishLog, repr=False)

    def __add__(self, other: Result) -> Result:
        """Both results in one; `other`'s runs are renumbered after ours when they clash
        (two results of `run()` both start at run 0)."""
        deliveries, runs = other.deliveries, other.runs
        numbered = "run" in self.runs and "run" in runs
        if numbered and set(self.runs["run"]) & set(runs["run"]):
            shift = int(self.runs["run"].max()) + 1 - int(runs["run"].min())
            runs = runs.assign(run=runs["run"] + shift)
            if "run" in deliveries:
                deliveries = deliveries.assign(run=deliveries["run"] + shift)
        return Result(
            pd.concat([self.deliveries, deliveries], ignore_index=True),
            pd.concat([self.runs, runs], ignore_index=True),
            {"scenarios": self.meta.get("scenarios", []) + other.meta.get("scenarios", [])}
            | {k: v for k, v in other.meta.items() if k != "scenarios"},
        )

    def numbered(self, run: int) -> Result:
        """This one run's result with its rows labelled run number `run`."""
        self.deliveries.insert(0, "run", run)
        self.runs.insert(0, "run", run)
        return self

    def summary(self) -> pd.DataFrame:
        """One row per run: the headline figures (latency percentiles, cost per message,
        server CPU per message where its clock resolves it, peak RSS)."""
        lat = self.deliveries.groupby("run")["latency_ms"]
        knobs = ["rate", "burst", "message_size", "duration", "poll_interval", "topics"]
        table = self.runs.set_index("run")[
            [
                "scenario",
                "technique",
                *[k for k in ["client_kind"] if k in self.runs],
                "network",
                "clients",
                "delivered",
                "losses",
                "duplicates",
                "gaps",
                "requests",
                "bytes_down",
                "bytes_up",
                "server_cpu_s",
                *[k for k in knobs if k in self.runs],
            ]
        ].copy()
        table["p50_ms"] = lat.median()
        table["latency_n"] = lat.count()
        # a p99 from fewer samples is little more than their maximum
        table["p99_ms"] = lat.quantile(0.99).where(table["latency_n"] >= MIN_P99_SAMPLES)
        delivered = table["delivered"].where(table["delivered"] > 0)
        table["requests_per_msg"] = table["requests"] / delivered
        table["bytes_per_msg"] = (table["bytes_down"] + table["bytes_up"]) / delivered
        table["setup_bytes_per_conn"], table["steady_bytes_per_msg"] = _bytes_split(
            self.runs.set_index("run"), delivered
        )
        table["server_cpu_us_per_msg"] = resolved_cpu(table["server_cpu_s"]) / delivered * 1e6
        if "peak_rss_mb" in self.runs:
            table["peak_rss_mb"] = self.runs.set_index("run")["peak_rss_mb"]
        return table.reset_index()

    def table(self, columns: Sequence[str] = TABLE_COLUMNS) -> pd.DataFrame:
        """`summary()` for reading: those columns, under headers with units, rounded."""
        return readable(self.summary(), columns)

    def save(self, name: str, directory: str | Path = DATA_DIR) -> Path:
        """Write `NAME.deliveries.csv.gz`, `NAME.runs.csv.gz` and `NAME.meta.json`
        (see `rtlab.runs.store`)."""
        frames = {"deliveries": self.deliveries, "runs": self.runs}
        return store.save(name, frames, self.meta, directory)


def load(name: str, directory: str | Path = DATA_DIR) -> Result:
    """A `Result` saved with `Result.save(name, directory)`."""
    recorded = store.load(name, directory)
    runs = recorded.frames["runs"]
    if "last_error" in runs:  # CSV cannot tell "" from missing
        runs["last_error"] = runs["last_error"].astype(object).fillna("").astype(str)
    if "client_kind" not in runs:  # recorded before browser clients were measured
        runs["client_kind"] = "python"
    for key in SETUP_TOTALS:  # recorded before bytes were split: set-up unknown
        if f"setup_{key}" not in runs:
            runs[f"setup_{key}"] = float("nan")
    ordered = [c for c in RUN_COLUMNS if c in runs] + [c for c in runs if c not in RUN_COLUMNS]
    return Result(recorded.frames["deliveries"], runs[ordered], recorded.meta)


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


def vary(base: Scenario, **values: Sequence[Any]) -> list[Scenario]:
    """The scenarios obtained by setting one knob of `base` to each value given."""
    ((knob, options),) = values.items()
    return [
        replace(base, **{knob: value}, label=f"{base.name}-{knob}={value}") for value in options
    ]


def standard_comparison(quick: bool = True) -> list[Scenario]:
    """Every technique under three conditions: the comparison `rtlab run` makes.

    - loopback, 20 messages/s: the techniques' own costs, no network;
    - 4G (60 ms RTT), 20 messages/s: what a real last mile adds;
    - 4G, 100 messages/s: publishes closer together than a round trip, where
      long polling must batch and pays an extra round trip.
    Short polling uses a 0.5 s interval. `quick` keeps each run to ~1.5 s of
    publishing (the whole comparison well under a minute on 2 cores).
    """
    duration = 1.5 if quick else 10.0
    conditions = [("loopback", 20.0), ("4g", 20.0), ("4g", 100.0)]
    return [
        Scenario(
            technique,
            rate=rate,
            duration=duration,
            network=network,
            poll_interval=0.5,
            label=f"{technique}/{network}/{rate:g}ps",
        )
        for network, rate in conditions
        for technique in TECHNIQUES
    ]


def headline(result: Result) -> str:
    """The summary as a fixed-width table for a terminal."""
    table = result.summary()
    columns = {
        "scenario": "scenario",
        "delivered": "delivered",
        "losses": "lost",
        "latency_n": "n",
        "p50_ms": "p50 ms",
        "p99_ms": "p99 ms",
        "requests_per_msg": "req/msg",
        "setup_bytes_per_conn": "set-up B/conn",
        "steady_bytes_per_msg": "steady B/msg",
        "server_cpu_s": "srv CPU s",
    }
    shown = table[list(columns)].rename(columns=columns)
    return str(
        shown.to_string(
            index=False,
            na_rep="-",
            float_format=lambda v: f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}",
        )
    )


def compare(
    fresh: Result,
    recorded: Result,
    measures: Sequence[str] = ("p50_ms", "p99_ms", "bytes_per_msg"),
) -> pd.DataFrame:
    """Fresh figures next to recorded ones, per scenario, for reading: under each
    measure's header, the fresh value, the recorded one and fresh/recorded
    (1.0 = the same as when the reference was recorded), rounded."""
    wanted = ["scenario", *measures]
    joined = fresh.summary()[wanted].merge(
        recorded.summary()[wanted], on="scenario", suffixes=("", "_recorded")
    )
    parts: dict[tuple[str, str], pd.Series] = {}
    for measure in measures:
        label = header(measure)
        parts[(label, "fresh")] = rounded(joined[measure], measure)
        parts[(label, "recorded")] = rounded(joined[f"{measure}_recorded"], measure)
        ratio = joined[measure] / joined[f"{measure}_recorded"]
        parts[(label, "fresh/recorded")] = ratio.round(2)
    return pd.DataFrame(parts).set_axis(pd.Index(joined["scenario"], name="scenario"))
