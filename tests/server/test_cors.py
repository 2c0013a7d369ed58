"""CORS (`Settings.cors_origins`): the exact headers on each HTTP technique, preflights,
and that nothing changes when the allowlist is empty (the default)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp import ClientResponse, WSServerHandshakeError
from aiohttp.test_utils import TestClient

from rtlab.server import Settings, make_app
from rtlab.server.cors import check_origin, check_origins
from tests.server.conftest import Serve
from tests.server.helpers import assert_error, open_stream, publish

OK = "https://ok.example"
OTHER = "http://localhost:5173"
EVIL = "http://evil.example"
PREFLIGHT_HEADERS = "Authorization, Content-Type, Last-Event-ID"

# Each CORS route as (method, path, params, body, X-Rtlab-* headers it answers with).
ROUTES: dict[str, tuple[str, str, dict[str, str], bytes | None, str | None]] = {
    "publish": ("POST", "/publish/t", {}, b'{"a": 1}', None),
    "poll": ("GET", "/poll/t", {"after": "0"}, None, "X-Rtlab-Epoch"),
    "longpoll": ("GET", "/longpoll/t", {"timeout": "0"}, None, "X-Rtlab-Epoch"),
    "stream": ("GET", "/stream/t", {}, None, "X-Rtlab-Cursor, X-Rtlab-Epoch"),
    "sse": ("GET", "/sse/t", {}, None, "X-Rtlab-Cursor, X-Rtlab-Epoch"),
}


def cors_headers(response: ClientResponse) -> dict[str, str]:
    """Every CORS-related response header, exactly as sent."""
    return {
        name: value
        for name, value in response.headers.items()
        if name.lower().startswith("access-control-") or name.lower() == "vary"
    }


async def request(client: TestClient, technique: str, origin: str | None) -> ClientResponse:
    method, path, params, body, _ = ROUTES[technique]
    headers = {} if origin is None else {"Origin": origin}
    response = await client.request(method, path, params=params, data=body, headers=headers)
    assert response.status in (200, 201), await response.text()
    return response


def allowed_headers(technique: str, allow: str) -> dict[str, str]:
    expose = ROUTES[technique][4]
    expected = {"Access-Control-Allow-Origin": allow, "Vary": "Origin"}
    return expected | ({"Access-Control-Expose-Headers": expose} if expose else {})


@pytest.mark.parametrize("technique", [*ROUTES, "iframe", "metrics", "index"])
async def test_no_cors_headers_by_default(client: TestClient, technique: str) -> None:
    if technique in ROUTES:
        response = await request(client, technique, OK)
    else:
        path = {"iframe": "/iframe/t", "metrics": "/metrics", "index": "/"}[technique]
        response = await client.get(path, headers={"Origin": OK})
        assert response.status == 200
    assert cors_headers(response) == {}
    response.close()


@pytest.mark.parametrize("origin", [OK, OTHER])
@pytest.mark.parametrize("technique", ROUTES)
async def test_allowed_origin_gets_exact_headers(serve: Serve, technique: str, origin: str) -> None:
    client = await serve(cors_origins=frozenset({OK, OTHER}))
    response = await request(client, technique, origin)
    assert cors_headers(response) == allowed_headers(technique, origin)
    response.close()


@pytest.mark.parametrize("technique", ROUTES)
async def test_other_origin_gets_only_vary(serve: Serve, technique: str) -> None:
    """The request is served (a server cannot stop a browser sending it) but the
    browser will not hand the response to the page."""
    client = await serve(cors_origins=frozenset({OK}))
    for origin in (EVIL, "null", OK + "/", "https://OK.example", "https://ok.example:443"):
        response = await request(client, technique, origin)
        assert cors_headers(response) == {"Vary": "Origin"}, origin
        response.close()


@pytest.mark.parametrize("technique", ROUTES)
async def test_no_origin_gets_only_vary(serve: Serve, technique: str) -> None:
    client = await serve(cors_origins=frozenset({OK}))
    response = await request(client, technique, None)
    assert cors_headers(response) == {"Vary": "Origin"}
    response.close()


@pytest.mark.parametrize("technique", ROUTES)
async def test_wildcard_answers_star(serve: Serve, technique: str) -> None:
    client = await serve(cors_origins=frozenset({"*", OK}))
    response = await request(client, technique, EVIL)
    assert cors_headers(response) == allowed_headers(technique, "*")
    response.close()


async def test_cursor_header_is_exposed_with_its_value(serve: Serve) -> None:
    client = await serve(cors_origins=frozenset({OK}))
    await publish(client, "t", 1)
    response = await open_stream(client, "/sse/t", headers={"Origin": OK})
    assert response.headers["X-Rtlab-Cursor"] == "1"
    assert response.headers["X-Rtlab-Epoch"] == "e0e0e0e0"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Rtlab-Cursor, X-Rtlab-Epoch"
    response.close()


async def test_error_responses_carry_the_headers_too(serve: Serve) -> None:
    """A page can read why it was refused (the JSON error), not just that it was."""
    client = await serve(cors_origins=frozenset({OK}), token="s3cret")
    headers = {"Origin": OK}
    for response in (
        await client.get("/poll/t", params={"after": "x"}, headers=headers),
        await client.get("/sse/bad%20topic", headers=headers),
        await client.post("/publish/t", data=b"1", headers=headers),
    ):
        assert response.status in (400, 401)
        assert cors_headers(response) == {"Access-Control-Allow-Origin": OK, "Vary": "Origin"}
        await assert_error(response, response.status)


@pytest.mark.parametrize("path", ["/iframe/t", "/metrics", "/", "/static/demo.js", "/nope"])
async def test_other_routes_get_no_cors_headers(serve: Serve, path: str) -> None:
    client = await serve(cors_origins=frozenset({"*"}))
    response = await client.get(path, headers={"Origin": OK})
    assert cors_headers(response) == {}
    response.close()


async def test_cors_origins_do_not_open_the_websocket(serve: Serve) -> None:
    """The WebSocket handshake has its own allowlist (`allowed_origins`)."""
    client = await serve(cors_origins=frozenset({OK}))
    with pytest.raises(WSServerHandshakeError) as caught:
        await client.ws_connect("/ws/t", headers={"Origin": OK})
    assert caught.value.status == 403


# -- preflight ----------------------------------------------------------------------------


def preflight_headers(origin: str, method: str = "POST", **extra: str) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method, **extra}


@pytest.mark.parametrize("origin", [OK, OTHER])
async def test_publish_preflight_from_an_allowed_origin_is_204(serve: Serve, origin: str) -> None:
    client = await serve(cors_origins=frozenset({OK, OTHER}))
    response = await client.options(
        "/publish/t",
        headers=preflight_headers(
            origin, **{"Access-Control-Request-Headers": "authorization,content-type"}
        ),
    )
    assert response.status == 204
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": PREFLIGHT_HEADERS,
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }
    assert await response.read() == b""
    # A preflight publishes nothing.
    poll = await client.get("/poll/t", params={"after": "0"})
    assert await poll.json() == {"messages": [], "next": 0}


@pytest.mark.parametrize("technique", ["poll", "longpoll", "stream", "sse"])
async def test_get_route_preflight_allows_get(serve: Serve, technique: str) -> None:
    client = await serve(cors_origins=frozenset({"*"}))
    response = await client.options(f"/{technique}/t", headers=preflight_headers(OK, "GET"))
    assert response.status == 204
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET",
        "Access-Control-Allow-Headers": PREFLIGHT_HEADERS,
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


@pytest.mark.parametrize("origins", [frozenset({OK}), frozenset()], ids=["listed", "default"])
async def test_preflight_from_another_origin_is_403(serve: Serve, origins: Any) -> None:
    client = await serve(cors_origins=origins)
    response = await client.options("/publish/t", headers=preflight_headers(EVIL))
    await assert_error(response, 403, f"origin {EVIL!r} is not allowed")
    assert cors_headers(response) == ({"Vary": "Origin"} if origins else {})


@pytest.mark.parametrize(
    ("path", "headers", "cors"),
    [
        pytest.param("/publish/t", {}, {"Vary": "Origin"}, id="no-preflight-headers"),
        pytest.param(
            "/publish/t",
            {"Origin": OK},
            {"Access-Control-Allow-Origin": OK, "Vary": "Origin"},
            id="origin-only",
        ),
        pytest.param("/iframe/t", preflight_headers(OK, "GET"), {}, id="iframe"),
        pytest.param("/ws/t", preflight_headers(OK, "GET"), {}, id="ws"),
        pytest.param("/metrics", preflight_headers(OK, "GET"), {}, id="metrics"),
    ],
)
async def test_other_options_requests_are_405(
    serve: Serve, path: str, headers: dict[str, str], cors: dict[str, str]
) -> None:
    client = await serve(cors_origins=frozenset({OK}))
    response = await client.options(path, headers=headers)
    await assert_error(response, 405, "Method Not Allowed")
    assert cors_headers(response) == cors


# -- the allowlist itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin", ["*", "https://ok.example", "http://localhost:5173", "http://[::1]:8000"]
)
def test_valid_origins(origin: str) -> None:
    assert check_origin(origin) == origin


@pytest.mark.parametrize(
    "origin",
    ["https://ok.example/", "https://ok.example/path", "https://OK.example", "ok.example", "null"],
)
def test_origins_a_browser_never_sends_are_refused(origin: str) -> None:
    with pytest.raises(ValueError, match="not an origin"):
        check_origin(origin)
    with pytest.raises(ValueError, match="not an origin"):
        make_app(Settings(cors_origins=frozenset({origin})))


@pytest.mark.parametrize("field", ["cors_origins", "allowed_origins"])
def test_a_bare_string_is_not_an_allowlist(field: str) -> None:
    """`origin in "https://ok.example"` would match any substring, such as "h"."""
    with pytest.raises(TypeError, match=re.escape("not the string 'https://ok.example'")):
        make_app(Settings(**{field: "https://ok.example"}))
    assert check_origins(["https://ok.example"]) == frozenset({"https://ok.example"})
