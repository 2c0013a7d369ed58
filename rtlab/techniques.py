"""The six ways the lab delivers messages, defined once, in display order.

Every list of techniques in the package (the server's routes and metrics, the
connection limit, CORS, the relay's labels, the clients, the studies, the
plots, and the browser page, which the index handler hands this list) is
derived from `ALL`, so adding or renaming a technique is one edit here.

- `push`: the server sends each message over a connection it holds open
  (stream, iframe, SSE, WebSocket); the others are pulled by the client, one
  request per answer.
- `long_lived`: the request stays open while it waits for data (every push
  technique, and a held long poll); the server counts and limits these.
- `browser_api`: what a browser page reads it with. CORS covers `fetch` and
  `EventSource` reads; a forever iframe is a document and a WebSocket has its
  own Origin check.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ALL",
    "BY_NAME",
    "LONG_LIVED",
    "PUBLISH",
    "PULL",
    "PUSH",
    "ROUTES",
    "SERVER_ROUTES",
    "TECHNIQUES",
    "Technique",
]


@dataclass(frozen=True)
class Technique:
    """One delivery technique; `name` is its URL prefix (`/sse/{topic}`)."""

    name: str
    label: str
    push: bool
    long_lived: bool
    browser_api: str


ALL: tuple[Technique, ...] = (
    Technique("poll", "Short poll", push=False, long_lived=False, browser_api="fetch"),
    Technique("longpoll", "Long poll", push=False, long_lived=True, browser_api="fetch"),
    Technique("stream", "HTTP stream", push=True, long_lived=True, browser_api="fetch"),
    Technique("iframe", "Forever iframe", push=True, long_lived=True, browser_api="iframe"),
    Technique("sse", "Server-Sent Events", push=True, long_lived=True, browser_api="EventSource"),
    Technique("ws", "WebSocket", push=True, long_lived=True, browser_api="WebSocket"),
)
BY_NAME: dict[str, Technique] = {t.name: t for t in ALL}

TECHNIQUES: tuple[str, ...] = tuple(t.name for t in ALL)
PUSH: tuple[str, ...] = tuple(t.name for t in ALL if t.push)
PULL: tuple[str, ...] = tuple(t.name for t in ALL if not t.push)
LONG_LIVED: frozenset[str] = frozenset(t.name for t in ALL if t.long_lived)

PUBLISH = "publish"
# The server's routes that count in `GET /metrics`: publish, then each technique.
ROUTES: tuple[str, ...] = (PUBLISH, *TECHNIQUES)
# Every first path segment the server answers besides `/`: the routes above,
# `GET /metrics` and `GET /static/{name}`.
SERVER_ROUTES: frozenset[str] = frozenset({*ROUTES, "metrics", "static"})
