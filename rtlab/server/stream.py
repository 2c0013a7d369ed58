"""HTTP streaming: `GET /stream/{topic}?after=N`, chunked NDJSON.

One envelope per line, each flushed as it is published; a
`{"type":"heartbeat"}` line when idle. See `common.serve_stream`.
"""

from __future__ import annotations

from aiohttp import web

from rtlab.server.common import HUB, METRICS, cursor_header, parse_cursor, serve_stream, topic_name
from rtlab.wire import ndjson


async def stream(request: web.Request) -> web.StreamResponse:
    request.app[METRICS]["stream"].requests += 1
    topic = topic_name(request)
    after = parse_cursor(request.query.get("after"), "after")
    sub = request.app[HUB].subscribe(topic, after)
    return await serve_stream(
        request,
        "stream",
        sub,
        content_type="application/x-ndjson",
        prelude=b"",
        encode=ndjson.encode_line,
        heartbeat=ndjson.HEARTBEAT_LINE,
        headers=cursor_header(sub.topic.last_seq, after),
    )
