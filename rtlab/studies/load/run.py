"""Running a load test: the server process, the client processes, the two
phases and the publisher (see `rtlab.studies.load` for what is measured)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp
import pandas as pd
import psutil

from rtlab.aio import run_sync
from rtlab.message import Message
from rtlab.runs.hosts import ProcessServer
from rtlab.runs.progress import progress_bar
from rtlab.runs.schedule import PublishLog, Schedule, Tick
from rtlab.runs.store import environment
from rtlab.studies.load.result import (
    LoadResult,
    PhaseRecords,
    Ramp,
    Usage,
    frames,
    headline_figures,
    summary,
)
from rtlab.studies.load.spec import (
    SAMPLE_COLUMNS,
    LoadSpec,
    counts_text,
    payload,
    raise_fd_limit,
)
from rtlab.studies.load.subscribers import ClientProcess, Job
from rtlab.techniques import LONG_LIVED

__all__ = ["arun_load", "run_load"]


def _other_cpu_seconds(server: ProcessServer, clients: Sequence[ClientProcess]) -> float:
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

    def __init__(self, server: ProcessServer, clients: Sequence[ClientProcess]) -> None:
        self.server = server
        self.clients = clients
        self.rows: list[dict[str, object]] = []
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


@dataclass(frozen=True)
class _Counters:
    """Cumulative CPU counters and the server's RSS at one instant."""

    server_cpu: float
    client_cpu: float
    other_cpu: float
    rss: int
    t: float

    @classmethod
    def read(cls, server: ProcessServer, processes: Sequence[ClientProcess]) -> _Counters:
        return cls(
            server_cpu=server.cpu_seconds(),
            client_cpu=sum(p.cpu_seconds() for p in processes),
            other_cpu=_other_cpu_seconds(server, processes),
            rss=server.rss_bytes(),
            t=time.perf_counter(),
        )

    def until(self, later: _Counters) -> Usage:
        return Usage(
            window_s=later.t - self.t,
            server_cpu_s=later.server_cpu - self.server_cpu,
            client_cpu_s=later.client_cpu - self.client_cpu,
            other_cpu_s=later.other_cpu - self.other_cpu,
            rss_connected=self.rss,
            rss_loaded=later.rss,
        )


@dataclass(frozen=True)
class _Flow:
    """What the publisher saw: the last seq, each seq's scheduled time (ms since the
    epoch) and the worst delay from a publish's due time to its 201 (ms)."""

    last: int
    due_ms: dict[int, float]
    ack_ms: float


async def _publish_flow(
    server: ProcessServer, topic: str, count: int, spec: LoadSpec, progress: bool
) -> _Flow:
    """Publish `count` messages on an open-loop `Schedule`, each at its due time whether
    or not the previous one was acknowledged (so a slow server does not slow the offered
    load down)."""
    rng = random.Random(spec.seed)
    payloads = [payload(index, spec.message_bytes, rng) for index in range(count)]
    delays: list[float] = []
    log = PublishLog()
    publishes: list[asyncio.Task[int]] = []

    with progress_bar(
        total=count, desc=topic, unit="msg", disable=not progress, leave=False
    ) as bar:

        async def publish(tick: Tick) -> int:
            seq = await server.apublish(topic, payloads[tick.index])
            delays.append((time.time() - tick.due) * 1000)
            log.record(topic, seq, tick)
            bar.update(1)
            return seq

        async for tick in Schedule(spec.rate, count):
            publishes.append(asyncio.create_task(publish(tick)))
        seqs = await asyncio.gather(*publishes)
    due_ms = {seq: log.due_for(topic, seq) * 1000 for seq in seqs}
    return _Flow(max(seqs), due_ms, max(delays))


@dataclass(frozen=True)
class _Phase:
    """One phase's records, its ramp-up and, for the load phase, its usage."""

    records: PhaseRecords
    ramp: Ramp
    usage: Usage | None


