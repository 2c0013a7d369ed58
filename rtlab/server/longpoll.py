"""Long polling (Comet): `GET /longpoll/{topic}?after=N&timeout=S`.

The request is held until a message with seq > N exists, then answered with
everything available (batched), or answered empty after S seconds. Holding is
event-driven: the handler awaits the topic's publish future (see
`rtlab.hub`), so it wakes within the same loop iteration as the publish.

`Settings.longpoll_check_interval` swaps that wait for the sleep-and-check loop
of the long-poll server in one of the articles the lab grew from (seed 002 in
`rtlab.studies.claims`: look for data, else `setTimeout(check, 1000)`). It is a
teaching knob: it reproduces that design so that its price, a message waits
for the next check (half the interval on average), can be measured against
the event-driven default.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from rtlab.hub import Topic
from rtlab.server.common import (
    METRICS,
    SETTINGS,
    parse_cursor,
    parse_seconds,
    subscribe,
    topic_name,
)
from rtlab.server.poll import poll_response


async def check_periodically(topic: Topic, after: int, timeout: float, interval: float) -> None:
    """Look for a message with seq > `after` now and then every `interval` seconds,
    until one exists, `timeout` seconds have passed or the topic closes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while topic.last_seq <= after and not topic.closed:
        left = deadline - loop.time()
        if left <= 0:
            return
        await asyncio.sleep(min(interval, left))


async def longpoll(request: web.Request) -> web.Response:
    settings, counters = request.app[SETTINGS], request.app[METRICS]["longpoll"]
    counters.requests += 1
    topic_name(request)
    after = parse_cursor(request.query.get("after"), "after")
    timeout = parse_seconds(
        request.query.get("timeout"),
        "timeout",
        settings.longpoll_timeout,
        settings.longpoll_max_timeout,
    )
    sub = subscribe(request, after)
    interval = settings.longpoll_check_interval
    counters.open += 1
    try:
        with sub:
            if sub.restart is not None:
                pass  # a cursor from another server run: answer the Restart at once
            elif interval is None:
                await sub.topic.wait(sub.cursor, timeout)
            else:
                await check_periodically(sub.topic, sub.cursor, timeout, interval)
    finally:
        counters.open -= 1
    return poll_response(request, "longpoll", sub)
