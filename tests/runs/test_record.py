"""Recorder: every item a client delivers, until a seq, then the client closed."""

from __future__ import annotations

import asyncio

import pytest

from rtlab.lab import Lab
from rtlab.message import Message
from rtlab.runs.clients import make_client
from rtlab.runs.record import Recorder, recording
from rtlab.runs.rows import DELIVERY_TYPES
from tests.conftest import TECHNIQUES, scaled


@pytest.mark.parametrize("technique", TECHNIQUES)
async def test_records_until_the_seq_then_stops(technique: str) -> None:
    async with Lab(heartbeat=1.0, retry_ms=20) as lab:
        start = await lab.apublish("r", "start")
        client = make_client(technique, lab.url, "r", after=start)
        recorder = Recorder(client, index=3, until=start + 5).start()
        for i in range(5):
            await lab.apublish("r", {"i": i})
        assert await recorder.wait(scaled(10))
        await lab.apublish("r", {"i": "after the end"})
        await asyncio.sleep(0.05)
        await recorder.stop()
    assert [m.data["i"] for m in recorder.messages()] == [0, 1, 2, 3, 4]
    assert recorder.seqs == set(range(start + 1, start + 6))
    assert len(recorder.latencies) == 5 and all(x >= 0 for x in recorder.latencies)
    rows = recorder.rows()
    assert [list(row) for row in rows] == [list(DELIVERY_TYPES)] * 5
    assert {row["client"] for row in rows} == {3} and rows[0]["topic"] == "r"
    assert rows[0]["bytes"] == len(recorder.messages()[0].json)
    assert all(d.reconnects == 0 and d.at_ms > 0 for d in recorder.deliveries)


async def test_wait_says_when_the_seq_was_not_reached() -> None:
    async with Lab() as lab:
        client = make_client("sse", lab.url, "quiet", after=0)
        recorder = Recorder(client, until=1).start()
        assert await recorder.wait(0.2) is False
        await recorder.stop()
    assert recorder.deliveries == [] and not recorder.done.is_set()


async def test_recording_stops_and_closes_every_client_on_the_way_out() -> None:
    async with Lab() as lab:
        clients = [make_client(t, lab.url, "all", after=0) for t in ("sse", "ws", "poll")]
        with pytest.raises(RuntimeError, match="boom"):
            async with recording(clients, until=[1, 1, None]) as recorders:
                await lab.apublish("all", "one")
                assert all([await r.wait(scaled(10)) for r in recorders[:2]])
                raise RuntimeError("boom")
    assert [r.index for r in recorders] == [0, 1, 2]
    assert all(r.client._closed for r in recorders)
    assert [isinstance(r.deliveries[0].item, Message) for r in recorders[:2]] == [True, True]
    leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftover == []
