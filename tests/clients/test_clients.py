"""Every client end to end against a real Lab server on loopback."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from rtlab.clients import CLIENTS, Client, WSClient
from rtlab.lab import Lab
from rtlab.message import Gap, Message, Restart
from rtlab.netem import Relay
from tests.conftest import TECHNIQUES, scaled

CLIENT_OPTIONS: dict[str, dict[str, Any]] = {"poll": {"interval": 0.01}}


def make_client(technique: str, lab: Lab, topic: str, **kwargs: Any) -> Client:
    return CLIENTS[technique](lab.url, topic, **{**CLIENT_OPTIONS.get(technique, {}), **kwargs})


async def publish_range(lab: Lab, topic: str, count: int, delay_every: int = 50) -> None:
    for i in range(count):
        await lab.apublish(topic, {"i": i})
        if i % delay_every == 0:
            await asyncio.sleep(0.001)


def seqs(items: list[Message | Gap | Restart]) -> list[int]:
    assert all(isinstance(item, Message) for item in items), [
        item for item in items if isinstance(item, Gap)
    ]
    return [item.seq for item in items if isinstance(item, Message)]


@pytest.mark.parametrize("technique", TECHNIQUES)
async def test_thousand_messages_exactly_once_in_order(lab: Lab, technique: str) -> None:
    async with make_client(technique, lab, technique, after=0) as client:
        publisher = asyncio.create_task(publish_range(lab, technique, 1000))
        items = await client.collect(1000, timeout=scaled(30))
        await publisher
    assert seqs(items) == list(range(1, 1001))
    assert [item.data for item in items if isinstance(item, Message)] == [
        {"i": i} for i in range(1000)
    ]
    assert client.stats.duplicates == 0
    assert client.stats.holes == 0
    assert client.stats.messages == 1000


@pytest.mark.parametrize("technique", TECHNIQUES)
async def test_resume_across_server_drops_every_100_messages(technique: str) -> None:
    async with (
        Lab(heartbeat=1.0, retry_ms=10, drop_every=100) as lab,
        make_client(technique, lab, "drops", after=0) as client,
    ):
        publisher = asyncio.create_task(publish_range(lab, "drops", 1000))
        items = await client.collect(1000, timeout=scaled(60))
        await publisher
    assert seqs(items) == list(range(1, 1001))
    assert client.stats.duplicates == 0
    if technique == "poll" or technique == "longpoll":
        # each forced close ends one keep-alive connection; requests go on
        assert client.stats.errors == 0
    else:
        assert client.stats.reconnects >= 9


@pytest.mark.parametrize("technique", TECHNIQUES)
async def test_live_only_start_then_resume_without_loss(technique: str) -> None:
    """No `after`: only messages published after connecting, yet a reconnect
    before the first message still resumes from the server's cursor."""
    async with Lab(heartbeat=1.0, retry_ms=10, drop_every=5) as lab:
        await publish_range(lab, "live", 3)  # history the client must not see
        async with make_client(technique, lab, "live") as client:
            collecting = asyncio.create_task(client.collect(13, timeout=scaled(20)))
            while client.last_seq is None:  # noqa: ASYNC110 (waiting for the server's cursor)
                await asyncio.sleep(0.01)
            await publish_range(lab, "live", 10)
            items = await collecting
    assert seqs(items) == list(range(4, 14))


@pytest.mark.parametrize("technique", TECHNIQUES)
async def test_falling_behind_history_is_an_explicit_gap(technique: str) -> None:
    async with (
        Lab(heartbeat=1.0, retry_ms=10, history=50) as lab,
        make_client(technique, lab, "behind", after=0) as client,
    ):
        await publish_range(lab, "behind", 10)
        first = await client.collect(10, timeout=scaled(10))
        # The client stops reading while 200 more are published; history keeps 50.
        await publish_range(lab, "behind", 200)
        rest = await client.collect(210, timeout=scaled(10))
    assert seqs(first) == list(range(1, 11))
    assert rest[0] == Gap("behind", 11, 160)
    assert seqs(rest[1:]) == list(range(161, 211))
    assert client.stats.gaps == 1
    assert client.stats.holes == 0


async def test_ws_client_publishes_upstream(lab: Lab) -> None:
    async with WSClient(lab.url, "up", after=0) as client:
        iterator = aiter(client)
        await lab.apublish("up", "from the server")
        first = await asyncio.wait_for(anext(iterator), scaled(5))
        await client.publish({"from": "client"})
        second = await asyncio.wait_for(anext(iterator), scaled(5))
        await client.publish(None)
        third = await asyncio.wait_for(anext(iterator), scaled(5))
        await iterator.aclose()  # type: ignore[attr-defined]
    assert isinstance(first, Message) and first.data == "from the server"
    assert isinstance(second, Message) and (second.seq, second.data) == (2, {"from": "client"})
    assert isinstance(third, Message) and (third.seq, third.data) == (3, None)


async def test_iframe_client_gets_markup_as_data(lab: Lab) -> None:
    evil = "</script><script>alert(1)</script><!-- \u2028\u2029 &amp;"
    async with make_client("iframe", lab, "xss", after=0) as client:
        await lab.apublish("xss", {"html": evil})
        (item,) = await client.collect(1, timeout=scaled(5))
    assert isinstance(item, Message) and item.data == {"html": evil}


