"""Server-Sent Events: `GET /sse/{topic}`, `text/event-stream`.

The stream opens with `retry: MS` and `id: CURSOR` in one field block that
carries no data: per the WHATWG processing model the block dispatches no
event, but it does set the EventSource's last event ID, so a browser that is
dropped before its first message still reconnects with `Last-Event-ID` and
loses nothing. Each message is `id: SEQ`, `event: message`, `data: ENVELOPE`;
a gap is `event: gap` (its id is the last lost seq); `: heartbeat` comments
keep idle connections open.

Resume: the `Last-Event-ID` header (what EventSource sends on reconnect) wins
over the `lastEventId` query parameter (what a page passes on a fresh start).
https://html.spec.whatwg.org/multipage/server-sent-events.html
"""

from __future__ import annotations

from aiohttp import web

from rtlab.message import Gap, Message
from rtlab.server.common import (
    METRICS,
    SETTINGS,
    parse_cursor,
    serve_stream,
    topic_name,
)
from rtlab.wire.sse import encode_comment, encode_event

HEARTBEAT = encode_comment("heartbeat")


def encode_item(item: Message | Gap) -> bytes:
    if isinstance(item, Message):
        return item.encoded(
            "sse", lambda m: encode_event(m.json.decode(), event="message", id=m.seq)
        )
    return encode_event(item.json.decode(), event="gap", id=item.last)


def resume_cursor(request: web.Request) -> int | None:
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
        prelude=lambda sub: f"retry: {retry_ms}\nid: {sub.cursor}\n\n".encode(),
        encode=encode_item,
        heartbeat=HEARTBEAT,
    )
