"""What every technique handler shares: settings, app state, request parsing,
metrics, JSON errors and the loop that feeds a long-lived streaming response.

Handlers glue the hub to a wire codec and nothing else; everything they have in
common is here so that each technique module reads as its protocol.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from rtlab.hub import DEFAULT_HISTORY, Hub, Item, Subscription
from rtlab.message import Message
from rtlab.server.flow import FLOWS, Flow, chunked, slices
from rtlab.techniques import ROUTES

__all__ = [
    "HUB",
    "METRICS",
    "SETTINGS",
    "Cursor",
    "Metrics",
    "Settings",
    "bad_request",
    "cursor_header",
    "json_error",
    "parse_cursor",
    "parse_seconds",
    "route_of",
    "serve_stream",
    "subscribe",
    "topic_name",
]

TOPIC_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# A cursor is a bare seq `N` or an epoch-qualified `EPOCH:N` (see rtlab.hub).
CURSOR_RE = re.compile(r"(?:([0-9A-Za-z_-]{1,32}):)?([0-9]{1,19})")
MAX_CURSOR = 2**63 - 1


@dataclass(frozen=True)
class Settings:
    """Server knobs. The defaults are those of the README's Protocol section."""

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
    # Fault injection: answer the first `reject_resumes` SSE requests that carry a
    # `Last-Event-ID` header (an EventSource's own reconnects) with a 503 and a JSON
    # error, to see what a browser does with an error status (seed 002; the claim
    # sse_client_must_reconnect). 0: never.
    reject_resumes: int = 0
    # Teaching knob: False leaves `Cache-Control: no-cache` off the streaming
    # responses (stream, iframe, SSE), to see whether a browser shows events any
    # later without it (seed 002; the claim sse_no_cache). True: always sent.
    no_cache: bool = True
    # Teaching knob: when set, a held long poll checks for new data every this
    # many seconds (sleep, look, sleep again), as the long-poll server of one of
    # the articles the lab grew from does with `setTimeout(checkData, 1000)`
    # (seed 002; rtlab.studies.claims measures it), instead of waking on the publish.
    # It exists so that the cost of that design (about half the interval of
    # extra latency) can be measured; None keeps the event-driven wait.
    longpoll_check_interval: float | None = None
    # Origins whose pages may read the HTTP techniques' responses (CORS; see
    # rtlab.server.cors). Empty: no CORS headers, browsers refuse cross-origin reads.
    cors_origins: frozenset[str] = field(default_factory=frozenset)
    # Slow consumers (rtlab.server.flow): a push connection whose client lets more
    # than `send_limit` bytes of messages pile up is ended with a reason (None:
    # never); an ended connection that still does not read is aborted after
    # `send_grace` seconds.
    send_limit: int | None = 1024 * 1024
    send_grace: float = 10.0
    # Concurrent long-lived connections (stream, iframe, sse, ws, held longpoll);
    # past it a new one is a 503 with Retry-After (`rtlab.server.limits`). None: no limit.
    max_connections: int | None = 10_000

    def __post_init__(self) -> None:
        interval = self.longpoll_check_interval
        if interval is not None and not interval > 0:  # also rejects nan
            raise ValueError("longpoll_check_interval must be a number of seconds > 0, or None")
        if self.max_connections is not None and self.max_connections < 0:
            raise ValueError("max_connections must be a number of connections >= 0, or None")
        if self.reject_resumes < 0:
            raise ValueError("reject_resumes must be a number of requests >= 0")

    def cut(self, items: list[Item]) -> tuple[list[Item], bool]:
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
    slow_ends: int = 0  # connections ended for falling past the send limit


class Metrics:
    """Per-technique counters reported at `GET /metrics`."""

    def __init__(self) -> None:
        self.by_technique = {name: Counters() for name in ROUTES}

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


def json_error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or None)


def bad_request(message: str) -> web.HTTPBadRequest:
    """A 400 whose body is `{"error": message}` (raise it)."""
    return web.HTTPBadRequest(text=_error_text(message), content_type="application/json")


def _error_text(message: str) -> str:
    return json.dumps({"error": message})


