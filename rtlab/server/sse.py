"""Server-Sent Events: `GET /sse/{topic}`, `text/event-stream`.

The stream opens with `retry: MS` and `id: CURSOR` in one field block that
carries no data: per the WHATWG processing model the block dispatches no
event, but it does set the EventSource's last event ID, so a browser that is
dropped before its first message still reconnects with `Last-Event-ID` and
loses nothing. Each message is `id: EPOCH:SEQ`, `event: message`,
`data: ENVELOPE`; a gap is `event: gap` (its id is the last lost seq); a
restart is `event: restart` (id `EPOCH:0`); `: heartbeat` comments keep idle
connections open.

Ids carry the server's epoch (see `rtlab.hub`) because `Last-Event-ID` is the
only thing an EventSource sends back: with a bare seq, a browser reconnecting
to a restarted server could not be told that its cursor means nothing there.
A bare `Last-Event-ID: N` is still accepted, with its old meaning.

Resume: the `Last-Event-ID` header (what EventSource sends on reconnect) wins
over the `lastEventId` query parameter (what a page passes on a fresh start).
https://html.spec.whatwg.org/multipage/server-sent-events.html
"""

from __future__ import annotations

from functools import partial

from aiohttp import web

from rtlab.hub import Item, Subscription
from rtlab.message import Gap, Message
from rtlab.server.common import (
    HUB,
    METRICS,
    SETTINGS,
    Cursor,
    parse_cursor,
    serve_stream,
    topic_name,
)
from rtlab.server.flow import end_envelope
from rtlab.wire.sse import encode_comment, encode_event

HEARTBEAT = encode_comment("heartbeat")


def encode_item(epoch: str, item: Item) -> bytes:
    if isinstance(item, Message):
        return item.encoded(
            "sse", lambda m: encode_event(m.json.decode(), event="message", id=f"{epoch}:{m.seq}")
        )
    kind = "gap" if isinstance(item, Gap) else "restart"
    return encode_event(item.json.decode(), event=kind, id=f"{epoch}:{item.cursor}")


def prelude(retry_ms: int, sub: Subscription) -> bytes:
    """`retry:` and the starting cursor as the last event ID, in one block.

    After a restart the id is left as the client has it (the old run's): were
    it moved on before the `restart` event is read, a drop in between would
    lose the news of the restart.
    """
    if sub.restart is not None:
        return f"retry: {retry_ms}\n\n".encode()
    return f"retry: {retry_ms}\nid: {sub.topic.epoch}:{sub.cursor}\n\n".encode()


def resume_cursor(request: web.Request) -> Cursor | None:
    header = request.headers.get("Last-Event-ID")
    if header is not None and header.strip():
        return parse_cursor(header.strip(), "Last-Event-ID")
    return parse_cursor(request.query.get("lastEventId"), "lastEventId")


async def sse(request: web.Request) -> web.StreamResponse:
    request.app[METRICS]["sse"].requests += 1
    topic_name(request)
    retry_ms = request.app[SETTINGS].retry_ms
    return await serve_stream(
        request,
        "sse",
        resume_cursor(request),
        content_type="text/event-stream; charset=utf-8",
        prelude=partial(prelude, retry_ms),
        encode=partial(encode_item, request.app[HUB].epoch),
        heartbeat=HEARTBEAT,
        farewell=lambda reason: encode_event(end_envelope(reason).decode(), event="end"),
    )
