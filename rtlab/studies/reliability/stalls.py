"""A slow consumer: fast clients of each push technique, alone and beside one
stalled client per technique, on a server in its own process with a send
limit (see `rtlab.studies.reliability`)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import pandas as pd

from rtlab.aio import run_sync
from rtlab.clients import Client
from rtlab.message import Message, now_ms
from rtlab.runs.clients import make_client
from rtlab.runs.hosts import ProcessServer
from rtlab.runs.progress import progress_bar
from rtlab.runs.record import Recorder, recording
from rtlab.runs.schedule import Schedule
from rtlab.runs.stats import p99, percentile
from rtlab.studies.reliability.common import PUSH, TOPIC, client

__all__ = ["STALLED_RCVBUF", "SlowPlan", "aslow_consumer", "slow_consumer"]


@dataclass(frozen=True)
class SlowPlan:
    """Parameters of `slow_consumer()`: `megabytes` of ~`message_size`-byte messages
    at `rate` per second to `fast` clients per technique, with and without one
    stalled client per technique; the server's send limit is `send_limit` bytes."""

    megabytes: float = 10.0
    message_size: int = 1000
    rate: float = 500.0
    fast: int = 2
    send_limit: int = 1024 * 1024
    # The stalled clients read again only once all is published: a grace long
    # enough that the end reason is still queued for them then (else: a reset).
    send_grace: float = 120.0
    techniques: tuple[str, ...] = PUSH

    @classmethod
    def quick(cls) -> SlowPlan:
        return cls(megabytes=6.0, rate=2000.0, fast=1, send_limit=256 * 1024)

    @property
    def messages(self) -> int:
        return max(1, round(self.megabytes * 1_000_000 / self.message_size))


async def _slow_run(
    plan: SlowPlan, stalled: bool, progress: bool
) -> tuple[list[dict[str, Any]], float]:
    """One run: its rows per technique and the server's RSS growth (MB)."""
    server = await asyncio.to_thread(
        ProcessServer,
        plan.messages + 10,
        15.0,
        ["--send-limit", str(plan.send_limit), "--send-grace", str(plan.send_grace)],
    )
    try:
        await server.apublish(TOPIC, "start")
        clients = [
            client(t, server.url, TOPIC, poll_interval=1.0, after=1)
            for t in plan.techniques
            for _ in range(plan.fast)
        ]
        slow = _Stalled(server.url, plan.techniques)
        try:
            async with recording(clients) as fast:
                if stalled:  # each reads the start message, then stops reading
                    await slow.stall()
                await asyncio.sleep(0.3)
                baseline_rss = server.rss_bytes()
                peak = max(baseline_rss, await _publish(server, plan, stalled, progress))
                last = plan.messages + 1
                peak = max(peak, await _wait_for(server, fast, last))
            rows = [await _row(plan, t, stalled, fast, slow, last) for t in plan.techniques]
        finally:
            await slow.aclose()
    finally:
        await server.aclose()
    return rows, (peak - baseline_rss) / 2**20


async def _publish(server: ProcessServer, plan: SlowPlan, stalled: bool, progress: bool) -> int:
    """`plan.messages` at `plan.rate` per second (open loop); the server's peak RSS seen."""
    pad = "x" * max(0, plan.message_size - 80)
    peak = 0
    with progress_bar(
        total=plan.messages,
        desc="slow consumer" if stalled else "baseline",
        unit="msg",
        disable=not progress,
        leave=False,
    ) as bar:
        async for tick in Schedule(plan.rate, plan.messages):
            await server.apublish(TOPIC, {"i": tick.index, "pad": pad})
            bar.update(1)  # cheap: the bar redraws at most once a second
            if tick.index % 200 == 0:
                peak = max(peak, server.rss_bytes())
    return peak


