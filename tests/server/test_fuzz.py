"""Property-based fuzzing of a running server with hypothesis.

Arbitrary topics (percent-encoded junk included), query values, headers, publish
bodies and WebSocket frames go to one in-process server per test. After every
example: no 5xx, nothing logged at ERROR (aiohttp logs a handler's traceback
there), every 4xx is `{"error": str}` JSON, and the server still publishes and
polls normally. Where the contract says exactly what to answer, the status is
checked against it too.

Requests are written on raw sockets so that the bytes are exactly the generated
ones (a client library would normalise the path, or refuse odd header bytes).
They stay valid HTTP/1.1: aiohttp's own parser answers malformed HTTP with a
plain-text 400 before the app runs, which is outside what the app controls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import re
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import scaled
from tests.server.conftest import Serve
from tests.server.helpers import compact, publish

# One server serves every example of a test: that it survives all of them is the point,
# so sharing the function-scoped fixture across examples is intended.
# RTLAB_FUZZ_EXAMPLES=5000 makes a longer hunt (the default keeps `make test` quick).
FUZZ = settings(
    max_examples=int(os.environ.get("RTLAB_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

TOKEN = "s3cret"
ALLOWED_ORIGIN = "https://ok.example"
MAX_CURSOR = 2**63 - 1
MAX_DEPTH = 512  # README, Limits: deeper JSON is refused
TOPIC_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
CALLBACK_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,63}")
UPGRADE = [
    ("Connection", b"Upgrade"),
    ("Upgrade", b"websocket"),
    ("Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    ("Sec-WebSocket-Version", b"13"),
]


@pytest.fixture
def server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Fails the test if anything (an aiohttp handler traceback, say) logged an ERROR."""
    caplog.set_level(logging.ERROR)
    yield caplog
    assert_no_errors(caplog)


@pytest.fixture
async def token_client(serve: Serve) -> TestClient:
    return await serve(token=TOKEN)


@pytest.fixture
async def origins_client(serve: Serve) -> TestClient:
    return await serve(allowed_origins=frozenset({ALLOWED_ORIGIN}))


def assert_no_errors(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in errors]


# -- raw HTTP ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes  # only when the answer has a Content-Length (not for streams)

    def error(self) -> str:
        """The message of a JSON error answer; asserts its shape."""
        assert self.headers.get("content-type", "").startswith("application/json"), self
        decoded = json.loads(self.body)
        assert set(decoded) == {"error"}, decoded
        assert isinstance(decoded["error"], str)
        return decoded["error"]


async def exchange(
    client: TestClient,
    method: str,
    target: str,
    headers: Sequence[tuple[str, bytes]] = (),
    body: bytes = b"",
    patience: float | None = None,
) -> Answer | None:
    """One request on a fresh socket; its answer's head (and body when it has a length).

    None when no answer began within `patience` seconds (a long poll being held);
    without `patience` an answer must come.
    """
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        lines = [f"{method} {target} HTTP/1.1".encode()]
        names = {name.lower() for name, _ in headers}
        if "host" not in names:
            lines.append(f"Host: {client.server.host}:{client.server.port}".encode())
        if "connection" not in names:
            lines.append(b"Connection: close")
        if body:
            lines.append(b"Content-Length: %d" % len(body))
        lines += [name.encode() + b": " + value for name, value in headers]
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await writer.drain()
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), patience or scaled(5))
        except TimeoutError:
            if patience is None:
                raise
            return None
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        fields = {}
        for line in filter(None, header_lines):
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        length = int(fields.get("content-length", 0))
        content = await asyncio.wait_for(reader.readexactly(length), scaled(5))
        return Answer(int(status_line.split()[1]), fields, content)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def check(answer: Answer | None) -> Answer | None:
    """The rules for any answer: no 5xx; a 4xx is a JSON error."""
    if answer is not None:
        assert answer.status < 500, answer
        if answer.status >= 400:
            answer.error()
    return answer


async def assert_still_serving(client: TestClient, *topics: str, **headers: str) -> None:
    """A normal publish (with `headers`) and poll work, and each of `topics` can still be read."""
    published = await publish(client, "fuzz-ok", {"still": "ok"}, **headers)
    response = await client.get("/poll/fuzz-ok", params={"after": str(published.seq - 1)})
    assert response.status == 200, await response.text()
    assert await response.json() == {"messages": [published.envelope], "next": published.seq}
    for topic in topics:  # its newest message still encodes (reading all would be 64 MB)
        response = await client.get(f"/poll/{topic}")
        assert response.status == 200, await response.text()
        last = (await response.json())["next"]
        if last:
            response = await client.get(f"/poll/{topic}", params={"after": str(last - 1)})
            assert response.status == 200, await response.text()
            assert [m["seq"] for m in (await response.json())["messages"]] == [last]


