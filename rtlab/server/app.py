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

import logging
import weakref
from collections.abc import Awaitable, Callable
from importlib import resources

from aiohttp import WSCloseCode, web

from rtlab.hub import Hub
from rtlab.server.common import HUB, METRICS, SETTINGS, STREAMS, Metrics, Settings, json_error
from rtlab.server.iframe import iframe
from rtlab.server.longpoll import longpoll
from rtlab.server.poll import poll
from rtlab.server.publish import publish
from rtlab.server.sse import sse
from rtlab.server.stream import stream
from rtlab.server.ws import ws

__all__ = ["Settings", "make_app"]

log = logging.getLogger("rtlab.server")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        return json_error(exc.status, message or exc.reason)


async def index(request: web.Request) -> web.Response:
    page = resources.files("rtlab.server").joinpath("static/index.html").read_bytes()
    return web.Response(body=page, content_type="text/html", charset="utf-8")


async def metrics(request: web.Request) -> web.Response:
    return web.json_response(request.app[METRICS].as_dict())


async def _close_streams(app: web.Application) -> None:
    app[HUB].close()
    streams: weakref.WeakSet[web.StreamResponse] = app[STREAMS]
    for response in list(streams):
        if isinstance(response, web.WebSocketResponse) and not response.closed:
            await response.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


def make_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings()
    app = web.Application(middlewares=[json_errors], client_max_size=settings.max_message)
    app[SETTINGS] = settings
    app[HUB] = Hub(history=settings.history)
    app[METRICS] = Metrics()
    app[STREAMS] = weakref.WeakSet()
    static = resources.files("rtlab.server").joinpath("static")
    app.add_routes(
        [
            web.get("/", index),
            web.get("/metrics", metrics),
            web.post("/publish/{topic}", publish),
            web.get("/poll/{topic}", poll),
            web.get("/longpoll/{topic}", longpoll),
            web.get("/stream/{topic}", stream),
            web.get("/iframe/{topic}", iframe),
            web.get("/sse/{topic}", sse),
            web.get("/ws/{topic}", ws),
            web.static("/static", str(static), follow_symlinks=False),
        ]
    )
    app.on_shutdown.append(_close_streams)
    return app
