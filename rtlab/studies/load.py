"""Load: thousands of subscribers on one server, with messages flowing.

`run_load(LoadSpec(push=2000, longpoll=500, seconds=60, rate=10))` measures
what many connections cost the server and what they do to delivery latency:

- the server runs in its own process (`rtlab.runs.hosts.ProcessServer`), so its
  CPU time and resident memory (psutil) are its own;
- the subscribers are asyncio clients (`rtlab.clients`) spread over
  `client_processes` separate processes (multiprocessing, spawned), each with
  ONE `aiohttp.ClientSession` whose connector has no connection cap;
- this process publishes (HTTP `POST /publish`, like any outside publisher)
  and samples the server.

One topic, every subscriber on it, so each subscriber gets every message: the
push subscribers are split evenly over `push_techniques` (SSE, NDJSON stream,
WebSocket), plus `longpoll` long-pollers.

A run has two phases on the same server, with the same message flow:

1. `baseline`: one subscriber per technique for `baseline_seconds`, so that
   the loaded latencies have a reference measured in the same run, on the
   same machine (the `p50_ratio`/`p99_ratio` columns of the summary);
2. `load`: ramp-up, then the steady state. Each subscriber starts one message
   behind the topic's end, so it receives that message from history as soon
   as its subscription is live: that is its connect time, and `concurrency`
   subscribers per client process are connecting at any moment. Once every
   subscriber is live (and `settle` seconds later), `rate` messages per second
   are published for `seconds`; only those are measured: server CPU over
   exactly that window, latency per delivered message (client receive time -
   server publish `ts`, the same machine clock), and every subscriber's seqs
   (each message once, in order, none missing). Publishes go out on schedule
   whether or not the previous one was acknowledged, so a busy server does
   not lower the offered rate.

Reading the latencies: one publish wakes every subscriber, and the server
writes to them one after another on its single event loop, so under load a
message's latency is mostly its subscriber's place in that fan-out (about
half the fan-out time at the median), plus the client processes' own
queueing (they share the machine). Subscribers connect interleaved across
techniques (sse 0, stream 0, ws 0, longpoll 0, sse 1, ...) so that no
technique is always served first, and every client process holds an equal
share of each technique, so none waits behind a busier process; long-pollers
re-subscribe after every answer, which puts them at the end of the next
fan-out (and, under load, their answers batch several messages).

Memory per connection is the server's RSS at the end of the steady state
minus its idle RSS (after the baseline, with no subscriber connected),
divided by the subscribers; the same with the RSS once all are connected and
before messages flow is reported too.

Frames (`LoadResult`): `deliveries` (one row per delivered message per
subscriber), `clients` (one row per subscriber), `summary` (one row per phase
and technique) and `samples` (server and client CPU and RSS once a second);
`figures` holds the headline numbers. `LoadResult.save()` writes a small JSON
file (no per-delivery rows); data/schema.md documents it.

The client processes are spawned (multiprocessing), so a script that calls
`run_load` needs the `if __name__ == "__main__":` guard.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import random
import resource
import string
import time
import warnings
from array import array
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import pandas as pd
import psutil

from rtlab.aio import run_sync
from rtlab.clients import CLIENTS, Client
from rtlab.cputime import process_cpu_seconds
from rtlab.message import Gap, Message, dumps
from rtlab.runs.hosts import ProcessServer
from rtlab.runs.progress import progress_bar
from rtlab.techniques import LONG_LIVED, PUSH

__all__ = [
    "CLIENT_COLUMNS",
    "DELIVERY_COLUMNS",
    "SAMPLE_COLUMNS",
    "SUMMARY_COLUMNS",
    "TIMELINE_COLUMNS",
    "LoadFigures",
    "LoadResult",
    "LoadSpec",
    "arun_load",
    "raise_fd_limit",
    "run_load",
]

DELIVERY_COLUMNS = ["phase", "technique", "client", "seq", "latency_ms"]
CLIENT_COLUMNS = [
    "phase",
    "technique",
    "client",
    "process",
    "connect_ms",
    "delivered",
    "in_order",
    "duplicates",
    "gaps",
    "reconnects",
    "errors",
    "requests",
    "last_error",
    "expected",
]
SUMMARY_COLUMNS = [
    "phase",
    "technique",
    "clients",
    "expected",
    "delivered",
    "losses",
    "duplicates",
    "gaps",
    "out_of_order",
    "reconnects",
    "errors",
    "requests",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "max_ms",
    "p50_ratio",
    "p99_ratio",
    "connect_p50_ms",
    "connect_max_ms",
]
TIMELINE_COLUMNS = ["from_s", "technique", "p50_ms", "p99_ms"]
SAMPLE_COLUMNS = ["t", "phase", "server_cpu_s", "server_rss_mb", "client_cpu_s", "other_cpu_s"]


def raise_fd_limit() -> int:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit; returns the new soft limit.

    Each connection is a file descriptor (one in the client, one in the server),
    and a default soft limit of 1024 stops a few thousand connections short.
    Children inherit the raised limit.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass(frozen=True)
class LoadSpec:
    """What to run. Times in seconds; `message_bytes` is the size of the data's JSON."""

    push: int = 2000
    longpoll: int = 500
    seconds: float = 60.0
    rate: float = 10.0
    message_bytes: int = 100
    baseline_seconds: float = 10.0
    push_techniques: tuple[str, ...] = ("sse", "stream", "ws")
    client_processes: int = 2
    concurrency: int = 50  # connects in flight per client process during the ramp-up
    settle: float = 2.0  # pause between the ramp-up and the measured flow
    longpoll_timeout: float = 30.0
    connect_timeout: float = 180.0
    drain_timeout: float = 60.0
    topic: str = "load"
    seed: int = 0

    def __post_init__(self) -> None:
        problems = []
        if self.push < 0 or self.longpoll < 0 or self.push + self.longpoll < 1:
            problems.append("push and longpoll must be >= 0, and at least one subscriber")
        for name in ("seconds", "rate", "baseline_seconds", "connect_timeout", "drain_timeout"):
            if not getattr(self, name) > 0:
                problems.append(f"{name} must be > 0")
        if self.client_processes < 1 or self.concurrency < 1:
            problems.append("client_processes and concurrency must be at least 1")
        unknown = [t for t in self.push_techniques if t not in PUSH]
        if unknown or not self.push_techniques:
            problems.append(f"push_techniques must be push clients, not {unknown}")
        if self.message_bytes < 20:
            problems.append("message_bytes must be at least 20")
        if problems:
            raise ValueError("invalid load spec: " + "; ".join(problems))

    @property
    def messages(self) -> int:
        """Messages published in the measured flow."""
        return max(1, round(self.rate * self.seconds))

    @property
    def baseline_messages(self) -> int:
        return max(1, round(self.rate * self.baseline_seconds))

    def counts(self) -> dict[str, int]:
        """Subscribers per technique in the load phase."""
        share, extra = divmod(self.push, len(self.push_techniques))
        counts = {t: share + (i < extra) for i, t in enumerate(self.push_techniques)}
        if self.longpoll:
            counts["longpoll"] = self.longpoll
        return {t: n for t, n in counts.items() if n}


