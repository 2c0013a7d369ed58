"""The send limit on the wire: exact farewell bytes, exact framing helpers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import struct

import pytest

from rtlab.hub import Hub
from rtlab.lab import Lab
from rtlab.message import Gap, Message
from rtlab.server.flow import Flow, chunked, end_envelope, slices, ws_close_frame
from tests.conftest import scaled
from tests.server.helpers import parse_raw

REASON = re.compile(
    r"slow consumer: \d+ bytes of messages waiting, over the 262144-byte send limit;"
    r" reconnect to resume"
)


def test_chunked_is_one_last_chunk_and_the_terminator() -> None:
    assert chunked(b"hello") == b"5\r\nhello\r\n0\r\n\r\n"
    assert chunked(b"x" * 26) == b"1a\r\n" + b"x" * 26 + b"\r\n0\r\n\r\n"


def test_ws_close_frame_follows_rfc_6455() -> None:
    frame = ws_close_frame(1008, "slow")
    assert frame == b"\x88\x06" + struct.pack("!H", 1008) + b"slow"
    long = ws_close_frame(1008, "é" * 100)  # a control frame's payload is at most 125 bytes
    assert long[1] == 125 and len(long) == 127


def test_end_envelope() -> None:
    assert end_envelope("why") == b'{"type":"end","reason":"why"}'


def test_slices_keep_order_and_bound_each_chunk() -> None:
    items: list[Message | Gap] = [Gap("t", 1, 4)]
    items += [Message("t", seq, 0.0, "x" * 500) for seq in range(5, 305)]
    encode = lambda item: item.json  # noqa: E731
    out = list(slices(items, encode, size=4096))
    assert b"".join(chunk for chunk, _, _ in out) == b"".join(map(encode, items))
    assert all(len(chunk) <= 4096 for chunk, _, _ in out)
    assert sum(count for _, count, _ in out) == 300
    assert out[-1][2] == 304
    big = Message("t", 1, 0.0, "y" * 10_000)
    assert list(slices([big], encode, size=4096)) == [(big.json, 1, 1)]


def test_overdue_counts_only_what_was_published_after_opening() -> None:
    hub = Hub(history=10, epoch="e")
    for _ in range(8):
        hub.publish("t", "x" * 100)
    flow = Flow("stream", hub.subscribe("t", after=0), None, lambda reason: b"")
    assert flow.sent == 8  # the 8 retained messages it came to fetch are free
    assert flow.overdue(limit=300) is None
    sizes = [len(hub.publish("t", "x" * 100).json) for _ in range(2)]
    assert flow.overdue(limit=sum(sizes)) is None
    third = len(hub.publish("t", "x" * 100).json)
    assert flow.overdue(limit=sum(sizes)) == (
        f"slow consumer: {sum(sizes) + third} bytes of messages waiting, over the "
        f"{sum(sizes)}-byte send limit; reconnect to resume"
    )
    flow.wrote(11)
    assert flow.overdue(limit=0) is None
    for _ in range(11):  # history 10: seq 12 leaves with the 11th
        hub.publish("t", 1)
    assert flow.overdue(limit=10**9) == (
        "slow consumer: seq 12 of 't' left the history before this connection took it; "
        "reconnect to resume (with a gap)"
    )


async def stalled_get(lab: Lab, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """`GET path` on a socket with an 8 KiB receive buffer; returns once the head
    is in, and then nobody reads."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", lab.port))
    reader, writer = await asyncio.open_connection(sock=raw)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: lab\r\n\r\n".encode())
    await reader.readuntil(b"\r\n\r\n")
    return reader, writer


async def publish_until_ended(lab: Lab, technique: str) -> int:
    """Publish ~1 kB messages until the send limit ends a `technique` connection."""
    published = 0
    while lab.metrics()[technique]["slow_ends"] == 0:
        assert published < 40_000, "the send limit never ended the stalled connection"
        for _ in range(100):
            published += 1
            await lab.apublish("t", {"i": published, "pad": "x" * 1000})
        await asyncio.sleep(0.005)
    return published


@pytest.mark.parametrize("path", ["/stream/t", "/sse/t", "/iframe/t?callback=cb"])
async def test_stalled_stream_ends_with_its_reason_after_everything_queued(path: str) -> None:
    async with Lab(send_limit=256 * 1024, send_grace=30, history=100_000) as lab:
        reader, writer = await stalled_get(lab, path)
        technique = path.split("/")[1]
        published = await publish_until_ended(lab, technique)
        data = await asyncio.wait_for(reader.read(), scaled(20))  # to EOF
        writer.close()
    body = parse_raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + data)
    assert body.complete  # the zero-size chunk ends the response
    if technique == "stream":
        *lines, last = body.body.rstrip(b"\n").split(b"\n")
        seqs = [json.loads(line)["seq"] for line in lines]
        end = json.loads(last)
    elif technique == "sse":
        *events, last = body.body.rstrip(b"\n").split(b"\n\n")
        seqs = [json.loads(e.split(b"data: ", 1)[1])["seq"] for e in events[1:]]  # [0]: retry
        assert last.startswith(b"event: end\ndata: ")
        end = json.loads(last.split(b"data: ", 1)[1])
    else:
        scripts = re.findall(rb"<script>parent\.cb\((.*?)\)</script>", body.body)
        seqs = [json.loads(s)["seq"] for s in scripts[:-1]]
        end = json.loads(scripts[-1])
    # everything handed to the socket arrives, in order, then the reason, then EOF
    assert seqs == list(range(1, len(seqs) + 1))
    assert 0 < len(seqs) < published
    assert set(end) == {"type", "reason"} and end["type"] == "end"
    assert REASON.fullmatch(end["reason"]), end["reason"]


async def test_an_ended_connection_that_never_reads_is_aborted_after_the_grace() -> None:
    async with Lab(send_limit=64 * 1024, send_grace=0.3, history=100_000) as lab:
        reader, writer = await stalled_get(lab, "/stream/t")
        await publish_until_ended(lab, "stream")
        await asyncio.sleep(0.3 + 0.5)  # past the grace: the server aborted its side
        assert lab.metrics()["stream"]["open"] == 0  # the handler and its buffers are gone
        data = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := await asyncio.wait_for(reader.read(1 << 20), scaled(10)):
                data += chunk  # what the kernel had queued still arrives
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    # ... but not the farewell nor the terminator: the response is cut, and a
    # client treats it as any dropped connection (it resumes from its cursor)
    assert b'"type":"end"' not in data
    assert not data.endswith(b"0\r\n\r\n")
