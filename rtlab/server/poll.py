"""Short polling: `GET /poll/{topic}?after=N` answers at once with what is new.

The body is `{"messages": [...], "next": M}`; `next` is the cursor for the
following request. Without `after` the answer is empty and `next` is the
topic's current seq (a live-only start). A `Gap` entry leads `messages` when
the history no longer holds everything after N.
"""

from __future__ import annotations

from aiohttp import web

from rtlab.hub import Subscription
from rtlab.message import Message
from rtlab.server.common import METRICS, SETTINGS, cursor_header, parse_cursor, subscribe
from rtlab.wire.envelope import encode_poll_body


def poll_response(request: web.Request, technique: str, sub: Subscription) -> web.Response:
    """Take what is pending on `sub` and answer it as a poll body (shared with longpoll)."""
    epoch = cursor_header(sub)["X-Rtlab-Epoch"]
    items, cut = request.app[SETTINGS].cut(sub.pending())
    body = encode_poll_body(items, items[-1].cursor if items else sub.cursor)
    request.app[METRICS].sent(technique, body, sum(isinstance(i, Message) for i in items))
    response = web.Response(
        body=body,
        content_type="application/json",
        headers={"Cache-Control": "no-store", "X-Rtlab-Epoch": epoch},
    )
    if cut:
        response.force_close()
    return response


async def poll(request: web.Request) -> web.Response:
    request.app[METRICS]["poll"].requests += 1
    sub = subscribe(request, parse_cursor(request.query.get("after"), "after"))
    return poll_response(request, "poll", sub)