@dataclass
class LoadFigures:
    """The headline numbers of one load run (times in s unless named otherwise)."""

    subscribers: int
    server_open: int  # connections the server reported open once all were live
    messages: int  # published in the measured flow
    envelope_bytes: int  # one message's JSON envelope
    connect_s: float  # ramp-up: first connect to the last subscriber live
    connect_p50_ms: float
    connect_p99_ms: float
    window_s: float  # the measured flow
    server_cpu_s: float
    server_cpu_pct: float  # of one core, over the window
    client_cpu_s: float  # all client processes together
    client_cpu_pct: float
    other_cpu_pct: float  # every other process on the machine (busy CPU minus this run's)
    rss_idle_mb: float  # server, no subscriber connected
    rss_connected_mb: float  # every subscriber connected, before the flow
    rss_loaded_mb: float  # at the end of the flow
    rss_peak_mb: float
    kb_per_connection: float  # (loaded - idle) / subscribers
    kb_per_connection_idle: float  # (connected - idle) / subscribers
    expected: int
    delivered: int
    losses: int
    duplicates: int
    gaps: int
    out_of_order: int  # subscribers whose seqs were not exactly the published ones, in order
    reconnects: int
    errors: int
    publish_ack_max_ms: float  # worst delay from a publish's scheduled time to its 201


