"""Recording what a client delivers.

A `Recorder` runs one client in its own task and keeps every item it yields
(`Message`, `Gap`, `Restart`) with the local time it arrived and how many
times the client had reconnected by then, until the client reaches a seq
(`until`) or the recorder is stopped. `rows()` turns the messages into delivery
rows (`rtlab.runs.rows.DELIVERY_TYPES`). `recording()` starts several and
stops them all on the way out, whatever happens, closing their clients.

The client is iterated inside `contextlib.aclosing`, so stopping early closes
its generator in the recorder's task rather than leaving it to the garbage
collector.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any, NamedTuple

from rtlab.clients import Client
from rtlab.message import Gap, Message, Restart, now_ms

__all__ = ["Delivery", "Recorder", "recording"]

Item = Message | Gap | Restart


class Delivery(NamedTuple):
    """One item a client delivered: when (ms since the epoch, this machine's
    clock) and after how many reconnects."""

    at_ms: float
    item: Item
    reconnects: int


class Recorder:
    """Runs `client` in a task and records what it delivers (see the module)."""

    def __init__(
        self, client: Client, index: int = 0, *, until: int | None = None, delay: float = 0.0
    ) -> None:
        self.client = client
        self.index = index
        self.until = until
        self.delay = delay  # seconds before the client starts
        self.deliveries: list[Delivery] = []
        self.done = asyncio.Event()  # set once the client has reached `until`
        self._task: asyncio.Task[None] | None = None

    def start(self) -> Recorder:
        self._task = asyncio.create_task(self._record())
        return self

    async def _record(self) -> None:
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        async with contextlib.aclosing(aiter(self.client)) as items:
            async for item in items:
                reconnects = self.client.stats.reconnects
                self.deliveries.append(Delivery(now_ms(), item, reconnects))
                if self.reached():
                    self.done.set()
                    return

    def reached(self) -> bool:
        last = self.client.last_seq
        return self.until is not None and last is not None and last >= self.until

    async def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` s for the client to reach `until`; whether it did."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.done.wait(), timeout)
        return self.done.is_set()

    async def stop(self) -> None:
        """End the recording task, then close the client."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.client.aclose()

    def messages(self) -> list[Message]:
        return [d.item for d in self.deliveries if isinstance(d.item, Message)]

    @property
    def seqs(self) -> set[int]:
        return {message.seq for message in self.messages()}

    @property
    def latencies(self) -> list[float]:
        return [m.latency_ms for m in self.messages() if m.latency_ms is not None]

    def rows(self) -> list[dict[str, Any]]:
        """One delivery row per message (the columns of `DELIVERY_TYPES`)."""
        return [
            {
                "client": self.index,
                "topic": m.topic,
                "seq": m.seq,
                "ts": m.ts,
                "received": m.received,
                "latency_ms": m.latency_ms,
                "bytes": len(m.json),
            }
            for m in self.messages()
        ]


@contextlib.asynccontextmanager
async def recording(
    clients: Sequence[Client],
    *,
    until: Sequence[int | None] | int | None = None,
    spread: float = 0.0,
) -> AsyncIterator[list[Recorder]]:
    """A started `Recorder` per client (numbered in order), all stopped on exit.
    `until` is one seq for all, or one per client; with `spread` (seconds) the
    clients start evenly spread over it (client i after i * spread / count)."""
    targets = list(until) if isinstance(until, Sequence) else [until] * len(clients)
    step = spread / len(clients) if clients else 0.0
    recorders = [
        Recorder(client, index, until=target, delay=index * step).start()
        for index, (client, target) in enumerate(zip(clients, targets, strict=True))
    ]
    try:
        yield recorders
    finally:
        await asyncio.gather(*(r.stop() for r in recorders))
