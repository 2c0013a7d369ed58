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
import contextlib
import random
import re
import string
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from rtlab.aio import run_sync
from rtlab.clients import CLIENTS, Client, LongPollClient, PollClient
from rtlab.message import Message
from rtlab.netem import Relay
from rtlab.profiles import PROFILES, get_profile
from rtlab.runs import store
from rtlab.runs.columns import header, readable, rounded
from rtlab.runs.hosts import ServerHandle, start_server
from rtlab.runs.progress import progress_bar
from rtlab.runs.rows import DELIVERY_TYPES
from rtlab.runs.store import DATA_DIR, environment
from rtlab.techniques import TECHNIQUES

__all__ = ["TECHNIQUES", "Result", "Scenario", "arun", "load", "run", "run_many"]


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

    @property
    def messages_per_topic(self) -> int:
        return max(1, round(self.rate * self.duration)) * self.burst


#: What `Result.table()` shows unless told otherwise.
TABLE_COLUMNS = ("delivered", "losses", "p50_ms", "p99_ms", "requests_per_msg", "bytes_per_msg")

CPU_TICK_S = 0.01  # psutil reads CPU times from /proc in clock ticks of 1/100 s
CPU_MIN_TICKS = 20  # a figure counted in ticks is kept from 20 of them (within 5 %)


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
        table["p99_ms"] = lat.quantile(0.99)
        delivered = table["delivered"].where(table["delivered"] > 0)
        table["requests_per_msg"] = table["requests"] / delivered
        table["bytes_per_msg"] = (table["bytes_down"] + table["bytes_up"]) / delivered
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
    return Result(recorded.frames["deliveries"], runs, recorded.meta)


def _make_client(scenario: Scenario, url: str, topic: str, after: int) -> Client:
    cls = CLIENTS[scenario.technique]
    if cls is PollClient:
        return PollClient(url, topic, after=after, interval=scenario.poll_interval)
    if cls is LongPollClient:
        return LongPollClient(url, topic, after=after, timeout=scenario.longpoll_timeout)
    return cls(url, topic, after=after)


async def _publish(server: ServerHandle, scenario: Scenario, topics: list[str], bar: Any) -> None:
    rng = random.Random(scenario.seed)
    loop = asyncio.get_running_loop()
    start = loop.time()
    events = max(1, round(scenario.rate * scenario.duration))
    for event in range(events):
        await asyncio.sleep(max(0.0, start + event / scenario.rate - loop.time()))
        for topic in topics:
            for _ in range(scenario.burst):
                pad = "".join(rng.choices(string.ascii_letters, k=scenario.message_size))
                await server.apublish(topic, pad)
        bar.update(1)


