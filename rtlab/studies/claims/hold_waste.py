"""Seeds 000 and 004: "连接挂起也会导致资源的浪费" (a held connection itself wastes
resources); seed 002: long polling keeps many long connections open, which can
waste server resources.

Measured on the lab's aiohttp server (one event loop) in its own process, a
fresh server for each count: its resident memory with no connection (after a
warm-up long poll), then with `N` long polls held on an empty topic
(`GET /longpoll/{topic}?after=0&timeout=60`, counted open by the server's
`/metrics` before sampling) for an idle period, and its CPU time over that
period. Per held request: (held RSS - baseline RSS) / N in KiB; idle CPU in %
of one core. Only the event-loop server is measured: the lab's
thread-per-connection server (`rtlab.workers`) speaks /sse and /poll only.

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
from collections.abc import Mapping

import aiohttp

from rtlab.runs.hosts import ServerHandle, start_server
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


async def _open_longpolls(url: str) -> int:
    """How many long polls the server counts open (its /metrics)."""
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as response:
        body = await response.json()
    return int(body["longpoll"]["open"])


async def _wait_open(url: str, count: int) -> int:
    """Wait (up to OPEN_WAIT_S) until the server holds `count` long polls."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + OPEN_WAIT_S
    held = await _open_longpolls(url)
    while held < count and loop.time() < deadline:
        await asyncio.sleep(0.1)
        held = await _open_longpolls(url)
    return held


async def _warm_up(url: str) -> None:
    """One long poll answered (on another topic), so the handler's first-use
    allocations land in the baseline, not in the held requests' cost."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{url}/longpoll/warm?after=0&timeout=0.2") as response,
    ):
        await response.read()


async def _held(server: ServerHandle, count: int, idle: float) -> dict[str, float]:
    """RSS with none, then with `count` long polls held; CPU over `idle` s held."""
    url = server.url
    await _warm_up(url)
    await asyncio.sleep(SETTLE_S)
    baseline = server.rss_bytes()
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        target = f"{url}/longpoll/{TOPIC}?after=0&timeout={HOLD_S}"
        polls = [asyncio.create_task(http.get(target)) for _ in range(count)]
        try:
            held = await _wait_open(url, count)
            await asyncio.sleep(SETTLE_S)
            cpu_start = server.cpu_seconds()
            await asyncio.sleep(idle)
            cpu = server.cpu_seconds() - cpu_start
            rss = server.rss_bytes()
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


async def measure_longpoll_hold_waste(quick: bool) -> Measurement:
    """Resident memory per held long poll and idle CPU of the held set, on the
    aiohttp server in its own process, for each count."""
    counts, idle = ((100,), 5.0) if quick else ((100, 1000), 20.0)
    raise_fd_limit()
    measured: dict[str, float] = {"idle_s": idle}
    for count in counts:
        server = await start_server("process", history=10)
        try:
            figures = await _held(server, count, idle)
        finally:
            with contextlib.suppress(Exception):
                await server.aclose()
        measured |= {f"aiohttp_{name}@{count}": value for name, value in figures.items()}
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
        f"{server} with {n:,} held: {num(kib)} KiB per held request and {num(cpu)} % of a core idle"
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
