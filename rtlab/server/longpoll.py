"""Long polling (Comet): `GET /longpoll/{topic}?after=N&timeout=S`.

The request is held until a message with seq > N exists, then answered with
everything available (batched), or answered empty after S seconds. Holding is
event-driven: the handler awaits the topic's publish future (see
`rtlab.hub`), so it wakes within the same loop iteration as the publish.
"""

from __future__ import annotations

from aiohttp import web

from rtlab.server.common import HUB, METRICS, SETTINGS, parse_cursor, parse_seconds, topic_name
from rtlab.server.poll import poll_response


async def longpoll(request: web.Request) -> web.Response:
    settings, counters = request.app[SETTINGS], request.app[METRICS]["longpoll"]
    counters.requests += 1
    topic = topic_name(request)
    after = parse_cursor(request.query.get("after"), "after")
    timeout = parse_seconds(
        request.query.get("timeout"),
        "timeout",
        settings.longpoll_timeout,
        settings.longpoll_max_timeout,
    )
    sub = request.app[HUB].subscribe(topic, after)
    counters.open += 1
    try:
        with sub:
            await sub.topic.wait(sub.cursor, timeout)
    finally:
        counters.open -= 1
    return poll_response(request, "longpoll", sub)
