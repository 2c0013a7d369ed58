"""Server-Sent Events (`GET /sse/{topic}`): exact event-stream bytes, resume rules."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from rtlab.server import Settings
from rtlab.wire.sse import SSEDecoder, SSEEvent
from tests.server.conftest import Serve
from tests.server.helpers import (
    RawGet,
    assert_idle,
    gap_json,
    open_stream,
    publish,
    publish_many,
    read_exactly,
)

HEARTBEAT = b": heartbeat\n\n"


def prelude(cursor: int, retry_ms: int = 3000) -> bytes:
    return b"retry: %d\nid: %d\n\n" % (retry_ms, cursor)


async def test_headers(client: TestClient) -> None:
    await publish_many(client, "t", 2)
    response = await open_stream(client, "/sse/t")
    assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response.content_type == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert response.headers["X-Rtlab-Cursor"] == "2"
    response.close()


@pytest.mark.parametrize(("published", "cursor"), [(0, 0), (3, 3)])
async def test_first_bytes_are_retry_and_cursor(
    client: TestClient, published: int, cursor: int
) -> None:
    await publish_many(client, "t", published)
    response = await open_stream(client, "/sse/t")
    assert await read_exactly(response, len(prelude(cursor))) == prelude(cursor)
    await assert_idle(response)
    response.close()


async def test_retry_comes_from_settings(serve: Serve) -> None:
    client = await serve(retry_ms=1234)
    response = await open_stream(client, "/sse/t")
    assert await read_exactly(response, len(prelude(0, 1234))) == prelude(0, 1234)
    response.close()


async def test_history_then_live_events_exactly(client: TestClient) -> None:
    history = await publish_many(client, "t", 2)
    response = await open_stream(client, "/sse/t", lastEventId="0")
    expected = prelude(0) + history[0].sse + history[1].sse
    assert await read_exactly(response, len(expected)) == expected
    # Line breaks and U+2028 in the data stay inside one `data:` line (JSON escapes CR/LF).
    live = await publish(client, "t", "two\nlines\r\u2028")
    assert b"\\n" in live.sse
    assert await read_exactly(response, len(live.sse)) == live.sse
    response.close()


@pytest.mark.parametrize(
    ("headers", "params", "cursor"),
    [
        pytest.param({"Last-Event-ID": "2"}, {}, 2, id="header"),
        pytest.param({}, {"lastEventId": "3"}, 3, id="query"),
        pytest.param({"Last-Event-ID": "1"}, {"lastEventId": "3"}, 1, id="header-wins"),
        pytest.param({"Last-Event-ID": "3"}, {"lastEventId": "1"}, 3, id="header-wins-later"),
        pytest.param({"Last-Event-ID": "0"}, {}, 0, id="header-zero"),
    ],
)
async def test_resume(
    client: TestClient, headers: dict[str, str], params: dict[str, str], cursor: int
) -> None:
    published = await publish_many(client, "t", 4)
    response = await open_stream(client, "/sse/t", headers=headers, **params)
    assert response.headers["X-Rtlab-Cursor"] == str(cursor)
    expected = prelude(cursor) + b"".join(p.sse for p in published[cursor:])
    assert await read_exactly(response, len(expected)) == expected
    await assert_idle(response)
    response.close()


async def test_gap_event_leads_when_history_cannot_fill(serve: Serve) -> None:
    client = await serve(history=5)
    published = await publish_many(client, "t", 8)
    response = await open_stream(client, "/sse/t", headers={"Last-Event-ID": "1"})
    gap = b"id: 3\nevent: gap\ndata: " + gap_json("t", 2, 3) + b"\n\n"
    expected = prelude(1) + gap + b"".join(p.sse for p in published[3:])
    assert await read_exactly(response, len(expected)) == expected
    response.close()


async def test_heartbeat_comments_when_idle(serve: Serve) -> None:
    client = await serve(heartbeat=0.1)
    response = await open_stream(client, "/sse/t")
    expected = prelude(0) + 2 * HEARTBEAT
    assert await read_exactly(response, len(expected)) == expected
    response.close()


async def test_a_spec_decoder_sees_the_events_and_ids(client: TestClient) -> None:
    published = await publish_many(client, "t", 3)
    response = await open_stream(client, "/sse/t", lastEventId="1")
    expected = prelude(1) + published[1].sse + published[2].sse
    body = await read_exactly(response, len(expected))
    response.close()
    decoder = SSEDecoder()
    events = [event for i in range(len(body)) for event in decoder.feed(body[i : i + 1])]
    assert events == [SSEEvent("message", p.json.decode(), str(p.seq), 3000) for p in published[1:]]
    assert decoder.last_event_id == "3"


async def test_prelude_sets_last_event_id_without_an_event(client: TestClient) -> None:
    await publish_many(client, "t", 5)
    response = await open_stream(client, "/sse/t")
    decoder = SSEDecoder()
    assert decoder.feed(await read_exactly(response, len(prelude(5)))) == []
    assert (decoder.last_event_id, decoder.retry) == ("5", 3000)
    response.close()


async def test_drop_every_cuts_after_the_multiple(serve: Serve) -> None:
    client = await serve(drop_every=3)
    published = await publish_many(client, "t", 5)
    raw = await (await RawGet.start(client, "/sse/t", {"Last-Event-ID": "1"})).finish()
    assert raw.status == 200
    assert raw.body == prelude(1) + published[1].sse + published[2].sse
    assert not raw.complete


async def test_reject_resumes_answers_the_first_reconnects_with_a_503(serve: Serve) -> None:
    client = await serve(reject_resumes=2)
    await publish_many(client, "t", 3)
    for n in (1, 2):
        response = await client.get("/sse/t", headers={"Last-Event-ID": "1"})
        assert response.status == 503
        assert response.headers["Retry-After"] == "1"
        assert await response.json() == {"error": f"reconnect refused ({n} of 2, reject_resumes)"}
    response = await open_stream(client, "/sse/t", {"Last-Event-ID": "3"})
    assert response.status == 200
    assert await read_exactly(response, len(prelude(3))) == prelude(3)
    response.close()


async def test_reject_resumes_lets_a_first_connection_through(serve: Serve) -> None:
    client = await serve(reject_resumes=1)
    response = await open_stream(client, "/sse/t")
    assert response.status == 200
    assert await read_exactly(response, len(prelude(0))) == prelude(0)
    response.close()


async def test_reject_resumes_is_off_by_default(client: TestClient) -> None:
    response = await open_stream(client, "/sse/t", {"Last-Event-ID": "0"})
    assert response.status == 200
    response.close()


@pytest.mark.parametrize("path", ["/sse/t", "/stream/t", "/iframe/t"])
async def test_no_cache_false_leaves_cache_control_off(serve: Serve, path: str) -> None:
    client = await serve(no_cache=False)
    response = await open_stream(client, path)
    assert response.status == 200
    assert "Cache-Control" not in response.headers
    assert response.headers["X-Accel-Buffering"] == "no"
    response.close()


def test_reject_resumes_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="reject_resumes must be"):
        Settings(reject_resumes=-1)