async def _open_count(server: ProcessServer) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{server.url}/metrics") as response,
    ):
        counters = await response.json()
    return sum(int(counters[t]["open"]) for t in LONG_LIVED)


def _shares(
    processes: Sequence[ClientProcess], subscribers: list[tuple[str, int]]
) -> list[tuple[ClientProcess, list[tuple[str, int]]]]:
    """Each process gets an equal share of every technique (subscriber n of a technique
    goes to process n mod P), so no technique shares a process with all the long-pollers."""
    shares: list[list[tuple[str, int]]] = [[] for _ in processes]
    for technique, number in subscribers:
        shares[number % len(processes)].append((technique, number))
    return [(p, share) for p, share in zip(processes, shares, strict=True) if share]


async def _connect(
    name: str,
    spec: LoadSpec,
    server: ProcessServer,
    used: list[tuple[ClientProcess, list[tuple[str, int]]]],
    topic: str,
    after: int,
) -> float:
    """Send every process its subscribers; the seconds until all are live."""
    ramp = time.perf_counter()
    for process, share in used:
        job = Job(
            url=server.url,
            topic=topic,
            after=after,
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
    wanted = sum(len(share) for _, share in used)
    if live < wanted:
        warnings.warn(
            f"{name}: only {live} of {wanted} subscribers live after {connect_s:.0f} s",
            RuntimeWarning,
            stacklevel=3,
        )
    return connect_s


async def _measure_window(
    spec: LoadSpec, read: Callable[[], _Counters], sampler: _Sampler
) -> Usage:
    """From a flow just started: let the warm-up's messages go by, then take what the
    server and clients used over exactly the measured messages' publish periods."""
    await asyncio.sleep(spec.warmup_messages / spec.rate)
    sampler.sample()
    before = read()
    await asyncio.sleep(max(0.0, before.t + spec.messages / spec.rate - time.perf_counter()))
    usage = before.until(read())
    sampler.sample()
    return usage


async def _drain(
    name: str,
    spec: LoadSpec,
    used: list[tuple[ClientProcess, list[tuple[str, int]]]],
    flow: _Flow,
    measured_from: int,
) -> PhaseRecords:
    """Tell every process the last seq and gather its subscribers' records."""
    for process, _ in used:
        process.conn.send(("until", flow.last, spec.drain_timeout))
    records = []
    for process, _ in used:
        for record in await process.receive("done", spec.drain_timeout + 60):
            records.append({"phase": name, "process": process.index, **record})
    return PhaseRecords(name, records, flow.due_ms, measured_from)


async def _phase(
    name: str,
    spec: LoadSpec,
    server: ProcessServer,
    processes: Sequence[ClientProcess],
    subscribers: list[tuple[str, int]],
    sampler: _Sampler,
    progress: bool,
    *,
    measure: bool = False,
) -> _Phase:
    """Connect `subscribers` (spread over `processes`), publish the phase's messages,
    gather the records; with `measure`, what the flow's window used too."""
    messages = spec.messages if measure else spec.baseline_messages
    warmup = spec.warmup_messages if measure else 0
    topic = f"{spec.topic}-{name}"
    start = await server.apublish(topic, "start")
    used = _shares(processes, subscribers)
    sampler.phase = "connect"
    connect_s = await _connect(name, spec, server, used, topic, after=start - 1)
    await asyncio.sleep(spec.settle)
    server_open = await _open_count(server)
    sampler.phase = name
    flowing = asyncio.create_task(_publish_flow(server, topic, warmup + messages, spec, progress))
    usage = None
    if measure:
        usage = await _measure_window(spec, lambda: _Counters.read(server, processes), sampler)
    flow = await flowing
    assert flow.last == start + warmup + messages, "another publisher on the load topic"
    records = await _drain(name, spec, used, flow, measured_from=start + warmup + 1)
    sampler.phase = "idle"
    return _Phase(records, Ramp(server_open, connect_s, flow.ack_ms), usage)


@dataclass(frozen=True)
class _Run:
    """Both phases, and the server's RSS with no subscriber and at its peak."""

    baseline: _Phase
    loaded: _Phase
    rss_idle: int
    rss_peak: int
    samples: pd.DataFrame


def _subscribers(spec: LoadSpec) -> list[tuple[str, int]]:
    """The load phase's subscribers, interleaved (sse 0, stream 0, ws 0, longpoll 0,
    sse 1, ...): the server wakes subscribers in the order they subscribed, so no
    technique is served first."""
    counts = spec.counts()
    return [(t, n) for n in range(max(counts.values())) for t in counts if n < counts[t]]


async def _phases(
    spec: LoadSpec, server: ProcessServer, processes: list[ClientProcess], progress: bool
) -> _Run:
    """The baseline, then the load phase, with the sampler running throughout."""
    sampler = _Sampler(server, processes)
    sampling = asyncio.create_task(sampler.run())
    try:
        baseline_subscribers = [(t, 0) for t in (*spec.push_techniques, "longpoll")]
        if not spec.longpoll:
            baseline_subscribers.pop()
        _say(progress, f"baseline: 1 subscriber per technique, {spec.baseline_seconds:g} s")
        baseline = await _phase(
            "baseline", spec, server, processes[:1], baseline_subscribers, sampler, progress
        )
        await asyncio.sleep(1.0)  # the baseline's connections are closed by now
        rss_idle = server.rss_bytes()
        subscribers = _subscribers(spec)
        _say(
            progress,
            f"load: {len(subscribers)} subscribers ({counts_text(spec.counts())}), "
            f"{spec.seconds:g} s",
        )
        sampler.peak_rss = 0
        loaded = await _phase(
            "load", spec, server, processes, subscribers, sampler, progress, measure=True
        )
    finally:
        sampling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampling
    samples = pd.DataFrame(sampler.rows, columns=SAMPLE_COLUMNS)
    return _Run(baseline, loaded, rss_idle, sampler.peak_rss, samples)


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, flush=True)


