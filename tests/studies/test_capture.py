"""Raw wire captures and the live message log."""

from __future__ import annotations

import asyncio

import pytest

from rtlab.lab import Lab
from rtlab.studies.capture import _visible, acapture, message_log, ws_frames
from rtlab.wire.ndjson import NDJSONDecoder


async def test_sse_capture_shows_the_exact_event_stream(lab: Lab) -> None:
    exchange = await acapture(lab, "sse", topic="cap", messages=2)
    assert exchange.request.startswith(b"GET /sse/cap HTTP/1.1\r\n")
    assert b"Last-Event-ID: 0\r\n" in exchange.request
    head, _, body = exchange.response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Transfer-Encoding: chunked" in head
    # the opening block, 17 (0x11) bytes: retry from the lab fixture (20 ms), cursor 0
    assert body.startswith(b"11\r\nretry: 20\nid: 0\n\n\r\n")
    assert body.count(b"event: message\n") == 2


async def test_stream_capture_decodes_to_the_published_messages(lab: Lab) -> None:
    exchange = await acapture(lab, "stream", topic="cap2", messages=3)
    body = exchange.response.partition(b"\r\n\r\n")[2]
    # strip chunk framing: size line, data, CRLF
    data, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        data, rest = data + rest[:size], rest[size + 2 :]
    values = NDJSONDecoder().feed(data)
    assert [v["data"] for v in values] == [{"hello": 0}, {"hello": 1}, {"hello": 2}]


async def test_ws_capture_parses_server_frames(lab: Lab) -> None:
    exchange = await acapture(lab, "ws", topic="cap3", messages=2)
    assert b"101 Switching Protocols" in exchange.response
    frames = ws_frames(exchange.response.partition(b"\r\n\r\n")[2])
    assert [(fin, opcode) for fin, opcode, _, _ in frames] == [(True, 1), (True, 1)]
    assert all(size == len(payload) + 2 for _, _, payload, size in frames)
    assert "opcode=1 (text)" in exchange.text()


def test_ws_frame_lengths_follow_rfc_6455() -> None:
    short = bytes([0x81, 5]) + b"hello"
    medium = bytes([0x81, 126]) + (200).to_bytes(2, "big") + b"x" * 200
    assert ws_frames(short + medium) == [(True, 1, b"hello", 7), (True, 1, b"x" * 200, 204)]
    assert ws_frames(short[:4]) == []  # incomplete frame: not reported


def test_visible_marks_every_line_end() -> None:
    assert _visible(b"a\r\nb\nc\rd", 100) == "a\\r\\n\nb\\n\nc\\r\nd"
    assert _visible(b"x" * 10, 4) == "xxxx... (6 more bytes)"


def test_message_log_and_bad_technique(lab: Lab) -> None:
    log = message_log(lab, "sse", count=3)
    assert list(log["data"]) == [{"n": i, "text": f"message {i}"} for i in range(3)]
    assert log.attrs["requests"] == 1
    with pytest.raises(ValueError, match="technique must be one of"):
        asyncio.run(acapture(lab, "smoke-signals"))
