"""HTTP streaming (`GET /stream/{topic}`): the raw chunked NDJSON bytes, exactly."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.server.conftest import Serve
from tests.server.helpers import (
    RawGet,
    assert_idle,
    eventually,
    gap_json,
    open_count,
    open_stream,
    publish,
    publish_many,
    read_exactly,
    read_lines,
)

HEARTBEAT = b'{"type":"heartbeat"}\n'


async def test_headers(client: TestClient) -> None:
    await publish_many(client, "t", 2)
    response = await open_stream(client, "/stream/t")
    assert response.headers["Content-Type"] == "application/x-ndjson"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert response.headers["X-Rtlab-Cursor"] == "2"
    response.close()


@pytest.mark.parametrize("after", ["0", "1", "7"])
async def test_cursor_header_is_after_when_given(client: TestClient, after: str) -> None:
    await publish_many(client, "t", 2)
    response = await open_stream(client, "/stream/t", after=after)
    assert response.headers["X-Rtlab-Cursor"] == after
    response.close()


async def test_history_then_live_lines_exactly(client: TestClient) -> None:
    history = await publish_many(client, "t", 3)
    response = await open_stream(client, "/stream/t", after="0")
    assert await read_lines(response, 3) == b"".join(p.ndjson for p in history)
    live = await publish(client, "t", {"live": "é\u2028</script>"})
    assert await read_lines(response, 1) == live.ndjson
    await assert_idle(response)
    response.close()


async def test_without_after_only_new_messages(client: TestClient) -> None:
    await publish_many(client, "t", 3)
    response = await open_stream(client, "/stream/t")
    await assert_idle(response)
    fresh = await publish_many(client, "t", 2)
    assert await read_lines(response, 2) == b"".join(p.ndjson for p in fresh)
    response.close()


async def test_resume_after_n(client: TestClient) -> None:
    published = await publish_many(client, "t", 5)
    response = await open_stream(client, "/stream/t", after="3")
    assert await read_lines(response, 2) == published[3].ndjson + published[4].ndjson
    await assert_idle(response)
    response.close()


async def test_gap_line_leads_when_history_cannot_fill(serve: Serve) -> None:
    client = await serve(history=5)
    published = await publish_many(client, "t", 8)
    response = await open_stream(client, "/stream/t", after="1")
    expected = gap_json("t", 2, 3) + b"\n" + b"".join(p.ndjson for p in published[3:])
    assert await read_lines(response, 6) == expected
    response.close()


async def test_heartbeat_lines_when_idle(serve: Serve) -> None:
    client = await serve(heartbeat=0.1)
    response = await open_stream(client, "/stream/t")
    assert await read_exactly(response, 2 * len(HEARTBEAT)) == 2 * HEARTBEAT
    published = await publish(client, "t", "after the heartbeats")
    line = HEARTBEAT
    while line == HEARTBEAT:
        line = await read_lines(response, 1)
    assert line == published.ndjson
    response.close()


async def test_drop_every_cuts_after_the_multiple(serve: Serve) -> None:
    client = await serve(drop_every=3)
    published = await publish_many(client, "t", 5)
    raw = await (await RawGet.start(client, "/stream/t?after=0")).finish()
    assert raw.status == 200
    assert raw.body == b"".join(p.ndjson for p in published[:3])
    assert not raw.complete  # a cut, not a finished response
    resumed = await open_stream(client, "/stream/t", after="3")
    assert await read_lines(resumed, 2) == published[3].ndjson + published[4].ndjson
    resumed.close()


async def test_drop_every_counts_live_messages_too(serve: Serve) -> None:
    client = await serve(drop_every=2)
    request = await RawGet.start(client, "/stream/t")
    await eventually(lambda: _stream_open(client))
    first = await publish(client, "t", "one")
    second = await publish(client, "t", "two")
    await publish(client, "t", "three")
    raw = await request.finish()
    assert (raw.body, raw.complete) == (first.ndjson + second.ndjson, False)


async def _stream_open(client: TestClient) -> bool:
    return await open_count(client, "stream") == 1
