"""The worker-pool server: each open stream holds one of its workers; the rest wait."""

from __future__ import annotations

import asyncio
import threading
import time

import aiohttp
import pytest

from rtlab.studies.claims.workers import first_event_ms
from rtlab.workers import WorkerPoolServer
from tests.conftest import scaled


def worker_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("rtlab-worker")]


async def test_each_stream_holds_a_worker_and_the_next_waits_for_one() -> None:
    with WorkerPoolServer(2) as server:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            first = await http.get(f"{server.url}/sse/t")
            second = await http.get(f"{server.url}/sse/t")
            assert first.headers["Content-Type"] == "text/event-stream"
            third = asyncio.create_task(http.get(f"{server.url}/sse/t"))
            await asyncio.sleep(0.3)
            assert server.busy == 2 and not third.done()
            assert server.publish("t", {"n": 1}) == 1
            now = time.monotonic()
            delays = [await first_event_ms(r, now, scaled(2)) for r in (first, second)]
            assert all(d == d for d in delays)  # both got it (not NaN)
            first.close()  # the client goes: its worker is free for the third
            waiting = await asyncio.wait_for(third, scaled(5))
            await asyncio.sleep(0.2)  # the third stream starts from what comes next
            server.publish("t", {"n": 2})
            body = await asyncio.wait_for(waiting.content.readuntil(b"\n\n"), scaled(5))
            assert body.startswith(b'id: 2\ndata: {"type":"message","topic":"t","seq":2,"ts":')
            assert body.endswith(b',"data":{"n":2}}\n\n')
            second.close()
            waiting.close()
    assert worker_threads() == []


async def test_a_poll_is_answered_when_a_worker_is_free() -> None:
    with WorkerPoolServer(1) as server:
        server.publish("t", "hello")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{server.url}/poll/t") as response:
                assert response.status == 200
                answer = await response.json()
            async with http.get(f"{server.url}/nowhere") as response:
                assert response.status == 404
                assert await response.json() == {"error": "no route for /nowhere"}
    assert [m["data"] for m in answer["messages"]] == ["hello"] and answer["next"] == 1


def test_stop_ends_held_streams_and_joins_every_worker() -> None:
    async def hold(url: str) -> None:
        async with aiohttp.ClientSession() as http:
            responses = [await http.get(f"{url}/sse/t") for _ in range(3)]
            await asyncio.sleep(0.2)
            for response in responses:
                response.close()

    server = WorkerPoolServer(3).start()
    asyncio.run(hold(server.url))
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < scaled(5)
    assert worker_threads() == [] and server.busy == 0


def test_bad_use_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="at least one worker, not 0"):
        WorkerPoolServer(0)
    with pytest.raises(RuntimeError, match="not running: call start"):
        _ = WorkerPoolServer(1).url


async def test_a_long_poll_holds_its_worker_until_a_message_or_its_timeout() -> None:
    with WorkerPoolServer(3) as server:
        # one connection per request: a kept-alive connection keeps its worker
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            held = asyncio.create_task(http.get(f"{server.url}/longpoll/t?after=0&timeout=30"))
            async with http.get(f"{server.url}/metrics") as response:
                while (await response.json())["busy"] < 2:  # the held poll and this request
                    await asyncio.sleep(0.05)
                    response = await http.get(f"{server.url}/metrics")
            assert not held.done()
            server.publish("t", "first")
            answered = await asyncio.wait_for(held, scaled(5))
            assert answered.status == 200
            body = await answered.json()
            assert [m["data"] for m in body["messages"]] == ["first"] and body["next"] == 1
            async with http.get(f"{server.url}/longpoll/t?after=1&timeout=0.2") as timed_out:
                assert await timed_out.json() == {"messages": [], "next": 1}
            async with http.get(f"{server.url}/longpoll/t?after=x") as bad:
                assert bad.status == 400
                assert await bad.json() == {"error": "after must be an integer, timeout a number"}
            async with http.get(f"{server.url}/metrics") as metrics:
                assert await metrics.json() == {"workers": 3, "busy": 1}
    assert worker_threads() == []


def test_stop_answers_a_held_long_poll() -> None:
    async def hold(url: str) -> dict[str, object]:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{url}/longpoll/t?after=0&timeout=60") as response,
        ):
            return dict(await response.json())

    server = WorkerPoolServer(1).start()
    answers: list[dict[str, object]] = []
    client = threading.Thread(target=lambda: answers.append(asyncio.run(hold(server.url))))
    client.start()
    while server.busy < 1:
        time.sleep(0.02)
    started = time.monotonic()
    server.stop()
    client.join(scaled(5))
    assert answers == [{"messages": [], "next": 0}]
    assert time.monotonic() - started < scaled(5)  # not the 60 s timeout
    assert worker_threads() == []


def test_its_own_process_prints_its_url_and_stops_on_sigterm() -> None:
    import subprocess
    import sys
    import urllib.request

    process = subprocess.Popen(
        [sys.executable, "-m", "rtlab.workers", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/metrics", timeout=scaled(5)) as response:
            assert response.read() == b'{"workers":2,"busy":1}'
    finally:
        process.terminate()
        _, err = process.communicate(timeout=scaled(10))
    assert process.returncode == 0 and err == ""
