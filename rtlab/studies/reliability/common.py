"""What the three reliability experiments share: the techniques they cover, a
client per technique, and a log of everything a client delivers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rtlab.clients import CLIENTS, Client, LongPollClient, PollClient
from rtlab.message import Gap, Message, Restart, now_ms

__all__ = ["PUSH", "TECHNIQUES", "TOPIC", "Log", "client", "follow", "stop_following", "wait_until"]

TECHNIQUES = tuple(CLIENTS)
PUSH = ("stream", "iframe", "sse", "ws")
TOPIC = "reliability"


def client(technique: str, url: str, topic: str, *, poll_interval: float, **kw: Any) -> Client:
    """A client of `technique`; short polls every `poll_interval` s, long polls wait 25 s."""
    cls = CLIENTS[technique]
    if cls is PollClient:
        return PollClient(url, topic, interval=poll_interval, **kw)
    if cls is LongPollClient:
        return LongPollClient(url, topic, timeout=25.0, **kw)
    return cls(url, topic, **kw)


@dataclass
class Log:
    """What one client delivered, in order, with local receive times (ms)."""

    client: Client
    items: list[tuple[float, Message | Gap | Restart]] = field(default_factory=list)

    def messages(self) -> list[Message]:
        return [item for _, item in self.items if isinstance(item, Message)]


async def follow(log: Log, done: asyncio.Event) -> None:
    """Record everything the client delivers until `done` is set (or cancelled)."""
    async with contextlib.aclosing(aiter(log.client)) as items:
        async for item in items:
            log.items.append((now_ms(), item))
            if done.is_set():
                return


async def stop_following(
    done: asyncio.Event, followers: Sequence[asyncio.Task[None]], logs: Iterable[Log]
) -> None:
    """End the recording tasks, then close their clients."""
    done.set()
    for task in followers:
        task.cancel()
    await asyncio.gather(*followers, return_exceptions=True)
    for log in logs:
        await log.client.aclose()


async def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    """Look at `check()` (local state, no I/O) every `step` s until it holds or
    `timeout` s pass; whether it held."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if check():
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(step)