@dataclass
class LoadResult:
    spec: LoadSpec
    figures: LoadFigures
    summary: pd.DataFrame
    deliveries: pd.DataFrame
    clients: pd.DataFrame
    samples: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Everything but the per-delivery and per-subscriber rows, JSON-ready."""
        return {
            "parameters": asdict(self.spec),
            "figures": asdict(self.figures),
            "techniques": _records(self.summary),
            "samples": _records(self.samples),
            "timeline": _records(self.timeline()),
            **self.meta,
        }

    def timeline(self, slice_s: float = 10.0) -> pd.DataFrame:
        """Load-phase latency per `slice_s` seconds of the flow (by publish order) and
        technique: a steady state shows similar rows from the first slice to the last."""
        load = self.deliveries[self.deliveries["phase"] == "load"]
        per_slice = max(1, round(slice_s * self.spec.rate))
        start = load["seq"].min()
        second = ((load["seq"] - start) // per_slice * per_slice / self.spec.rate).rename("from_s")
        latency = load.groupby([second, load["technique"]], observed=True)["latency_ms"]
        table = pd.DataFrame({"p50_ms": latency.median(), "p99_ms": latency.quantile(0.99)})
        return table.reset_index()[TIMELINE_COLUMNS]

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.as_dict(), indent=1) + "\n")
        return target

    def report(self) -> str:
        """The figures as lines of text for a terminal."""
        f, s = self.figures, self.spec
        lines = [
            f"{f.subscribers} subscribers ({_counts_text(s.counts())}), "
            f"{s.rate:g} msg/s x {s.seconds:g} s, {f.envelope_bytes}-byte envelopes, "
            f"{s.client_processes} client processes",
            f"connect: all live in {f.connect_s:.1f} s (per subscriber p50 "
            f"{f.connect_p50_ms:.0f} ms, p99 {f.connect_p99_ms:.0f} ms); "
            f"server reports {f.server_open} open",
            f"server CPU: {f.server_cpu_s:.1f} s in {f.window_s:.1f} s = "
            f"{f.server_cpu_pct:.0f} % of one core (clients: {f.client_cpu_pct:.0f} %, "
            f"other processes: {f.other_cpu_pct:.0f} %)",
            f"server RSS: idle {f.rss_idle_mb:.1f} MB, connected {f.rss_connected_mb:.1f} MB, "
            f"loaded {f.rss_loaded_mb:.1f} MB (peak {f.rss_peak_mb:.1f}) -> "
            f"{f.kb_per_connection:.1f} KB per connection "
            f"({f.kb_per_connection_idle:.1f} before messages)",
            f"deliveries: {f.delivered} of {f.expected}, losses {f.losses}, "
            f"duplicates {f.duplicates}, gaps {f.gaps}, out of order {f.out_of_order}, "
            f"reconnects {f.reconnects}, errors {f.errors}; "
            f"publishes acknowledged within {f.publish_ack_max_ms:.0f} ms of schedule",
            "",
        ]
        table = self.summary[
            [
                "phase",
                "technique",
                "clients",
                "delivered",
                "losses",
                "p50_ms",
                "p99_ms",
                "max_ms",
                "p50_ratio",
                "p99_ratio",
            ]
        ]
        lines.append(
            table.to_string(
                index=False, float_format=lambda v: f"{v:.2f}" if v < 100 else f"{v:.0f}"
            )
        )
        timeline = self.timeline().pivot(index="from_s", columns="technique", values="p99_ms")
        lines += ["", "load p99 ms per 10 s of the flow (from_s: start of the slice):"]
        lines.append(
            timeline[list(self.spec.counts())].to_string(float_format=lambda v: f"{v:.0f}")
        )
        return "\n".join(lines)


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {t}" for t, n in counts.items())


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", double_precision=6))
    return records


# -- the client processes ---------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """One phase's subscribers for one client process: (technique, client number) pairs."""

    url: str
    topic: str
    after: int  # each subscriber resumes after this seq: the next one is its "connected" signal
    subscribers: tuple[tuple[str, int], ...]
    concurrency: int
    longpoll_timeout: float
    connect_timeout: float