async def _run(spec: LoadSpec, progress: bool) -> _Run:
    """Start the server and client processes, run both phases, stop them all."""
    history = max(1000, spec.messages + 10, spec.baseline_messages + 10)
    processes = [ClientProcess(i) for i in range(spec.client_processes)]
    server: ProcessServer | None = None
    try:
        server = await asyncio.to_thread(ProcessServer, history)
        return await _phases(spec, server, processes, progress)
    finally:
        if server is not None:
            await server.aclose()
        for process in processes:
            await asyncio.to_thread(process.close)


async def arun_load(spec: LoadSpec, progress: bool = False) -> LoadResult:
    """Run the baseline and the load phase (awaitable form of `run_load`)."""
    fd_limit = raise_fd_limit()
    loadavg = os.getloadavg()  # other work on the machine skews latency: keep a trace of it
    run = await _run(spec, progress)
    loaded = run.loaded
    assert loaded.usage is not None
    expected = {"baseline": spec.baseline_messages, "load": spec.warmup_messages + spec.messages}
    deliveries, clients = frames([run.baseline.records, loaded.records], expected)
    table = summary(deliveries, clients, (*spec.push_techniques, "longpoll"))
    data = payload(0, spec.message_bytes, random.Random())
    envelope = len(Message(spec.topic, 1, time.time() * 1000, data).json)
    figures = headline_figures(
        spec,
        table,
        clients,
        deliveries,
        loaded.usage,
        loaded.ramp,
        envelope_bytes=envelope,
        rss_idle=run.rss_idle,
        rss_peak=run.rss_peak,
    )
    meta = {"fd_limit": fd_limit, "loadavg_before": loadavg, **environment()}
    return LoadResult(spec, figures, table, deliveries, clients, run.samples, meta)


def run_load(spec: LoadSpec, progress: bool = False) -> LoadResult:
    """Run a load test (see `rtlab.studies.load`); works from a script and a notebook cell."""
    return run_sync(arun_load(spec, progress))
