"""What a technique looks like on the wire: the raw bytes of one live exchange.

`capture(lab, technique)` opens a plain TCP socket to the lab, sends the
request a client of that technique sends, publishes a couple of messages
while it reads, and returns exactly the bytes that went each way. The text
form shows line ends as `\\r\\n` so HTTP framing (chunk sizes, blank lines,
SSE fields) is visible; WebSocket frames after the handshake are shown one per
line with their header fields decoded (RFC 6455 section 5.2).

`message_log(lab, technique)` runs the real client instead and returns the
messages it delivered as a small table, for a live message log in a notebook.

Hand-written on purpose: a capture tool (tshark, a proxy) would need root or
a separate process, and the point here is to show the exact bytes inline.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rtlab.aio import run_sync
from rtlab.clients import CLIENTS
from rtlab.lab import Lab
from rtlab.runs.record import recording
from rtlab.runs.schedule import Schedule

__all__ = ["Exchange", "acapture", "capture", "message_log", "ws_frames"]


@dataclass(frozen=True)
class Exchange:
    technique: str
    request: bytes
    response: bytes

    def text(self, limit: int = 3000) -> str:
        """Both directions as readable text, line ends made visible."""
        return (
            f"--- client -> server ({len(self.request)} bytes)\n{_visible(self.request, limit)}\n"
            f"--- server -> client ({len(self.response)} bytes)\n"
            f"{self._response_text(limit)}"
        )

    def _response_text(self, limit: int) -> str:
        if self.technique != "ws" or b"\r\n\r\n" not in self.response:
            return _visible(self.response, limit)
        head, _, frames = self.response.partition(b"\r\n\r\n")
        lines = [_visible(head + b"\r\n\r\n", limit)]
        for fin, opcode, payload, size in ws_frames(frames):
            kind = {1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}.get(opcode, "?")
            lines.append(
                f"[frame: FIN={int(fin)} opcode={opcode} ({kind}) payload {len(payload)} bytes, "
                f"{size} on the wire] {payload[:300].decode('utf-8', 'backslashreplace')}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def _visible(data: bytes, limit: int) -> str:
    shown = data[:limit].decode("utf-8", "backslashreplace")
    marker = "\x00CRLF\x00"
    shown = shown.replace("\r\n", marker).replace("\n", "\\n\n").replace("\r", "\\r\n")
    shown = shown.replace(marker, "\\r\\n\n")
    return shown + (f"... ({len(data) - limit} more bytes)" if len(data) > limit else "")


def ws_frames(data: bytes) -> list[tuple[bool, int, bytes, int]]:
    """Unmasked (server) WebSocket frames: (fin, opcode, payload, bytes on the wire)."""
    frames = []
    offset = 0
    while offset + 2 <= len(data):
        first, second = data[offset], data[offset + 1]
        length, header = second & 0x7F, 2
        if length == 126:
            length, header = int.from_bytes(data[offset + 2 : offset + 4], "big"), 4
        elif length == 127:
            length, header = int.from_bytes(data[offset + 2 : offset + 10], "big"), 10
        end = offset + header + length
        if end > len(data):
            break
        frames.append((bool(first & 0x80), first & 0x0F, data[offset + header : end], end - offset))
        offset = end
    return frames


def _request(technique: str, host: str, topic: str, after: int) -> bytes:
    target = {
        "poll": f"/poll/{topic}?after={after}",
        "longpoll": f"/longpoll/{topic}?after={after}&timeout=5",
        "stream": f"/stream/{topic}?after={after}",
        "iframe": f"/iframe/{topic}?after={after}&callback=onMessage",
        "sse": f"/sse/{topic}",
        "ws": f"/ws/{topic}?after={after}",
    }[technique]
    headers = [f"GET {target} HTTP/1.1", f"Host: {host}"]
    if technique == "sse":
        headers += ["Accept: text/event-stream", f"Last-Event-ID: {after}"]
    elif technique == "ws":
        key = base64.b64encode(os.urandom(16)).decode()
        headers += [
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
    return ("\r\n".join(headers) + "\r\n\r\n").encode()


async def acapture(
    lab: Lab, technique: str, topic: str = "wire", messages: int = 2, listen: float = 0.5
) -> Exchange:
    """Send one technique's request over a raw socket, publish, return the bytes."""
    if technique not in CLIENTS:
        raise ValueError(f"technique must be one of {', '.join(CLIENTS)}")
    after = lab.publish(topic, {"before": "the request"}) - 1 if technique == "poll" else None
    if after is None:
        after = lab.hub.topic(topic).last_seq if topic in lab.hub.topics else 0
    reader, writer = await asyncio.open_connection("127.0.0.1", lab.port)
    request = _request(technique, f"127.0.0.1:{lab.port}", topic, after)
    writer.write(request)
    await writer.drain()
    received = bytearray()

    async def read() -> None:
        while chunk := await reader.read(65536):
            received.extend(chunk)

    reading = asyncio.create_task(read())
    try:
        await asyncio.sleep(0.1)
        if technique != "poll":
            for i in range(messages):
                await lab.apublish(topic, {"hello": i})
                await asyncio.sleep(0.05)
        await asyncio.wait({reading}, timeout=listen)
    finally:
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return Exchange(technique, request, bytes(received))


def capture(lab: Lab, technique: str, **kwargs: Any) -> Exchange:
    """`acapture` from synchronous code or a notebook cell."""
    return run_sync(acapture(lab, technique, **kwargs))


async def _amessage_log(lab: Lab, technique: str, count: int, topic: str, **options: Any) -> Any:
    start = await lab.apublish(topic, "start")
    # `options` are the client's own (e.g. `interval=` for short polling).
    client = CLIENTS[technique](lab.url, topic, after=start, **options)
    async with recording([client], until=start + count) as (recorder,):
        await asyncio.sleep(0.2)
        async for tick in Schedule(rate=10.0, count=count):
            await lab.apublish(topic, {"n": tick.index, "text": f"message {tick.index}"})
        if not await recorder.wait(60):
            got = len(recorder.messages())
            raise TimeoutError(
                f"the {technique} client delivered {got} of {count} messages in 60 s"
            )
    rows = [
        {"seq": m.seq, "data": m.data, "latency_ms": round(m.latency_ms or 0.0, 3)}
        for m in recorder.messages()
    ]
    frame = pd.DataFrame(rows)
    frame.attrs["requests"] = client.stats.requests
    frame.attrs["bytes_received"] = client.stats.bytes_received
    return frame


def message_log(
    lab: Lab, technique: str, count: int = 5, topic: str = "log", **options: Any
) -> pd.DataFrame:
    """Run the technique's client, publish `count` messages, return what it delivered.

    `frame.attrs` holds the client's request count and bytes received."""
    frame: pd.DataFrame = run_sync(_amessage_log(lab, technique, count, topic, **options))
    return frame
