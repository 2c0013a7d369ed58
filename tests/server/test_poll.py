"""Short polling and long polling: exact bodies, `next` semantics, gaps, holding and waking."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp.test_utils import TestClient

from rtlab.server.common import HUB
from tests.conftest import scaled
from tests.server.conftest import Serve
from tests.server.helpers import (
    Published,
    assert_error,
    eventually,
    gap_json,
    open_count,
    publish,
    publish_many,
)


def poll_body(items: list[bytes], next_cursor: int) -> bytes:
    return b'{"messages":[' + b",".join(items) + b'],"next":' + str(next_cursor).encode() + b"}"


async def get_body(client: TestClient, path: str, **params: str) -> bytes:
    response = await client.get(path, params=params)
    assert response.status == 200, await response.text()
    assert response.content_type == "application/json"
    return await response.read()


# -- short polling ------------------------------------------------------------------------


async def test_known_message_exact_bytes(client: TestClient) -> None:
    data = {"text": "héllo \u2028 <b>", "n": [1, 2.5, None, True]}
    published = await publish(client, "t", data)
    expected = (
        b'{"messages":[{"type":"message","topic":"t","seq":1,"ts":'
        + repr(published.ts).encode()
        + b',"data":{"text":"h\xc3\xa9llo \xe2\x80\xa8 <b>","n":[1,2.5,null,true]}}],"next":1}'
    )
    assert await get_body(client, "/poll/t", after="0") == expected


async def test_without_after_is_live_only(client: TestClient) -> None:
    await publish_many(client, "t", 3)
    assert await get_body(client, "/poll/t") == poll_body([], 3)


async def test_without_after_on_a_new_topic(client: TestClient) -> None:
    assert await get_body(client, "/poll/fresh") == poll_body([], 0)


async def test_after_zero_returns_all_history(client: TestClient) -> None:
    published = await publish_many(client, "t", 4)
    body = await get_body(client, "/poll/t", after="0")
    assert body == poll_body([p.json for p in published], 4)


@pytest.mark.parametrize(("after", "first"), [(0, 1), (1, 2), (3, 4), (4, 5), (5, 6)])
async def test_after_n_returns_what_follows(client: TestClient, after: int, first: int) -> None:
    published = await publish_many(client, "t", 5)
    body = await get_body(client, "/poll/t", after=str(after))
    assert body == poll_body([p.json for p in published if p.seq >= first], max(after, 5))


async def test_after_beyond_last_seq_keeps_the_cursor(client: TestClient) -> None:
    await publish_many(client, "t", 2)
    assert await get_body(client, "/poll/t", after="10") == poll_body([], 10)


async def test_following_next_sees_every_message_once(client: TestClient) -> None:
    seen: list[int] = []
    cursor = 0
    for round_ in range(4):
        await publish_many(client, "t", round_)  # 0, 1, 2 then 3 new messages
        response = await client.get("/poll/t", params={"after": str(cursor)})
        body = await response.json()
        seen += [m["seq"] for m in body["messages"]]
        cursor = body["next"]
    assert seen == list(range(1, 7))
    assert cursor == 6


async def test_headers(client: TestClient) -> None:
    response = await client.get("/poll/t")
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"


async def test_topics_are_independent(client: TestClient) -> None:
    a = await publish(client, "a", "for a")
    await publish(client, "b", "for b")
    assert await get_body(client, "/poll/a", after="0") == poll_body([a.json], 1)


@pytest.mark.parametrize(
    ("after", "gap", "first_message"),
    [(0, (1, 3), 4), (1, (2, 3), 4), (2, (3, 3), 4), (3, None, 4), (6, None, 7)],
)
async def test_gap_leads_when_history_cannot_fill(
    serve: Serve, after: int, gap: tuple[int, int] | None, first_message: int
) -> None:
    client = await serve(history=5)
    published = await publish_many(client, "t", 8)
    items = [gap_json("t", *gap)] if gap else []
    items += [p.json for p in published if p.seq >= first_message]
    assert await get_body(client, "/poll/t", after=str(after)) == poll_body(items, 8)


async def test_drop_every_closes_after_the_multiple(serve: Serve) -> None:
    client = await serve(drop_every=3)
    published = await publish_many(client, "t", 5)
    response = await client.get("/poll/t", params={"after": "0"})
    assert await response.read() == poll_body([p.json for p in published[:3]], 3)
    assert response.headers["Connection"] == "close"
    response = await client.get("/poll/t", params={"after": "3"})
    assert await response.read() == poll_body([p.json for p in published[3:]], 5)
    assert response.headers.get("Connection") != "close"


# -- long polling -------------------------------------------------------------------------


async def longpoll(client: TestClient, **params: str) -> tuple[bytes, float]:
    """The body of one long poll and how long it was held, in seconds."""
    started = time.monotonic()
    body = await get_body(client, "/longpoll/t", **params)
    return body, time.monotonic() - started


async def test_longpoll_is_held_until_a_publish(client: TestClient) -> None:
    waiting = asyncio.create_task(longpoll(client, after="0", timeout="30"))
    await asyncio.sleep(0.2)
    assert not waiting.done()  # held, not answered at once
    published = await publish(client, "t", {"late": True})
    published_at = time.monotonic()
    body, held = await asyncio.wait_for(waiting, scaled(5))
    assert body == poll_body([published.json], 1)
    assert held >= 0.2
    assert time.monotonic() - published_at < scaled(1)


async def test_longpoll_without_after_waits_for_the_next_message(client: TestClient) -> None:
    await publish_many(client, "t", 3)
    waiting = asyncio.create_task(longpoll(client, timeout="30"))
    await eventually(lambda: _is_open(client, 1))
    published = await publish(client, "t", "fourth")
    body, _ = await asyncio.wait_for(waiting, scaled(5))
    assert body == poll_body([published.json], 4)


async def test_longpoll_times_out_empty(client: TestClient) -> None:
    await publish_many(client, "t", 2)
    body, held = await longpoll(client, after="2", timeout="0.2")
    assert body == poll_body([], 2)
    assert 0.15 <= held < scaled(2)


async def test_longpoll_default_timeout_comes_from_settings(serve: Serve) -> None:
    client = await serve(longpoll_timeout=0.2)
    body, held = await longpoll(client)
    assert body == poll_body([], 0)
    assert 0.15 <= held < scaled(2)


async def test_longpoll_maximum_timeout_comes_from_settings(serve: Serve) -> None:
    client = await serve(longpoll_max_timeout=5)
    response = await client.get("/longpoll/t", params={"timeout": "5.5"})
    await assert_error(response, 400, "timeout must be a number of seconds from 0 to 5")


async def test_longpoll_timeout_zero_answers_at_once(client: TestClient) -> None:
    body, held = await longpoll(client, after="0", timeout="0")
    assert body == poll_body([], 0)
    assert held < scaled(1)


async def test_longpoll_batches_what_is_already_there(client: TestClient) -> None:
    published = await publish_many(client, "t", 3)
    body, held = await longpoll(client, after="0", timeout="30")
    assert body == poll_body([p.json for p in published], 3)
    assert held < scaled(1)


async def test_longpoll_gets_a_gap_too(serve: Serve) -> None:
    client = await serve(history=2)
    published = await publish_many(client, "t", 5)
    body, _ = await longpoll(client, after="1", timeout="30")
    assert body == poll_body([gap_json("t", 2, 3), *(p.json for p in published[3:])], 5)


async def _is_open(client: TestClient, count: int) -> bool:
    return await open_count(client, "longpoll") == count


async def test_fifty_longpolls_wake_on_one_publish(client: TestClient) -> None:
    waiting = [asyncio.create_task(longpoll(client, after="0", timeout="30")) for _ in range(50)]
    await eventually(lambda: _is_open(client, 50))
    assert not any(task.done() for task in waiting)
    message = client.app[HUB].publish("t", {"to": "everyone"})
    published = Published("t", message.seq, message.ts, message.data)
    results = await asyncio.wait_for(asyncio.gather(*waiting), scaled(10))
    assert {body for body, _ in results} == {poll_body([published.json], 1)}
    assert await open_count(client, "longpoll") == 0


async def test_longpoll_drop_every_closes_after_the_multiple(serve: Serve) -> None:
    client = await serve(drop_every=2)
    published = await publish_many(client, "t", 3)
    response = await client.get("/longpoll/t", params={"after": "0"})
    assert await response.read() == poll_body([p.json for p in published[:2]], 2)
    assert response.headers["Connection"] == "close"