class _Subscriber:
    """One client, recording the seqs it delivers and their latencies."""

    def __init__(self, job: _Job, technique: str, number: int, http: aiohttp.ClientSession) -> None:
        self.technique = technique
        self.number = number
        self.after = job.after
        options: dict[str, Any] = {"session": http}
        if technique == "longpoll":
            options["timeout"] = job.longpoll_timeout
        self.client: Client = CLIENTS[technique](job.url, job.topic, after=job.after, **options)
        self.seqs = array("q")
        self.latencies = array("d")
        self.connect_ms = float("nan")
        self.live = asyncio.Event()
        self.done = asyncio.Event()
        self.until: int | None = None
        self.gaps = 0

    def check_done(self) -> None:
        last = self.client.last_seq
        if self.until is not None and last is not None and last >= self.until:
            self.done.set()

    async def run(self, gate: asyncio.Semaphore) -> None:
        await gate.acquire()
        started = time.perf_counter()
        try:
            async with contextlib.aclosing(aiter(self.client)) as items:
                async for item in items:
                    if isinstance(item, Gap):
                        self.gaps += 1
                    elif isinstance(item, Message):
                        if item.seq > self.after + 1:
                            self.seqs.append(item.seq)
                            self.latencies.append(item.latency_ms or 0.0)
                        if not self.live.is_set():
                            self.connect_ms = (time.perf_counter() - started) * 1000
                            self.live.set()
                            gate.release()
                    self.check_done()
                    if self.done.is_set():
                        return
        finally:
            if not self.live.is_set():
                self.live.set()  # never connected: do not hold the ramp-up forever
                gate.release()

    def record(self) -> dict[str, Any]:
        stats = self.client.stats
        expected_first = self.after + 2
        in_order = self.until is not None and list(self.seqs) == list(
            range(expected_first, self.until + 1)
        )
        return {
            "technique": self.technique,
            "client": self.number,
            "connect_ms": self.connect_ms,
            "delivered": len(set(self.seqs)),
            "in_order": in_order,
            "duplicates": stats.duplicates,
            "gaps": self.gaps + stats.holes,
            "reconnects": stats.reconnects,
            "errors": stats.errors,
            "requests": stats.requests,
            "last_error": repr(self.client.last_error) if self.client.last_error else "",
            "seqs": self.seqs,
            "latencies": self.latencies,
        }


async def _wait_all(events: Sequence[asyncio.Event], timeout: float) -> None:
    """Wait until every event is set, or `timeout` seconds."""
    waits = [asyncio.create_task(event.wait()) for event in events]
    _, late = await asyncio.wait(waits, timeout=timeout)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)


async def _run_job(conn: Connection, job: _Job) -> bool:
    """Connect the job's subscribers, report them live, follow until told the last seq."""
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=job.connect_timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        subscribers = [_Subscriber(job, t, n, http) for t, n in job.subscribers]
        gate = asyncio.Semaphore(job.concurrency)
        tasks = [asyncio.create_task(s.run(gate)) for s in subscribers]
        try:
            await _wait_all([s.live for s in subscribers], job.connect_timeout)
            conn.send(("live", sum(not math.isnan(s.connect_ms) for s in subscribers)))
            message = await asyncio.to_thread(conn.recv)
            if message is None:  # the parent gave up: stop without reporting
                return False
            _, until, drain = message
            for subscriber in subscribers:
                subscriber.until = until
                subscriber.check_done()
            await _wait_all([s.done for s in subscribers], drain)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for subscriber in subscribers:
                await subscriber.client.aclose()
    conn.send(("done", [s.record() for s in subscribers]))
    return True


