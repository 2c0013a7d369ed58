"""Epochs on the wire: every subscription names the server run, and a cursor
from another run (`EPOCH:N` with a different epoch) gets a `restart` envelope
first, then this run's history from seq 1. Bare cursors keep their meaning."""

from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestClient

from tests.server.helpers import (
    EPOCH,
    compact,
    iframe_script,
    open_stream,
    publish_many,
    read_exactly,
    read_lines,
)

RESTART = {"type": "restart", "topic": "t", "epoch": EPOCH, "previous_epoch": "0ld", "after": 7}


@pytest.mark.parametrize("technique", ["poll", "longpoll", "stream", "iframe", "sse"])
async def test_every_subscription_names_the_epoch(client: TestClient, technique: str) -> None:
    params = {"timeout": "0"} if technique == "longpoll" else {}
    response = await open_stream(client, f"/{technique}/t", **params)
    assert response.headers["X-Rtlab-Epoch"] == EPOCH
    response.close()


async def test_the_websocket_handshake_names_the_epoch(client: TestClient) -> None:
    ws = await client.ws_connect("/ws/t")
    handshake = ws._response  # aiohttp keeps the 101 response private
    assert handshake.headers["X-Rtlab-Epoch"] == EPOCH
    assert handshake.headers["X-Rtlab-Cursor"] == "0"
    await ws.close()


@pytest.mark.parametrize("technique", ["poll", "longpoll"])
async def test_poll_from_another_run_gets_restart_then_history(
    client: TestClient, technique: str
) -> None:
    published = await publish_many(client, "t", 2)
    # timeout=60: the answer must come at once, the restart being news
    response = await client.get(f"/{technique}/t", params={"after": "0ld:7", "timeout": "60"})
    assert response.status == 200
    assert response.headers["X-Rtlab-Epoch"] == EPOCH
    assert await response.read() == (
        b'{"messages":['
        + compact(RESTART)
        + b","
        + b",".join(p.json for p in published)
        + b'],"next":2}'
    )


async def test_same_epoch_is_a_plain_cursor(client: TestClient) -> None:
    published = await publish_many(client, "t", 3)
    qualified = await client.get("/poll/t", params={"after": f"{EPOCH}:1"})
    bare = await client.get("/poll/t", params={"after": "1"})
    expected = b'{"messages":[' + b",".join(p.json for p in published[1:]) + b'],"next":3}'
    assert await qualified.read() == expected
    assert await bare.read() == expected


async def test_sse_from_another_run(client: TestClient) -> None:
    published = await publish_many(client, "t", 2)
    response = await open_stream(client, "/sse/t", headers={"Last-Event-ID": "0ld:7"})
    expected = (
        # no id in the opening block: the browser keeps "0ld:7" until it has read the restart
        b"retry: 3000\n\n"
        + f"id: {EPOCH}:0\nevent: restart\ndata: ".encode()
        + compact(RESTART)
        + b"\n\n"
        + b"".join(p.sse_epoch for p in published)
    )
    assert await read_exactly(response, len(expected)) == expected
    response.close()


async def test_sse_same_epoch_resumes_with_epoch_ids(client: TestClient) -> None:
    """A client that named an epoch gets ids that carry it, so the browser's own
    reconnects send it back (`?lastEventId=` starts such a stream in a page)."""
    published = await publish_many(client, "t", 3)
    for how in ({"headers": {"Last-Event-ID": f"{EPOCH}:2"}}, {"lastEventId": f"{EPOCH}:2"}):
        response = await open_stream(client, "/sse/t", **how)
        expected = f"retry: 3000\nid: {EPOCH}:2\n\n".encode() + published[2].sse_epoch
        assert await read_exactly(response, len(expected)) == expected
        response.close()


async def test_sse_without_an_epoch_keeps_the_contracts_bare_ids(client: TestClient) -> None:
    published = await publish_many(client, "t", 3)
    response = await open_stream(client, "/sse/t", headers={"Last-Event-ID": "2"})
    expected = b"retry: 3000\nid: 2\n\n" + published[2].sse
    assert await read_exactly(response, len(expected)) == expected
    assert b"e0e0e0e0" not in expected
    response.close()


async def test_stream_and_iframe_from_another_run(client: TestClient) -> None:
    published = await publish_many(client, "t", 1)
    stream = await open_stream(client, "/stream/t", after="0ld:7")
    assert stream.headers["X-Rtlab-Cursor"] == "0"
    assert await read_lines(stream, 2) == compact(RESTART) + b"\n" + published[0].ndjson
    stream.close()
    iframe = await open_stream(client, "/iframe/t", after="0ld:7", callback="cb")
    await iframe.content.readuntil(b" -->\n")
    expected = iframe_script("cb", compact(RESTART)) + published[0].script("cb")
    assert await read_exactly(iframe, len(expected)) == expected
    iframe.close()


async def test_websocket_from_another_run(client: TestClient) -> None:
    published = await publish_many(client, "t", 1)
    ws = await client.ws_connect("/ws/t", params={"after": "0ld:7"})
    assert json.loads(await ws.receive_str()) == RESTART
    assert (await ws.receive_str()).encode() == published[0].json
    await ws.close()