async def arun(scenario: Scenario, progress: bool = True) -> Result:
    """Run one scenario (awaitable form of `run`)."""
    profile = get_profile(scenario.network)
    if scenario.delay_ms is not None:
        profile = replace(profile, name=f"{profile.name}+delay", rtt_ms=2 * scenario.delay_ms)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", scenario.name)[:56]
    topics = [f"{safe}-{t}" for t in range(scenario.topics)]
    rows: list[dict[str, Any]] = []
    server = await start_server(
        scenario.server, max(1000, scenario.messages_per_topic), scenario.heartbeat
    )
    tasks: list[asyncio.Task[None]] = []  # cancelled on the way out, whatever happens
    try:
        starts = {topic: await server.apublish(topic, "start") for topic in topics}
        link = profile.link_settings(
            seed=scenario.seed,
            idle_timeout=scenario.idle_timeout,
            buffer_bytes=scenario.proxy_buffer,
        )
        relay = Relay.for_url(server.url, link)
        async with relay:
            clients = [
                _make_client(
                    scenario, relay.url, topics[i % len(topics)], starts[topics[i % len(topics)]]
                )
                for i in range(scenario.clients)
            ]
            last = {t: starts[t] + scenario.messages_per_topic for t in topics}
            peak_rss = server.rss_bytes()
            cpu_before = server.cpu_seconds()

            async def sample_memory() -> None:
                nonlocal peak_rss
                while True:
                    await asyncio.sleep(0.1)
                    peak_rss = max(peak_rss, server.rss_bytes())

            tasks.append(asyncio.create_task(sample_memory()))

            async def consume(index: int, client: Client) -> None:
                # aclosing: returning early must close the client's generator here,
                # in this task, not leave it to the garbage collector.
                async with contextlib.aclosing(aiter(client)) as items:
                    await _record(index, client, items)

            async def _record(index: int, client: Client, items: AsyncIterator[Any]) -> None:
                async for item in items:
                    if isinstance(item, Message):
                        rows.append(
                            {
                                "client": index,
                                "topic": item.topic,
                                "seq": item.seq,
                                "ts": item.ts,
                                "received": item.received,
                                "latency_ms": item.latency_ms,
                                "bytes": len(item.json),
                            }
                        )
                    if client.last_seq is not None and client.last_seq >= last[client.topic]:
                        return

            consumers = [asyncio.create_task(consume(i, c)) for i, c in enumerate(clients)]
            tasks.extend(consumers)
            await asyncio.sleep(0.2 + 2 * profile.delay)  # let clients connect first
            events = max(1, round(scenario.rate * scenario.duration))
            with progress_bar(
                total=events,
                desc=scenario.name,
                unit="publish",
                disable=not progress or scenario.duration < 2,
                leave=False,
            ) as bar:
                await _publish(server, scenario, topics, bar)
            drain = scenario.poll_interval + 4 * profile.delay + 2.0
            _, pending = await asyncio.wait(consumers, timeout=drain)
            peak_rss = max(peak_rss, server.rss_bytes())
            cpu = server.cpu_seconds() - cpu_before
            for client in clients:
                await client.aclose()
            wire = relay.totals().get(scenario.technique, {})
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.aclose()
    deliveries = pd.DataFrame(rows, columns=list(DELIVERY_TYPES)).astype(DELIVERY_TYPES)
    deliveries.insert(0, "technique", scenario.technique)
    deliveries.insert(0, "scenario", scenario.name)
    expected = scenario.messages_per_topic * scenario.clients
    unique = deliveries.drop_duplicates(["client", "seq"]).shape[0]
    run_row = {
        "scenario": scenario.name,
        "technique": scenario.technique,
        "network": scenario.network,
        "clients": scenario.clients,
        "topics": scenario.topics,
        "rate": scenario.rate,
        "burst": scenario.burst,
        "message_size": scenario.message_size,
        "duration": scenario.duration,
        "poll_interval": scenario.poll_interval,
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
        "server_cpu_s": cpu,
        "peak_rss_mb": peak_rss / 2**20,
        "server": scenario.server,
        "completed": not pending,
        "client_kind": "python",  # rtlab.studies.browser's runs say "browser"
    }
    return Result(deliveries, pd.DataFrame([run_row]), {"scenarios": [asdict(scenario)]})


def _number(result: Result, run_id: int) -> Result:
    result.deliveries.insert(0, "run", run_id)
    result.runs.insert(0, "run", run_id)
    return result


def run_many(scenarios: Iterable[Scenario], progress: bool = True) -> Result:
    """Run scenarios one after another; `run` numbers them in the frames."""
    scenarios = list(scenarios)

    async def all_runs() -> list[Result]:
        results = []
        for run_id, scenario in enumerate(
            progress_bar(
                scenarios, desc="scenarios", unit="run", disable=not progress or len(scenarios) < 2
            )
        ):
            results.append(_number(await arun(scenario, progress), run_id))
        return results

    results = run_sync(all_runs())
    combined = results[0]
    for result in results[1:]:
        combined = combined + result
    combined.meta.update(environment())
    return combined


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
        "p50_ms": "p50 ms",
        "p99_ms": "p99 ms",
        "requests_per_msg": "req/msg",
        "bytes_per_msg": "bytes/msg",
        "server_cpu_s": "srv CPU s",
    }
    shown = table[list(columns)].rename(columns=columns)
    return str(
        shown.to_string(
            index=False,
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
