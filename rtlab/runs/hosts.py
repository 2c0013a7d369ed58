"""Where an experiment's server runs: in a thread of this process, or in its own.

Both give the runner the same handle: `url`, `apublish()`, and the server's
own `cpu_seconds()` and `rss_bytes()`.

- `ThreadServer` is a `Lab`: quick to start, and its CPU is the server
  thread's alone, but its memory is shared with the clients.
- `ProcessServer` runs `python -m rtlab serve --port 0` as a child process, so
  its CPU time and resident memory are its own (read through psutil). Its
  messages are published over HTTP (`POST /publish`), as any outside
  publisher would.
"""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
from collections.abc import Sequence
from typing import Any, Protocol

import aiohttp
import psutil

from rtlab.cputime import process_cpu_seconds
from rtlab.lab import Lab

__all__ = ["ProcessServer", "ServerHandle", "ThreadServer", "start_server"]


class ServerHandle(Protocol):
    url: str

    async def apublish(self, topic: str, data: Any) -> int: ...
    def cpu_seconds(self) -> float: ...
    def rss_bytes(self) -> int: ...
    async def aclose(self) -> None: ...


class ThreadServer:
    def __init__(self, history: int, heartbeat: float = 15.0) -> None:
        self.lab = Lab(history=history, heartbeat=heartbeat).start()
        self.url = self.lab.url

    async def apublish(self, topic: str, data: Any) -> int:
        return await self.lab.apublish(topic, data)

    def cpu_seconds(self) -> float:
        return self.lab.server_cpu_seconds()

    def rss_bytes(self) -> int:
        return int(psutil.Process().memory_info().rss)

    async def aclose(self) -> None:
        await self.lab.astop()


class ProcessServer:
    _URL = re.compile(r"rtlab serving on (http://\S+) ")

    def __init__(self, history: int, heartbeat: float = 15.0, options: Sequence[str] = ()) -> None:
        """`options`: more `rtlab serve` options, e.g. `["--send-limit", "65536"]`."""
        command = [sys.executable, "-m", "rtlab", "serve", "--port", "0"]
        command += ["--history", str(history), "--heartbeat", str(heartbeat), *options]
        self.proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        match = self._URL.match(line)
        if match is None:
            self.proc.kill()
            _, err = self.proc.communicate()
            raise RuntimeError(f"the server process did not start: {line!r} {err[-500:]}")
        self.url = match.group(1)
        self.process = psutil.Process(self.proc.pid)
        self._http: aiohttp.ClientSession | None = None

    async def apublish(self, topic: str, data: Any) -> int:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        async with self._http.post(f"{self.url}/publish/{topic}", json=data) as response:
            body = await response.json()
            if response.status != 201:
                raise RuntimeError(f"publish failed: {response.status} {body}")
            return int(body["seq"])

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid)

    def rss_bytes(self) -> int:
        return int(self.process.memory_info().rss)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
        self.proc.send_signal(signal.SIGINT)
        try:
            await asyncio.to_thread(self.proc.communicate, timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            await asyncio.to_thread(self.proc.communicate)


async def start_server(
    where: str, history: int, heartbeat: float = 15.0
) -> ThreadServer | ProcessServer:
    if where == "thread":
        return await asyncio.to_thread(ThreadServer, history, heartbeat)
    if where == "process":
        return await asyncio.to_thread(ProcessServer, history, heartbeat)
    raise ValueError(f"server must be 'thread' or 'process', not {where!r}")
