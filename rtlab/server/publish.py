"""`POST /publish/{topic}`: the body is a JSON value; answers `201 {topic, seq, ts}`."""

from __future__ import annotations

import hmac

from aiohttp import web

from rtlab.server.common import HUB, METRICS, SETTINGS, bad_request, json_error, topic_name
from rtlab.wire.envelope import WireError, parse_json


def may_publish(request: web.Request) -> bool:
    """No token configured, or the request carries `Authorization: Bearer <token>`."""
    token = request.app[SETTINGS].token
    if token is None:
        return True
    # RFC 9110 section 11.1: the scheme name is case-insensitive.
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    supplied = credentials.strip() if scheme.lower() == "bearer" else ""
    # Header bytes that are not UTF-8 arrive as surrogate escapes: encode them back.
    return hmac.compare_digest(supplied.encode("utf-8", "surrogateescape"), token.encode())


async def publish(request: web.Request) -> web.Response:
    settings, counters = request.app[SETTINGS], request.app[METRICS]["publish"]
    counters.requests += 1
    topic = topic_name(request)
    if not may_publish(request):
        return json_error(
            401,
            "publishing needs Authorization: Bearer <token>",
            **{"WWW-Authenticate": "Bearer"},
        )
    if request.content_length is not None and request.content_length > settings.max_message:
        return json_error(
            413,
            f"message body is {request.content_length} bytes; the limit is {settings.max_message}",
        )
    body = await request.read()  # client_max_size enforces the limit for chunked bodies
    if not body.strip():
        raise bad_request("body must be a JSON value, got an empty body")
    try:
        data = parse_json(body)
    except WireError as exc:
        raise bad_request(f"body is {exc}") from None
    message = request.app[HUB].publish(topic, data)
    counters.messages += 1
    counters.bytes += len(body)
    return web.json_response({"topic": topic, "seq": message.seq, "ts": message.ts}, status=201)