async def _serve_jobs(conn: Connection) -> None:
    while True:
        job = await asyncio.to_thread(conn.recv)
        if job is None or not await _run_job(conn, job):
            return


def _client_process(conn: Connection) -> None:
    """Entry point of a client process: run the jobs the parent sends until it sends None."""
    raise_fd_limit()
    try:
        asyncio.run(_serve_jobs(conn))
    finally:
        conn.close()


class _ClientProcess:
    def __init__(self, index: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.index = index
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_client_process, args=(child,), name=f"rtlab-load-clients-{index}", daemon=True
        )
        self.process.start()
        child.close()
        assert self.process.pid is not None
        self.ps = psutil.Process(self.process.pid)

    def cpu_seconds(self) -> float:
        try:
            return process_cpu_seconds(self.ps.pid)
        except psutil.NoSuchProcess:
            return 0.0

    async def receive(self, expected: str, timeout: float) -> Any:
        ready = await asyncio.to_thread(self.conn.poll, timeout)
        if not ready:
            raise TimeoutError(f"client process {self.index} sent no {expected!r} in {timeout:g} s")
        kind, payload = self.conn.recv()
        if kind != expected:
            raise RuntimeError(f"client process {self.index} sent {kind!r}, not {expected!r}")
        return payload

    def close(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self.conn.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.process.close()
        self.conn.close()


# -- the run -----------------------------------------------------------------------------


def _payload(index: int, size: int, rng: random.Random) -> dict[str, Any]:
    """A JSON object whose compact encoding is `size` bytes."""
    bare = len(dumps({"n": index, "text": ""}))
    return {"n": index, "text": "".join(rng.choices(string.ascii_letters, k=max(0, size - bare)))}


def _other_cpu_seconds(server: ProcessServer, clients: Sequence[_ClientProcess]) -> float:
    """CPU time the whole machine has been busy, minus the server's, the client processes'
    and this process's: what other work took (cumulative, so take differences)."""
    machine = psutil.cpu_times()
    busy = (
        machine.user
        + machine.system
        + sum(getattr(machine, name, 0.0) for name in ("nice", "irq", "softirq"))
    )
    me = psutil.Process().cpu_times()
    ours = server.cpu_seconds() + sum(c.cpu_seconds() for c in clients) + me.user + me.system
    return float(busy - ours)


class _Sampler:
    """Server CPU and RSS (and the client processes' CPU) once a second, and the peak RSS."""

    def __init__(self, server: ProcessServer, clients: Sequence[_ClientProcess]) -> None:
        self.server = server
        self.clients = clients
        self.rows: list[dict[str, Any]] = []
        self.peak_rss = 0
        self.phase = "idle"
        self.started = time.perf_counter()

    def sample(self) -> None:
        rss = self.server.rss_bytes()
        self.peak_rss = max(self.peak_rss, rss)
        self.rows.append(
            {
                "t": time.perf_counter() - self.started,
                "phase": self.phase,
                "server_cpu_s": self.server.cpu_seconds(),
                "server_rss_mb": rss / 2**20,
                "client_cpu_s": sum(c.cpu_seconds() for c in self.clients),
                "other_cpu_s": _other_cpu_seconds(self.server, self.clients),
            }
        )

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(1.0)


async def _publish_flow(
    server: ProcessServer, topic: str, count: int, spec: LoadSpec, progress: bool
) -> tuple[int, float]:
    """Publish `count` messages on a fixed schedule, each at its time whether or not the
    previous one was acknowledged (so a slow server does not slow the offered load down).
    Returns the last seq and the worst delay from a publish's scheduled time to its 201 (ms)."""
    rng = random.Random(spec.seed)
    payloads = [_payload(index, spec.message_bytes, rng) for index in range(count)]
    loop = asyncio.get_running_loop()
    start = loop.time()
    delays: list[float] = []

    with progress_bar(
        total=count, desc=topic, unit="msg", disable=not progress, leave=False
    ) as bar:

        async def publish(index: int) -> int:
            due = start + index / spec.rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            seq = await server.apublish(topic, payloads[index])
            delays.append((loop.time() - due) * 1000)
            bar.update(1)
            return seq

        seqs = await asyncio.gather(*(publish(index) for index in range(count)))
    return max(seqs), max(delays)


@dataclass
class _Phase:
    name: str
    records: list[dict[str, Any]]
    connect_s: float
    server_open: int


async def _open_count(server: ProcessServer) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{server.url}/metrics") as response,
    ):
        counters = await response.json()
    return sum(int(counters[t]["open"]) for t in LONG_LIVED)