# -- what the contract accepts, written from the README ------------------------------------


def cursor_ok(value: str) -> bool:
    """A seq: a non-negative integer in ASCII digits, at most 19 of them, up to
    2**63 - 1; optionally after an epoch, `EPOCH:N` (1-32 of A-Z a-z 0-9 _ -)."""
    match = re.fullmatch(r"(?:[0-9A-Za-z_-]{1,32}:)?([0-9]{1,19})", value)
    return match is not None and int(match[1]) <= MAX_CURSOR


def seconds_ok(value: str) -> bool:
    """A long-poll timeout: a number (as Python's float() reads it) from 0 to 120."""
    try:
        seconds = float(value)
    except ValueError:
        return False
    return not math.isnan(seconds) and 0 <= seconds <= 120


def callback_ok(value: str) -> bool:
    return CALLBACK_RE.fullmatch(value) is not None


def strict_json(body: bytes) -> tuple[bool, Any]:
    """(True, value) for a body that is one JSON value (RFC 8259) that can be sent on:
    UTF-8, no NaN or infinite numbers, no integer over int()'s digit limit, no lone
    surrogates, at most MAX_DEPTH levels deep."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=float)
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode()
    except (ValueError, UnicodeError, RecursionError):  # JSONDecodeError is a ValueError
        return False, None
    return depth(value) <= MAX_DEPTH, value


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value` (a scalar is 0), without recursion."""
    deepest, todo = 0, [(value, 0)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, list | dict):
            deepest = max(deepest, level + 1)
            todo += [
                (child, level + 1) for child in (item.values() if isinstance(item, dict) else item)
            ]
    return deepest


# -- strategies ----------------------------------------------------------------------------

SAFE_TEXT = st.characters(exclude_categories=["Cs"])  # quote() needs encodable text
PCT_JUNK = st.sampled_from(
    ["%", "%z", "%zz", "%C3", "%C3%28", "%00", "%2F", "%2e%2e", "%FF%FE", "%25", "%u2028", "%%"]
)
# Unencoded characters that are legal in a path segment (RFC 3986 pchar), and raw junk.
SEGMENT_PART = st.one_of(
    st.text(string.ascii_letters + string.digits + "_.-", max_size=70),
    st.text(SAFE_TEXT, max_size=8).map(lambda s: quote(s, safe="")),
    st.text("!$&'()*+,;=:@~", max_size=3),
    PCT_JUNK,
)
SEGMENTS = st.lists(SEGMENT_PART, max_size=4).map("".join)

QUERY_VALUES = st.one_of(
    st.text(SAFE_TEXT, max_size=30),
    st.from_regex(r"[0-9]{1,22}", fullmatch=True),
    st.from_regex(r"[0-9a-zA-Z_-]{0,34}:[0-9]{0,21}", fullmatch=True),  # EPOCH:N cursors
    st.integers(min_value=-10, max_value=2**64).map(str),
    st.floats().map(str),
    st.sampled_from(
        ["", " 1", "1 ", "+1", "1.5", "nan", "-0", "0x10", "1e3", "1_0", "٣", "²", "$", "a" * 65]
    ),
    st.sampled_from(["rtlabPush", "</script>", "alert(1)", "_$", "a" * 64, "x" * 2000]),
)
STREAM_TECHNIQUES = ("poll", "longpoll", "stream", "iframe", "sse", "ws")
QUERY_NAMES = ("after", "timeout", "callback", "lastEventId")
# What each technique reads, in the order it checks them.
READS = {
    "poll": ("after",),
    "longpoll": ("after", "timeout"),
    "stream": ("after",),
    "iframe": ("after", "callback"),
    "sse": ("lastEventId",),
    "ws": ("after",),
}
VALID = {
    "after": cursor_ok,
    "timeout": seconds_ok,
    "callback": callback_ok,
    "lastEventId": cursor_ok,
}

