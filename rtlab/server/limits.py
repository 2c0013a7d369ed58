"""Limits the server enforces around the handlers: request head size and the
number of concurrent long-lived connections.

Request heads. aiohttp's HTTP parser refuses a request line or a header line
longer than its limits (8,190 bytes by default) with a plain-text `400` before
the app runs. `HTTP_PARSER_LIMITS` raises both to `MAX_HEAD_LINE` (16 KiB, the
whole-head default of Node.js), so a long but plausible header, say a huge
`Last-Event-ID`, reaches the handler and gets the protocol's JSON error. Past
16 KiB the parser's plain-text `400` remains: it answers before any app code
runs, and aiohttp offers no public hook to change that answer.

Connections. Each long-lived subscriber (an HTTP stream, forever iframe, SSE
stream, WebSocket or held long poll) keeps a socket, a task and a subscription
open. `connection_limit` counts those requests while their handler runs and,
past `Settings.max_connections`, answers `503` with a JSON error and a
`Retry-After` header before the handler runs: nothing is prepared or upgraded,
and refusing costs no parsing (a bad topic or cursor at the limit is a 503
too). Short polls, publishes, `/metrics` and the static files are not counted.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from rtlab.server.common import SETTINGS, json_error, route_of
from rtlab.techniques import LONG_LIVED

__all__ = [
    "CONNECTIONS",
    "HTTP_PARSER_LIMITS",
    "MAX_HEAD_LINE",
    "ConnectionGate",
    "connection_limit",
]

MAX_HEAD_LINE = 16 * 1024
# Keyword arguments for aiohttp's request handler (`web.Application(handler_args=...)`).
HTTP_PARSER_LIMITS: dict[str, Any] = {
    "max_line_size": MAX_HEAD_LINE,
    "max_field_size": MAX_HEAD_LINE,
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ConnectionGate:
    """A counter of open long-lived connections with an optional ceiling."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.open = 0

    def try_enter(self) -> bool:
        if self.limit is not None and self.open >= self.limit:
            return False
        self.open += 1
        return True

    def leave(self) -> None:
        self.open -= 1


CONNECTIONS = web.AppKey("connections", ConnectionGate)


@web.middleware
async def connection_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    # A request no route took (404, 405) is answered at once: not counted.
    if request.match_info.http_exception is not None or route_of(request) not in LONG_LIVED:
        return await handler(request)
    gate = request.app[CONNECTIONS]
    if not gate.try_enter():
        retry_after = max(1, math.ceil(request.app[SETTINGS].retry_ms / 1000))
        return json_error(
            503,
            f"too many open connections (the limit is {gate.limit}); try again later",
            **{"Retry-After": str(retry_after)},
        )
    try:
        return await handler(request)
    finally:
        gate.leave()
