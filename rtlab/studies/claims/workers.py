"""Seed 003: an SSE connection holds an Apache thread or process (and a PHP
instance), which limits how many connections the server can hold.

Measured on two servers with the same streams: `rtlab.workers.WorkerPoolServer`
with `WORKERS` worker threads (one connection each, as Apache's MPMs and
PHP-FPM serve), and the lab's aiohttp server (one event loop). On each, open
`WORKERS + 1` SSE streams, publish one message, and count the streams that
get it within `WAIT_S`; then, with the streams still open, make one plain
poll request and see whether it is answered within `WAIT_S`.

Rule:
- holds if on the worker pool exactly `WORKERS` streams got the message and
  the poll was not answered (each open stream held a worker, the rest waited),
  while aiohttp served every stream and the poll: the limit comes from the
  worker-per-connection architecture the seed names;
- does not hold if the worker pool served more streams than it has workers
  (a stream did not hold its worker);
- depends otherwise (e.g. aiohttp was limited too, so the cause is not the
  architecture).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from rtlab.lab import Lab
from rtlab.studies.claims.base import Measurement, num
from rtlab.workers import WorkerPoolServer

__all__ = ["WAIT_S", "WORKERS", "first_event_ms", "measure_sse_worker", "rule_sse_worker"]

WORKERS = 4
WAIT_S = 1.0
TOPIC = "workers"
Publish = Callable[[Any], Any]  # publish(data): an int, or an awaitable of one


async def first_event_ms(response: aiohttp.ClientResponse, since: float, wait: float) -> float:
    """Milliseconds from `since` (time.monotonic) until the stream's first event
    ends (a blank line), or NaN if none within `wait` s."""
    buffer = b""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(wait):
            while b"\n\n" not in buffer:
                chunk = await response.content.readany()
                if not chunk:
                    return float("nan")
                buffer += chunk
            return (time.monotonic() - since) * 1000
    return float("nan")


async def _served(url: str, publish: Publish, count: int) -> tuple[int, bool]:
    """Open `count` SSE streams, publish one message; how many got it within
    WAIT_S, and whether a poll made meanwhile was answered within WAIT_S."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=WAIT_S)
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        opening = [asyncio.create_task(http.get(f"{url}/sse/{TOPIC}")) for _ in range(count)]
        done, pending = await asyncio.wait(opening, timeout=WAIT_S)
        streams = [task.result() for task in done if task.exception() is None]
        await asyncio.sleep(0.1)  # the opened streams are waiting for messages
        await _publish(publish)
        since = time.monotonic()
        got = await asyncio.gather(*(first_event_ms(s, since, WAIT_S) for s in streams))
        poll_answered = await _answered(http, f"{url}/poll/{TOPIC}")
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for stream in streams:
            stream.close()
    return sum(ms == ms for ms in got), poll_answered


async def _publish(publish: Publish) -> None:
    result = publish("news")
    if inspect.isawaitable(result):
        await result


async def _answered(http: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with asyncio.timeout(WAIT_S), http.get(url) as response:
            await response.read()
            return response.status == 200
    except TimeoutError:
        return False


async def measure_sse_worker(quick: bool) -> Measurement:
    """Streams served and the poll answered, on the worker pool and on aiohttp."""
    count = WORKERS + 1
    pool = WorkerPoolServer(WORKERS).start()
    try:
        pool_served, pool_poll = await _served(
            pool.url, lambda data: pool.publish(TOPIC, data), count
        )
    finally:
        await asyncio.to_thread(pool.stop)
    async with Lab() as lab:
        lab_served, lab_poll = await _served(lab.url, lambda data: lab.apublish(TOPIC, data), count)
    return Measurement(
        {
            "workers": float(WORKERS),
            "streams": float(count),
            "pool_served": float(pool_served),
            "pool_poll_answered": float(pool_poll),
            "aiohttp_served": float(lab_served),
            "aiohttp_poll_answered": float(lab_poll),
        }
    )


def rule_sse_worker(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    workers, streams = figures["workers"], figures["streams"]
    pool, lab = figures["pool_served"], figures["aiohttp_served"]
    pool_poll, lab_poll = figures["pool_poll_answered"] > 0, figures["aiohttp_poll_answered"] > 0
    if pool > workers:
        verdict = "does not hold"
    elif pool == workers and not pool_poll and lab == streams and lab_poll:
        verdict = "holds"
    else:
        verdict = "depends"
    answered = {True: "was answered", False: "waited"}
    evidence = (
        f"{num(streams)} SSE streams: a server with {num(workers)} worker threads (one "
        f"connection each, like Apache or PHP-FPM) delivered a message to {num(pool)} of them "
        f"within {WAIT_S:g} s and a poll meanwhile {answered[pool_poll]}; the aiohttp server "
        f"delivered to {num(lab)} and the poll {answered[lab_poll]}."
    )
    return verdict, evidence