# Header values: any text but control characters (which HTTP forbids), as UTF-8 or as
# Latin-1 bytes (obs-text), plus a few long ones.
HEADER_TEXT = st.text(st.characters(exclude_categories=["Cc", "Cs"]), max_size=40).map(str.strip)
HEADER_BYTES = st.one_of(
    HEADER_TEXT.map(lambda s: s.encode()),
    st.text(st.characters(max_codepoint=255, exclude_categories=["Cc"]), max_size=40).map(
        lambda s: s.strip().encode("latin-1")
    ),
    st.binary(max_size=20).map(lambda b: bytes(c for c in b if c >= 0x20 and c != 0x7F).strip()),
)

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)


class Blob(bytes):
    """Generated bytes that print short: hypothesis prints each failing example."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Blob({bytes(self[:30])!r}..., {len(self)} bytes)"


class LongText(str):
    """A generated frame that prints short."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"LongText({str(self[:30])!r}..., {len(self)} characters)"


NESTING = st.integers(min_value=1, max_value=30_000).flatmap(
    lambda depth: st.sampled_from(
        [Blob(b"[" * depth + b"]" * depth), Blob(b'{"a":' * depth + b"1" + b"}" * depth)]
    )
)
JSON_TEXTS = st.one_of(
    JSON_VALUES.map(compact),
    st.binary(max_size=60),
    st.text(max_size=60).map(str.encode),
    NESTING,
    # Integers around Python's 4,300-digit limit for int().
    st.integers(min_value=4000, max_value=6000).map(lambda n: Blob(b"1" * n)),
    st.sampled_from(
        [b"NaN", b"-Infinity", b"[1e999]", b'"\\ud800"', b'{"\\udfff": 1}', b"\xef\xbb\xbf1"]
    ),
)
BODIES = JSON_TEXTS | st.integers(min_value=65_000, max_value=66_000).map(
    lambda n: Blob(b'"' + b"x" * (n - 2) + b'"')  # around the 64 KiB limit
)


# -- topics --------------------------------------------------------------------------------


@FUZZ
@given(technique=st.sampled_from(("publish", *STREAM_TECHNIQUES)), segment=SEGMENTS)
async def test_any_topic_segment(
    client: TestClient, server_errors: pytest.LogCaptureFixture, technique: str, segment: str
) -> None:
    publishing = technique == "publish"
    answer = check(
        await exchange(
            client,
            "POST" if publishing else "GET",
            f"/{technique}/{segment}" + ("?timeout=0" if technique == "longpoll" else ""),
            headers=UPGRADE if technique == "ws" else (),
            body=b"1" if publishing else b"",
        )
    )
    assert answer is not None
    if TOPIC_RE.fullmatch(unquote(segment)):
        assert answer.status == {"publish": 201, "ws": 101}.get(technique, 200), answer
    else:
        assert answer.status == 400, answer
        assert answer.error().startswith("invalid topic "), answer
    assert_no_errors(server_errors)
    await assert_still_serving(client)


# -- query values --------------------------------------------------------------------------


# (as sent, as meant): junk such as "%zz" goes in as it is and no reader accepts it.
PARAM_VALUES = QUERY_VALUES.map(lambda v: (quote(v, safe=""), v)) | PCT_JUNK.map(
    lambda j: (j, None)
)


@FUZZ
@given(
    technique=st.sampled_from(STREAM_TECHNIQUES),
    params=st.dictionaries(st.sampled_from(QUERY_NAMES), PARAM_VALUES, max_size=4),
)
async def test_any_query_values(
    client: TestClient,
    server_errors: pytest.LogCaptureFixture,
    technique: str,
    params: dict[str, tuple[str, str | None]],
) -> None:
    query = "&".join(f"{name}={sent}" for name, (sent, _) in params.items())
    wrong = [
        name
        for name in READS[technique]
        if name in params and (params[name][1] is None or not VALID[name](params[name][1]))
    ]
    held = technique == "longpoll" and not wrong
    answer = check(
        await exchange(
            client,
            "GET",
            f"/{technique}/fuzz?{query}",
            headers=UPGRADE if technique == "ws" else (),
            patience=0.2 if held else None,  # a valid long poll may be held: that is fine
        )
    )
    if wrong:
        assert answer is not None and answer.status == 400, answer
        assert answer.error().startswith(f"{wrong[0]} must "), answer
    elif answer is not None:
        assert answer.status == (101 if technique == "ws" else 200), answer
    assert_no_errors(server_errors)
    await assert_still_serving(client)


