"""WebSocket (`GET /ws/{topic}`): frames, upstream publish, errors, close codes, resume."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestClient

from tests.conftest import scaled
from tests.server.conftest import Serve
from tests.server.helpers import compact, gap_json, publish, publish_many

NOT_PUBLISH = 'expected {"type": "publish", "data": <JSON value>}'


async def receive(ws: ClientWebSocketResponse) -> Any:
    return await asyncio.wait_for(ws.receive(), scaled(5))


async def texts(ws: ClientWebSocketResponse, count: int) -> list[str]:
    frames = [await receive(ws) for _ in range(count)]
    assert [f.type for f in frames] == [WSMsgType.TEXT] * count, frames
    return [f.data for f in frames]


async def assert_quiet(ws: ClientWebSocketResponse, seconds: float = 0.2) -> None:
    with pytest.raises(TimeoutError):
        frame = await asyncio.wait_for(ws.receive(), seconds)
        raise AssertionError(f"unexpected frame {frame}")


def publish_frame(data: Any) -> str:
    return json.dumps({"type": "publish", "data": data})


async def history_json(client: TestClient, topic: str = "t") -> list[str]:
    """The envelopes of a topic as compact JSON text, read back with a poll."""
    body = await (await client.get(f"/poll/{topic}", params={"after": "0"})).json()
    return [compact(m).decode() for m in body["messages"]]


async def test_history_then_live_frames_exactly(client: TestClient) -> None:
    history = await publish_many(client, "t", 3)
    ws = await client.ws_connect("/ws/t", params={"after": "0"})
    assert await texts(ws, 3) == [p.json.decode() for p in history]
    live = await publish(client, "t", {"live": "é\u2028</script>"})
    assert await texts(ws, 1) == [live.json.decode()]
    await ws.close()


async def test_cursor_header(client: TestClient) -> None:
    await publish_many(client, "t", 2)
    for params, cursor in (({}, "2"), ({"after": "1"}, "1")):
        ws = await client.ws_connect("/ws/t", params=params)
        # The handshake response is not public API on the client side.
        assert ws._response.headers["X-Rtlab-Cursor"] == cursor
        await ws.close()


async def test_without_after_only_new_messages(client: TestClient) -> None:
    await publish_many(client, "t", 3)
    ws = await client.ws_connect("/ws/t")
    await assert_quiet(ws)
    fresh = await publish(client, "t", "fresh")
    assert await texts(ws, 1) == [fresh.json.decode()]
    await ws.close()


async def test_resume_after_n(client: TestClient) -> None:
    published = await publish_many(client, "t", 5)
    ws = await client.ws_connect("/ws/t", params={"after": "3"})
    assert await texts(ws, 2) == [p.json.decode() for p in published[3:]]
    await assert_quiet(ws)
    await ws.close()


async def test_gap_frame_leads_when_history_cannot_fill(serve: Serve) -> None:
    client = await serve(history=2)
    published = await publish_many(client, "t", 4)
    ws = await client.ws_connect("/ws/t", params={"after": "0"})
    expected = [gap_json("t", 1, 2).decode(), *(p.json.decode() for p in published[2:])]
    assert await texts(ws, 3) == expected
    await ws.close()


async def test_upstream_publish_reaches_every_subscriber(client: TestClient) -> None:
    sender = await client.ws_connect("/ws/t")
    listener = await client.ws_connect("/ws/t")
    stream = await client.get("/stream/t")
    await sender.send_str(publish_frame({"from": "ws", "text": "é <&>"}))
    [envelope] = await texts(listener, 1)
    assert await history_json(client) == [envelope]
    assert json.loads(envelope)["data"] == {"from": "ws", "text": "é <&>"}
    assert await texts(sender, 1) == [envelope]  # the publisher is a subscriber too
    line = await asyncio.wait_for(stream.content.readuntil(b"\n"), scaled(5))
    assert line == envelope.encode() + b"\n"
    stream.close()
    await sender.close()
    await listener.close()


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ("nope", "frame is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        ("", "frame is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        ('{"type": "publish"', "frame is not valid JSON: "),
        ("[1]", NOT_PUBLISH),
        ("null", NOT_PUBLISH),
        ('"publish"', NOT_PUBLISH),
        ('{"type": "subscribe", "data": 1}', NOT_PUBLISH),
        ('{"data": 1}', NOT_PUBLISH),
        ('{"type": "publish"}', "publish frame has no data"),
    ],
)
async def test_malformed_frame_gets_an_error_frame_and_stays_usable(
    client: TestClient, frame: str, error: str
) -> None:
    ws = await client.ws_connect("/ws/t")
    await ws.send_str(frame)
    [reply] = await texts(ws, 1)
    decoded = json.loads(reply)
    assert set(decoded) == {"type", "error"}
    assert decoded["type"] == "error"
    if error.endswith(": "):
        assert decoded["error"].startswith(error)
    else:
        assert decoded["error"] == error
    # Nothing was published, and the connection still works.
    assert await history_json(client) == []
    await ws.send_str(publish_frame("still here"))
    assert await texts(ws, 1) == await history_json(client)
    assert not ws.closed
    await ws.close()


async def test_publish_of_null_data_is_a_message(client: TestClient) -> None:
    ws = await client.ws_connect("/ws/t")
    await ws.send_str(publish_frame(None))
    [frame] = await texts(ws, 1)
    assert json.loads(frame)["data"] is None
    await ws.close()


async def test_binary_frame_closes_with_1003(client: TestClient) -> None:
    ws = await client.ws_connect("/ws/t")
    await ws.send_bytes(b'{"type": "publish", "data": 1}')
    frame = await receive(ws)
    assert (frame.type, frame.data, frame.extra) == (
        WSMsgType.CLOSE,
        1003,
        "binary frames are not accepted",
    )
    assert ws.close_code == 1003
    assert await history_json(client) == []


def sized_publish_frame(size: int) -> str:
    frame = publish_frame("x" * (size - len(publish_frame(""))))
    assert len(frame) == size
    return frame


async def test_frame_over_max_message_closes_with_1009(serve: Serve) -> None:
    client = await serve(max_message=1000)
    ws = await client.ws_connect("/ws/t")
    await ws.send_str(sized_publish_frame(1001))
    frame = await receive(ws)
    assert (frame.type, frame.data) == (WSMsgType.CLOSE, 1009)
    assert ws.close_code == 1009
    assert await history_json(client) == []


@pytest.mark.parametrize("size", [999, 1000])
async def test_frame_up_to_max_message_is_published(serve: Serve, size: int) -> None:
    """Exactly max_message bytes is accepted, as for POST /publish."""
    client = await serve(max_message=1000)
    ws = await client.ws_connect("/ws/t")
    await ws.send_str(sized_publish_frame(size))
    assert await texts(ws, 1) == await history_json(client)
    await ws.close()


async def test_drop_every_cuts_after_the_multiple(serve: Serve) -> None:
    client = await serve(drop_every=2)
    published = await publish_many(client, "t", 3)
    ws = await client.ws_connect("/ws/t", params={"after": "0"})
    assert await texts(ws, 2) == [p.json.decode() for p in published[:2]]
    frame = await receive(ws)
    assert frame.type == WSMsgType.CLOSED  # the TCP connection was cut, no close frame
    resumed = await client.ws_connect("/ws/t", params={"after": "2"})
    assert await texts(resumed, 1) == [published[2].json.decode()]
    await resumed.close()


async def test_client_close_is_a_normal_close(client: TestClient) -> None:
    ws = await client.ws_connect("/ws/t")
    await ws.close()
    assert ws.close_code == 1000