async def _phase(
    name: str,
    spec: LoadSpec,
    server: ProcessServer,
    processes: Sequence[_ClientProcess],
    subscribers: list[tuple[str, int]],
    messages: int,
    sampler: _Sampler,
    progress: bool,
    measure: dict[str, float] | None = None,
) -> _Phase:
    """Connect `subscribers` (spread over `processes`), publish `messages`, gather records."""
    topic = f"{spec.topic}-{name}"
    start = await server.apublish(topic, "start")
    # Each process gets an equal share of every technique (subscriber n of a technique goes
    # to process n mod P), so no technique shares a process with all the long-pollers.
    shares: list[list[tuple[str, int]]] = [[] for _ in processes]
    for technique, number in subscribers:
        shares[number % len(processes)].append((technique, number))
    used = [(p, share) for p, share in zip(processes, shares, strict=True) if share]
    sampler.phase = "connect"
    ramp = time.perf_counter()
    for process, share in used:
        job = _Job(
            url=server.url,
            topic=topic,
            after=start - 1,
            subscribers=tuple(share),
            concurrency=spec.concurrency,
            longpoll_timeout=spec.longpoll_timeout,
            connect_timeout=spec.connect_timeout,
        )
        process.conn.send(job)
    live = 0
    for process, _ in used:
        live += await process.receive("live", spec.connect_timeout + 30)
    connect_s = time.perf_counter() - ramp
    if live < len(subscribers):
        warnings.warn(
            f"{name}: only {live} of {len(subscribers)} subscribers live after {connect_s:.0f} s",
            RuntimeWarning,
            stacklevel=2,
        )
    await asyncio.sleep(spec.settle)
    server_open = await _open_count(server)
    sampler.phase = name
    if measure is not None:
        sampler.sample()
        measure["rss_connected"] = server.rss_bytes()
        measure["cpu_before"] = server.cpu_seconds()
        measure["client_cpu_before"] = sum(p.cpu_seconds() for p in processes)
        measure["other_cpu_before"] = _other_cpu_seconds(server, processes)
        measure["t0"] = time.perf_counter()
    flow = asyncio.create_task(_publish_flow(server, topic, messages, spec, progress))
    if measure is not None:
        # the window is exactly `messages` publish periods: up to one period after the last
        await asyncio.wait({flow}, timeout=messages / spec.rate)
        await asyncio.sleep(max(0.0, measure["t0"] + messages / spec.rate - time.perf_counter()))
        measure["window"] = time.perf_counter() - measure["t0"]
        measure["cpu"] = server.cpu_seconds() - measure["cpu_before"]
        measure["other_cpu"] = _other_cpu_seconds(server, processes) - measure["other_cpu_before"]
        measure["client_cpu"] = (
            sum(p.cpu_seconds() for p in processes) - measure["client_cpu_before"]
        )
        measure["rss_loaded"] = server.rss_bytes()
        sampler.sample()
    last, ack_ms = await flow
    if measure is not None:
        measure["ack"] = ack_ms
    assert last == start + messages, "another publisher on the load topic"
    for process, _ in used:
        process.conn.send(("until", last, spec.drain_timeout))
    records: list[dict[str, Any]] = []
    for process, _ in used:
        for record in await process.receive("done", spec.drain_timeout + 60):
            records.append({"phase": name, "process": process.index, **record})
    sampler.phase = "idle"
    return _Phase(name, records, connect_s, server_open)


