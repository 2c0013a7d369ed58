"""Run a coroutine to completion from synchronous code, in a script or a notebook.

A Jupyter kernel already runs an asyncio loop in the thread that executes
cells, so `asyncio.run()` refuses to start inside a cell. Re-entering that
loop (nest-asyncio's `run_until_complete` inside a cell) is not safe: with
ipykernel 7 the kernel's own tasks for the cells queued behind it get stepped
from inside the nested run, fail with "cannot enter context", and every later
cell of a Run All hangs. So `run_sync` never touches the caller's loop. Where
no loop runs in this thread (a script, pytest's sync tests) it is plain
`asyncio.run`; where one runs (a kernel cell, an async test) the coroutine runs
to completion with `asyncio.run` on a worker thread while this thread waits.

The worker runs in a copy of the caller's context, so ipykernel routes its
output and progress bars to the cell that called. The wait is interruptible:
Kernel > Interrupt (SIGINT, `KeyboardInterrupt` in the waiting thread) cancels
the coroutine on the worker, waits for its clean-up (clients close, servers the
run started stop) and re-raises, so the cell ends and the kernel keeps going.
A `Lab` the caller started is untouched: it has its own thread and loop.

The standard library has no helper for "run this coroutine from sync code,
wherever I am" (`asyncio.Runner` also refuses a running loop), hence this one.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Coroutine
from typing import Any, Generic, TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")

# How long an interrupted run gets to clean up before the caller stops waiting.
_CANCEL_GRACE_S = 30.0


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion and return its result, never nesting a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    return _OnWorker[T](coro).result()


class _OnWorker(Generic[T]):
    """One coroutine run by `asyncio.run` on a daemon thread, awaited from this one."""

    def __init__(self, coro: Coroutine[Any, Any, T]) -> None:
        self._coro = coro
        self._done = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[T] | None = None
        self._started = threading.Event()
        self._outcome: tuple[bool, Any] = (False, None)
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(self._main,), name="rtlab-run-sync", daemon=True
        )

    def _main(self) -> None:
        try:
            self._outcome = (True, asyncio.run(self._wrapped()))
        except BaseException as exc:  # handed to the waiting thread
            self._outcome = (False, exc)
        finally:
            self._started.set()
            self._done.set()

    async def _wrapped(self) -> T:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._started.set()
        return await self._coro

    def result(self) -> T:
        self._thread.start()
        try:
            self._done.wait()
        except KeyboardInterrupt:
            self._cancel()
            raise
        ok, value = self._outcome
        if ok:
            return value  # type: ignore[no-any-return]  # _main stored T when ok
        raise value

    def _cancel(self) -> None:
        self._started.wait(_CANCEL_GRACE_S)
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # the loop closed in between: nothing left to cancel
                return
        self._done.wait(_CANCEL_GRACE_S)
