"""The message envelope every technique delivers, and its JSON encoding.

A published message is immutable: `Message` is a frozen dataclass. Each wire
format (poll JSON, NDJSON line, SSE event, iframe script, WebSocket frame)
needs the same envelope in a slightly different byte form; `Message.encoded`
memoises each form so that a message sent to a thousand subscribers is
serialised once per format, not once per subscriber.

On the client side the same class carries the local receive time
(`received`, milliseconds since the epoch, like `ts`), so latency is simply
`received - ts`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Gap", "Message", "Restart", "dumps", "now_ms"]


def now_ms() -> float:
    """Wall-clock time in milliseconds since the Unix epoch, microsecond resolution."""
    return time.time_ns() / 1_000_000


def dumps(value: Any) -> bytes:
    """Compact, UTF-8 JSON: the one serialisation every wire format starts from."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


@dataclass(frozen=True, slots=True)
class Message:
    """One published message: `{"type": "message", "topic", "seq", "ts", "data"}`."""

    topic: str
    seq: int
    ts: float
    data: Any
    received: float | None = field(default=None, compare=False)
    _encoded: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def envelope(self) -> dict[str, Any]:
        """The wire envelope as a dict (no client-side fields)."""
        return {
            "type": "message",
            "topic": self.topic,
            "seq": self.seq,
            "ts": self.ts,
            "data": self.data,
        }

    @property
    def json(self) -> bytes:
        """The envelope as compact JSON bytes, computed once."""
        return self.encoded("json", lambda m: dumps(m.envelope()))

    def encoded(self, fmt: str, encoder: Callable[[Message], bytes]) -> bytes:
        """Return this message in wire format `fmt`, encoding it on first use only."""
        cached = self._encoded.get(fmt)
        if cached is None:
            cached = self._encoded[fmt] = encoder(self)
        return cached

    @property
    def cursor(self) -> int:
        """The resume cursor after this item: its seq."""
        return self.seq

    @property
    def latency_ms(self) -> float | None:
        """Receive time minus publish time, when this copy was received by a client."""
        return None if self.received is None else self.received - self.ts

    @classmethod
    def from_envelope(cls, env: dict[str, Any], received: float | None = None) -> Message:
        """Build a Message from a decoded envelope; raises ValueError if it is not one."""
        try:
            topic, seq, ts = env["topic"], env["seq"], env["ts"]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a message envelope: {env!r}") from exc
        if (
            env.get("type") != "message"
            or not isinstance(topic, str)
            or not isinstance(seq, int)
            or isinstance(seq, bool)
            or not isinstance(ts, int | float)
            or isinstance(ts, bool)
        ):
            raise ValueError(f"not a message envelope: {env!r}")
        return cls(topic=topic, seq=seq, ts=float(ts), data=env.get("data"), received=received)


@dataclass(frozen=True, slots=True)
class Gap:
    """Messages `first`..`last` of `topic` are lost: history no longer holds them.

    On the wire: `{"type": "gap", "topic": ..., "from": first, "to": last}`.
    """

    topic: str
    first: int
    last: int
    received: float | None = field(default=None, compare=False)

    def envelope(self) -> dict[str, Any]:
        return {"type": "gap", "topic": self.topic, "from": self.first, "to": self.last}

    @property
    def json(self) -> bytes:
        return dumps(self.envelope())

    @property
    def cursor(self) -> int:
        """The resume cursor after this item: the last lost seq."""
        return self.last

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    @classmethod
    def from_envelope(cls, env: dict[str, Any], received: float | None = None) -> Gap:
        try:
            return cls(
                topic=env["topic"], first=int(env["from"]), last=int(env["to"]), received=received
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a gap envelope: {env!r}") from exc


@dataclass(frozen=True, slots=True)
class Restart:
    """The server a client was following is gone: this one started afresh.

    A client that resumes with an epoch-qualified cursor `previous_epoch:after`
    on a server whose epoch differs gets this item first. Whatever the old
    server published after seq `after` is lost to the client (the new server
    never had it), and seqs start again from 1: the items that follow are the
    new server's history from its start (after=0), led by a `Gap` if its
    history no longer holds all of it.

    On the wire: `{"type": "restart", "topic": ..., "epoch": NEW,
    "previous_epoch": OLD, "after": N}`.
    """

    topic: str
    epoch: str
    previous_epoch: str
    after: int
    received: float | None = field(default=None, compare=False)

    def envelope(self) -> dict[str, Any]:
        return {
            "type": "restart",
            "topic": self.topic,
            "epoch": self.epoch,
            "previous_epoch": self.previous_epoch,
            "after": self.after,
        }

    @property
    def json(self) -> bytes:
        return dumps(self.envelope())

    @property
    def cursor(self) -> int:
        """The resume cursor after this item: 0, the start of the new server's seqs."""
        return 0

    @classmethod
    def from_envelope(cls, env: dict[str, Any], received: float | None = None) -> Restart:
        try:
            topic, epoch, previous, after = (
                env["topic"],
                env["epoch"],
                env["previous_epoch"],
                env["after"],
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a restart envelope: {env!r}") from exc
        if not (
            isinstance(topic, str)
            and isinstance(epoch, str)
            and isinstance(previous, str)
            and isinstance(after, int)
            and not isinstance(after, bool)
        ):
            raise ValueError(f"not a restart envelope: {env!r}")
        return cls(topic, epoch, previous, after, received)
