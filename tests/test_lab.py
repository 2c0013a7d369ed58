"""The in-process Lab: lifecycle, threads, sockets, ports, sync and async use."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import aiohttp
import psutil
import pytest

from rtlab.aio import run_sync
from rtlab.lab import Lab


def open_sockets() -> int:
    return len(psutil.Process().net_connections(kind="inet"))


async def poll_once(url: str, topic: str) -> Any:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/poll/{topic}?after=0") as r:
        return await r.json()


def test_twenty_cycles_leave_nothing_behind(capfd: pytest.CaptureFixture[str]) -> None:
    threads_before = set(threading.enumerate())
    sockets_before = open_sockets()
    ports = []
    for cycle in range(20):
        with Lab() as lab:
            assert lab.publish("demo", {"cycle": cycle}) == 1
            body = asyncio.run(poll_once(lab.url, "demo"))
            assert body["messages"][0]["data"] == {"cycle": cycle}
            ports.append(lab.port)
        assert not lab.running
    assert set(threading.enumerate()) == threads_before
    assert open_sockets() <= sockets_before
    # the last port is released: it can be bound again at once
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", ports[-1]))
    captured = capfd.readouterr()
    assert "Traceback" not in captured.out + captured.err


def test_stop_with_open_streams_is_clean(capfd: pytest.CaptureFixture[str]) -> None:
    async def open_streams(lab: Lab) -> list[int]:
        async with aiohttp.ClientSession() as http:
            responses = [
                await http.get(f"{lab.url}/{t}/s", params=p)
                for t, p in [("stream", {}), ("sse", {}), ("iframe", {"callback": "cb"})]
            ]
            ws = await http.ws_connect(f"{lab.url}/ws/s")
            longpoll = asyncio.create_task(http.get(f"{lab.url}/longpoll/s?timeout=60"))
            await asyncio.sleep(0.1)
            await asyncio.to_thread(lab.stop)
            for response in responses:
                await response.read()  # the server ended the stream: EOF, not an error
            closing = await ws.receive()
            assert closing.type == aiohttp.WSMsgType.CLOSE
            held = await longpoll
            return [*(r.status for r in responses), closing.data, held.status]

    lab = Lab().start()
    assert asyncio.run(open_streams(lab)) == [200, 200, 200, 1001, 200]
    captured = capfd.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "Error" not in captured.err


async def test_async_use_inside_a_running_loop() -> None:
    async with Lab() as lab:
        assert await lab.apublish("a", 1) == 1
        assert lab.publish("a", 2) == 2  # the sync call also works from a coroutine
        body = await poll_once(lab.url, "a")
        assert [m["data"] for m in body["messages"]] == [1, 2]


async def test_run_sync_works_inside_a_running_loop_like_a_notebook_cell() -> None:
    with Lab() as lab:
        lab.publish("nb", "cell")
        body = run_sync(poll_once(lab.url, "nb"))
    assert body["messages"][0]["data"] == "cell"


def test_misuse_is_reported_clearly() -> None:
    lab = Lab()
    with pytest.raises(RuntimeError, match="not running"):
        lab.publish("t", 1)
    with pytest.raises(RuntimeError, match="not running"):
        _ = lab.url
    with lab, pytest.raises(RuntimeError, match="already running"):
        lab.start()
    lab.stop()  # stopping twice is harmless


def test_port_in_use_raises_at_start() -> None:
    with Lab() as first, pytest.raises(OSError):
        Lab(port=first.port).start()


def test_settings_are_applied() -> None:
    with Lab(history=3, max_message=10) as lab:
        assert lab.hub.history == 3
        assert lab.settings.max_message == 10


async def test_open_connections_are_released_when_clients_leave() -> None:
    async with Lab() as lab, aiohttp.ClientSession() as http:
        streams = [await http.get(f"{lab.url}/{t}/x") for t in ("stream", "sse", "iframe")]
        held = asyncio.create_task(http.get(f"{lab.url}/longpoll/x?timeout=60"))
        ws = await http.ws_connect(f"{lab.url}/ws/x")
        await asyncio.sleep(0.2)
        assert {k: v["open"] for k, v in lab.metrics().items()} == {
            "publish": 0,
            "poll": 0,
            "longpoll": 1,
            "stream": 1,
            "iframe": 1,
            "sse": 1,
            "ws": 1,
        }
        for response in streams:
            response.close()
        held.cancel()
        await ws.close()
        for _ in range(100):  # well under a second, far less than the 15 s heartbeat
            if not any(v["open"] for v in lab.metrics().values()):
                break
            await asyncio.sleep(0.02)
        assert not any(v["open"] for v in lab.metrics().values()), lab.metrics()
