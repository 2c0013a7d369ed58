"""`Lab`: the rtlab server running inside this process.

The server gets its own thread and event loop. That one choice makes it work
the same way in a JupyterLab kernel (whose loop is busy running cells), a
plain script (no loop at all) and pytest: the server keeps serving while a
cell blocks, clients in the caller's loop talk to it over real loopback
sockets, and `publish()` is safe to call from any thread.

    lab = Lab().start()          # or: with Lab() as lab: ... / async with Lab() as lab:
    lab.publish("demo", {"hello": 1})
    lab.url                      # http://127.0.0.1:PORT
    lab.stop()

`stop()` runs aiohttp's graceful shutdown (every open stream ends, every
WebSocket gets 1001), stops the loop, joins the thread and closes the loop, so
repeated start/stop cycles leave no task, thread or socket behind.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import Future
from dataclasses import replace
from typing import Any, Self

from aiohttp import web

from rtlab.cputime import thread_cpu_seconds
from rtlab.hub import Hub
from rtlab.server.app import make_app
from rtlab.server.common import HUB, METRICS, Settings

__all__ = ["Lab"]

log = logging.getLogger("rtlab.lab")


class Lab:
    """An rtlab server on a background thread. Binds 127.0.0.1 unless told otherwise."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: Settings | None = None,
        shutdown_timeout: float = 5.0,
        **overrides: Any,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.settings = replace(settings or Settings(), **overrides)
        self.shutdown_timeout = shutdown_timeout
        self.port: int | None = None
        self.app: web.Application | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None

    def __repr__(self) -> str:
        state = f"serving {self.url}" if self.running else "stopped"
        return f"<Lab {state}>"

    # -- lifecycle -----------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self.port is not None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the lab is not running: call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("the lab is already running")
        ready: Future[int] = Future()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="rtlab-server", daemon=True
        )
        self._thread.start()
        try:
            self.port = ready.result(timeout=30)
        except BaseException:
            self._thread.join(timeout=5)
            self._thread = None
            raise
        return self

    def stop(self) -> None:
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout=self.shutdown_timeout + 10)
        if thread.is_alive():
            raise RuntimeError("the lab's server thread did not stop")
        self._thread = self._loop = self._stopping = None
        self.port = None
        self.app = None

    def restart(self) -> Self:
        """Stop, then start a fresh server on the same port: a new hub, new
        history, a new epoch; clients that resume are told (a `Restart` item)."""
        port = self.port
        self.stop()
        previous, self.requested_port = self.requested_port, port or self.requested_port
        try:
            return self.start()
        finally:
            self.requested_port = previous

    async def arestart(self) -> Self:
        return await asyncio.to_thread(self.restart)

    async def astart(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await self.astart()

    async def __aexit__(self, *exc: object) -> None:
        await self.astop()

    def _run(self, ready: Future[int]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            else:
                log.exception("rtlab server stopped with an error")
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()

    async def _serve(self, ready: Future[int]) -> None:
        self._stopping = asyncio.Event()
        self.app = make_app(self.settings)
        runner = web.AppRunner(
            self.app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=self.shutdown_timeout,
            # A client that goes away cancels its handler at once, so held long
            # polls and idle streams do not linger until their next write.
            handler_cancellation=True,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.requested_port)
            await site.start()
            ready.set_result(runner.addresses[0][1])
            await self._stopping.wait()
        finally:
            await runner.cleanup()

    # -- using it ------------------------------------------------------------------

    def server_cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's own thread.

        The server shares the process with the clients, so process-wide CPU
        would mix the two; Linux reports each thread's time separately, to the
        nanosecond (`rtlab.cputime`).
        """
        thread = self._thread
        if thread is None or thread.native_id is None:
            raise RuntimeError("the lab is not running: call start() first")
        return thread_cpu_seconds(os.getpid(), thread.native_id)

    @property
    def hub(self) -> Hub:
        if self.app is None:
            raise RuntimeError("the lab is not running: call start() first")
        return self.app[HUB]

    def _call(self, fn: Any, *args: Any) -> Any:
        """Run `fn(*args)` on the server's loop and return its result (from any thread)."""
        loop = self._loop
        if loop is None or not self.running:
            raise RuntimeError("the lab is not running: call start() first")
        if threading.current_thread() is self._thread:
            return fn(*args)

        async def call() -> Any:
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=30)

    def publish(self, topic: str, data: Any) -> int:
        """Publish `data` on `topic` and return its seq. Safe from any thread."""
        return int(self._call(lambda: self.hub.publish(topic, data).seq))

    async def apublish(self, topic: str, data: Any) -> int:
        """`publish` for async code: does not block the caller's event loop."""
        loop = self._loop
        if loop is None or not self.running:
            raise RuntimeError("the lab is not running: call start() first")

        async def call() -> int:
            return self.hub.publish(topic, data).seq

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call(), loop))

    def metrics(self) -> dict[str, dict[str, int]]:
        """The server's per-technique counters (same as `GET /metrics`)."""
        return dict(self._call(lambda: self.app[METRICS].as_dict() if self.app else {}))
