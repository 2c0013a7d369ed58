"""Small helpers shared by the server tests: expected wire bytes built straight
from the contract (not from rtlab's own encoders), publishing, raw reads."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.conftest import scaled

JSON = "application/json"


def compact(value: Any) -> bytes:
    """Compact UTF-8 JSON, the serialisation the contract's envelopes use."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# The epoch of every app the `serve` fixture makes, so SSE ids are known bytes.
EPOCH = "e0e0e0e0"


@dataclass(frozen=True)
class Published:
    """What `POST /publish` answered, plus the data sent: enough to build any envelope."""

    topic: str
    seq: int
    ts: float
    data: Any

    @property
    def envelope(self) -> dict[str, Any]:
        return {
            "type": "message",
            "topic": self.topic,
            "seq": self.seq,
            "ts": self.ts,
            "data": self.data,
        }

    @property
    def json(self) -> bytes:
        return compact(self.envelope)

    @property
    def ndjson(self) -> bytes:
        return self.json + b"\n"

    @property
    def sse(self) -> bytes:
        return b"id: %d\nevent: message\ndata: %s\n\n" % (self.seq, self.json)

    @property
    def sse_epoch(self) -> bytes:
        """The event as sent to a client that resumed with an epoch-qualified cursor."""
        return b"id: %s:%d\nevent: message\ndata: %s\n\n" % (EPOCH.encode(), self.seq, self.json)

    def script(self, callback: str = "rtlabPush") -> bytes:
        return iframe_script(callback, self.json)


def gap_json(topic: str, first: int, last: int) -> bytes:
    return compact({"type": "gap", "topic": topic, "from": first, "to": last})


def iframe_script(callback: str, raw_json: bytes) -> bytes:
    """One forever-frame chunk; `raw_json` is escaped the way the contract says."""
    escaped = (
        raw_json.replace(b"<", b"\\u003c")
        .replace(b">", b"\\u003e")
        .replace(b"&", b"\\u0026")
        .replace("\u2028".encode(), b"\\u2028")
        .replace("\u2029".encode(), b"\\u2029")
    )
    return b"<script>parent." + callback.encode() + b"(" + escaped + b")</script>\n"


async def publish(client: TestClient, topic: str, data: Any, **headers: str) -> Published:
    response = await client.post(f"/publish/{topic}", data=compact(data), headers=headers)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["topic"] == topic
    return Published(topic, body["seq"], body["ts"], data)


async def publish_many(client: TestClient, topic: str, count: int) -> list[Published]:
    return [await publish(client, topic, {"n": n}) for n in range(count)]


async def read_exactly(response: ClientResponse, size: int) -> bytes:
    return await asyncio.wait_for(response.content.readexactly(size), scaled(5))


async def read_lines(response: ClientResponse, count: int) -> bytes:
    """Exactly `count` newline-terminated lines, as raw bytes."""
    parts = [
        await asyncio.wait_for(response.content.readuntil(b"\n"), scaled(5)) for _ in range(count)
    ]
    return b"".join(parts)


async def metrics(client: TestClient) -> dict[str, dict[str, int]]:
    response = await client.get("/metrics")
    assert response.status == 200
    return await response.json()


async def eventually(check: Callable[[], Any], timeout: float = 5.0) -> None:
    """Wait (polling every 10 ms) until the async `check()` returns a truthy value."""
    deadline = time.monotonic() + scaled(timeout)
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def open_count(client: TestClient, technique: str) -> int:
    return (await metrics(client))[technique]["open"]


async def assert_error(
    response: ClientResponse, status: int, message: str | None = None
) -> dict[str, Any]:
    """A JSON error: exact status, JSON content type, `{"error": message}` body."""
    body = await response.text()
    assert response.status == status, body
    assert response.content_type == JSON, (response.headers.get("Content-Type"), body)
    decoded = json.loads(body)
    assert set(decoded) == {"error"}
    assert isinstance(decoded["error"], str)
    if message is not None:
        assert decoded["error"] == message
    return decoded


async def open_stream(
    client: TestClient, path: str, headers: dict[str, str] | None = None, **params: str
) -> ClientResponse:
    """Start a long-lived GET; returns once the status line and headers are in."""
    response = await client.get(path, params=params, headers=headers)
    assert response.status == 200, await response.text()
    return response


async def assert_idle(response: ClientResponse, seconds: float = 0.2) -> None:
    """Nothing more arrives for `seconds` (used with the default 15 s heartbeat)."""
    with contextlib.suppress(TimeoutError):
        extra = await asyncio.wait_for(response.content.readany(), seconds)
        raise AssertionError(f"unexpected bytes: {extra!r}")


# -- raw HTTP/1.1 over a socket: for cut connections, where a client library may drop the
# -- bytes that arrived just before the cut -----------------------------------------------


@dataclass(frozen=True)
class Raw:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes  # de-chunked
    complete: bool  # the terminating zero-size chunk arrived


class RawGet:
    """`GET target` on a fresh socket; `finish()` reads to EOF and de-chunks the body."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def start(
        cls, client: TestClient, target: str, headers: dict[str, str] | None = None
    ) -> RawGet:
        host, port = client.server.host, client.server.port
        reader, writer = await asyncio.open_connection(host, port)
        lines = [f"GET {target} HTTP/1.1", f"Host: {host}:{port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        return cls(reader, writer)

    async def finish(self) -> Raw:
        try:
            data = await asyncio.wait_for(self.reader.read(), scaled(5))
        finally:
            self.writer.close()
            with contextlib.suppress(ConnectionError):
                await self.writer.wait_closed()
        return parse_raw(data)


def parse_raw(data: bytes) -> Raw:
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") != "chunked":
        return Raw(int(status_line.split()[1]), headers, rest, True)
    body, complete = b"", False
    while rest:
        size_line, sep, rest = rest.partition(b"\r\n")
        if not sep:
            break
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            complete = True
            break
        if len(rest) < size + 2:
            body += rest[:size]
            break
        body, rest = body + rest[:size], rest[size + 2 :]
    return Raw(int(status_line.split()[1]), headers, body, complete)
