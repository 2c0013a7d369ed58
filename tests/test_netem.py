"""The network relay: exact byte counts, delay, bandwidth, cuts, idle timeout,
buffering, backpressure and a clean stop, on real loopback sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import psutil
import pytest

from rtlab.clients import Client, SSEClient, StreamClient, WSClient
from rtlab.lab import Lab
from rtlab.message import Message
from rtlab.netem import ConnectionStats, LinkSettings, Relay, technique_of
from tests.conftest import scaled

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Upstream:
    """A tiny TCP server for the tests; every handler task is awaited on exit."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.tasks: set[asyncio.Task[Any]] = set()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> Upstream:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            await self.handler(reader, writer)
        except OSError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.server.wait_closed()


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()


def sender(chunks: list[bytes], gap: float = 0.0) -> Handler:
    async def send(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
            if gap:
                await asyncio.sleep(gap)

    return send


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(scaled(timeout)):
        while not condition():  # noqa: ASYNC110 (relay state has no event to wait on)
            await asyncio.sleep(0.005)


async def read_all(reader: asyncio.StreamReader, timeout: float = 5.0) -> bytes:
    """Everything until EOF; a reset (as after a cut) also ends it."""
    out = bytearray()
    async with asyncio.timeout(scaled(timeout)):
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                out += data
    return bytes(out)


async def nothing_arrives(reader: asyncio.StreamReader, seconds: float) -> bool:
    try:
        data = await asyncio.wait_for(reader.read(65536), seconds)
    except TimeoutError:
        return True
    raise AssertionError(f"expected nothing yet, got {data[:80]!r}")


@contextlib.asynccontextmanager
async def connect(relay: Relay, request: bytes = b"") -> Any:
    reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
    try:
        if request:
            writer.write(request)
            await writer.drain()
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def get(path: str, close: bool = False) -> bytes:
    extra = "Connection: close\r\n" if close else ""
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode()


def only(relay: Relay) -> ConnectionStats:
    assert len(relay.connections) == 1, relay.connections
    return relay.connections[0]


# -- labels and construction -----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "technique"),
    [
        (b"GET /sse/demo HTTP/1.1", "sse"),
        (b"POST /publish/x HTTP/1.1", "publish"),
        (b"GET /poll/t?after=3 HTTP/1.1", "poll"),
        (b"GET / HTTP/1.1", "index"),
        (b"GET /?x=1 HTTP/1.0", "index"),
        (b"GET /static/app.js HTTP/1.1", "static"),
        (b"GET /nowhere HTTP/1.1", "other"),
        (b"hello", None),
        (b"", None),
    ],
)
def test_technique_of_request_line(line: bytes, technique: str | None) -> None:
    assert technique_of(line) == technique


def test_for_url_parses_host_and_port() -> None:
    relay = Relay.for_url("http://127.0.0.1:8123/ignored")
    assert (relay.upstream_host, relay.upstream_port) == ("127.0.0.1", 8123)
    assert Relay.for_url("http://localhost").upstream_port == 80
    with pytest.raises(RuntimeError):
        relay.url  # noqa: B018  (not started)


# -- exact bytes -----------------------------------------------------------------------


async def test_poll_bytes_are_exact(lab: Lab) -> None:
    await lab.apublish("t", {"n": 1})
    request = get("/poll/t?after=0", close=True)
    async with Relay.for_url(lab.url) as relay:
        async with connect(relay, request) as (reader, _):
            response = await read_all(reader)
        await until(lambda: only(relay).closed is not None)
    stats = only(relay)
    assert response.startswith(b"HTTP/1.1 200 OK\r\n") and b'"n":1' in response
    assert stats.technique == "poll"
    assert stats.bytes_up == len(request)
    assert stats.bytes_down == len(response)
    assert stats.closed_by == "server"
    assert relay.totals()["poll"] == {
        "connections": 1,
        "bytes_up": len(request),
        "bytes_down": len(response),
        "cuts": 0,
        "idle_closes": 0,
    }