def _frames(
    phases: Sequence[_Phase], expected: dict[str, int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The deliveries and clients frames from every phase's records."""
    parts = []
    rows = []
    for phase in phases:
        for record in phase.records:
            n = len(record["seqs"])
            parts.append(
                pd.DataFrame(
                    {
                        "phase": [phase.name] * n,
                        "technique": [record["technique"]] * n,
                        "client": pd.Series([record["client"]] * n, dtype="int64"),
                        "seq": pd.Series(record["seqs"], dtype="int64"),
                        "latency_ms": pd.Series(record["latencies"], dtype="float64"),
                    }
                )
            )
            rows.append({k: v for k, v in record.items() if k not in ("seqs", "latencies")})
    deliveries = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=DELIVERY_COLUMNS)
    )
    for column in ("phase", "technique"):
        deliveries[column] = deliveries[column].astype("category")
    clients = pd.DataFrame(rows)
    clients["expected"] = clients["phase"].map(expected)
    return deliveries[DELIVERY_COLUMNS], clients[CLIENT_COLUMNS]


def _summary(
    deliveries: pd.DataFrame, clients: pd.DataFrame, techniques: Sequence[str]
) -> pd.DataFrame:
    keys = ["phase", "technique"]
    per = clients.groupby(keys, sort=False, observed=True)
    table = per.agg(
        clients=("client", "size"),
        expected=("expected", "sum"),
        delivered=("delivered", "sum"),
        duplicates=("duplicates", "sum"),
        gaps=("gaps", "sum"),
        out_of_order=("in_order", lambda s: int((~s.astype(bool)).sum())),
        reconnects=("reconnects", "sum"),
        errors=("errors", "sum"),
        requests=("requests", "sum"),
        connect_p50_ms=("connect_ms", "median"),
        connect_max_ms=("connect_ms", "max"),
    )
    table["losses"] = table["expected"] - table["delivered"]
    latency = deliveries.groupby(keys, sort=False, observed=True)["latency_ms"]
    table["p50_ms"] = latency.median()
    table["p90_ms"] = latency.quantile(0.9)
    table["p99_ms"] = latency.quantile(0.99)
    table["max_ms"] = latency.max()
    table = table.reset_index()
    base = table[table["phase"] == "baseline"].set_index("technique")
    for p in ("p50", "p99"):
        table[f"{p}_ratio"] = table[f"{p}_ms"] / table["technique"].map(base[f"{p}_ms"])
    order = {name: i for i, name in enumerate(("baseline", "load", *techniques))}
    table = table.sort_values(["phase", "technique"], key=lambda column: column.map(order))
    return table[SUMMARY_COLUMNS].reset_index(drop=True)


