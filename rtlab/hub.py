"""Topics: sequence numbers, bounded history, event-driven wake-ups, resume.

The hub knows nothing of HTTP. A `Topic` numbers each published message
(seq 1, 2, 3... never reused while the process runs) and keeps the last
`history` of them. A subscriber is only a cursor, the last seq it has seen:
`Subscription.next_batch()` returns everything retained after the cursor and
moves it on. When the cursor has fallen behind what is retained, the batch
starts with an explicit `Gap` naming the lost seqs: a hole is never silent.

Waking is event-driven. Each topic holds one shared future for "the next
publish"; every waiting subscriber awaits that same future, and a publish
resolves it and installs a fresh one. One publish therefore wakes all waiters
at once, in O(1) work for the publisher, with no sleep-and-check loop.

Because subscribers read from the shared history instead of owning queues,
memory is bounded by the history size however many subscribers fall behind,
and each message object (with its memoised wire encodings, see
`rtlab.message`) is shared by every subscriber.

Epochs. Seqs restart at 1 when the server restarts, so a bare seq cannot say
which server run it came from. Each `Hub` draws a random `epoch` when it is
created; a subscriber that names the epoch of its cursor (`Hub.subscribe(...,
epoch=E)`) and finds a different one gets a `Restart` item first and then the
new run's history from seq 1: a restart is never silent either. A cursor
without an epoch keeps its old meaning, a seq in this run.

All methods must be called from the event loop that runs the server; the
`Lab` forwards calls from other threads to that loop.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from typing import Any

from rtlab.message import Gap, Message, Restart, now_ms

__all__ = ["DEFAULT_HISTORY", "Hub", "Subscription", "Topic", "new_epoch"]

DEFAULT_HISTORY = 1000

Item = Message | Gap | Restart


def new_epoch() -> str:
    """A fresh server-run id: 8 lowercase hex digits, drawn at random."""
    return secrets.token_hex(4)


class Topic:
    """One named stream of messages with a bounded history."""

    def __init__(self, name: str, history: int = DEFAULT_HISTORY, epoch: str = "") -> None:
        if history < 1:
            raise ValueError("history must hold at least one message")
        self.name = name
        self.epoch = epoch
        self.history = history
        self.last_seq = 0
        self.closed = False
        self.subscribers = 0
        # Retained messages are _messages[_start:]; trimming advances _start and
        # compacts the list now and then, so publish is amortised O(1). _ends[i] is
        # the running total of envelope JSON bytes through _messages[i]; _base is
        # that total just before the oldest retained message.
        self._messages: list[Message] = []
        self._ends: list[int] = []
        self._start = 0
        self._base = 0
        self.total_bytes = 0
        self._next: asyncio.Future[None] | None = None

    def __repr__(self) -> str:
        return f"Topic({self.name!r}, last_seq={self.last_seq}, retained={len(self)})"

    def __len__(self) -> int:
        return len(self._messages) - self._start

    @property
    def first_retained(self) -> int:
        """Seq of the oldest retained message (last_seq + 1 when none is retained)."""
        return self.last_seq - len(self) + 1

    def retained(self) -> Iterator[Message]:
        return iter(self._messages[self._start :])

    def publish(self, data: Any, ts: float | None = None) -> Message:
        if self.closed:
            raise RuntimeError(f"topic {self.name!r} is closed")
        self.last_seq += 1
        message = Message(
            topic=self.name, seq=self.last_seq, ts=now_ms() if ts is None else ts, data=data
        )
        self.total_bytes += len(message.json)
        self._messages.append(message)
        self._ends.append(self.total_bytes)
        if len(self) > self.history:
            self._base = self._ends[self._start]
            self._start += 1
            if self._start >= self.history:
                del self._messages[: self._start]
                del self._ends[: self._start]
                self._start = 0
        self._wake()
        return message

    def since(self, after: int) -> list[Message | Gap]:
        """Everything after seq `after`: a leading Gap if history lost some, then messages."""
        if after >= self.last_seq:
            return []
        first = self.first_retained
        items: list[Message | Gap] = []
        if after + 1 < first:
            items.append(Gap(self.name, after + 1, first - 1))
            after = first - 1
        items.extend(self._messages[self._start + (after + 1 - first) :])
        return items

    def bytes_after(self, after: int) -> int | None:
        """Envelope JSON bytes of the messages after seq `after`; None when some
        of them have already left the history."""
        if after >= self.last_seq:
            return 0
        first = self.first_retained
        if after + 1 < first:
            return None
        done = self._base if after < first else self._ends[self._start + (after - first)]
        return self.total_bytes - done

    async def wait(self, after: int, timeout: float | None = None) -> bool:
        """Wait until a message with seq > `after` exists; False on timeout or close."""
        if self.last_seq > after:
            return True
        if self.closed:
            return False
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        done, _ = await asyncio.wait({self._next}, timeout=timeout)
        return bool(done) and self.last_seq > after

    def close(self) -> None:
        """Wake every waiter for good: used at shutdown so open streams can end cleanly."""
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        waiter, self._next = self._next, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class Subscription:
    """A cursor on a topic. Use as a context manager to count open subscribers.

    `epoch` is the server run the cursor `after` belongs to, when the
    subscriber knows it; a mismatch with the topic's epoch starts the
    subscription with a `Restart` item and the cursor at 0.
    """

    def __init__(self, topic: Topic, after: int | None = None, epoch: str | None = None) -> None:
        self.topic = topic
        self.restart: Restart | None = None
        if after is not None and epoch is not None and epoch != topic.epoch:
            self.restart = Restart(topic.name, topic.epoch, epoch, after)
            after = 0
        self.cursor = topic.last_seq if after is None else after

    def __enter__(self) -> Subscription:
        self.topic.subscribers += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self.topic.subscribers -= 1

    def pending(self) -> list[Item]:
        """What is available now, without waiting; advances the cursor."""
        items: list[Item] = []
        if self.restart is not None:
            items.append(self.restart)
            self.restart = None
        items.extend(self.topic.since(self.cursor))
        if items:
            self.cursor = items[-1].cursor
        return items

    async def next_batch(self, timeout: float | None = None) -> list[Item] | None:
        """Wait for new items: a non-empty batch, `[]` on timeout, None once the topic closed."""
        if self.restart is not None:
            return self.pending()
        if not await self.topic.wait(self.cursor, timeout):
            return None if self.topic.closed else []
        return self.pending()


class Hub:
    """The set of topics, created on first use."""

    def __init__(self, history: int = DEFAULT_HISTORY, epoch: str | None = None) -> None:
        self.history = history
        self.epoch = new_epoch() if epoch is None else epoch
        self.topics: dict[str, Topic] = {}
        self.closed = False

    def topic(self, name: str) -> Topic:
        topic = self.topics.get(name)
        if topic is None:
            if self.closed:
                raise RuntimeError("hub is closed")
            topic = self.topics[name] = Topic(name, self.history, self.epoch)
        return topic

    def publish(self, topic: str, data: Any) -> Message:
        return self.topic(topic).publish(data)

    def subscribe(
        self, topic: str, after: int | None = None, epoch: str | None = None
    ) -> Subscription:
        return Subscription(self.topic(topic), after, epoch)

    def close(self) -> None:
        self.closed = True
        for topic in self.topics.values():
            topic.close()
