"""The forever-frame transport: an HTML page that never finishes loading.

A hidden iframe loads `GET /iframe/{topic}?callback=fn`. The response starts
with a prelude padded past 1 KiB (browsers buffer the first kilobyte of an
HTML document before they start running scripts in it), then one
`<script>parent.fn(ENVELOPE)</script>` per message; each script runs as soon
as its chunk arrives and hands the envelope to the parent page.

Data is JSON, and JSON may legally contain `</script>`, `<!--` or the line
separators U+2028/U+2029, any of which would let data break out of the script
element (or out of the JavaScript string, in older engines). `escape_json`
rewrites `<`, `>`, `&`, U+2028 and U+2029 as JSON `\\uXXXX` escapes: the value
is unchanged for any JSON parser, and the markup can no longer be closed.
Those characters can only occur inside JSON strings, so the rewrite is safe on
the serialised bytes.

The callback name is validated by the server against
`^[A-Za-z_$][A-Za-z0-9_$]{0,63}$` before it ever reaches `encode_script`.
"""

from __future__ import annotations

import re
from typing import Any

from rtlab.message import Gap, Message, Restart
from rtlab.wire.envelope import WireError, parse_json

__all__ = [
    "CALLBACK_RE",
    "IframeDecoder",
    "encode_envelope",
    "encode_item",
    "escape_json",
    "heartbeat_script",
    "prelude",
]

CALLBACK_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,63}")
PRELUDE_MIN = 1024

_ESCAPES = {
    b"<": b"\\u003c",
    b">": b"\\u003e",
    b"&": b"\\u0026",
    "\u2028".encode(): b"\\u2028",
    "\u2029".encode(): b"\\u2029",
}
_ESCAPE_RE = re.compile(b"|".join(re.escape(k) for k in _ESCAPES))


def escape_json(raw: bytes) -> bytes:
    """JSON bytes that are safe inside an HTML <script> element."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], raw)


def _check(callback: str) -> str:
    if not CALLBACK_RE.fullmatch(callback):
        raise ValueError(f"invalid callback name: {callback!r}")
    return callback


def prelude(callback: str) -> bytes:
    """The page head, padded past 1 KiB so browsers start executing scripts at once."""
    head = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>rtlab forever frame</title>'
        "</head><body>\n"
        f"<!-- rtlab forever frame: each script below calls parent.{_check(callback)}(envelope)."
    ).encode()
    padding = b" " * max(0, PRELUDE_MIN + 1 - len(head) - 5)
    return head + padding + b" -->\n"


def _script(callback: str, payload: bytes) -> bytes:
    return b"<script>parent." + callback.encode() + b"(" + payload + b")</script>\n"


def encode_item(callback: str, item: Message | Gap | Restart) -> bytes:
    """One script chunk; the escaped JSON of a message is computed once per message."""
    if isinstance(item, Message):
        payload = item.encoded("iframe", lambda m: escape_json(m.json))
    else:
        payload = escape_json(item.json)
    return _script(_check(callback), payload)


def encode_envelope(callback: str, raw_json: bytes) -> bytes:
    """One script chunk calling `callback` with any envelope's JSON, escaped."""
    return _script(_check(callback), escape_json(raw_json))


def heartbeat_script(callback: str) -> bytes:
    return _script(_check(callback), b'{"type":"heartbeat"}')


_SCRIPT_END = b")</script>"
_SCRIPT_RE = re.compile(rb"<script>parent\.([A-Za-z_$][A-Za-z0-9_$]*)\((.*?)\)</script>", re.S)


class IframeDecoder:
    """Extracts the envelopes from a forever-frame byte stream, fed in any chunks."""

    def __init__(self, callback: str) -> None:
        self.callback = _check(callback)
        self._buffer = b""

    def feed(self, data: bytes) -> list[Any]:
        scan_from = max(0, len(self._buffer) - len(_SCRIPT_END) + 1)
        self._buffer += data
        # Only scan when a script may have ended: a large script arriving in many
        # chunks is then matched once, not re-scanned on every chunk.
        if self._buffer.find(_SCRIPT_END, scan_from) < 0:
            if len(self._buffer) > 1 << 20 and b"<script>" not in self._buffer:
                raise WireError("no script chunk in the first MiB of the forever frame")
            if len(self._buffer) > 1 << 24:
                raise WireError("no complete script chunk in 16 MiB of the forever frame")
            return []
        values: list[Any] = []
        end = 0
        for match in _SCRIPT_RE.finditer(self._buffer):
            if match.group(1).decode() != self.callback:
                raise WireError(f"script calls {match.group(1)!r}, not {self.callback!r}")
            values.append(parse_json(match.group(2)))
            end = match.end()
        self._buffer = self._buffer[end:]
        return values
