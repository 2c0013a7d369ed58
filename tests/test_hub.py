"""The hub without sockets: seqs, bounded history, resume, gaps, wake-ups."""

from __future__ import annotations

import asyncio

import pytest

from rtlab.hub import Hub, Subscription, Topic
from rtlab.message import Gap, Message, Restart


def seqs(items: list[Message | Gap | Restart]) -> list[int | tuple[int, int]]:
    return [
        i.seq if isinstance(i, Message) else (i.first, i.last)
        for i in items
        if not isinstance(i, Restart)
    ]


def test_seq_starts_at_one_and_counts_per_topic() -> None:
    hub = Hub()
    assert [hub.publish("a", n).seq for n in range(3)] == [1, 2, 3]
    assert hub.publish("b", "x").seq == 1
    assert hub.topic("a").last_seq == 3


def test_history_is_bounded_and_keeps_the_newest() -> None:
    topic = Topic("t", history=10)
    for n in range(1, 26):
        topic.publish(n)
    assert len(topic) == 10
    assert topic.first_retained == 16
    assert [m.data for m in topic.retained()] == list(range(16, 26))


def test_trimming_compacts_storage() -> None:
    topic = Topic("t", history=3)
    for n in range(1000):
        topic.publish(n)
    assert len(topic._messages) <= 2 * 3
    assert seqs(topic.since(996)) == [(997, 997), 998, 999, 1000]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (0, [(1, 5), 6, 7, 8, 9, 10]),
        (4, [(5, 5), 6, 7, 8, 9, 10]),
        (5, [6, 7, 8, 9, 10]),
        (7, [8, 9, 10]),
        (10, []),
        (99, []),
    ],
)
def test_since_resumes_with_an_explicit_gap(after: int, expected: list[object]) -> None:
    topic = Topic("t", history=5)
    for n in range(10):
        topic.publish(n)
    assert seqs(topic.since(after)) == expected


def test_subscription_cursor_moves_past_gaps_and_messages() -> None:
    topic = Topic("t", history=2)
    sub = Subscription(topic, after=0)
    for n in range(5):
        topic.publish(n)
    assert seqs(sub.pending()) == [(1, 3), 4, 5]
    assert sub.cursor == 5
    assert sub.pending() == []


def test_live_only_subscription_skips_history() -> None:
    topic = Topic("t")
    topic.publish("old")
    sub = Subscription(topic)
    assert sub.pending() == []
    topic.publish("new")
    assert [m.data for m in sub.pending() if isinstance(m, Message)] == ["new"]


async def test_one_publish_wakes_every_waiter_at_once() -> None:
    topic = Topic("t")
    subs = [Subscription(topic) for _ in range(200)]
    waiters = [asyncio.create_task(sub.next_batch(timeout=5)) for sub in subs]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    topic.publish("go")
    # All woken within one turn of the loop: no sleep-and-check polling.
    for _ in range(3):
        await asyncio.sleep(0)
    assert all(w.done() for w in waiters)
    assert {len(w.result() or []) for w in waiters} == {1}


async def test_wait_times_out_empty_and_close_returns_none() -> None:
    topic = Topic("t")
    sub = Subscription(topic)
    assert await sub.next_batch(timeout=0.01) == []
    waiting = asyncio.create_task(sub.next_batch(timeout=5))
    await asyncio.sleep(0)
    topic.close()
    assert await waiting is None
    with pytest.raises(RuntimeError):
        topic.publish("late")


def test_each_message_is_encoded_once_per_format() -> None:
    topic = Topic("t")
    message = topic.publish({"x": 1})
    calls = []

    def encoder(m: Message) -> bytes:
        calls.append(m.seq)
        return b"encoded"

    for _ in range(1000):  # a thousand subscribers asking for the same format
        assert message.encoded("fmt", encoder) == b"encoded"
    assert calls == [1]
    assert message.json is message.json


def test_subscriber_count_follows_context() -> None:
    topic = Topic("t")
    with Subscription(topic), Subscription(topic):
        assert topic.subscribers == 2
    assert topic.subscribers == 0


def test_history_must_hold_something() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Topic("t", history=0)


def test_each_hub_draws_its_own_epoch() -> None:
    epochs = {Hub().epoch for _ in range(50)}
    assert len(epochs) == 50
    assert all(len(e) == 8 and int(e, 16) >= 0 for e in epochs)
    assert Hub(epoch="fixed").topic("t").epoch == "fixed"


def test_cursor_from_another_epoch_restarts_from_the_first_seq() -> None:
    hub = Hub(history=3, epoch="new")
    for i in range(5):
        hub.publish("t", i)
    sub = hub.subscribe("t", after=40, epoch="old")
    assert sub.cursor == 0
    items = sub.pending()
    assert items[0] == Restart("t", "new", "old", 40)
    assert items[1] == Gap("t", 1, 2)
    assert [m.seq for m in items[2:] if isinstance(m, Message)] == [3, 4, 5]
    assert sub.cursor == 5
    assert sub.pending() == []


def test_cursor_of_this_epoch_or_bare_is_a_plain_seq() -> None:
    hub = Hub(epoch="now")
    for i in range(3):
        hub.publish("t", i)
    for sub in (hub.subscribe("t", 1, "now"), hub.subscribe("t", 1)):
        assert sub.restart is None
        assert [m.seq for m in sub.pending() if isinstance(m, Message)] == [2, 3]


async def test_a_pending_restart_is_returned_without_waiting() -> None:
    hub = Hub(epoch="new")
    sub = hub.subscribe("t", after=9, epoch="old")
    assert await asyncio.wait_for(sub.next_batch(timeout=60), 1) == [Restart("t", "new", "old", 9)]
    assert await sub.next_batch(timeout=0) == []


def test_bytes_after_counts_envelope_json_of_what_follows() -> None:
    hub = Hub(history=3, epoch="e")
    sizes = [len(hub.publish("t", "x" * n).json) for n in (1, 10, 100, 1000)]
    topic = hub.topic("t")
    assert topic.total_bytes == sum(sizes)
    assert topic.bytes_after(4) == 0
    assert topic.bytes_after(99) == 0
    assert topic.bytes_after(3) == sizes[3]
    assert topic.bytes_after(2) == sum(sizes[2:])
    assert topic.bytes_after(1) == sum(sizes[1:])  # seq 1 left; 2..4 are retained
    assert topic.bytes_after(0) is None  # seq 1 is no longer retained
    for n in range(10):  # trimming compacts storage; the totals stay right
        sizes.append(len(hub.publish("t", n).json))
    assert topic.bytes_after(topic.last_seq - 2) == sum(sizes[-2:])
    assert topic.bytes_after(topic.last_seq - 3) == sum(sizes[-3:])
    assert topic.bytes_after(topic.last_seq - 4) is None
