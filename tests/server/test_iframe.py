"""The forever iframe (`GET /iframe/{topic}`): prelude, exact script chunks, escaping."""

from __future__ import annotations

import json

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from rtlab.wire.iframe import IframeDecoder
from tests.server.conftest import Serve
from tests.server.helpers import (
    RawGet,
    assert_idle,
    gap_json,
    iframe_script,
    open_stream,
    publish,
    publish_many,
    read_exactly,
)

XSS = "</script><script>alert(1)</script>\u2028<!-- & \u2029 -->"


async def skip_prelude(response: ClientResponse) -> bytes:
    return await response.content.readuntil(b" -->\n")


async def test_headers(client: TestClient) -> None:
    await publish_many(client, "t", 2)
    response = await open_stream(client, "/iframe/t")
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert response.headers["X-Rtlab-Cursor"] == "2"
    response.close()
    response = await open_stream(client, "/iframe/t", after="1")
    assert response.headers["X-Rtlab-Cursor"] == "1"
    response.close()


@pytest.mark.parametrize("callback", ["rtlabPush", "cb", "$", "a" * 64])
async def test_prelude_is_over_one_kib_and_runs_no_script(
    client: TestClient, callback: str
) -> None:
    params = {} if callback == "rtlabPush" else {"callback": callback}
    response = await open_stream(client, "/iframe/t", **params)
    prelude = await skip_prelude(response)
    assert len(prelude) > 1024
    assert prelude.startswith(b"<!DOCTYPE html>")
    assert b"<script" not in prelude
    await assert_idle(response)
    response.close()


@pytest.mark.parametrize("callback", [None, "onEnvelope"])
async def test_history_then_live_scripts_exactly(client: TestClient, callback: str | None) -> None:
    name = callback or "rtlabPush"  # the default callback
    params = {"after": "0"} | ({"callback": callback} if callback else {})
    history = await publish_many(client, "t", 2)
    response = await open_stream(client, "/iframe/t", **params)
    await skip_prelude(response)
    expected = b"".join(p.script(name) for p in history)
    assert await read_exactly(response, len(expected)) == expected
    live = await publish(client, "t", [1, "two"])
    assert await read_exactly(response, len(live.script(name))) == live.script(name)
    response.close()


async def test_script_break_out_payload_is_escaped(client: TestClient) -> None:
    response = await open_stream(client, "/iframe/t", callback="fn")
    await skip_prelude(response)
    published = await publish(client, "t", {"html": XSS, XSS: [XSS]})
    chunk = await read_exactly(response, len(published.script("fn")))
    response.close()
    assert chunk == published.script("fn")
    assert chunk.count(b"<") == 2  # <script> and </script> of the chunk itself
    assert chunk.count(b">") == 2
    for raw in (b"&", "\u2028".encode(), "\u2029".encode(), b"alert(1)</script>"):
        assert raw not in chunk
    assert b"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in chunk
    assert IframeDecoder("fn").feed(chunk) == [json.loads(published.json)]


async def test_escaped_chunks_decode_when_fed_byte_by_byte(client: TestClient) -> None:
    published = await publish_many(client, "t", 3)
    last = await publish(client, "t", XSS)
    response = await open_stream(client, "/iframe/t", after="0")
    expected = b"".join(p.script() for p in [*published, last])
    prelude = await skip_prelude(response)
    body = prelude + await read_exactly(response, len(expected))
    response.close()
    decoder = IframeDecoder("rtlabPush")
    values = [value for i in range(len(body)) for value in decoder.feed(body[i : i + 1])]
    assert values == [json.loads(p.json) for p in [*published, last]]
    assert values[-1]["data"] == XSS


async def test_gap_script_leads_when_history_cannot_fill(serve: Serve) -> None:
    client = await serve(history=3)
    published = await publish_many(client, "t", 5)
    response = await open_stream(client, "/iframe/t", after="0")
    await skip_prelude(response)
    expected = iframe_script("rtlabPush", gap_json("t", 1, 2))
    expected += b"".join(p.script() for p in published[2:])
    assert await read_exactly(response, len(expected)) == expected
    response.close()


async def test_heartbeat_scripts_when_idle(serve: Serve) -> None:
    client = await serve(heartbeat=0.1)
    response = await open_stream(client, "/iframe/t", callback="beat")
    await skip_prelude(response)
    heartbeat = b'<script>parent.beat({"type":"heartbeat"})</script>\n'
    assert await read_exactly(response, 2 * len(heartbeat)) == 2 * heartbeat
    response.close()


async def test_drop_every_cuts_after_the_multiple(serve: Serve) -> None:
    client = await serve(drop_every=2)
    published = await publish_many(client, "t", 3)
    raw = await (await RawGet.start(client, "/iframe/t?after=0&callback=f")).finish()
    assert raw.status == 200
    prelude, _, scripts = raw.body.partition(b" -->\n")
    assert len(prelude) + 5 > 1024
    assert scripts == published[0].script("f") + published[1].script("f")
    assert not raw.complete