# -- headers -------------------------------------------------------------------------------


@FUZZ
@given(
    value=st.one_of(
        HEADER_BYTES,
        st.from_regex(rb"[0-9]{1,25}", fullmatch=True),
        st.from_regex(rb"[0-9a-f]{0,34}:[0-9]{0,21}", fullmatch=True),  # EPOCH:N cursors
        # Long ones, up to the 16 KiB header line the server reads.
        st.integers(min_value=20, max_value=12_000).map(lambda n: Blob(b"7" * n)),
        st.integers(min_value=1, max_value=12_000).map(lambda n: Blob(b"x" * n)),
    ),
    query=st.none() | QUERY_VALUES,
)
async def test_any_last_event_id(
    client: TestClient,
    server_errors: pytest.LogCaptureFixture,
    value: bytes,
    query: str | None,
) -> None:
    target = "/sse/fuzz" + ("" if query is None else f"?lastEventId={quote(query, safe='')}")
    answer = check(await exchange(client, "GET", target, headers=[("Last-Event-ID", value)]))
    assert answer is not None
    header = value.decode("utf-8", "surrogateescape").strip()
    if header:
        expected, name = cursor_ok(header), "Last-Event-ID"
    else:  # an empty header does not count; the query (if any) decides
        expected, name = query is None or cursor_ok(query), "lastEventId"
    if expected:
        assert answer.status == 200, answer
    else:
        assert answer.status == 400, answer
        assert answer.error().startswith(f"{name} must be a cursor (a seq N or EPOCH:N), got "), (
            answer
        )
    assert_no_errors(server_errors)
    await assert_still_serving(client)


CREDENTIALS = st.one_of(
    HEADER_BYTES,
    st.tuples(
        st.sampled_from([b"Bearer", b"bearer", b"BEARER", b"Basic", b"", b"Bearer\xff"]),
        st.sampled_from([b" ", b"  ", b"\t"]),
        st.one_of(st.just(TOKEN.encode()), HEADER_BYTES),
    ).map(b"".join),
)


@FUZZ
@given(authorization=CREDENTIALS)
async def test_any_authorization(
    token_client: TestClient, server_errors: pytest.LogCaptureFixture, authorization: bytes
) -> None:
    client = token_client
    answer = check(
        await exchange(
            client, "POST", "/publish/fuzz", headers=[("Authorization", authorization)], body=b"1"
        )
    )
    assert answer is not None
    scheme, _, credentials = authorization.decode("utf-8", "surrogateescape").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip() == TOKEN:
        assert answer.status == 201, answer
    else:
        assert answer.status == 401, answer
        assert answer.error() == "publishing needs Authorization: Bearer <token>"
        assert answer.headers["www-authenticate"] == "Bearer"
    assert_no_errors(server_errors)
    await assert_still_serving(client, Authorization=f"Bearer {TOKEN}")


ORIGINS = st.one_of(
    HEADER_BYTES,
    st.just(ALLOWED_ORIGIN.encode()),
    st.tuples(
        st.sampled_from([b"http://", b"https://", b"", b"//", b"ws://"]),
        st.sampled_from([b"127.0.0.1", b"[", b"[::1", b"[::1]", b"a b", b"\xff", b"evil.example"]),
        st.sampled_from([b"", b":", b":0", b":80", b":99999", b":-1", b":x", b"/path", b"?q"]),
    ).map(b"".join),
)
HOSTS = st.one_of(st.none(), HEADER_BYTES, st.sampled_from([b"[", b"[::1", b"a:99999", b"a:b"]))


@FUZZ
@given(origin=ORIGINS, host=HOSTS)
async def test_any_origin_and_host_on_the_websocket_handshake(
    origins_client: TestClient,
    server_errors: pytest.LogCaptureFixture,
    origin: bytes,
    host: bytes | None,
) -> None:
    client = origins_client
    headers = [*UPGRADE, ("Origin", origin)]
    if host is not None:
        headers.append(("Host", host))
    answer = check(await exchange(client, "GET", "/ws/fuzz", headers=headers))
    assert answer is not None
    assert answer.status in (101, 403), answer
    if origin == ALLOWED_ORIGIN.encode():
        assert answer.status == 101, answer
    if answer.status == 403:
        assert answer.error().startswith("origin "), answer
    assert_no_errors(server_errors)
    await assert_still_serving(client)