@pytest.mark.parametrize(("size", "header"), [(40, 2), (64, 4)])
async def test_websocket_frame_bytes_are_exact(size: int, header: int) -> None:
    """A server->client text frame is its payload plus a 2-byte header (payload
    < 126 bytes) or a 4-byte one (126..65535), unmasked and uncompressed."""
    async with (
        Lab(heartbeat=30.0) as lab,
        Relay.for_url(lab.url) as relay,
        aiohttp.ClientSession() as http,
        http.ws_connect(f"ws://127.0.0.1:{relay.port}/ws/t", compress=0) as ws,
    ):
        stats = only(relay)
        assert stats.technique == "ws"
        before = stats.bytes_down
        await lab.apublish("t", "x" * size)
        frame = await ws.receive(timeout=scaled(5))
        payload = frame.data.encode()
        assert json.loads(payload)["data"] == "x" * size
        assert (len(payload) < 126) == (header == 2)
        assert stats.bytes_down - before == len(payload) + header


# -- delay and bandwidth ---------------------------------------------------------------


async def test_delay_applies_in_both_directions(lab: Lab) -> None:
    async with Relay.for_url(lab.url, LinkSettings(delay=0.05)) as relay:
        started = time.monotonic()
        async with connect(relay, get("/poll/t?after=0", close=True)) as (reader, _):
            response = await read_all(reader)
        elapsed = time.monotonic() - started
    assert response.startswith(b"HTTP/1.1 200")
    assert 0.1 <= elapsed < scaled(1.0)


async def test_delay_does_not_serialise_chunks() -> None:
    chunks = [b"%03d;" % i for i in range(50)]
    async with (
        Upstream(sender(chunks, gap=0.002)) as upstream,
        Relay("127.0.0.1", upstream.port, LinkSettings(delay=0.05)) as relay,
    ):
        started = time.monotonic()
        async with connect(relay) as (reader, _):
            first = await reader.read(65536)
            first_at = time.monotonic() - started
            data = first + await read_all(reader)
        elapsed = time.monotonic() - started
    assert data == b"".join(chunks)  # all of them, in order
    assert first_at >= 0.05
    assert 0.05 + 49 * 0.002 <= elapsed < scaled(0.5)  # not 50 * 0.05


async def test_bandwidth_limits_throughput() -> None:
    body = bytes(200_000)
    async with (
        Upstream(sender([body])) as upstream,
        Relay("127.0.0.1", upstream.port, LinkSettings(bandwidth=1_000_000)) as relay,
    ):
        started = time.monotonic()
        async with connect(relay) as (reader, _):
            data = await read_all(reader)
        elapsed = time.monotonic() - started
        await until(lambda: only(relay).closed is not None)
    assert len(data) == len(body) == only(relay).bytes_down
    assert 0.15 <= elapsed < scaled(2.0)


async def test_settings_change_while_running() -> None:
    async with (
        Upstream(echo) as upstream,
        Relay("127.0.0.1", upstream.port) as relay,
        connect(relay) as (reader, writer),
    ):

        async def round_trip(payload: bytes) -> float:
            started = time.monotonic()
            writer.write(payload)
            assert await reader.readexactly(len(payload)) == payload
            return time.monotonic() - started

        assert await round_trip(b"fast") < scaled(0.1)
        relay.settings.delay = 0.1
        assert 0.2 <= await round_trip(b"slow") < scaled(1.0)
        relay.settings.delay = 0.0
        assert await round_trip(b"fast again") < scaled(0.1)


async def test_slow_reader_backs_up_to_the_sender() -> None:
    """The relay stops reading when 1 MiB is queued, so what it has read stays
    bounded by that plus socket buffers, while the upstream is held back."""
    total = 48 * 1024 * 1024
    async with (
        Upstream(sender([bytes(1024 * 1024)] * 48)) as upstream,
        Relay("127.0.0.1", upstream.port) as relay,
        connect(relay) as (reader, _),
    ):
        await asyncio.sleep(0.5)  # not reading
        held = only(relay).bytes_down
        assert 0 < held < total // 2
        assert len(await read_all(reader, timeout=30)) == total
    assert only(relay).bytes_down == total


# -- cuts and idle ---------------------------------------------------------------------


async def test_random_cuts_end_a_stream(lab: Lab) -> None:
    settings = LinkSettings(cut_rate=20, seed=7)
    async with Relay.for_url(lab.url, settings) as relay:
        async with connect(relay, get("/stream/c")) as (reader, _):
            await read_all(reader, timeout=2)
        await until(lambda: only(relay).closed is not None)
    assert only(relay).closed_by == "cut"
    assert relay.totals()["stream"]["cuts"] >= 1


