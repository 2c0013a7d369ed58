"""What every technique handler shares: settings, app state, request parsing,
metrics, JSON errors and the loop that feeds a long-lived streaming response.

Handlers glue the hub to a wire codec and nothing else; everything they have in
common is here so that each technique module reads as its protocol.
"""

from __future__ import annotations

import json
import math
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from rtlab.hub import DEFAULT_HISTORY, Hub, Subscription
from rtlab.message import Gap, Message

__all__ = [
    "HUB",
    "METRICS",
    "SETTINGS",
    "STREAMS",
    "TECHNIQUES",
    "Metrics",
    "Settings",
    "bad_request",
    "cursor_header",
    "json_error",
    "parse_cursor",
    "parse_seconds",
    "serve_stream",
    "topic_name",
]

TECHNIQUES = ("publish", "poll", "longpoll", "stream", "iframe", "sse", "ws")
TOPIC_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
CURSOR_RE = re.compile(r"[0-9]{1,19}")
MAX_CURSOR = 2**63 - 1


@dataclass(frozen=True)
class Settings:
    """Server knobs. Defaults follow the wire contract (DESIGN.md)."""

    history: int = DEFAULT_HISTORY
    max_message: int = 64 * 1024
    heartbeat: float = 15.0
    retry_ms: int = 3000
    longpoll_timeout: float = 30.0
    longpoll_max_timeout: float = 120.0
    token: str | None = None
    allowed_origins: frozenset[str] = field(default_factory=frozenset)
    # Fault injection, for demos and tests: close a connection right after it has
    # delivered a message whose seq is a multiple of `drop_every`.
    drop_every: int | None = None
    # Teaching knob: when set, a held long poll checks for new data every this
    # many seconds (sleep, look, sleep again), as the server in seed article 002
    # does with `setTimeout(checkData, 1000)`, instead of waking on the publish.
    # It exists so that the cost of that design (about half the interval of
    # extra latency) can be measured; None keeps the event-driven wait.
    longpoll_check_interval: float | None = None
    # Concurrent long-lived connections (stream, iframe, sse, ws, held longpoll);
    # past it a new one is a 503 with Retry-After (`rtlab.server.limits`). None: no limit.
    max_connections: int | None = 10_000

    def __post_init__(self) -> None:
        interval = self.longpoll_check_interval
        if interval is not None and not interval > 0:  # also rejects nan
            raise ValueError("longpoll_check_interval must be a number of seconds > 0, or None")
        if self.max_connections is not None and self.max_connections < 0:
            raise ValueError("max_connections must be a number of connections >= 0, or None")

    def cut(self, items: list[Message | Gap]) -> tuple[list[Message | Gap], bool]:
        """With `drop_every`: the items to send before cutting, and whether to cut."""
        if self.drop_every:
            for index, item in enumerate(items):
                if isinstance(item, Message) and item.seq % self.drop_every == 0:
                    return items[: index + 1], True
        return items, False


@dataclass
class Counters:
    open: int = 0
    requests: int = 0
    messages: int = 0
    bytes: int = 0


class Metrics:
    """Per-technique counters reported at `GET /metrics`."""

    def __init__(self) -> None:
        self.by_technique = {name: Counters() for name in TECHNIQUES}

    def __getitem__(self, technique: str) -> Counters:
        return self.by_technique[technique]

    def sent(self, technique: str, payload: bytes, messages: int) -> None:
        counters = self.by_technique[technique]
        counters.bytes += len(payload)
        counters.messages += messages

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {name: vars(c).copy() for name, c in self.by_technique.items()}


SETTINGS = web.AppKey("settings", Settings)
HUB = web.AppKey("hub", Hub)
METRICS = web.AppKey("metrics", Metrics)
STREAMS: web.AppKey[weakref.WeakSet[web.StreamResponse]] = web.AppKey("streams")


def json_error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or None)


def bad_request(message: str) -> web.HTTPBadRequest:
    """A 400 whose body is `{"error": message}` (raise it)."""
    return web.HTTPBadRequest(text=_error_text(message), content_type="application/json")


def _error_text(message: str) -> str:
    return json.dumps({"error": message})


def topic_name(request: web.Request) -> str:
    topic = request.match_info["topic"]
    if not TOPIC_RE.fullmatch(topic):
        raise bad_request(f"invalid topic {topic!r}: use 1-64 of A-Z a-z 0-9 _ . -")
    return topic


def parse_cursor(value: str | None, name: str) -> int | None:
    """A resume cursor: None when absent, else a non-negative integer or a 400."""
    if value is None:
        return None
    if not CURSOR_RE.fullmatch(value) or int(value) > MAX_CURSOR:
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise bad_request(f"{name} must be a non-negative integer, got {shown!r}")
    return int(value)


def parse_seconds(value: str | None, name: str, default: float, maximum: float) -> float:
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= maximum:  # also rejects nan and inf
        raise bad_request(f"{name} must be a number of seconds from 0 to {maximum:g}")
    return seconds


def cursor_header(topic_last_seq: int, after: int | None) -> dict[str, str]:
    """`X-Rtlab-Cursor`: where a live-only subscription starts, so a client that
    has not received anything yet can still resume without loss."""
    return {"X-Rtlab-Cursor": str(topic_last_seq if after is None else after)}


async def serve_stream(
    request: web.Request,
    technique: str,
    after: int | None,
    *,
    content_type: str,
    prelude: Callable[[Subscription], bytes],
    encode: Callable[[Message | Gap], bytes],
    heartbeat: bytes,
) -> web.StreamResponse:
    """Run a long-lived chunked response: prelude, then batches as they are published.

    The subscription starts after `after` (None: live only); `prelude(sub)` is
    written first, and `X-Rtlab-Cursor` says where the subscription started.

    Each wake-up writes everything available in one chunk (one flush); when
    nothing comes for `heartbeat` seconds a heartbeat chunk keeps proxies and
    idle timers from closing the connection. The loop ends when the client goes
    away or the server shuts down (the hub closes its topics).
    """
    app = request.app
    settings, metrics = app[SETTINGS], app[METRICS]
    sub = app[HUB].subscribe(topic_name(request), after)
    response = web.StreamResponse(
        headers={
            "Content-Type": content_type,
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
            "X-Content-Type-Options": "nosniff",
            **cursor_header(sub.topic.last_seq, after),
        }
    )
    response.enable_chunked_encoding()
    counters = metrics[technique]
    counters.open += 1
    app[STREAMS].add(response)
    try:
        await response.prepare(request)
        opening = prelude(sub)
        await response.write(opening)
        metrics.sent(technique, opening, 0)
        with sub:
            while True:
                batch = await sub.next_batch(timeout=settings.heartbeat)
                if batch is None:
                    break
                transport = request.transport
                if transport is None or transport.is_closing():
                    break
                batch, cut = settings.cut(batch)
                chunk = b"".join(map(encode, batch)) if batch else heartbeat
                await response.write(chunk)
                metrics.sent(technique, chunk, sum(isinstance(i, Message) for i in batch))
                if cut:
                    transport.close()  # flushes what was written, then cuts the stream
                    return response
        await response.write_eof()
    except (ConnectionResetError, ConnectionError):
        pass  # the client went away; its cursor lets it resume
    finally:
        counters.open -= 1
    return response
