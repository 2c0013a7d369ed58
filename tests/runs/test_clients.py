"""make_client: each technique's client, with the knobs it takes."""

from __future__ import annotations

import pytest

from rtlab.clients import CLIENTS, LongPollClient, PollClient
from rtlab.runs.clients import ClientKnobs, make_client
from tests.conftest import TECHNIQUES


@pytest.mark.parametrize("technique", TECHNIQUES)
async def test_each_technique_gets_its_own_client(technique: str) -> None:
    client = make_client(technique, "http://127.0.0.1:1/", "news", after=4, reconnect=False)
    assert type(client) is CLIENTS[technique]
    assert client.endpoint == f"http://127.0.0.1:1/{technique}/news"
    assert client.last_seq == 4 and client.reconnect is False
    await client.aclose()


async def test_the_polls_take_their_knobs() -> None:
    knobs = ClientKnobs(poll_interval=0.25, longpoll_timeout=7.0)
    poll = make_client("poll", "http://127.0.0.1:1", "t", knobs)
    longpoll = make_client("longpoll", "http://127.0.0.1:1", "t", knobs)
    assert isinstance(poll, PollClient) and poll.interval == 0.25
    assert isinstance(longpoll, LongPollClient) and longpoll.hold_timeout == 7.0
    default = make_client("longpoll", "http://127.0.0.1:1", "t")
    assert isinstance(default, LongPollClient) and default.hold_timeout == 25.0
    assert poll.keepalive and longpoll.keepalive and default.keepalive
    fresh = ClientKnobs(keepalive=False)
    assert [
        make_client(t, "http://127.0.0.1:1", "t", fresh).keepalive for t in ("poll", "longpoll")
    ] == [
        False,
        False,
    ]


def test_an_unknown_technique_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValueError) as raised:
        make_client("comet", "http://127.0.0.1:1", "t")
    assert str(raised.value) == (
        "unknown technique 'comet'; known: poll, longpoll, stream, iframe, sse, ws"
    )