async def test_cut_all_cuts_every_open_connection(lab: Lab) -> None:
    async with (
        Relay.for_url(lab.url) as relay,
        connect(relay, get("/sse/x")) as (first, _),
        connect(relay, get("/sse/x")) as (second, _),
    ):
        await until(lambda: len(relay.connections) == 2)
        await until(lambda: all(c.bytes_down > 0 for c in relay.connections))
        assert relay.cut_all() == 2
        await read_all(first)
        await read_all(second)
        await until(lambda: all(c.closed is not None for c in relay.connections))
        assert [c.closed_by for c in relay.connections] == ["cut", "cut"]
        assert relay.cut_all() == 0
    assert relay.totals()["sse"]["cuts"] == 2


async def test_idle_timeout_closes_silent_connections_only() -> None:
    async with (
        Upstream(echo) as upstream,
        Relay("127.0.0.1", upstream.port, LinkSettings(idle_timeout=0.3)) as relay,
        connect(relay) as (quiet, _),
        connect(relay) as (chatty, writer),
    ):
        await until(lambda: len(relay.connections) == 2)
        quiet_stats, chatty_stats = relay.connections
        started = time.monotonic()
        while time.monotonic() - started < 1.0:
            writer.write(b".")
            assert await chatty.readexactly(1) == b"."
            await asyncio.sleep(0.1)
        assert await read_all(quiet) == b""
        assert quiet_stats.closed_by == "idle"
        assert quiet_stats.closed is not None
        assert 0.3 <= quiet_stats.closed - quiet_stats.opened < scaled(1.0)
        assert chatty_stats.closed is None
    assert relay.totals()["unknown"]["idle_closes"] == 1


async def test_request_line_split_across_reads_is_still_labelled() -> None:
    async with Upstream(echo) as upstream, Relay("127.0.0.1", upstream.port) as relay:
        async with connect(relay, b"GET /w") as (reader, writer):
            assert await reader.readexactly(6) == b"GET /w"
            assert only(relay).technique is None  # no end of line yet
            rest = b"s/x HTTP/1.1\r\nHost: x\r\n\r\n"
            writer.write(rest)
            assert await asyncio.wait_for(reader.readexactly(len(rest)), scaled(5)) == rest
            assert only(relay).technique == "ws"
            writer.write_eof()
            assert await read_all(reader) == b""
        await until(lambda: only(relay).closed is not None)
    assert only(relay).closed_by == "client"
    assert only(relay).bytes_up == only(relay).bytes_down == 6 + len(rest)


async def test_upstream_refused_closes_the_client() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with Relay("127.0.0.1", port) as relay, connect(relay, b"hi") as (reader, _):
        assert await read_all(reader) == b""
        await until(lambda: only(relay).closed is not None)
    assert only(relay).closed_by == "server"


# -- buffering -------------------------------------------------------------------------


async def test_buffering_holds_small_lines_then_bursts() -> None:
    async with Lab(heartbeat=30.0) as lab:
        settings = LinkSettings(buffer_bytes=2000)
        async with Relay.for_url(lab.url, settings) as relay:
            async with connect(relay, get("/stream/b?after=0")) as (reader, _):
                await until(lambda: len(relay.connections) == 1)
                stats = only(relay)
                await until(lambda: stats.bytes_down > 0)  # the response head, held
                held_messages = 0
                while stats.bytes_down < 2000:
                    assert await nothing_arrives(reader, 0.1)
                    seen = stats.bytes_down
                    await lab.apublish("b", "x" * 300)
                    held_messages += 1
                    await until(lambda seen=seen: stats.bytes_down > seen)  # type: ignore[misc]
                burst = await asyncio.wait_for(reader.read(65536), scaled(2))
                while len(burst) < stats.bytes_down:
                    burst += await asyncio.wait_for(reader.read(65536), scaled(2))
                assert held_messages >= 3
                assert burst.startswith(b"HTTP/1.1 200")
                assert burst.count(b'"type":"message"') == held_messages
                # below the threshold again: held until the upstream closes
                await lab.apublish("b", "last")
                assert await nothing_arrives(reader, 0.1)
                await lab.astop()
                rest = await read_all(reader)
            assert b'"data":"last"' in rest
            assert len(burst) + len(rest) == stats.bytes_down


# -- stop ------------------------------------------------------------------------------