async def test_http_error_is_counted_and_retried(lab: Lab) -> None:
    client = make_client("stream", lab, "bad topic!", reconnect=False)
    async with client:
        items = [item async for item in client]
    assert items == []
    assert client.stats.errors == 1
    assert "HTTP 400" in str(client.last_error)


async def take(client: Client, count: int, timeout: float) -> list[Message | Gap | Restart]:
    """The next `count` items the client delivers, whatever their seqs."""
    items: list[Message | Gap | Restart] = []
    iterator = aiter(client)
    try:
        async with asyncio.timeout(timeout):
            async for item in iterator:
                items.append(item)
                if len(items) == count:
                    break
    finally:
        await iterator.aclose()
    return items


@pytest.mark.parametrize("technique", TECHNIQUES)
async def test_a_restarted_server_is_detected_by_its_epoch(technique: str) -> None:
    """The client resumes with `EPOCH:N`; the fresh server (same port, new
    history, seqs from 1 again) answers with a Restart item, then its history."""
    async with (
        Lab(heartbeat=1.0, retry_ms=10) as lab,
        make_client(technique, lab, "r", after=0) as client,
    ):
        await publish_range(lab, "r", 20)
        before = await client.collect(20, timeout=scaled(10))
        old_epoch = lab.hub.epoch
        assert client.epoch == old_epoch
        await lab.arestart()
        new_epoch = lab.hub.epoch
        assert new_epoch != old_epoch
        for i in range(20, 30):
            await lab.apublish("r", {"i": i})
        after = await take(client, 11, timeout=scaled(20))
    assert seqs(before) == list(range(1, 21))
    assert after[0] == Restart("r", new_epoch, old_epoch, 20)
    assert seqs(after[1:]) == list(range(1, 11))
    assert [m.data for m in after[1:] if isinstance(m, Message)] == [
        {"i": i} for i in range(20, 30)
    ]
    assert client.epoch == new_epoch
    assert client.stats.restarts == 1
    assert client.stats.duplicates == 0
    assert client.stats.holes == 0


@pytest.mark.parametrize("technique", TECHNIQUES)
async def test_a_bare_cursor_keeps_its_meaning(lab: Lab, technique: str) -> None:
    """A client given `after=N` without an epoch starts with a bare cursor, as
    before epochs existed, then learns the epoch from the first response."""
    await publish_range(lab, "bare", 5)
    async with make_client(technique, lab, "bare", after=2) as client:
        items = await client.collect(5, timeout=scaled(10))
    assert seqs(items) == [3, 4, 5]
    assert client.epoch == lab.hub.epoch
    assert client.stats.restarts == 0


async def test_ws_client_presents_its_token_for_upstream_publish() -> None:
    refused = "publishing needs Authorization: Bearer <token> on the WebSocket handshake"
    async with Lab(token="s3cret") as lab:
        await lab.apublish("up", "opening")
        anonymous = WSClient(lab.url, "up", after=0)
        holder = WSClient(lab.url, "up", after=0, token="s3cret")
        async with anonymous, holder:
            plain, trusted = aiter(anonymous), aiter(holder)
            for iterator in (plain, trusted):  # both connected: each has seq 1
                await asyncio.wait_for(anext(iterator), scaled(5))
            await anonymous.publish("refused")
            following = asyncio.create_task(anext(plain))  # reads the error frame meanwhile
            deadline = asyncio.get_running_loop().time() + scaled(5)
            while not anonymous.server_errors:
                assert asyncio.get_running_loop().time() < deadline, "no error frame"
                await asyncio.sleep(0.01)
            await holder.publish("accepted")
            second = await asyncio.wait_for(following, scaled(5))
            for iterator in (plain, trusted):
                await iterator.aclose()  # type: ignore[attr-defined]
    assert anonymous.server_errors == [refused]
    assert isinstance(second, Message) and (second.seq, second.data) == (2, "accepted")


@pytest.mark.parametrize(
    ("technique", "keepalive"), [("poll", True), ("poll", False), ("longpoll", False)]
)
async def test_keepalive_off_opens_a_tcp_connection_per_request(
    lab: Lab, technique: str, keepalive: bool
) -> None:
    async with Relay.for_url(lab.url) as relay:
        options: dict[str, Any] = {"interval": 0.01} if technique == "poll" else {"timeout": 0.2}
        client = CLIENTS[technique](relay.url, "ka", after=0, keepalive=keepalive, **options)
        async with client:
            collecting = asyncio.create_task(client.collect(5, timeout=scaled(10)))
            for i in range(5):
                await asyncio.sleep(0.05)  # one message per request or so
                await lab.apublish("ka", {"i": i})
            items = await collecting
        requests = client.stats.requests
        await asyncio.sleep(0.05)  # the relay counts the last close
        connections = relay.totals()[technique]["connections"]
    assert seqs(items) == [1, 2, 3, 4, 5]
    assert requests >= 3
    assert connections == (1 if keepalive else requests)
