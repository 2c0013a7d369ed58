"""`make_app()`: the route table, limits, JSON errors and a clean shutdown.

Every URL is `/{technique}/{topic}` (see the README's protocol section). Errors
of any kind, including aiohttp's own 404/405/413, are answered as
`{"error": "..."}` JSON by `json_errors`, so a client never has to parse HTML.

Shutdown: aiohttp calls `on_shutdown` while connections are still open. The
hub is closed there, which wakes every held long poll and every streaming
loop so they finish their responses normally, and open WebSockets are closed
with 1001 (going away). No handler is left to be cancelled, so nothing prints
a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from importlib import resources

from aiohttp import web

from rtlab.hub import Hub
from rtlab.server.common import HUB, METRICS, SETTINGS, Metrics, Settings, json_error
from rtlab.server.cors import setup_cors
from rtlab.server.flow import FLOWS, SEND_CHECK, Flow
from rtlab.server.iframe import iframe
from rtlab.server.limits import CONNECTIONS, HTTP_PARSER_LIMITS, ConnectionGate, connection_limit
from rtlab.server.longpoll import longpoll
from rtlab.server.poll import poll
from rtlab.server.publish import publish
from rtlab.server.sse import REJECTIONS, Rejections, sse
from rtlab.server.stream import stream
from rtlab.server.ws import ws
from rtlab.techniques import ALL
from rtlab.wire.iframe import escape_json

__all__ = ["Settings", "make_app"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        kept = {k: v for k, v in exc.headers.items() if k in ("Allow", "WWW-Authenticate")}
        return json_error(exc.status, message or exc.reason, **kept)


STATIC = resources.files("rtlab.server").joinpath("static")
# The demo's files, listed once: a request can only name one of these, so no
# path (`..`, `%2F`, symlinks) can reach anything else.
STATIC_FILES = {entry.name: entry for entry in STATIC.iterdir() if entry.is_file()}
CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
TECHNIQUES_MARK = b"<!-- rtlab-techniques: the server puts the list here (rtlab.server.app) -->"


def json_island(element_id: str, value: object) -> bytes:
    """`value` as a JSON data island: a `<script type="application/json">` that a
    page reads with `JSON.parse(element.textContent)` and a browser never runs.

    `<`, `>` and `&` in the JSON are `\\u` escapes (as in the forever iframe's
    scripts, `rtlab.wire.iframe.escape_json`), so no string in it can close the
    element or open a comment.
    """
    data = escape_json(json.dumps(value, separators=(",", ":")).encode())
    return b'<script type="application/json" id="%s">%s</script>' % (element_id.encode(), data)


def index_page(template: bytes) -> bytes:
    """The demo page with the techniques of `rtlab.techniques` in its data island."""
    if template.count(TECHNIQUES_MARK) != 1:
        raise ValueError("index.html must hold the techniques mark exactly once")
    island = json_island("rtlab-techniques", [asdict(t) for t in ALL])
    return template.replace(TECHNIQUES_MARK, island)


# Rendered once, when the server module loads.
INDEX_PAGE = index_page(STATIC_FILES["index.html"].read_bytes())


async def index(request: web.Request) -> web.Response:
    return web.Response(body=INDEX_PAGE, content_type="text/html", charset="utf-8")


async def static_file(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    entry = STATIC_FILES.get(name)
    if entry is None:
        return json_error(404, f"no static file {name[:100]!r}")
    content_type = CONTENT_TYPES.get(name[name.rfind(".") :], "application/octet-stream")
    return web.Response(
        body=entry.read_bytes(),
        content_type=content_type,
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


async def metrics(request: web.Request) -> web.Response:
    return web.json_response(request.app[METRICS].as_dict())


async def _close_streams(app: web.Application) -> None:
    # Every streaming loop and WebSocket sender waits on the hub: closing it
    # wakes them all, so each handler ends its own response (WebSockets with the
    # closing handshake, see rtlab.server.ws) while aiohttp waits for handlers.
    app[HUB].close()


async def send_limit_watchdog(app: web.Application) -> AsyncIterator[None]:
    """Check every push connection against the send limit each `SEND_CHECK` s
    and end those over it (see `rtlab.server.flow`); an aiohttp cleanup context."""
    settings = app[SETTINGS]
    limit = settings.send_limit

    async def watch(limit: int) -> None:
        flows: set[Flow] = app[FLOWS]
        while True:
            await asyncio.sleep(SEND_CHECK)
            for flow in list(flows):
                reason = None if flow.ended is not None else flow.overdue(limit)
                if reason is not None:
                    flow.end(reason, settings.send_grace)
                    app[METRICS][flow.technique].slow_ends += 1

    task = None if limit is None else asyncio.create_task(watch(limit))
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def make_app(settings: Settings | None = None, *, epoch: str | None = None) -> web.Application:
    """The rtlab server. `epoch` names this server run (random when None; see
    `rtlab.hub`): fix it only for tests and reproducible captures."""
    settings = settings or Settings()
    app = web.Application(
        middlewares=[json_errors, connection_limit],
        client_max_size=settings.max_message,
        handler_args=HTTP_PARSER_LIMITS,
    )
    app[SETTINGS] = settings
    app[CONNECTIONS] = ConnectionGate(settings.max_connections)
    app[HUB] = Hub(history=settings.history, epoch=epoch)
    app[METRICS] = Metrics()
    app[FLOWS] = set()
    app[REJECTIONS] = Rejections()
    app.cleanup_ctx.append(send_limit_watchdog)
    app.add_routes(
        [
            web.get("/", index),
            web.get("/metrics", metrics),
            # `{topic:[^/]*}` also matches an empty topic, so that it gets the
            # protocol's 400 from topic_name() rather than a 404.
            web.post("/publish/{topic:[^/]*}", publish),
            web.get("/poll/{topic:[^/]*}", poll),
            web.get("/longpoll/{topic:[^/]*}", longpoll),
            web.get("/stream/{topic:[^/]*}", stream),
            web.get("/iframe/{topic:[^/]*}", iframe),
            web.get("/sse/{topic:[^/]*}", sse),
            web.get("/ws/{topic:[^/]*}", ws),
            web.get("/static/{name}", static_file),
        ]
    )
    app.on_shutdown.append(_close_streams)
    setup_cors(app)
    return app
