"""`GET /metrics` after known traffic, open counts, and the index page."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from rtlab.server.app import STATIC, index_page, json_island
from tests.server.helpers import (
    Published,
    compact,
    eventually,
    metrics,
    open_count,
    open_stream,
    publish_many,
    read_exactly,
)

TECHNIQUES = ("publish", "poll", "longpoll", "stream", "iframe", "sse", "ws")
ZERO = {"open": 0, "requests": 0, "messages": 0, "bytes": 0, "slow_ends": 0}


async def test_index_is_html(client: TestClient) -> None:
    response = await client.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.charset == "utf-8"
    assert b"<html" in (await response.read()).lower()


# The index page's data island: rtlab.techniques as JSON, which demo.js reads.
TECHNIQUES_ISLAND = (
    b'<script type="application/json" id="rtlab-techniques">['
    b'{"name":"poll","label":"Short poll","push":false,"long_lived":false,"browser_api":"fetch"},'
    b'{"name":"longpoll","label":"Long poll","push":false,"long_lived":true,'
    b'"browser_api":"fetch"},'
    b'{"name":"stream","label":"HTTP stream","push":true,"long_lived":true,'
    b'"browser_api":"fetch"},'
    b'{"name":"iframe","label":"Forever iframe","push":true,"long_lived":true,'
    b'"browser_api":"iframe"},'
    b'{"name":"sse","label":"Server-Sent Events","push":true,"long_lived":true,'
    b'"browser_api":"EventSource"},'
    b'{"name":"ws","label":"WebSocket","push":true,"long_lived":true,"browser_api":"WebSocket"}'
    b"]</script>"
)


async def test_index_carries_the_techniques(client: TestClient) -> None:
    page = await (await client.get("/")).read()
    assert page.count(TECHNIQUES_ISLAND) == 1
    assert b"<!-- rtlab-techniques" not in page  # the mark is replaced, not kept
    island_at, script_at = page.index(TECHNIQUES_ISLAND), page.index(b'src="/static/demo.js"')
    assert island_at < script_at


def test_demo_js_reads_the_techniques_from_the_page() -> None:
    script = STATIC.joinpath("demo.js").read_text(encoding="utf-8")
    assert "const island = document.getElementById('rtlab-techniques');" in script
    assert "return JSON.parse(island.textContent);" in script
    assert "const TECHNIQUES = TECHNIQUE_LIST.map((t) => t.name);" in script
    # no list of its own
    assert "'poll', 'longpoll'" not in script
    assert "'poll', 'longpoll'" not in STATIC.joinpath("client.js").read_text(encoding="utf-8")


def test_json_island_escapes_markup() -> None:
    island = json_island("x", {"label": "</script><!-- & -->"})
    assert island == (
        b'<script type="application/json" id="x">'
        b'{"label":"\\u003c/script\\u003e\\u003c!-- \\u0026 --\\u003e"}</script>'
    )


def test_index_page_needs_the_mark_once() -> None:
    with pytest.raises(ValueError, match="exactly once"):
        index_page(b"<html></html>")


async def test_metrics_start_at_zero_for_every_technique(client: TestClient) -> None:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == {name: ZERO for name in TECHNIQUES}


async def counters_become(client: TestClient, technique: str, expected: dict[str, int]) -> None:
    """The server updates a counter just after writing, so allow it a moment."""

    async def check() -> bool:
        return (await metrics(client))[technique] == expected

    try:
        await eventually(check, timeout=2)
    except AssertionError:
        assert (await metrics(client))[technique] == expected


def counters(requests: int, messages: int, size: int, open: int = 0) -> dict[str, int]:
    return {"open": open, "requests": requests, "messages": messages, "bytes": size, "slow_ends": 0}


async def test_publish_counts_requests_messages_and_body_bytes(client: TestClient) -> None:
    bodies = [b"1", b'{"a": [1, 2]}', '"é"'.encode()]
    for body in bodies:
        assert (await client.post("/publish/t", data=body)).status == 201
    await client.post("/publish/t", data=b"not json")  # refused: a request, not a message
    await client.post("/publish/bad topic", data=b"1")
    expected = counters(5, 3, sum(len(body) for body in bodies))
    assert (await metrics(client))["publish"] == expected


async def test_poll_counts(client: TestClient) -> None:
    await publish_many(client, "t", 3)
    first = await (await client.get("/poll/t", params={"after": "0"})).read()
    second = await (await client.get("/poll/t", params={"after": "2"})).read()
    empty = await (await client.get("/poll/t")).read()
    await counters_become(client, "poll", counters(3, 4, len(first + second + empty)))


async def test_longpoll_counts(client: TestClient) -> None:
    await publish_many(client, "t", 2)
    body = await (await client.get("/longpoll/t", params={"after": "0"})).read()
    empty = await (await client.get("/longpoll/t", params={"after": "2", "timeout": "0"})).read()
    await counters_become(client, "longpoll", counters(2, 2, len(body + empty)))


def streamed_bytes(published: list[Published], technique: str) -> bytes:
    if technique == "stream":
        return b"".join(p.ndjson for p in published)
    if technique == "sse":
        return b"".join(p.sse for p in published)
    return b"".join(p.script() for p in published)


@pytest.mark.parametrize(
    ("technique", "params"),
    [("stream", {"after": "0"}), ("iframe", {"after": "0"}), ("sse", {"lastEventId": "0"})],
)
async def test_streaming_counts(client: TestClient, technique: str, params: Any) -> None:
    published = await publish_many(client, "t", 3)
    response = await open_stream(client, f"/{technique}/t", **params)
    expected = streamed_bytes(published, technique)
    prelude = b""
    if technique == "iframe":
        prelude = await response.content.readuntil(b" -->\n")
    elif technique == "sse":
        prelude = await read_exactly(response, len(b"retry: 3000\nid: 0\n\n"))
    assert await read_exactly(response, len(expected)) == expected
    await counters_become(client, technique, counters(1, 3, len(prelude + expected), open=1))
    response.close()
    await counters_become(client, technique, counters(1, 3, len(prelude + expected)))


async def test_ws_counts_and_upstream_publish(client: TestClient) -> None:
    published = await publish_many(client, "t", 2)
    ws = await client.ws_connect("/ws/t", params={"after": "0"})
    frames = [(await ws.receive()).data for _ in range(2)]
    assert frames == [p.json.decode() for p in published]
    upstream = '{"type": "publish", "data": 3}'
    await ws.send_str(upstream)
    frames.append((await ws.receive()).data)
    size = sum(len(f.encode()) for f in frames)
    await counters_become(client, "ws", counters(1, 3, size, open=1))
    # 2 POSTs and 1 upstream frame; the frame's bytes count as the published body.
    posted = sum(len(compact(p.data)) for p in published)
    assert (await metrics(client))["publish"] == counters(3, 3, posted + len(upstream))
    await ws.close()
    await counters_become(client, "ws", counters(1, 3, size))


@pytest.mark.parametrize("technique", ["stream", "iframe", "sse", "ws", "longpoll"])
async def test_open_goes_up_and_back_to_zero(client: TestClient, technique: str) -> None:
    async def is_open(count: int) -> bool:
        return await open_count(client, technique) == count

    if technique == "ws":
        ws = await client.ws_connect("/ws/t")
        await eventually(lambda: is_open(1))
        await ws.close()
    elif technique == "longpoll":
        held = asyncio.create_task(client.get("/longpoll/t", params={"timeout": "30"}))
        await eventually(lambda: is_open(1))
        held.cancel()  # the client gives up: the server must notice
        with pytest.raises(asyncio.CancelledError):
            await held
    else:
        response = await open_stream(client, f"/{technique}/t")
        await eventually(lambda: is_open(1))
        response.close()
    await eventually(lambda: is_open(0))


async def test_open_counts_each_connection(client: TestClient) -> None:
    responses = [await open_stream(client, "/stream/t") for _ in range(3)]
    assert await open_count(client, "stream") == 3
    for response in responses:
        response.close()
    await eventually(lambda: _none_open(client))


async def _none_open(client: TestClient) -> bool:
    return await open_count(client, "stream") == 0
