"""The forever iframe: `GET /iframe/{topic}?after=N&callback=fn`, text/html.

A prelude padded past 1 KiB, then `<script>parent.fn(ENVELOPE)</script>` per
message, with the JSON escaped against markup break-out (`rtlab.wire.iframe`).
"""

from __future__ import annotations

from functools import partial

from aiohttp import web

from rtlab.server.common import (
    METRICS,
    bad_request,
    parse_cursor,
    serve_stream,
    topic_name,
)
from rtlab.server.flow import end_envelope
from rtlab.wire import iframe as codec

DEFAULT_CALLBACK = "rtlabPush"


async def iframe(request: web.Request) -> web.StreamResponse:
    request.app[METRICS]["iframe"].requests += 1
    topic_name(request)
    after = parse_cursor(request.query.get("after"), "after")
    callback = request.query.get("callback", DEFAULT_CALLBACK)
    if not codec.CALLBACK_RE.fullmatch(callback):
        raise bad_request("callback must match ^[A-Za-z_$][A-Za-z0-9_$]{0,63}$")
    return await serve_stream(
        request,
        "iframe",
        after,
        content_type="text/html; charset=utf-8",
        prelude=lambda sub: codec.prelude(callback),
        encode=partial(codec.encode_item, callback),
        heartbeat=codec.heartbeat_script(callback),
        farewell=lambda reason: codec.encode_envelope(callback, end_envelope(reason)),
    )
