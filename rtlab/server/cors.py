"""CORS: which other origins may read the HTTP techniques' responses in a browser.

A page on another origin can always *send* a simple GET or POST to the lab;
what the browser withholds is the response, unless the response says that
origin may read it (https://fetch.spec.whatwg.org/#http-cors-protocol). That
applies to `fetch()`, XMLHttpRequest and EventSource alike: EventSource makes
a CORS request (mode "cors") and fails unless the stream's response allows
the page's origin. WebSocket is not covered by CORS at all; its handshake is
guarded by the `Origin` allowlist in `rtlab.server.ws` instead, and the
forever iframe is a document, not a read, so neither is handled here.

`Settings.cors_origins` is the allowlist; empty (the default) adds nothing, so
cross-origin reads stay refused. For publish, short poll, long poll, HTTP
stream and SSE:

- every response gets `Vary: Origin` (its headers depend on the request's
  Origin, so a cache must not hand one origin's answer to another);
- when the request's `Origin` is listed, or the list holds `*`, the response
  also gets `Access-Control-Allow-Origin` (that origin, or `*`) and
  `Access-Control-Expose-Headers` naming its own `X-Rtlab-*` headers, which a
  script could not read otherwise;
- a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`,
  which a browser sends before `POST /publish` with a JSON content type or an
  `Authorization` header) is answered `204` with the allowed method and
  headers, or `403` with a JSON error when the origin is not listed.

`Access-Control-Allow-Credentials` is never sent: nothing here uses cookies
(the publish token travels in an explicit `Authorization` header), so `*` is
a valid answer and credentialed requests (cookies) stay refused.

The headers are added in `on_response_prepare`, which runs just before the
status line and headers go out, so long-lived streaming responses and error
responses get them the same way as plain ones.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from rtlab.server.common import SETTINGS, json_error, route_of
from rtlab.techniques import ALL, PUBLISH

__all__ = ["PREFLIGHT_MAX_AGE", "check_origin", "check_origins", "setup_cors"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The routes CORS applies to, and the method each one accepts: publish, and the
# techniques a page reads with fetch() or EventSource (see rtlab.techniques).
METHODS = {
    PUBLISH: "POST",
    **{t.name: "GET" for t in ALL if t.browser_api in ("fetch", "EventSource")},
}
# Request headers a page may add: the JSON body's Content-Type and the token for
# publish, Last-Event-ID for a fetch()-based SSE client resuming by itself.
ALLOW_HEADERS = "Authorization, Content-Type, Last-Event-ID"
PREFLIGHT_MAX_AGE = 600  # seconds a browser may reuse a preflight answer
# An origin as a browser serialises it: scheme://host[:port], lower case, no path.
_ORIGIN_RE = re.compile(r"https?://[a-z0-9.\-\[\]:]+")


def check_origin(origin: str) -> str:
    """`origin` if it can match a browser's `Origin` header (or is `*`), else ValueError."""
    if origin == "*" or _ORIGIN_RE.fullmatch(origin):
        return origin
    raise ValueError(
        f"not an origin: {origin!r}; use scheme://host[:port] in lower case with no path, or *"
    )


def check_origins(origins: Iterable[str]) -> frozenset[str]:
    """Every entry checked; a bare string (whose `in` would match substrings) is refused."""
    if isinstance(origins, str):
        raise TypeError(f"an origin allowlist is a set of origins, not the string {origins!r}")
    return frozenset(check_origin(origin) for origin in origins)


def _cors_route(request: web.Request) -> str | None:
    """The CORS route a request's path names, or None."""
    route = route_of(request)
    return route if route in METHODS else None


def _allowed(request: web.Request) -> str | None:
    """The `Access-Control-Allow-Origin` value for this request, or None."""
    origin = request.headers.get("Origin")
    allowed = request.app[SETTINGS].cors_origins
    if origin is None:
        return None
    if "*" in allowed:
        return "*"
    return origin if origin in allowed else None


async def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    if not request.app[SETTINGS].cors_origins or _cors_route(request) is None:
        return
    vary = response.headers.get("Vary")
    response.headers["Vary"] = f"{vary}, Origin" if vary else "Origin"
    allow = _allowed(request)
    if allow is None:
        return
    response.headers["Access-Control-Allow-Origin"] = allow
    own = sorted(name for name in response.headers if name.lower().startswith("x-rtlab-"))
    if own:
        response.headers["Access-Control-Expose-Headers"] = ", ".join(own)


@web.middleware
async def preflight(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer CORS preflights on the CORS routes; every other request passes through."""
    technique = _cors_route(request)
    is_preflight = (
        request.method == "OPTIONS"
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
    )
    if technique is None or not is_preflight:
        return await handler(request)
    if _allowed(request) is None:
        return json_error(403, f"origin {request.headers['Origin']!r} is not allowed")
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Methods": METHODS[technique],
            "Access-Control-Allow-Headers": ALLOW_HEADERS,
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
        },
    )


def setup_cors(app: web.Application) -> None:
    """Check the app's origin allowlists and install the preflight middleware and
    the header hook (call before the app starts)."""
    settings = app[SETTINGS]
    check_origins(settings.cors_origins)
    if isinstance(settings.allowed_origins, str):
        raise TypeError(
            f"allowed_origins is a set of origins, not the string {settings.allowed_origins!r}"
        )
    app.middlewares.append(preflight)
    app.on_response_prepare.append(_add_headers)