async def arun_load(spec: LoadSpec, progress: bool = False) -> LoadResult:
    """Run the baseline and the load phase (awaitable form of `run_load`)."""
    from rtlab.runs.store import environment

    def say(text: str) -> None:
        if progress:
            print(text, flush=True)

    fd_limit = raise_fd_limit()
    loadavg = os.getloadavg()  # other work on the machine skews latency: keep a trace of it
    history = max(1000, spec.messages + 10, spec.baseline_messages + 10)
    processes = [_ClientProcess(i) for i in range(spec.client_processes)]
    server: ProcessServer | None = None
    try:
        server = await asyncio.to_thread(ProcessServer, history)
        sampler = _Sampler(server, processes)
        sampling = asyncio.create_task(sampler.run())
        try:
            baseline_subscribers = [(t, 0) for t in (*spec.push_techniques, "longpoll")]
            if not spec.longpoll:
                baseline_subscribers.pop()
            say(f"baseline: 1 subscriber per technique, {spec.baseline_seconds:g} s")
            baseline = await _phase(
                "baseline",
                spec,
                server,
                processes[:1],
                baseline_subscribers,
                spec.baseline_messages,
                sampler,
                progress,
            )
            await asyncio.sleep(1.0)  # the baseline's connections are closed by now
            rss_idle = server.rss_bytes()
            counts = spec.counts()
            # Interleaved (sse 0, stream 0, ws 0, longpoll 0, sse 1, ...): the server wakes
            # subscribers in the order they subscribed, so no technique is served first.
            subscribers = [
                (t, n) for n in range(max(counts.values())) for t in counts if n < counts[t]
            ]
            say(
                f"load: {len(subscribers)} subscribers ({_counts_text(counts)}), {spec.seconds:g} s"
            )
            measure: dict[str, float] = {}
            sampler.peak_rss = 0
            loaded = await _phase(
                "load",
                spec,
                server,
                processes,
                subscribers,
                spec.messages,
                sampler,
                progress,
                measure,
            )
            peak = sampler.peak_rss
        finally:
            sampling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampling
    finally:
        if server is not None:
            await server.aclose()
        for process in processes:
            await asyncio.to_thread(process.close)

    expected = {"baseline": spec.baseline_messages, "load": spec.messages}
    deliveries, clients = _frames([baseline, loaded], expected)
    summary = _summary(deliveries, clients, (*spec.push_techniques, "longpoll"))
    load_clients = clients[clients["phase"] == "load"]
    load_rows = summary[summary["phase"] == "load"]
    n = len(subscribers)
    per_kb = 1024.0 * n
    envelope = len(
        Message(
            spec.topic, 1, time.time() * 1000, _payload(0, spec.message_bytes, random.Random())
        ).json
    )
    figures = LoadFigures(
        subscribers=n,
        server_open=loaded.server_open,
        messages=spec.messages,
        envelope_bytes=envelope,
        connect_s=loaded.connect_s,
        connect_p50_ms=float(load_clients["connect_ms"].median()),
        connect_p99_ms=float(load_clients["connect_ms"].quantile(0.99)),
        window_s=measure["window"],
        server_cpu_s=measure["cpu"],
        server_cpu_pct=100 * measure["cpu"] / measure["window"],
        client_cpu_s=measure["client_cpu"],
        client_cpu_pct=100 * measure["client_cpu"] / measure["window"],
        other_cpu_pct=100 * measure["other_cpu"] / measure["window"],
        rss_idle_mb=rss_idle / 2**20,
        rss_connected_mb=measure["rss_connected"] / 2**20,
        rss_loaded_mb=measure["rss_loaded"] / 2**20,
        rss_peak_mb=peak / 2**20,
        kb_per_connection=(measure["rss_loaded"] - rss_idle) / per_kb,
        kb_per_connection_idle=(measure["rss_connected"] - rss_idle) / per_kb,
        expected=int(load_rows["expected"].sum()),
        delivered=int(load_rows["delivered"].sum()),
        losses=int(load_rows["losses"].sum()),
        duplicates=int(load_rows["duplicates"].sum()),
        gaps=int(load_rows["gaps"].sum()),
        out_of_order=int(load_rows["out_of_order"].sum()),
        reconnects=int(load_rows["reconnects"].sum()),
        errors=int(load_rows["errors"].sum()),
        publish_ack_max_ms=measure["ack"],
    )
    samples = pd.DataFrame(sampler.rows, columns=SAMPLE_COLUMNS)
    meta = {"fd_limit": fd_limit, "loadavg_before": loadavg, **environment()}
    return LoadResult(spec, figures, summary, deliveries, clients, samples, meta)


def run_load(spec: LoadSpec, progress: bool = False) -> LoadResult:
    """Run a load test (see the module docstring); works from a script and a notebook cell."""
    return run_sync(arun_load(spec, progress))
