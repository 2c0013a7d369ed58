"""Shutting the server down with every kind of connection open ends each one cleanly."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import ClientSession, WSMsgType, web
from aiohttp.test_utils import TestServer

from rtlab.server import Settings, make_app
from tests.conftest import scaled
from tests.server.helpers import compact, eventually

Stop = Callable[[], Awaitable[None]]


async def start_test_server(app: web.Application) -> tuple[str, Stop]:
    server = TestServer(app)
    await server.start_server()
    return str(server.make_url("")), server.close


async def start_app_runner(app: web.Application) -> tuple[str, Stop]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}", runner.cleanup


@pytest.fixture(params=[start_test_server, start_app_runner], ids=["TestServer", "AppRunner"])
async def running(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[tuple[str, Stop]]:
    caplog.set_level(logging.DEBUG)
    url, stop = await request.param(make_app(Settings(heartbeat=30), epoch="e0e0e0e0"))
    yield url, stop
    await stop()  # a no-op when the test already stopped it


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


async def test_shutdown_ends_every_connection_cleanly(
    running: tuple[str, Stop], caplog: pytest.LogCaptureFixture
) -> None:
    url, stop = running
    async with ClientSession(url) as session:
        posted = await session.post("/publish/t", data=compact({"before": "shutdown"}))
        assert posted.status == 201
        stream = await session.get("/stream/t", params={"after": "0"})
        await stream.content.readuntil(b"\n")
        sse = await session.get("/sse/t", params={"lastEventId": "1"})
        assert await sse.content.readuntil(b"\n\n") == b"retry: 3000\nid: 1\n\n"
        iframe = await session.get("/iframe/t")
        await iframe.content.readuntil(b" -->\n")
        ws = await session.ws_connect("/ws/t")
        longpoll = asyncio.create_task(
            session.get("/longpoll/t", params={"after": "1", "timeout": "60"})
        )

        async def held() -> bool:
            return (await (await session.get("/metrics")).json())["longpoll"]["open"] == 1

        await eventually(held)

        started = time.monotonic()
        stopping = asyncio.create_task(stop())

        # Streaming responses end with a proper last chunk: read() returns at EOF and
        # raises ClientPayloadError on a cut chunked body.
        for response in (stream, sse, iframe):
            assert await asyncio.wait_for(response.content.read(), scaled(5)) == b""
            assert response.content.at_eof()
        frame = await asyncio.wait_for(ws.receive(), scaled(5))
        assert (frame.type, frame.data, frame.extra) == (WSMsgType.CLOSE, 1001, "server shutdown")
        answer = await asyncio.wait_for(longpoll, scaled(5))
        assert answer.status == 200
        assert await answer.json() == {"messages": [], "next": 1}
        await asyncio.wait_for(stopping, scaled(5))
        assert time.monotonic() - started < scaled(5)
    assert errors(caplog) == []


async def test_shutdown_while_idle_streams_wait_on_a_fresh_topic(
    running: tuple[str, Stop], caplog: pytest.LogCaptureFixture
) -> None:
    url, stop = running
    async with ClientSession(url) as session:
        opened = [await session.get(f"/{technique}/fresh") for technique in ("stream", "sse")]
        sockets = [await session.ws_connect("/ws/fresh") for _ in range(3)]
        await asyncio.wait_for(stop(), scaled(5))
        for response in opened:
            await asyncio.wait_for(response.read(), scaled(5))
        for ws in sockets:
            frame = await asyncio.wait_for(ws.receive(), scaled(5))
            assert (frame.type, frame.data) == (WSMsgType.CLOSE, 1001)
    assert errors(caplog) == []


async def test_shutdown_completes_the_websocket_closing_handshake(
    running: tuple[str, Stop],
) -> None:
    url, stop = running
    async with ClientSession(url) as session:
        ws = await session.ws_connect("/ws/t")
        stopping = asyncio.create_task(stop())
        await asyncio.sleep(0.1)  # the client is busy for a moment before it reads
        frame = await asyncio.wait_for(ws.receive(), scaled(5))
        assert (frame.type, frame.data) == (WSMsgType.CLOSE, 1001)
        await asyncio.wait_for(stopping, scaled(15))
        assert ws.close_code == 1001


async def test_log_capture_sees_server_errors(
    running: tuple[str, Stop], caplog: pytest.LogCaptureFixture
) -> None:
    """Control: the capture used above does see aiohttp's ERROR records."""
    url, _ = running
    async with ClientSession(url) as session:
        # Over the 16 KiB header cap: aiohttp's parser refuses it and logs an ERROR.
        response = await session.get("/sse/t", headers={"Last-Event-ID": "7" * 20_000})
        assert response.status == 400
    assert any(name.startswith("aiohttp.server") for name in errors(caplog))
