"""HTTP-streaming framing: newline-delimited JSON, one envelope per line.

The server writes `ENVELOPE\\n` per message (and `{"type":"heartbeat"}\\n` when
idle) into a chunked response. The decoder is fed whatever the socket hands
over, which may cut a line anywhere, and returns the complete lines' objects.
"""

from __future__ import annotations

from typing import Any

from rtlab.message import Gap, Message, Restart
from rtlab.wire.envelope import parse_json

__all__ = ["HEARTBEAT_LINE", "NDJSONDecoder", "encode_line"]

HEARTBEAT_LINE = b'{"type":"heartbeat"}\n'


def encode_line(item: Message | Gap | Restart) -> bytes:
    if isinstance(item, Message):
        return item.encoded("ndjson", lambda m: m.json + b"\n")
    return item.json + b"\n"


class NDJSONDecoder:
    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[Any]:
        """Return the JSON values of the lines completed by `data` (blank lines skipped)."""
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        return [parse_json(line) for line in lines if line.strip()]
