"""`Relay`: a userspace TCP relay that counts bytes and emulates a network.

Clients connect to the relay's port; it opens one upstream connection for each.

    async with Relay.for_url(lab.url, LinkSettings(delay=0.05)) as relay:
        client = SSEClient(relay.url, "demo", after=0)
        ...
        relay.settings.cut_rate = 0.5   # takes effect at once
        relay.totals()["sse"]           # {"connections", "bytes_up", "bytes_down", ...}

How it works. Each direction of a connection is a pipe: a reader task reads
chunks (at most 64 KiB) from one socket, counts them and stamps each with the
time it is due at the other end; a writer task takes chunks from a FIFO queue,
sleeps until each one's due time, writes it and awaits `drain()`. Delay is a
timestamp, not a sleep in the reader, so many chunks are in flight at once and
throughput is not capped by the delay. Bandwidth is a per-direction "link
free" clock: a chunk starts once the link is free and occupies it for
`len / bandwidth` seconds. At most 1 MiB per direction is queued; beyond that
the reader stops reading, so a slow reader backs TCP up to the sender. Bytes
are counted as they are read, so they are the exact TCP payload: HTTP heads,
chunked framing, SSE and WebSocket framing included. A watchdog per
connection draws random cuts (Poisson) and enforces the idle timeout; a cut
aborts both sockets. EOF on one side is passed on as a half-close; errors close
both sides quietly.

Each connection is labelled with a technique from its first request line
(`GET /sse/demo HTTP/1.1` -> "sse"). On a keep-alive connection every later
request counts for the first request's technique.

Why hand-written: no maintained Python library emulates delay, bandwidth and
cuts per TCP connection in userspace without root. `tc netem` needs root and a
network namespace, and it cannot count bytes per technique.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import re
import time
from asyncio import StreamReader, StreamWriter
from dataclasses import dataclass
from typing import Self
from urllib.parse import urlsplit

from rtlab.techniques import SERVER_ROUTES

__all__ = ["ConnectionStats", "LinkSettings", "Relay"]

CHUNK = 64 * 1024
MAX_IN_FLIGHT = 1024 * 1024  # queued bytes per direction before the reader pauses
MAX_HEAD = 8 * 1024  # how much of the first request is searched for its request line
RECHECK = 0.1  # how often the watchdog re-reads settings that are off
CLOSE_GRACE = 5.0  # how long a graceful close may wait for unsent bytes
TOTALS = ("connections", "bytes_up", "bytes_down", "cuts", "idle_closes")
REQUEST_LINE = re.compile(rb"([A-Z]+) (\S+) HTTP/\d\.\d")


@dataclass
class LinkSettings:
    """What the link does. Mutable: the relay reads it on every chunk."""

    delay: float = 0.0  # one-way delay (s), both directions: RTT = 2 * delay
    bandwidth: float | None = None  # bytes/s, per direction and connection; None = unlimited
    cut_rate: float = 0.0  # expected random cuts per connection per second (Poisson)
    idle_timeout: float | None = None  # close when no byte crossed either way for this long
    buffer_bytes: int = 0  # hold server->client bytes until this many accumulated (0 = off)
    seed: int | None = None  # connection N draws its cuts from random.Random(f"{seed}:{N}")


@dataclass
class ConnectionStats:
    """One accepted connection. `closed_by`: client, server, cut, idle or relay-stop."""

    id: int
    technique: str | None
    opened: float
    closed: float | None = None
    bytes_up: int = 0
    bytes_down: int = 0
    closed_by: str | None = None


def technique_of(line: bytes) -> str | None:
    """The technique a request line asks for; None if it is not HTTP."""
    match = REQUEST_LINE.fullmatch(line)
    if match is None:
        return None
    path = match.group(2).split(b"?", 1)[0].decode("latin-1")
    if path == "/":
        return "index"
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in SERVER_ROUTES else "other"


class _Pipe:
    """One direction of one connection: reader -> timed FIFO -> writer."""

    def __init__(self, conn: _Connection, src: StreamReader, dst: StreamWriter, down: bool) -> None:
        self.conn, self.src, self.dst, self.down = conn, src, dst, down
        self.src_side, self.dst_side = ("server", "client") if down else ("client", "server")
        self.queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        self.in_flight = 0
        self.space = asyncio.Event()
        self.link_free = 0.0

    async def read(self) -> None:
        stats, held = self.conn.stats, bytearray()
        try:
            while data := await self.src.read(CHUNK):
                self.conn.touch()
                if self.down:
                    stats.bytes_down += len(data)
                    threshold = self.conn.relay.settings.buffer_bytes
                    if held or len(data) < threshold:
                        held += data
                        if len(held) < threshold:
                            continue
                        data = bytes(held)
                        held.clear()
                else:
                    stats.bytes_up += len(data)
                    self.conn.sniff(data)
                await self.send(data)
        except OSError:
            self.conn.abort(self.src_side)
            return
        if held:  # the upstream closed: flush what buffering held back
            await self.send(bytes(held))
        self.conn.eof_from(self.src_side)
        self.queue.put_nowait(None)

    async def send(self, chunk: bytes) -> None:
        settings = self.conn.relay.settings
        start = max(time.monotonic(), self.link_free)
        rate = settings.bandwidth
        self.link_free = start + (len(chunk) / rate if rate is not None and rate > 0 else 0.0)
        self.queue.put_nowait((self.link_free + settings.delay, chunk))
        self.in_flight += len(chunk)
        while self.in_flight >= MAX_IN_FLIGHT:
            self.space.clear()
            await self.space.wait()

    async def write(self) -> None:
        try:
            while (item := await self.queue.get()) is not None:
                due, chunk = item
                if (wait := due - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                self.dst.write(chunk)
                await self.dst.drain()
                self.conn.touch()
                self.in_flight -= len(chunk)
                self.space.set()
            if self.dst.can_write_eof():
                self.dst.write_eof()
        except OSError:
            self.conn.abort(self.dst_side)


class _Connection:
    """A client connection, its upstream connection, two pipes and a watchdog."""

    def __init__(self, relay: Relay, reader: StreamReader, writer: StreamWriter) -> None:
        self.relay = relay
        self.reader, self.writer = reader, writer
        self.upstream: StreamWriter | None = None
        self.stats = ConnectionStats(next(relay._ids), None, time.monotonic())
        seed = relay.settings.seed
        self.random = random.Random(None if seed is None else f"{seed}:{self.stats.id}")
        self.last_active = self.stats.opened
        self.first_eof: str | None = None
        self.head: bytearray | None = bytearray()  # None once the technique is known
        self.started = self.done = False
        self.task = asyncio.get_running_loop().create_task(self.run())

    def touch(self) -> None:
        self.last_active = time.monotonic()

    def sniff(self, data: bytes) -> None:
        if self.head is None:
            return
        self.head += data[:MAX_HEAD]
        end = self.head.find(b"\r\n")
        if end >= 0 or len(self.head) >= MAX_HEAD:
            self.stats.technique = technique_of(bytes(self.head[:end]) if end >= 0 else b"")
            self.head = None

    def eof_from(self, side: str) -> None:
        self.first_eof = self.first_eof or side

    def abort(self, reason: str) -> bool:
        """Abort both sockets now; False if the connection was already ending."""
        for writer in (self.writer, self.upstream):
            if writer is not None:
                writer.transport.abort()
        if self.done:
            return False
        self.done = True
        self.stats.closed_by = reason
        if self.started:  # a task cancelled before it starts would skip run()'s cleanup
            self.task.cancel()
        return True

    async def run(self) -> None:
        self.started = True
        tasks: list[asyncio.Task[None]] = []
        try:
            if self.done:
                return
            relay = self.relay
            # A new TCP connection costs one round trip (SYN, SYN-ACK) before the
            # client's first byte can leave; model it so that techniques opening
            # connections often pay for it as they would on the emulated link.
            if relay.settings.delay > 0:
                await asyncio.sleep(2 * relay.settings.delay)
            try:
                reader, self.upstream = await asyncio.open_connection(
                    relay.upstream_host, relay.upstream_port
                )
            except OSError:
                self.done, self.stats.closed_by = True, "server"
                return
            up = _Pipe(self, self.reader, self.upstream, down=False)
            down = _Pipe(self, reader, self.writer, down=True)
            create = asyncio.get_running_loop().create_task
            pipes = (up.read(), up.write(), down.read(), down.write(), self.watch())
            tasks = [create(coro) for coro in pipes]
            # Until both directions have ended; an unexpected error ends the
            # connection too (and stays in its task, where asyncio reports it).
            await asyncio.wait(tasks[:4], return_when=asyncio.FIRST_EXCEPTION)
            self.done, self.stats.closed_by = True, self.first_eof
        except asyncio.CancelledError:
            self.task.uncancel()  # abort() cancelled us; closed_by is set
        finally:
            self.done = True
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)
            await self.close_sockets()
            self.stats.closed = time.monotonic()
            self.relay._open.discard(self)

    async def close_sockets(self) -> None:
        for writer in (self.writer, self.upstream):
            if writer is None:
                continue
            writer.close()
            try:
                async with asyncio.timeout(CLOSE_GRACE):
                    await writer.wait_closed()
            except TimeoutError:  # the peer does not read what is left: give up on it
                writer.transport.abort()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
            except OSError:
                pass

    async def watch(self) -> None:
        """Random cuts and the idle timeout. Settings are re-read on every step;
        a cut wait longer than the step is redrawn, which the exponential
        distribution allows (it is memoryless)."""
        while True:
            settings, wait = self.relay.settings, RECHECK
            if settings.idle_timeout is not None:
                left = self.last_active + settings.idle_timeout - time.monotonic()
                if left <= 0:
                    self.abort("idle")
                    return
                wait = min(wait, left)
            if settings.cut_rate > 0:
                draw = self.random.expovariate(settings.cut_rate)
                if draw <= wait:
                    await asyncio.sleep(draw)
                    self.abort("cut")
                    return
            await asyncio.sleep(wait)


class Relay:
    """A TCP relay on `host:port` (port 0 = any free port) to one upstream server."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        settings: LinkSettings | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.upstream_host, self.upstream_port = upstream_host, upstream_port
        self.settings = settings if settings is not None else LinkSettings()
        self.host, self.requested_port = host, port
        self.connections: list[ConnectionStats] = []
        self._open: set[_Connection] = set()
        self._ids = itertools.count(1)
        self._server: asyncio.Server | None = None
        self._port: int | None = None

    @classmethod
    def for_url(cls, url: str, settings: LinkSettings | None = None) -> Relay:
        """A relay in front of the server at an `http://host:port` URL."""
        parts = urlsplit(url)
        if parts.hostname is None:
            raise ValueError(f"no host in {url!r}")
        default = 443 if parts.scheme in ("https", "wss") else 80
        return cls(parts.hostname, parts.port or default, settings)

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "stopped"
        return f"<Relay {where} -> {self.upstream_host}:{self.upstream_port} {self.settings}>"

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the relay is not running: call start() first")
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> Relay:
        if self._server is not None:
            raise RuntimeError("the relay is already running")
        self._server = await asyncio.start_server(self._accept, self.host, self.requested_port)
        self._port = int(self._server.sockets[0].getsockname()[1])
        return self

    def _accept(self, reader: StreamReader, writer: StreamWriter) -> None:
        if self._server is None:  # accepted just as stop() closed the listener
            writer.transport.abort()
            return
        conn = _Connection(self, reader, writer)
        self.connections.append(conn.stats)
        self._open.add(conn)

    async def stop(self) -> None:
        """Close the listener and every open connection; return once all is closed."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        await asyncio.sleep(0)  # let connections accepted just before close() register
        while self._open:
            conns = list(self._open)
            for conn in conns:
                conn.abort("relay-stop")
            await asyncio.wait([conn.task for conn in conns])
            self._open.difference_update(conns)
        await server.wait_closed()
        self._port = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def cut_all(self) -> int:
        """Cut every open connection now; return how many were cut."""
        return sum(conn.abort("cut") for conn in list(self._open))

    def totals(self) -> dict[str, dict[str, int]]:
        """Per technique ("unknown" for non-HTTP): connections, bytes and closes."""
        out: dict[str, dict[str, int]] = {}
        for stats in self.connections:
            row = out.setdefault(stats.technique or "unknown", dict.fromkeys(TOTALS, 0))
            row["connections"] += 1
            row["bytes_up"] += stats.bytes_up
            row["bytes_down"] += stats.bytes_down
            row["cuts"] += stats.closed_by == "cut"
            row["idle_closes"] += stats.closed_by == "idle"
        return out

    def reset_counters(self) -> None:
        """Forget closed connections; open ones count again from 0."""
        self.connections[:] = [stats for stats in self.connections if stats.closed is None]
        for stats in self.connections:
            stats.bytes_up = stats.bytes_down = 0