def route_of(request: web.Request) -> str | None:
    """The publish or technique route a request's path names (`/sse/t` -> "sse"),
    whatever its method and whether or not a route matched; None for any other path.

    Read from the raw path, as the router matches it, so a preflight (`OPTIONS`,
    which has no route) and a 404/405 on such a path are named too.
    """
    parts = request.rel_url.raw_path.split("/")
    if len(parts) == 3 and parts[0] == "" and parts[1] in ROUTES:
        return parts[1]
    return None


def topic_name(request: web.Request) -> str:
    topic = request.match_info["topic"]
    if not TOPIC_RE.fullmatch(topic):
        raise bad_request(f"invalid topic {topic!r}: use 1-64 of A-Z a-z 0-9 _ . -")
    return topic


@dataclass(frozen=True)
class Cursor:
    """A parsed resume cursor: the last seq seen, and the server run it came from."""

    seq: int
    epoch: str | None = None


def parse_cursor(value: str | None, name: str) -> Cursor | None:
    """A resume cursor `N` or `EPOCH:N`: None when absent, else a Cursor or a 400."""
    if value is None:
        return None
    match = CURSOR_RE.fullmatch(value)
    if match is None or int(match[2]) > MAX_CURSOR:
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise bad_request(f"{name} must be a cursor (a seq N or EPOCH:N), got {shown!r}")
    return Cursor(int(match[2]), match[1])


def subscribe(request: web.Request, cursor: Cursor | None) -> Subscription:
    """Subscribe to the request's topic from `cursor` (None: live only)."""
    topic = topic_name(request)
    if cursor is None:
        return request.app[HUB].subscribe(topic)
    return request.app[HUB].subscribe(topic, cursor.seq, cursor.epoch)


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


def cursor_header(sub: Subscription) -> dict[str, str]:
    """Where a new subscription starts and which server run it follows.

    `X-Rtlab-Cursor` lets a client that has not received anything yet resume a
    live-only subscription without loss; `X-Rtlab-Epoch` is the epoch to put
    before its cursor (`EPOCH:N`) so that a restarted server is detected.
    Call it before taking anything from `sub`.
    """
    return {"X-Rtlab-Cursor": str(sub.cursor), "X-Rtlab-Epoch": sub.topic.epoch}


async def serve_stream(
    request: web.Request,
    technique: str,
    cursor: Cursor | None,
    *,
    content_type: str,
    prelude: Callable[[Subscription], bytes],
    encode: Callable[[Item], bytes],
    heartbeat: bytes,
    farewell: Callable[[str], bytes],
) -> web.StreamResponse:
    """Run a long-lived chunked response: prelude, then batches as they are published.

    The subscription starts after `cursor` (None: live only); `prelude(sub)` is
    written first, and the `cursor_header()` headers say where it started.

    Each wake-up writes everything available, in chunks of at most
    `flow.SEND_CHUNK` bytes (usually one chunk, one flush); when nothing comes
    for `heartbeat` seconds a heartbeat chunk keeps proxies and idle timers from
    closing the connection. The loop ends when the client goes away, when the
    server shuts down (the hub closes its topics), or when the connection falls
    past the send limit: then `farewell(reason)`, the technique's encoding of an
    `end` envelope, is its last item (see `rtlab.server.flow`).
    """
    app = request.app
    settings, metrics = app[SETTINGS], app[METRICS]
    sub = subscribe(request, cursor)
    response = web.StreamResponse(
        headers={
            "Content-Type": content_type,
            **({"Cache-Control": "no-cache"} if settings.no_cache else {}),
            "X-Accel-Buffering": "no",
            "X-Content-Type-Options": "nosniff",
            **cursor_header(sub),
        }
    )
    response.enable_chunked_encoding()
    counters = metrics[technique]
    counters.open += 1
    flow = Flow(technique, sub, request.transport, lambda reason: chunked(farewell(reason)))
    app[FLOWS].add(flow)
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
                if not batch:
                    await response.write(heartbeat)
                    metrics.sent(technique, heartbeat, 0)
                for chunk, messages, after in slices(batch, encode):
                    await response.write(chunk)
                    flow.wrote(after)
                    metrics.sent(technique, chunk, messages)
                if cut:
                    transport.close()  # flushes what was written, then cuts the stream
                    return response
        await response.write_eof()
    except (ConnectionResetError, ConnectionError):
        pass  # the client went away; its cursor lets it resume
    finally:
        counters.open -= 1
        app[FLOWS].discard(flow)
    return response