async def test_stop_closes_everything_and_leaks_nothing(lab: Lab) -> None:
    tasks_before = asyncio.all_tasks()
    relay = await Relay.for_url(lab.url, LinkSettings(delay=0.01, cut_rate=0.1)).start()
    port = relay.port
    async with (
        connect(relay, get("/stream/s")) as (first, _),
        connect(relay, get("/sse/s")) as (second, _),
        connect(relay, get("/longpoll/s?after=0")) as (third, _),
    ):
        await until(lambda: len(relay.connections) == 3)
        await until(lambda: all(c.technique for c in relay.connections))
        await relay.stop()
        assert asyncio.all_tasks() == tasks_before
        assert [c.closed_by for c in relay.connections] == ["relay-stop"] * 3
        assert all(c.closed is not None for c in relay.connections)
        for reader in (first, second, third):
            await read_all(reader)
    mine = [c for c in psutil.Process().net_connections("inet") if c.laddr and c.laddr[1] == port]
    assert mine == []
    with socket.socket() as probe:  # nothing listens on the port any more
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen()
    await relay.stop()  # a second stop is a no-op


async def test_reset_counters_keeps_open_connections(lab: Lab) -> None:
    async with Relay.for_url(lab.url) as relay:
        async with connect(relay, get("/poll/r", close=True)) as (reader, _):
            await read_all(reader)
        async with connect(relay, get("/sse/r")) as (reader, _):
            await until(lambda: len(relay.connections) == 2 and relay.connections[1].bytes_down > 0)
            relay.reset_counters()
            assert len(relay.connections) == 1
            assert relay.connections[0].technique == "sse"
            assert relay.connections[0].bytes_down == 0
            await lab.apublish("r", 1)
            await until(lambda: relay.connections[0].bytes_down > 0)
        assert set(relay.totals()) == {"sse"}


# -- the clients through a lossy link --------------------------------------------------


async def publish_and_cut(lab: Lab, relay: Relay, topic: str, count: int, cut: bool) -> None:
    for i in range(count):
        if cut and i % 10 == 5:
            await until(lambda: any(c.closed is None for c in relay.connections))
            relay.cut_all()
        await lab.apublish(topic, {"i": i})
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("client_class", [SSEClient, WSClient, StreamClient])
@pytest.mark.parametrize("how", ["cut_all", "cut_rate"])
async def test_clients_get_every_message_once_through_cuts(
    lab: Lab, client_class: type[Client], how: str
) -> None:
    settings = LinkSettings(delay=0.005, cut_rate=8.0 if how == "cut_rate" else 0.0, seed=3)
    count = 40
    async with Relay.for_url(lab.url, settings) as relay:
        client = client_class(relay.url, "e2e", after=0)
        try:
            publisher = asyncio.create_task(
                publish_and_cut(lab, relay, "e2e", count, cut=how == "cut_all")
            )
            items = await client.collect(count, timeout=scaled(20))
            await publisher
        finally:
            await client.aclose()
    assert [item.seq for item in items if isinstance(item, Message)] == list(range(1, count + 1))
    assert len(items) == count  # no gaps either
    assert sum(row["cuts"] for row in relay.totals().values()) >= 1
    assert client.stats.reconnects >= 1


def chunked(body: bytes) -> bytes:
    """HTTP/1.1 chunk framing (RFC 9112 section 7.1): hex size, CRLF, data, CRLF."""
    return f"{len(body):x}\r\n".encode() + body + b"\r\n"


@pytest.mark.parametrize("path", ["/sse/wire", "/stream/wire"])
async def test_streamed_message_costs_exactly_its_framing(lab: Lab, path: str) -> None:
    """One published message adds exactly one chunk to bytes_down: the event or
    line (SSE field names included) plus the chunk's size line and CRLFs."""
    async with Relay.for_url(lab.url) as relay:
        reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), scaled(5))
        await until(lambda: relay.connections[0].bytes_down > len(head))
        await asyncio.sleep(0.05)  # the prelude chunk (SSE retry/id; empty for NDJSON)
        before = relay.connections[0].bytes_down
        seq = await lab.apublish("wire", {"x": "y" * 64})
        message = next(m for m in lab.hub.topic("wire").retained() if m.seq == seq)
        expected = chunked(sse_item(message) if path.startswith("/sse") else ndjson_line(message))
        await until(lambda: relay.connections[0].bytes_down >= before + len(expected))
        await asyncio.sleep(0.05)
        assert relay.connections[0].bytes_down - before == len(expected)
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def sse_item(message: Message) -> bytes:
    return f"id: {message.seq}\nevent: message\ndata: ".encode() + message.json + b"\n\n"


def ndjson_line(message: Message) -> bytes:
    return message.json + b"\n"
