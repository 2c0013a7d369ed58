"""Seeds 000 and 004: "连接挂起也会导致资源的浪费" (a held connection itself wastes
resources); seed 002: long polling keeps many long connections open, which can
waste server resources.

Measured on two servers, each in its own process and fresh for each count:
the lab's aiohttp server (one event loop) and a thread-per-connection server
(`rtlab.workers`, `python -m rtlab.workers`, N + 1 worker threads as an Apache
or PHP-FPM pool sized for the load). For each: its resident memory with no
connection (after a warm-up long poll), then with `N` long polls held on an
empty topic (`GET /longpoll/{topic}?after=0&timeout=60`, counted held by the
server's `/metrics` before sampling) for an idle period, and its CPU time over
that period. Per held request: (held RSS - baseline RSS) / N in KiB; idle CPU
in % of one core. The worker pool starts its threads as connections come
(a `ThreadPoolExecutor`), so its per-request figure includes the thread that
holds the request: what a thread-per-connection server pays for each.

Rule (on every server and N measured):
- holds if a held request costs at least `HOLDS_KIB` (10 KiB) of resident
  memory, or the held set at least `HOLDS_CPU_PCT` (1 %) of a core while idle;
- does not hold if each costs under `NO_KIB` (2 KiB) and the set under
  `NO_CPU_PCT` (0.1 %) of a core;
- depends otherwise (a cost, but a small one).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import psutil

from rtlab.runs.hosts import start_server
from rtlab.studies.claims.base import Measurement, num
from rtlab.studies.load import raise_fd_limit

__all__ = [
    "HOLDS_CPU_PCT",
    "HOLDS_KIB",
    "NO_CPU_PCT",
    "NO_KIB",
    "measure_longpoll_hold_waste",
    "rule_longpoll_hold_waste",
]

HOLDS_KIB = 10.0
HOLDS_CPU_PCT = 1.0
NO_KIB = 2.0
NO_CPU_PCT = 0.1
TOPIC = "held"
HOLD_S = 60  # the long poll's timeout: longer than any idle period
SETTLE_S = 0.5
OPEN_WAIT_S = 20.0
KEY = re.compile(r"(?P<server>\w+)_kib_per_request@(?P<n>\d+)$")


@dataclass(frozen=True)
class _Target:
    """A server under test: its URL, resident memory and CPU seconds, and how
    many long polls it holds now."""

    url: str
    rss: Callable[[], int]
    cpu: Callable[[], float]
    holding: Callable[[], Awaitable[int]]


async def _metrics(url: str) -> Any:
    connector = aiohttp.TCPConnector(force_close=True)  # no worker kept on a connection
    async with (
        aiohttp.ClientSession(connector=connector) as http,
        http.get(f"{url}/metrics") as response,
    ):
        return await response.json()


async def _wait_held(target: _Target, count: int) -> int:
    """Wait (up to OPEN_WAIT_S) until the server holds `count` long polls."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + OPEN_WAIT_S
    held = await target.holding()
    while held < count and loop.time() < deadline:
        await asyncio.sleep(0.1)
        held = await target.holding()
    return held


async def _warm_up(url: str) -> None:
    """One long poll answered (on another topic), so the handler's first-use
    allocations land in the baseline, not in the held requests' cost."""
    connector = aiohttp.TCPConnector(force_close=True)
    async with (
        aiohttp.ClientSession(connector=connector) as http,
        http.get(f"{url}/longpoll/warm?after=0&timeout=0.2") as response,
    ):
        await response.read()


