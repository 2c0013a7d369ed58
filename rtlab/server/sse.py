"""Server-Sent Events: `GET /sse/{topic}`, `text/event-stream`.

The stream opens with `retry: MS` and `id: CURSOR` in one field block that
carries no data: per the WHATWG processing model the block dispatches no
event, but it does set the EventSource's last event ID, so a browser that is
dropped before its first message still reconnects with `Last-Event-ID` and
loses nothing. Each message is `id: SEQ`, `event: message`, `data: ENVELOPE`
(the README's Protocol section); a gap is `event: gap` (its id is the last lost seq);
`: heartbeat` comments keep idle connections open.

Epochs (see `rtlab.hub`) are opt-in here, because `Last-Event-ID` is all an
EventSource sends back and the protocol's ids are bare seqs: a client that
resumes with an epoch-qualified cursor (`Last-Event-ID: EPOCH:N`, or
`?lastEventId=EPOCH:N` on a fresh start) gets ids `EPOCH:SEQ` on that stream,
so the browser's own reconnects carry the epoch from then on and a restarted
server answers `event: restart` (id `EPOCH:0`) instead of misreading the seq.
A client that never names an epoch gets bare ids, exactly as before.

Fault injection (`Settings.reject_resumes`, off by default): the first N
requests that carry a `Last-Event-ID` header, i.e. an EventSource's own
reconnects, are answered `503` with a JSON error and `Retry-After: 1`, as an
overloaded server would; per the WHATWG spec a non-200 answer fails the
connection for good.

Resume: the `Last-Event-ID` header (what EventSource sends on reconnect) wins
over the `lastEventId` query parameter (what a page passes on a fresh start).
https://html.spec.whatwg.org/multipage/server-sent-events.html
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from aiohttp import web

from rtlab.hub import Item, Subscription
from rtlab.message import Gap, Message
from rtlab.server.common import (
    HUB,
    METRICS,
    SETTINGS,
    Cursor,
    json_error,
    parse_cursor,
    serve_stream,
    topic_name,
)
from rtlab.server.flow import end_envelope
from rtlab.wire.sse import encode_comment, encode_event

HEARTBEAT = encode_comment("heartbeat")


@dataclass
class Rejections:
    """How many reconnects `Settings.reject_resumes` has answered with a 503 so far."""

    count: int = 0


REJECTIONS = web.AppKey("sse_rejections", Rejections)


def event_id(epoch: str | None, cursor: int) -> str:
    """A bare seq, or `EPOCH:SEQ` for a client that named an epoch."""
    return str(cursor) if epoch is None else f"{epoch}:{cursor}"


def encode_item(epoch: str | None, item: Item) -> bytes:
    """One event; `epoch` None gives the protocol's bare ids."""
    if isinstance(item, Message):
        return item.encoded(
            "sse" if epoch is None else "sse-epoch",
            lambda m: encode_event(m.json.decode(), event="message", id=event_id(epoch, m.seq)),
        )
    kind = "gap" if isinstance(item, Gap) else "restart"
    return encode_event(item.json.decode(), event=kind, id=event_id(epoch, item.cursor))


def prelude(retry_ms: int, epoch: str | None, sub: Subscription) -> bytes:
    """`retry:` and the starting cursor as the last event ID, in one block.

    After a restart the id is left as the client has it (the old run's): were
    it moved on before the `restart` event is read, a drop in between would
    lose the news of the restart.
    """
    if sub.restart is not None:
        return f"retry: {retry_ms}\n\n".encode()
    return f"retry: {retry_ms}\nid: {event_id(epoch, sub.cursor)}\n\n".encode()


def resume_cursor(request: web.Request) -> Cursor | None:
    header = request.headers.get("Last-Event-ID")
    if header is not None and header.strip():
        return parse_cursor(header.strip(), "Last-Event-ID")
    return parse_cursor(request.query.get("lastEventId"), "lastEventId")


async def sse(request: web.Request) -> web.StreamResponse:
    request.app[METRICS]["sse"].requests += 1
    topic_name(request)
    settings = request.app[SETTINGS]
    rejections = request.app[REJECTIONS]
    if "Last-Event-ID" in request.headers and rejections.count < settings.reject_resumes:
        rejections.count += 1
        return json_error(
            503,
            f"reconnect refused ({rejections.count} of {settings.reject_resumes}, reject_resumes)",
            **{"Retry-After": "1"},
        )
    retry_ms = settings.retry_ms
    cursor = resume_cursor(request)
    # ids name the epoch only for a client that named one itself
    epoch = None if cursor is None or cursor.epoch is None else request.app[HUB].epoch
    return await serve_stream(
        request,
        "sse",
        cursor,
        content_type="text/event-stream; charset=utf-8",
        prelude=partial(prelude, retry_ms, epoch),
        encode=partial(encode_item, epoch),
        heartbeat=HEARTBEAT,
        farewell=lambda reason: encode_event(end_envelope(reason).decode(), event="end"),
    )
