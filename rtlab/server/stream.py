"""HTTP streaming: `GET /stream/{topic}?after=N`, chunked NDJSON.

One envelope per line, each flushed as it is published; a
`{"type":"heartbeat"}` line when idle. See `common.serve_stream`.
"""

from __future__ import annotations

from aiohttp import web

from rtlab.server.common import METRICS, parse_cursor, serve_stream, topic_name
from rtlab.server.flow import end_envelope
from rtlab.wire import ndjson


async def stream(request: web.Request) -> web.StreamResponse:
    request.app[METRICS]["stream"].requests += 1
    topic_name(request)  # a bad topic is a 400 before the cursor is looked at
    return await serve_stream(
        request,
        "stream",
        parse_cursor(request.query.get("after"), "after"),
        content_type="application/x-ndjson",
        prelude=lambda sub: b"",
        encode=ndjson.encode_line,
        heartbeat=ndjson.HEARTBEAT_LINE,
        farewell=lambda reason: end_envelope(reason) + b"\n",
    )
