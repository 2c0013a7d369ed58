"""`Settings.max_connections`: long-lived subscribers past the limit get `503` with a JSON
error and `Retry-After`, before anything is prepared or upgraded; the rest still works."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import WSServerHandshakeError
from aiohttp.test_utils import TestClient

from rtlab.server import Settings
from tests.server.conftest import Serve
from tests.server.helpers import assert_error, eventually, metrics, open_stream, publish

LONG_LIVED = ("longpoll", "stream", "iframe", "sse", "ws")


def full(limit: int) -> str:
    return f"too many open connections (the limit is {limit}); try again later"


async def assert_refused(client: TestClient, technique: str, limit: int) -> None:
    response = await client.get(f"/{technique}/t", params={"timeout": "0"})
    await assert_error(response, 503, full(limit))
    assert response.headers["Retry-After"] == "3"  # the SSE retry, 3000 ms, in seconds


@pytest.mark.parametrize("technique", LONG_LIVED)
async def test_past_the_limit_every_long_lived_technique_is_503(
    serve: Serve, technique: str
) -> None:
    client = await serve(max_connections=2)
    first = await open_stream(client, "/sse/t")
    second = await client.ws_connect("/ws/t")
    await assert_refused(client, technique, 2)
    # A refused request reaches no handler: nothing opened, nothing counted.
    counts = await metrics(client)
    assert [counts[name]["open"] for name in LONG_LIVED] == [0, 0, 0, 1, 1]
    assert counts[technique]["requests"] == (1 if technique in ("sse", "ws") else 0)
    first.close()
    await second.close()


async def test_websocket_handshake_past_the_limit_is_503_before_the_upgrade(
    serve: Serve,
) -> None:
    client = await serve(max_connections=1)
    open_ws = await client.ws_connect("/ws/t")
    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect("/ws/t")
    assert refused.value.status == 503
    assert refused.value.headers is not None and refused.value.headers["Retry-After"] == "3"
    await open_ws.close()


async def test_short_requests_are_not_counted(serve: Serve) -> None:
    client = await serve(max_connections=0)
    await assert_refused(client, "stream", 0)
    published = await publish(client, "t", {"n": 1})
    response = await client.get("/poll/t", params={"after": "0"})
    assert await response.json() == {"messages": [published.envelope], "next": 1}
    assert (await client.get("/metrics")).status == 200
    assert (await client.get("/")).status == 200


async def test_a_closed_connection_frees_its_place(serve: Serve) -> None:
    client = await serve(max_connections=1)
    ws = await client.ws_connect("/ws/t")
    await assert_refused(client, "ws", 1)
    await ws.close()

    async def place_free() -> bool:
        response = await client.get("/longpoll/t", params={"timeout": "0"})
        await response.read()
        return response.status == 200

    await eventually(place_free)


async def test_a_held_long_poll_counts_until_it_is_answered(serve: Serve) -> None:
    client = await serve(max_connections=1)
    held = asyncio.create_task(client.get("/longpoll/t", params={"after": "0"}))

    async def holding() -> bool:
        return (await metrics(client))["longpoll"]["open"] == 1

    await eventually(holding)
    await assert_refused(client, "sse", 1)
    published = await publish(client, "t", "wake")
    answer = await held
    assert await answer.json() == {"messages": [published.envelope], "next": 1}
    stream = await open_stream(client, "/sse/t")  # the place is free again
    stream.close()


async def test_retry_after_follows_the_sse_retry(serve: Serve) -> None:
    client = await serve(max_connections=0, retry_ms=4500)
    response = await client.get("/sse/t")
    await assert_error(response, 503, full(0))
    assert response.headers["Retry-After"] == "5"


async def test_no_limit(serve: Serve) -> None:
    client = await serve(max_connections=None)
    streams = [await open_stream(client, "/stream/t") for _ in range(3)]
    assert (await metrics(client))["stream"]["open"] == 3
    for stream in streams:
        stream.close()


def test_default_and_validation() -> None:
    assert Settings().max_connections == 10_000
    with pytest.raises(ValueError, match="max_connections must be"):
        Settings(max_connections=-1)
