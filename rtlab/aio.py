"""Run a coroutine to completion from synchronous code, in a script or a notebook.

A Jupyter kernel already runs an asyncio loop, so `asyncio.run()` refuses to
start inside a cell. `run_sync` uses plain `asyncio.run` where no loop is
running and otherwise re-enters the running loop through nest-asyncio, so the
lab's synchronous helpers work in a cell without `await` (cells can still
`await` the async versions directly).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["quick_mode", "run_sync", "timeout_factor"]

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import nest_asyncio

    nest_asyncio.apply(loop)
    return loop.run_until_complete(coro)


def timeout_factor() -> float:
    """One knob (`RTLAB_TIMEOUT_FACTOR`) scales every timeout in tests and demos,
    so that a slow or busy machine does not turn into flaky failures."""
    try:
        return max(float(os.environ.get("RTLAB_TIMEOUT_FACTOR", "1")), 0.1)
    except ValueError:
        return 1.0


def quick_mode() -> bool:
    """`RTLAB_QUICK=1` (set by `make test` for the notebooks) asks for short runs:
    notebooks and experiments use it to keep CI within a few minutes."""
    return os.environ.get("RTLAB_QUICK", "").strip().lower() in ("1", "true", "yes")
