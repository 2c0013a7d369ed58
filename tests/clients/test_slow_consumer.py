"""A client that stops reading is ended by the send limit, told why, and resumes
without loss; meanwhile the server's buffer for it stays bounded."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from rtlab.clients import CLIENTS
from rtlab.lab import Lab
from rtlab.message import Message
from rtlab.server.flow import FLOWS, SEND_CHUNK
from tests.conftest import scaled

LIMIT = 256 * 1024
PAD = "x" * 1000  # about 1 KiB per envelope
# asyncio pauses the writer above 64 KiB; the server adds at most one slice
# (or one message when bigger) before it waits for the drain.
BUFFER_BOUND = 64 * 1024 + SEND_CHUNK + 2048


def kernel_buffers() -> int:
    """The most a stalled loopback connection can hold in the kernel: the largest
    receive buffer TCP autotuning may grow to plus the largest send buffer (Linux
    reads them from /proc; 8 MiB each elsewhere)."""
    total = 0
    for name in ("tcp_rmem", "tcp_wmem"):
        try:
            total += int(Path(f"/proc/sys/net/ipv4/{name}").read_text().split()[2])
        except (OSError, IndexError, ValueError):
            total += 8 * 1024 * 1024
    return total


# Messages enough to fill both kernel buffers, the client's read buffer and the
# send limit twice over: a stalled connection still open after that is a bug.
MOST_PUBLISHES = 2 * (kernel_buffers() + LIMIT + 64 * 1024) // len(PAD)


def server_buffer(lab: Lab) -> int:
    """The largest write buffer any push connection holds now (read from this thread)."""
    assert lab.app is not None
    sizes = [f.transport.get_write_buffer_size() for f in list(lab.app[FLOWS]) if f.transport]
    return max(sizes, default=0)


def sent_by_server(lab: Lab) -> list[int]:
    """How far each push connection has handed messages to its socket."""
    assert lab.app is not None
    return [f.sent for f in list(lab.app[FLOWS])]


@pytest.mark.parametrize("technique", ["stream", "iframe", "sse", "ws"])
async def test_stalled_client_is_ended_with_a_reason_and_resumes(
    technique: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # A heartbeat longer than the test: a stalled WebSocket client answers no
    # ping, so a short one would let aiohttp's pong timeout close the socket
    # before the send limit does (and the client would not be told why).
    async with (
        Lab(heartbeat=60.0, retry_ms=10, send_limit=LIMIT, history=100_000) as lab,
        CLIENTS[technique](lab.url, "slow", after=0) as client,
    ):
        items = aiter(client)
        await lab.apublish("slow", {"i": 0})
        first = await asyncio.wait_for(anext(items), scaled(10))
        assert isinstance(first, Message) and first.seq == 1
        # The client stops reading (nothing iterates it) while messages pile up.
        published, largest = 1, 0
        while lab.metrics()[technique]["slow_ends"] == 0:
            assert published < MOST_PUBLISHES, (
                f"the send limit never ended the stalled connection: {published} published, "
                f"the client took {client.last_seq}, the server handed its socket "
                f"{sent_by_server(lab)}, write buffer {server_buffer(lab)} bytes"
            )
            for _ in range(100):
                await lab.apublish("slow", {"i": published, "pad": PAD})
                published += 1
            largest = max(largest, server_buffer(lab))
            await asyncio.sleep(0.005)
        for _ in range(50):  # and more after the end: the resume must fetch them too
            await lab.apublish("slow", {"i": published, "pad": PAD})
            published += 1
        rest: list[Message] = []
        async with asyncio.timeout(scaled(30)):
            while client.last_seq != published:
                item = await anext(items)
                assert isinstance(item, Message), item
                rest.append(item)
        await items.aclose()  # type: ignore[attr-defined]
    assert [m.seq for m in rest] == list(range(2, published + 1))
    assert [m.data["i"] for m in rest] == list(range(1, published))
    assert client.stats.ends == 1
    assert client.stats.duplicates == 0
    assert client.stats.holes == 0
    assert client.end_reason is not None
    assert "slow consumer" in client.end_reason
    assert "send limit" in client.end_reason
    if technique == "ws":
        assert client.end_reason.startswith("closed 1008: slow consumer")
    assert largest <= BUFFER_BOUND
    # ended on purpose: no traceback, no error logged by the server
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
