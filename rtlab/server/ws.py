"""WebSocket: `GET /ws/{topic}?after=N`, one text frame per envelope.

Two directions on one connection:
- down: a sender task follows the topic like any other subscriber and writes
  each envelope as one text frame (its bytes memoised per message);
- up: the client may send `{"type": "publish", "data": ...}`; the handler
  publishes it to the same topic. A malformed text frame gets an
  `{"type": "error", "error": ...}` frame back and the connection stays up; a
  binary frame is closed with 1003 (unsupported data) and a frame over the
  message limit with 1009 (message too big, enforced by aiohttp). A client
  that lets more than the send limit pile up is closed with 1008 (policy
  violation) and a reason (see `rtlab.server.flow`).

Browsers let any page open a WebSocket to any host, so the handshake checks
`Origin` (RFC 6455 section 10.2): same-origin and allow-listed origins pass,
others get `403` before the upgrade. Clients that send no Origin (curl,
Python) are not browsers and pass. aiohttp's `heartbeat` sends pings and
closes a peer that stops answering pongs. Per-message compression is off so
that frames on the wire are exactly what the RFC's framing predicts.

When a publish token is set, only a connection whose handshake carried
`Authorization: Bearer <token>` may publish upstream; on any other, each
publish frame gets an error frame and nothing is published. Subscribing needs
no token, as GET needs none elsewhere. The token is never taken from the URL
(`?token=`), where access logs and browser history would keep it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from aiohttp import WSCloseCode, WSMsgType, web
from yarl import URL

from rtlab.hub import Subscription
from rtlab.message import Message
from rtlab.server.common import (
    HUB,
    METRICS,
    SETTINGS,
    cursor_header,
    json_error,
    parse_cursor,
    subscribe,
    topic_name,
)
from rtlab.server.flow import FLOWS, WS_POLICY_VIOLATION, Flow, ws_close_frame
from rtlab.server.publish import may_publish
from rtlab.wire.envelope import WireError, parse_json


def origin_allowed(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    allowed = request.app[SETTINGS].allowed_origins
    if "*" in allowed or origin in allowed:
        return True
    try:
        parsed = URL(origin)
        return (
            parsed.is_absolute()
            and parsed.host is not None
            and (f"{parsed.host}:{parsed.explicit_port or parsed.port}" == _host_with_port(request))
        )
    except ValueError:  # an Origin or Host that yarl cannot parse (bad port, "[") is no match
        return False


def _host_with_port(request: web.Request) -> str:
    host = URL(f"{request.scheme}://{request.host}")
    return f"{host.host}:{host.explicit_port or host.port}"


async def _send_loop(
    ws: web.WebSocketResponse, sub: Subscription, request: web.Request, flow: Flow
) -> bool:
    """Follow the topic; True when it ends because the server shuts down."""
    metrics = request.app[METRICS]
    heartbeat = request.app[SETTINGS].heartbeat
    with sub:
        while not ws.closed:
            batch = await sub.next_batch(timeout=heartbeat)
            if batch is None:  # server shutting down: the handler closes with 1001
                return True
            batch, cut = request.app[SETTINGS].cut(batch)
            for item in batch:
                frame = item.json
                await ws.send_frame(frame, WSMsgType.TEXT)
                flow.wrote(item.cursor)
                metrics.sent("ws", frame, isinstance(item, Message))
            if cut and request.transport is not None:
                request.transport.close()  # a cut connection, not a closing handshake
                return False
    return False


CLOSE_TIMEOUT = 3.0

UPSTREAM_AUTH_ERROR = "publishing needs Authorization: Bearer <token> on the WebSocket handshake"


async def _error(ws: web.WebSocketResponse, message: str) -> None:
    await ws.send_str(json.dumps({"type": "error", "error": message}))


async def ws(request: web.Request) -> web.StreamResponse:
    app = request.app
    counters = app[METRICS]["ws"]
    counters.requests += 1
    topic = topic_name(request)
    after = parse_cursor(request.query.get("after"), "after")
    if not origin_allowed(request):
        return json_error(403, f"origin {request.headers['Origin']!r} is not allowed")
    # With a token set, subscribing stays open but publishing upstream needs the
    # token on the handshake, as POST /publish does (browsers cannot add that
    # header to a WebSocket, so a page can subscribe but not publish here).
    publisher = may_publish(request)
    sub = subscribe(request, after)
    socket = _socket(request, sub)
    try:
        await socket.prepare(request)
    except ConnectionError:  # the client went during the handshake: nothing to serve
        return socket
    counters.open += 1
    flow = Flow(
        "ws",
        sub,
        request.transport,
        lambda reason: ws_close_frame(WS_POLICY_VIOLATION, reason),
    )
    app[FLOWS].add(flow)
    sender = asyncio.create_task(_send_loop(socket, sub, request, flow))
    reading = asyncio.create_task(_read_frames(socket, request, topic, publisher))
    try:
        await _serve(socket, reading, sender)
    finally:
        counters.open -= 1
        app[FLOWS].discard(flow)
        await _stop(socket, reading, sender)
    return socket


def _socket(request: web.Request, sub: Subscription) -> web.WebSocketResponse:
    """The WebSocket response for the request, its headers saying where `sub` starts."""
    settings = request.app[SETTINGS]
    socket = web.WebSocketResponse(
        heartbeat=settings.heartbeat,
        # aiohttp refuses payloads of max_msg_size bytes and more; the protocol
        # accepts exactly max_message bytes, as POST /publish does.
        max_msg_size=settings.max_message + 1,
        compress=False,
        # aiohttp checks for a full socket only every writer_limit bytes of frames;
        # 16 KiB keeps a stalled client's buffer near asyncio's 64 KiB mark.
        writer_limit=16 * 1024,
        # how long a server-initiated close waits for the client's Close reply
        timeout=CLOSE_TIMEOUT,
    )
    socket.headers.update(cursor_header(sub))
    return socket


async def _read_frames(
    socket: web.WebSocketResponse, request: web.Request, topic: str, publisher: bool
) -> None:
    """Publish each upstream publish frame to `topic`; answer a bad one with an error frame."""
    for_publish = request.app[METRICS]["publish"]
    async for frame in socket:
        if frame.type == WSMsgType.BINARY:
            await socket.close(
                code=WSCloseCode.UNSUPPORTED_DATA, message=b"binary frames are not accepted"
            )
            break
        if frame.type != WSMsgType.TEXT:
            continue
        try:
            request_obj = parse_json(frame.data)
        except WireError as exc:
            detail = str(exc).removeprefix("invalid JSON: ")
            await _error(socket, f"frame is not valid JSON: {detail}")
            continue
        if not isinstance(request_obj, dict) or request_obj.get("type") != "publish":
            await _error(socket, 'expected {"type": "publish", "data": <JSON value>}')
            continue
        if "data" not in request_obj:
            await _error(socket, "publish frame has no data")
            continue
        if not publisher:
            await _error(socket, UPSTREAM_AUTH_ERROR)
            continue
        request.app[HUB].publish(topic, request_obj["data"])
        for_publish.requests += 1
        for_publish.messages += 1
        for_publish.bytes += len(frame.data.encode())


async def _serve(
    socket: web.WebSocketResponse, reading: asyncio.Task[None], sender: asyncio.Task[bool]
) -> None:
    """Run until either direction ends; on server shutdown, close with 1001."""
    try:
        await asyncio.wait({reading, sender}, return_when=asyncio.FIRST_COMPLETED)
        shutting_down = sender.done() and not sender.cancelled() and sender.exception() is None
        if shutting_down and sender.result() and not reading.done():
            # Close from this task, with nobody else reading: aiohttp's close() then
            # waits for the client's Close reply (the closing handshake, RFC 6455
            # section 7.1.1) instead of dropping the TCP connection after its own.
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading
            await socket.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
        else:
            with contextlib.suppress(ConnectionResetError, ConnectionError):
                await reading
    except (ConnectionResetError, ConnectionError):
        pass


async def _stop(
    socket: web.WebSocketResponse, reading: asyncio.Task[None], sender: asyncio.Task[bool]
) -> None:
    """Cancel both directions and close the socket if it is still open."""
    for task in (reading, sender):
        task.cancel()
    for task in (reading, sender):
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await task
    if not socket.closed:
        await socket.close()
