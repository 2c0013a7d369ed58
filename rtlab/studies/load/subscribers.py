"""The client processes of a load run: each runs the subscribers it is sent.

A client process is spawned (multiprocessing) and holds ONE
`aiohttp.ClientSession` whose connector has no connection cap. The parent
sends it a `Job` (a phase's subscribers for that process); it connects them
at most `concurrency` at a time, reports how many are live, waits to be told
the phase's last seq, follows until every subscriber has it (or the drain
timeout), and sends back one record per subscriber.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import time
from array import array
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import psutil

from rtlab.clients import Client
from rtlab.cputime import process_cpu_seconds
from rtlab.message import Gap, Message
from rtlab.runs.clients import ClientKnobs, make_client
from rtlab.runs.wait import all_set
from rtlab.studies.load.spec import raise_fd_limit

__all__ = ["ClientProcess", "Job"]


@dataclass(frozen=True)
class Job:
    """One phase's subscribers for one client process: (technique, client number) pairs."""

    url: str
    topic: str
    after: int  # each subscriber resumes after this seq: the next one is its "connected" signal
    subscribers: tuple[tuple[str, int], ...]
    concurrency: int
    longpoll_timeout: float
    connect_timeout: float


class _Subscriber:
    """One client, recording the seqs it delivers and their latencies.

    Not a `rtlab.runs.record.Recorder`: a load run holds thousands of these in
    one process, so each keeps two packed arrays (8 bytes per message) instead
    of the delivered items themselves."""

    def __init__(self, job: Job, technique: str, number: int, http: aiohttp.ClientSession) -> None:
        self.technique = technique
        self.number = number
        self.after = job.after
        knobs = ClientKnobs(longpoll_timeout=job.longpoll_timeout)
        self.client: Client = make_client(
            technique, job.url, job.topic, knobs, after=job.after, session=http
        )
        self.seqs = array("q")
        self.latencies = array("d")  # from the server's publish stamp
        self.received = array("d")  # wall-clock receive times (ms), for the scheduled-time latency
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
                            got = item.received
                            self.received.append(time.time() * 1000 if got is None else got)
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
            "received": self.received,
        }


async def _run_job(conn: Connection, job: Job) -> bool:
    """Connect the job's subscribers, report them live, follow until told the last seq."""
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=job.connect_timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        subscribers = [_Subscriber(job, t, n, http) for t, n in job.subscribers]
        gate = asyncio.Semaphore(job.concurrency)
        tasks = [asyncio.create_task(s.run(gate)) for s in subscribers]
        try:
            await all_set([s.live for s in subscribers], job.connect_timeout)
            conn.send(("live", sum(not math.isnan(s.connect_ms) for s in subscribers)))
            message = await asyncio.to_thread(conn.recv)
            if message is None:  # the parent gave up: stop without reporting
                return False
            _, until, drain = message
            for subscriber in subscribers:
                subscriber.until = until
                subscriber.check_done()
            await all_set([s.done for s in subscribers], drain)
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


class ClientProcess:
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
