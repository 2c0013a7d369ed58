"""Slow consumers: bounded writes and a per-connection send limit.

A push connection whose client stops reading fills the kernel's socket
buffers, then asyncio's write buffer, and then every write waits (aiohttp
drains above 64 KiB). Two rules keep that from costing the server:

- **Bounded writes.** A streaming handler hands the socket at most
  `SEND_CHUNK` bytes (64 KiB, or one message when a message is bigger) before
  it waits for the drain, however far behind the client is: a catch-up batch
  from history is written in slices, never joined into one big buffer. So a
  stuck connection holds at most asyncio's 64 KiB high-water mark plus one
  slice of server memory; the messages it has not taken stay in the topic's
  shared history.
- **Send limit** (`Settings.send_limit`, 1 MiB by default). A watchdog looks
  at every push connection each `SEND_CHECK` seconds. When the messages
  published since what a connection last handed to its socket add up to more
  than `send_limit` bytes of envelope JSON, or have run past the history so
  that the connection could only continue with a gap, the server ends the
  connection with a reason: an `{"type": "end", "reason": ...}` envelope as
  the last item of a stream, SSE (`event: end`) or iframe response followed by
  the chunked terminator, or a WebSocket Close frame with code 1008 (policy
  violation). The client reads the reason after whatever was already queued,
  sees the end, and reconnects with its cursor, resuming from history (or with
  an explicit gap). Catch-up from history never counts against the limit: only
  what is published after a connection opens does, so a client that resumes
  far behind is not cut again for the backlog it came to fetch.

The farewell is written straight to the transport, not through aiohttp's
response writer, because the handler is the one stuck waiting for that
writer's drain; the bytes are a complete chunk (or WebSocket frame) written
between two of aiohttp's own, which are each written whole. The transport is
then closed, which flushes what is queued if the client reads again, and
aborted after `Settings.send_grace` seconds if it does not.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable, Iterable, Iterator

from aiohttp import web

from rtlab.hub import Item, Subscription, Topic
from rtlab.message import Message, dumps

__all__ = [
    "FLOWS",
    "SEND_CHECK",
    "SEND_CHUNK",
    "WS_POLICY_VIOLATION",
    "Flow",
    "chunked",
    "end_envelope",
    "slices",
    "ws_close_frame",
]

SEND_CHUNK = 64 * 1024
SEND_CHECK = 0.25
WS_POLICY_VIOLATION = 1008


def end_envelope(reason: str) -> bytes:
    """`{"type":"end","reason":...}`: why the server ends a push connection."""
    return dumps({"type": "end", "reason": reason})


def chunked(data: bytes) -> bytes:
    """`data` as the last chunk of a chunked HTTP/1.1 body, terminator included."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n"


def ws_close_frame(code: int, reason: str) -> bytes:
    """A server's (unmasked) WebSocket Close frame, RFC 6455 section 5.5.1."""
    payload = struct.pack("!H", code) + reason.encode()[:123]
    return bytes([0x88, len(payload)]) + payload


def slices(
    items: Iterable[Item], encode: Callable[[Item], bytes], size: int = SEND_CHUNK
) -> Iterator[tuple[bytes, int, int]]:
    """Encoded items joined into chunks of about `size` bytes (one item when it is
    bigger): yields `(chunk, messages in it, cursor after it)`."""
    parts: list[bytes] = []
    length = messages = 0
    cursor = -1
    for item in items:
        data = encode(item)
        if parts and length + len(data) > size:
            yield b"".join(parts), messages, cursor
            parts, length, messages = [], 0, 0
        parts.append(data)
        length += len(data)
        messages += isinstance(item, Message)
        cursor = item.cursor
    if parts:
        yield b"".join(parts), messages, cursor


class Flow:
    """One push connection's progress, watched against the send limit."""

    def __init__(
        self,
        technique: str,
        sub: Subscription,
        transport: asyncio.Transport | None,
        farewell: Callable[[str], bytes],
    ) -> None:
        self.technique = technique
        self.topic: Topic = sub.topic
        # Catch-up from history is free: count only what is published from now on.
        self.sent = max(sub.cursor, sub.topic.last_seq)
        self.transport = transport
        self.farewell = farewell
        self.ended: str | None = None

    def wrote(self, cursor: int) -> None:
        """The items up to `cursor` are in the socket's hands."""
        self.sent = max(self.sent, cursor)

    def overdue(self, limit: int) -> str | None:
        """Why this connection is over the send limit, or None."""
        waiting = self.topic.bytes_after(self.sent)
        if waiting is None:
            return (
                f"slow consumer: seq {self.sent + 1} of {self.topic.name!r} left the history "
                "before this connection took it; reconnect to resume (with a gap)"
            )
        if waiting > limit:
            return (
                f"slow consumer: {waiting} bytes of messages waiting, over the "
                f"{limit}-byte send limit; reconnect to resume"
            )
        return None

    def end(self, reason: str, grace: float) -> None:
        """Queue the farewell after what is queued, close, and abort after `grace` s."""
        self.ended = reason
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        transport.write(self.farewell(reason))
        transport.close()
        asyncio.get_running_loop().call_later(grace, transport.abort)


FLOWS: web.AppKey[set[Flow]] = web.AppKey("flows")
