"""Waiting until something holds, with a deadline.

`holds` looks at a condition on local state (no I/O) every `step` seconds and
says whether it held in time; `require` does the same and raises a
TimeoutError naming what it waited for; `all_set` waits for asyncio events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

__all__ = ["all_set", "holds", "require"]


async def holds(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    """Whether `condition()` held within `timeout` s (looked at every `step` s)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if condition():
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(step)


async def require(
    condition: Callable[[], bool], timeout: float, what: str, step: float = 0.01
) -> None:
    """Wait until `condition()`; a TimeoutError names `what` after `timeout` s."""
    if not await holds(condition, timeout, step):
        raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")


async def all_set(events: Sequence[asyncio.Event], timeout: float) -> bool:
    """Wait until every event is set, or `timeout` s; whether they all were."""
    waits = [asyncio.create_task(event.wait()) for event in events]
    _, late = await asyncio.wait(waits, timeout=timeout) if waits else (set(), set())
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    return not late