async def _held(target: _Target, count: int, idle: float) -> dict[str, float]:
    """RSS with none, then with `count` long polls held; CPU over `idle` s held."""
    await _warm_up(target.url)
    await asyncio.sleep(SETTLE_S)
    baseline = target.rss()
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        poll = f"{target.url}/longpoll/{TOPIC}?after=0&timeout={HOLD_S}"
        polls = [asyncio.create_task(http.get(poll)) for _ in range(count)]
        try:
            held = await _wait_held(target, count)
            await asyncio.sleep(SETTLE_S)
            cpu_start = target.cpu()
            await asyncio.sleep(idle)
            cpu = target.cpu() - cpu_start
            rss = target.rss()
        finally:
            for task in polls:
                task.cancel()
            await asyncio.gather(*polls, return_exceptions=True)
    return {
        "held": float(held),
        "baseline_rss_mib": round(baseline / 2**20, 1),
        "kib_per_request": round((rss - baseline) / 1024 / count, 2),
        "cpu_pct": round(cpu / idle * 100, 3),
    }


async def _aiohttp(count: int, idle: float) -> dict[str, float]:
    server = await start_server("process", history=10)
    try:

        async def holding() -> int:
            return int((await _metrics(server.url))["longpoll"]["open"])

        target = _Target(server.url, server.rss_bytes, server.cpu_seconds, holding)
        return await _held(target, count, idle)
    finally:
        with contextlib.suppress(Exception):
            await server.aclose()


async def _worker_pool(count: int, idle: float) -> dict[str, float]:
    """The thread-per-connection server in a process of its own, stopped by its PID."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "rtlab.workers", "--workers", str(count + 1),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), OPEN_WAIT_S)).decode().strip()
        watched = psutil.Process(process.pid)

        async def holding() -> int:  # the /metrics request itself holds a worker too
            return int((await _metrics(url))["busy"]) - 1

        def cpu() -> float:
            times = watched.cpu_times()
            return float(times.user + times.system)

        target = _Target(url, lambda: int(watched.memory_info().rss), cpu, holding)
        return await _held(target, count, idle)
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


SERVERS = {"aiohttp": _aiohttp, "threads": _worker_pool}
LABELS = {"aiohttp": "aiohttp", "threads": "the thread-per-connection server"}


async def measure_longpoll_hold_waste(quick: bool) -> Measurement:
    """Resident memory per held long poll and idle CPU of the held set, on
    each server in its own process, for each count."""
    counts, idle = ((100,), 5.0) if quick else ((100, 1000), 20.0)
    raise_fd_limit()
    measured: dict[str, float] = {"idle_s": idle}
    for name, run in SERVERS.items():
        for count in counts:
            figures = await run(count, idle)
            measured |= {f"{name}_{figure}@{count}": value for figure, value in figures.items()}
    return Measurement(measured)


def _cases(figures: Mapping[str, float]) -> list[tuple[str, int, float, float]]:
    """(server, N, KiB per request, CPU %) for each server and count measured."""
    cases = []
    for key in figures:
        match = KEY.match(key)
        if match is not None:
            server, n = match["server"], int(match["n"])
            cases.append((server, n, figures[key], figures[f"{server}_cpu_pct@{n}"]))
    return sorted(cases)


def rule_longpoll_hold_waste(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    cases = _cases(figures)
    if any(kib >= HOLDS_KIB or cpu >= HOLDS_CPU_PCT for _, _, kib, cpu in cases):
        verdict = "holds"
    elif all(kib < NO_KIB and cpu < NO_CPU_PCT for _, _, kib, cpu in cases):
        verdict = "does not hold"
    else:
        verdict = "depends"
    parts = [
        f"{LABELS.get(server, server)} with {n:,} held: {num(kib)} KiB per held request and "
        f"{num(cpu)} % of a core idle"
        for server, n, kib, cpu in cases
    ]
    only = {server for server, _, _, _ in cases} == {"aiohttp"}
    scope = "; only the event-loop server was measured" if only else ""
    evidence = (
        f"Long polls held {num(figures['idle_s'])} s on an empty topic, server in its own "
        f"process: {'; '.join(parts)} (holds from {HOLDS_KIB:g} KiB or {HOLDS_CPU_PCT:g} %, "
        f"does not hold under {NO_KIB:g} KiB and {NO_CPU_PCT:g} %{scope})."
    )
    return verdict, evidence