async def _wait_for(server: ProcessServer, fast: Sequence[Recorder], last: int) -> int:
    """Until every fast client has seq `last` (at most 30 s); the server's peak RSS seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    peak = 0
    while loop.time() < deadline and any(log.client.last_seq != last for log in fast):
        await asyncio.sleep(0.05)
        peak = max(peak, server.rss_bytes())
    return peak


async def _row(
    plan: SlowPlan,
    technique: str,
    stalled: bool,
    fast: Sequence[Recorder],
    slow: _Stalled,
    last: int,
) -> dict[str, Any]:
    logs = [log for log in fast if log.client.technique == technique]
    latencies = [m.latency_ms or 0.0 for log in logs for m in log.messages()]
    row: dict[str, Any] = {
        "technique": technique,
        "stalled_client": stalled,
        "messages": plan.messages,
        "megabytes": plan.megabytes,
        "fast_clients": len(logs),
        "fast_delivered": sum(len({m.seq for m in log.messages()}) for log in logs),
        "fast_latency_n": len(latencies),
        "fast_p50_ms": percentile(latencies, 50),
        "fast_p99_ms": p99(latencies),
    }
    if stalled:
        row |= await _resume(slow.clients[technique], slow.items[technique], last)
    return row


class _Stalled:
    """One client per technique on a session whose sockets have a small receive buffer;
    none reads until told (`stall` reads the first item, `_resume` the rest)."""

    def __init__(self, url: str, techniques: Sequence[str]) -> None:
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, socket_factory=_narrow_socket)
        )
        self.clients = {
            t: make_client(t, url, TOPIC, after=0, session=self.session) for t in techniques
        }
        self.items = {t: aiter(c) for t, c in self.clients.items()}

    async def stall(self) -> None:
        for iterator in self.items.values():
            await asyncio.wait_for(anext(iterator), 10)

    async def aclose(self) -> None:
        for iterator in self.items.values():
            with contextlib.suppress(Exception):
                await iterator.aclose()
        for stalled in self.clients.values():
            await stalled.aclose()
        await self.session.close()


STALLED_RCVBUF = 16 * 1024


def _narrow_socket(addr_info: Any) -> socket.socket:
    """A client socket with a small receive buffer (aiohttp's `socket_factory`)."""
    family, kind, proto, _, _ = addr_info
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, STALLED_RCVBUF)
    return sock


async def _resume(client: Client, items: AsyncGenerator[Any, None], last: int) -> dict[str, Any]:
    """Let a stalled client read again until it has everything; what it saw."""
    seqs: list[int] = []
    started = now_ms()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(60):
            while client.last_seq != last:
                item = await anext(items)
                if isinstance(item, Message):
                    seqs.append(item.seq)
    return {
        "slow_ends": client.stats.ends,
        "slow_end_reason": client.end_reason or "",
        "slow_resumed_complete": seqs == list(range(2, last + 1)),
        "slow_duplicates": client.stats.duplicates,
        "slow_errors": client.stats.errors,
        "slow_catch_up_s": (now_ms() - started) / 1000,
    }


async def aslow_consumer(plan: SlowPlan | None = None, progress: bool = True) -> pd.DataFrame:
    """Run the slow-consumer experiment: baseline, then with stalled clients."""
    plan = plan or SlowPlan()
    base, base_rss = await _slow_run(plan, stalled=False, progress=progress)
    slow, slow_rss = await _slow_run(plan, stalled=True, progress=progress)
    frame = pd.DataFrame(base + slow)
    frame["server_rss_growth_mb"] = [base_rss] * len(base) + [slow_rss] * len(slow)
    frame["send_limit"] = plan.send_limit
    p99 = frame.set_index(["technique", "stalled_client"])["fast_p99_ms"]
    frame["p99_ratio"] = [
        row.fast_p99_ms / p99[(row.technique, False)] for row in frame.itertuples()
    ]
    return frame


def slow_consumer(plan: SlowPlan | None = None, progress: bool = True) -> pd.DataFrame:
    """`aslow_consumer` from synchronous code."""
    return run_sync(aslow_consumer(plan, progress))
