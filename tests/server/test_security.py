"""The security rules that span modules: publishing upstream over a WebSocket needs
the token too, static files cannot be reached by path tricks, and the demo page
never turns received data or URL parameters into markup.

(Also covered elsewhere: the publish token and WebSocket Origin rules in
test_errors.py, iframe escaping in test_iframe.py, CORS in test_cors.py,
loopback by default in tests/test_cli.py.)"""

from __future__ import annotations

import asyncio
import json
import re
from importlib import resources
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient

from rtlab.server.ws import UPSTREAM_AUTH_ERROR
from tests.conftest import scaled
from tests.server.conftest import Serve
from tests.server.helpers import RawGet, publish

TOKEN = "s3cret"
UPSTREAM = json.dumps({"type": "publish", "data": "from ws"})


async def next_text(ws: ClientWebSocketResponse) -> Any:
    return json.loads(await asyncio.wait_for(ws.receive_str(), scaled(5)))


async def history(client: TestClient) -> list[Any]:
    body = await (await client.get("/poll/t", params={"after": "0"})).json()
    return [message["data"] for message in body["messages"]]


# -- WebSocket upstream publish with a token ------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Bearer wrong"}, id="wrong-token"),
        pytest.param({"Authorization": TOKEN}, id="no-scheme"),
        pytest.param({"Authorization": f"Basic {TOKEN}"}, id="other-scheme"),
    ],
)
async def test_ws_upstream_publish_needs_the_token(serve: Serve, headers: dict[str, str]) -> None:
    client = await serve(token=TOKEN)
    ws = await client.ws_connect("/ws/t", headers=headers)
    await ws.send_str(UPSTREAM)
    assert await next_text(ws) == {"type": "error", "error": UPSTREAM_AUTH_ERROR}
    assert await history(client) == []
    # Subscribing needs no token: the connection stays up and still delivers.
    published = await publish(client, "t", "by POST", Authorization=f"Bearer {TOKEN}")
    assert await next_text(ws) == published.envelope
    await ws.close()


@pytest.mark.parametrize("scheme", ["Bearer", "bearer"])
async def test_ws_upstream_publish_with_the_token(serve: Serve, scheme: str) -> None:
    client = await serve(token=TOKEN)
    ws = await client.ws_connect("/ws/t", headers={"Authorization": f"{scheme} {TOKEN}"})
    await ws.send_str(UPSTREAM)
    envelope = await next_text(ws)
    assert (envelope["type"], envelope["seq"], envelope["data"]) == ("message", 1, "from ws")
    assert await history(client) == ["from ws"]
    await ws.close()


async def test_ws_token_in_the_url_is_not_a_credential(serve: Serve) -> None:
    client = await serve(token=TOKEN)
    ws = await client.ws_connect("/ws/t", params={"token": TOKEN, "access_token": TOKEN})
    await ws.send_str(UPSTREAM)
    assert await next_text(ws) == {"type": "error", "error": UPSTREAM_AUTH_ERROR}
    await ws.close()


# -- static files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("/static/../pyproject.toml", "Not Found"),
        ("/static/../../../../etc/passwd", "Not Found"),
        ("/static/%2e%2e/pyproject.toml", "Not Found"),
        ("/static/%2e%2e%2fpyproject.toml", "no static file '../pyproject.toml'"),
        ("/static/..%2F..%2Fpyproject.toml", "no static file '../../pyproject.toml'"),
        ("/static/%2e%2e%5capp.py", "no static file '..\\\\app.py'"),
        ("/static/%252e%252e%252fapp.py", "no static file '%2e%2e%2fapp.py'"),
        ("/static/%c0%ae%c0%ae%c0%afapp.py", "no static file '%c0%ae%c0%ae%c0%afapp.py'"),
        ("/static/%2e%2e", "no static file '..'"),
        ("/static//etc/passwd", "Not Found"),
        ("/static/%2Fetc%2Fpasswd", "no static file '/etc/passwd'"),
        ("/static/demo.js%00", "no static file 'demo.js\\x00'"),
        ("/static/index.html/..%2F..%2Fapp.py", "Not Found"),
        ("/static/app.py", "no static file 'app.py'"),
        ("/static/__init__.py", "no static file '__init__.py'"),
    ],
)
async def test_static_path_tricks_are_json_404s(
    client: TestClient, target: str, error: str
) -> None:
    """Sent byte for byte (a client library would normalise `..` away)."""
    raw = await (await RawGet.start(client, target, {"Connection": "close"})).finish()
    assert raw.status == 404, raw
    assert raw.headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(raw.body) == {"error": error}


# -- the demo page --------------------------------------------------------------------------

STATIC = resources.files("rtlab.server").joinpath("static")


def static_text(name: str) -> str:
    return STATIC.joinpath(name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["demo.js", "client.js"])
def test_demo_js_has_no_markup_sinks(name: str) -> None:
    """Received data, topics and URL parameters reach the page through textContent
    and attributes only; nothing in the scripts parses a string as HTML or code."""
    script = static_text(name)
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("//"))
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "createContextualFragment",
        "DOMParser",
        "srcdoc",
        "eval(",
        "Function(",
        "javascript:",
    ):
        assert sink not in code, sink
    assert not re.search(r"set(Timeout|Interval)\(\s*['\"`]", code)  # no code as a string
    assert not re.search(r"\.on[a-z]+\s*=", code)  # handlers via addEventListener only


def test_demo_js_checks_url_parameters_before_use() -> None:
    script = static_text("demo.js")
    assert sorted(re.findall(r"params\.get\('([a-z]+)'\)", script)) == [
        "autoconnect",
        "heartbeat",
        "interval",
        "metrics",
        "topic",
    ]
    # ?topic= only fills the input when it is a valid topic; ?interval= and
    # ?heartbeat= are numbers; ?autoconnect= only names known techniques;
    # ?metrics= is only compared with '0'.
    assert "if (fromUrl !== null && isValidTopic(fromUrl)) topicInput.value = fromUrl;" in script
    assert "const fromUrl = Number(params.get('interval'));" in script
    assert "auto.split(',').filter((t) => TECHNIQUES.includes(t))" in script
    # ?heartbeat= goes to every client as options.heartbeat, which client.js
    # uses only when it is a number of seconds > 0.
    assert "const heartbeat = params.get('heartbeat');" in script
    clients = static_text("client.js")
    assert "params" not in clients
    assert "const value = this.options.heartbeat;" in clients
    assert "Number.isFinite(seconds) && seconds > 0" in clients
    assert "if (params.get('metrics') !== '0') refreshMetrics();" in script
    # Topics go into URLs encoded, never raw.
    assert "`/${prefix}/${encodeURIComponent(this.topic)}`" in clients


def test_index_html_runs_no_inline_script() -> None:
    page = static_text("index.html")
    assert re.findall(r"<script[^>]*>", page) == ['<script type="module" src="/static/demo.js">']
    assert not re.search(r"\son[a-z]+\s*=", page)


async def test_served_index_runs_no_inline_script(client: TestClient) -> None:
    """The served page adds the techniques as JSON, a script type no browser runs."""
    page = await (await client.get("/")).text()
    assert re.findall(r"<script[^>]*>", page) == [
        '<script type="application/json" id="rtlab-techniques">',
        '<script type="module" src="/static/demo.js">',
    ]
    assert not re.search(r"\son[a-z]+\s*=", page)