# -- publish bodies ------------------------------------------------------------------------


@FUZZ
@given(body=BODIES, content_type=st.none() | HEADER_BYTES)
async def test_any_publish_body(
    client: TestClient,
    server_errors: pytest.LogCaptureFixture,
    body: bytes,
    content_type: bytes | None,
) -> None:
    headers = [] if content_type is None else [("Content-Type", content_type)]
    answer = check(await exchange(client, "POST", "/publish/fuzz", headers=headers, body=body))
    assert answer is not None
    ok, value = strict_json(body)
    if len(body) > 64 * 1024:
        assert answer.status == 413, answer
    elif ok:
        assert answer.status == 201, answer
        seq = json.loads(answer.body)["seq"]
        poll = await client.get("/poll/fuzz", params={"after": str(seq - 1)})
        assert poll.status == 200, await poll.text()
        assert [m["data"] for m in (await poll.json())["messages"]] == [value]
    else:
        assert answer.status == 400, answer
    assert_no_errors(server_errors)
    await assert_still_serving(client, "fuzz")


# -- WebSocket frames ----------------------------------------------------------------------

PUBLISH_FRAMES = st.one_of(
    JSON_VALUES.map(lambda data: json.dumps({"type": "publish", "data": data})),
    JSON_TEXTS.map(
        lambda b: LongText('{"type": "publish", "data": ' + b.decode("utf-8", "replace") + "}")
    ),
)
TEXT_FRAMES = st.one_of(
    st.text(max_size=80),
    PUBLISH_FRAMES,
    JSON_VALUES.map(json.dumps),
    st.sampled_from(['{"type": "publish"}', '{"type": "other", "data": 1}', "[]", "null"]),
)
FRAMES = st.one_of(
    TEXT_FRAMES.map(lambda text: ("text", text)),
    st.binary(max_size=40).map(lambda data: ("binary", data)),
    st.integers(min_value=64 * 1024 + 1, max_value=64 * 1024 + 200).map(
        lambda n: ("text", LongText('{"type": "publish", "data": "' + "x" * (n - 31) + '"}'))
    ),
)


def frame_publishes(text: str) -> tuple[bool, Any]:
    ok, frame = strict_json(text.encode())
    if ok and isinstance(frame, dict) and frame.get("type") == "publish" and "data" in frame:
        return True, frame["data"]
    return False, None


@FUZZ
@given(frames=st.lists(FRAMES, min_size=1, max_size=6))
async def test_any_websocket_frames(
    client: TestClient, server_errors: pytest.LogCaptureFixture, frames: list[tuple[str, Any]]
) -> None:
    ws = await client.ws_connect("/ws/fuzz", max_msg_size=0)
    try:
        for kind, payload in frames:
            if kind == "binary":
                await ws.send_bytes(payload)
                reply = await asyncio.wait_for(ws.receive(), scaled(5))
                assert (reply.type, reply.data) == (WSMsgType.CLOSE, 1003), reply
                break
            await ws.send_str(payload)
            reply = await asyncio.wait_for(ws.receive(), scaled(5))
            if len(payload.encode()) > 64 * 1024:
                assert (reply.type, reply.data) == (WSMsgType.CLOSE, 1009), reply
                break
            assert reply.type == WSMsgType.TEXT, reply
            envelope = json.loads(reply.data)
            publishes, data = frame_publishes(payload)
            if publishes:
                assert envelope["type"] == "message", envelope
                assert envelope["data"] == data
            else:
                assert envelope["type"] == "error", envelope
                assert set(envelope) == {"type", "error"} and isinstance(envelope["error"], str)
    finally:
        await ws.close()
    assert_no_errors(server_errors)
    await assert_still_serving(client, "fuzz")


# -- what the fuzzing found: one regression test each -------------------------------------


async def test_authorization_that_is_not_utf8_is_401(serve: Serve) -> None:
    """Was a 500: the credentials, surrogate-escaped by aiohttp, could not be encoded."""
    client = await serve(token=TOKEN)
    answer = await exchange(
        client, "POST", "/publish/t", headers=[("Authorization", b"Bearer \x80")], body=b"1"
    )
    assert answer is not None and answer.status == 401, answer
    assert answer.error() == "publishing needs Authorization: Bearer <token>"
    await assert_still_serving(client, Authorization=f"Bearer {TOKEN}")


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        pytest.param(b"http://127.0.0.1:99999", None, id="origin-port-out-of-range"),
        pytest.param(b"http://[", None, id="origin-bad-ipv6"),
        pytest.param(b"http://a.example", b"[::1", id="host-bad-ipv6"),
        pytest.param(b"http://a.example", b"a:99999", id="host-port-out-of-range"),
    ],
)
async def test_unparsable_origin_or_host_is_403(
    serve: Serve, origin: bytes, host: bytes | None
) -> None:
    """Was a 500: yarl raised ValueError parsing the Origin or the Host header."""
    client = await serve(allowed_origins=frozenset({ALLOWED_ORIGIN}))
    headers = [*UPGRADE, ("Origin", origin)] + ([] if host is None else [("Host", host)])
    answer = await exchange(client, "GET", "/ws/t", headers=headers)
    assert answer is not None and answer.status == 403, answer
    assert answer.error() == f"origin {origin.decode()!r} is not allowed"
    await assert_still_serving(client)


def int_digits_error(digits: int) -> str:
    """Python's own message for an integer over its digit limit (it names the limit)."""
    try:
        int("1" * digits)
    except ValueError as exc:
        return str(exc)
    raise AssertionError("no digit limit")


DEEP = "nested deeper than 512 levels"
UNSENDABLE = [
    # (body, error after "invalid JSON: "); each was accepted or crashed the handler.
    pytest.param(b"[" * 30_000 + b"]" * 30_000, DEEP, id="30000-deep-was-500"),
    pytest.param(b"[" * 513 + b"]" * 513, DEEP, id="513-deep"),
    pytest.param(b'{"a":' * 600 + b"1" + b"}" * 600, DEEP, id="600-deep-objects"),
    pytest.param(b"1" * 5000, int_digits_error(5000), id="5000-digits-was-500"),
    pytest.param(b"[1e999]", "1e999 is out of range for a number", id="1e999-poisoned-topic"),
    pytest.param(
        b"-1" + b"0" * 400 + b".5",
        "-1" + "0" * 38 + "... is out of range for a number",
        id="400-digit-float",
    ),
]


@pytest.mark.parametrize(("body", "error"), UNSENDABLE)
async def test_publish_refuses_json_that_cannot_be_sent_on(
    client: TestClient, body: bytes, error: str
) -> None:
    answer = await exchange(client, "POST", "/publish/t", body=body)
    assert answer is not None and answer.status == 400, answer
    assert answer.error() == f"body is invalid JSON: {error}"
    await assert_still_serving(client, "t")


async def test_publish_accepts_512_levels(client: TestClient) -> None:
    body = b"[" * 512 + b"]" * 512
    answer = await exchange(client, "POST", "/publish/t", body=body)
    assert answer is not None and answer.status == 201, answer
    poll = await client.get("/poll/t", params={"after": "0"})
    assert (await poll.read()).count(b"[") == 512 + 1  # and the messages list


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param("NaN", "NaN is not a JSON value", id="nan-poisoned-topic"),
        pytest.param("1e999", "1e999 is out of range for a number", id="1e999-poisoned-topic"),
        pytest.param(
            '"\\ud800"', "a string holds a lone UTF-16 surrogate", id="surrogate-poisoned-topic"
        ),
        pytest.param("[" * 5000 + "]" * 5000, DEEP, id="5000-deep-was-a-traceback"),
        pytest.param("1" * 5000, int_digits_error(5000), id="5000-digits-was-a-traceback"),
    ],
)
async def test_websocket_refuses_json_that_cannot_be_sent_on(
    client: TestClient, server_errors: pytest.LogCaptureFixture, data: str, error: str
) -> None:
    """Were accepted (the topic then failed every read) or ended the handler with a
    traceback; now an error frame, and the connection and the topic keep working."""
    ws = await client.ws_connect("/ws/t")
    await ws.send_str('{"type": "publish", "data": ' + data + "}")
    reply = await asyncio.wait_for(ws.receive_json(), scaled(5))
    assert reply == {"type": "error", "error": f"frame is not valid JSON: {error}"}
    await ws.send_str('{"type": "publish", "data": "fine"}')
    reply = await asyncio.wait_for(ws.receive_json(), scaled(5))
    assert (reply["type"], reply["seq"], reply["data"]) == ("message", 1, "fine")
    await ws.close()
    await assert_still_serving(client, "t")
