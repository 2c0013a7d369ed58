"""The forever-frame codec (`rtlab.wire.iframe`): escaping, exact chunks, the decoder."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtlab.message import Gap, Message, dumps
from rtlab.wire.envelope import WireError
from rtlab.wire.iframe import (
    CALLBACK_RE,
    IframeDecoder,
    encode_item,
    escape_json,
    heartbeat_script,
    prelude,
)

FORBIDDEN = (b"<", b">", b"&", "\u2028".encode(), "\u2029".encode())
XSS = "</script><script>alert(1)</script><!-- & \u2028\u2029"


def assert_script_safe(raw: bytes) -> None:
    for forbidden in FORBIDDEN:
        assert forbidden not in raw, (forbidden, raw)


def decode(callback: str, chunks: Iterable[bytes]) -> list[Any]:
    decoder = IframeDecoder(callback)
    return [value for chunk in chunks for value in decoder.feed(chunk)]


# -- escape_json --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        (b'"<"', b'"\\u003c"'),
        (b'">"', b'"\\u003e"'),
        (b'"&"', b'"\\u0026"'),
        ('"\u2028"'.encode(), b'"\\u2028"'),
        ('"\u2029"'.encode(), b'"\\u2029"'),
        (b'"</script>"', b'"\\u003c/script\\u003e"'),
        (b'"<!--"', b'"\\u003c!--"'),
        (b'{"a&b":"x"}', b'{"a\\u0026b":"x"}'),
        (b'"\\\\<"', b'"\\\\\\u003c"'),  # an escaped backslash, then "<"
        ('"é\u2027\u202a"'.encode(), '"é\u2027\u202a"'.encode()),  # the neighbours stay
        (b"[1,2,null]", b"[1,2,null]"),
    ],
)
def test_escape_json_exact(raw: bytes, escaped: bytes) -> None:
    assert escape_json(raw) == escaped
    assert json.loads(escaped) == json.loads(raw)


def test_escape_json_of_a_break_out_attempt() -> None:
    raw = dumps({"html": XSS, XSS: [XSS]})
    escaped = escape_json(raw)
    assert_script_safe(escaped)
    assert json.loads(escaped) == {"html": XSS, XSS: [XSS]}


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
# Text that is mostly the characters that matter here.
nasty_text = st.text(alphabet=st.sampled_from('<>&/\\"\u2028\u2029 !-sciptr()'), max_size=30)
nasty_data = st.recursive(
    nasty_text | st.integers(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=8,
)


@given(json_data | nasty_data)
def test_escape_json_keeps_the_value_and_is_script_safe(value: Any) -> None:
    escaped = escape_json(dumps(value))
    assert_script_safe(escaped)
    assert json.loads(escaped) == value


# -- the encoder --------------------------------------------------------------------------


def test_prelude() -> None:
    head = prelude("fn")
    assert len(head) > 1024
    assert head.startswith(b"<!DOCTYPE html>\n<html>")
    assert head.endswith(b" -->\n")
    assert b"parent.fn(envelope)" in head
    assert b"<script" not in head
    assert head.count(b"<!--") == 1


@pytest.mark.parametrize("callback", ["f", "$", "a" * 64])
def test_prelude_length_does_not_depend_on_the_callback(callback: str) -> None:
    assert len(prelude(callback)) == len(prelude("f")) > 1024


@pytest.mark.parametrize(
    "callback", ["", "1abc", "a-b", "alert(1)", "</script>", "a" * 65, "a.b", "é", "a\n"]
)
def test_invalid_callbacks_are_refused(callback: str) -> None:
    assert CALLBACK_RE.fullmatch(callback) is None
    message = Message(topic="t", seq=1, ts=1.0, data=1)
    for make in (prelude, heartbeat_script, IframeDecoder):
        with pytest.raises(ValueError, match="invalid callback name"):
            make(callback)
    with pytest.raises(ValueError, match="invalid callback name"):
        encode_item(callback, message)


def test_encode_message_exact() -> None:
    message = Message(topic="t", seq=2, ts=3.5, data={"html": "</script>&\u2028"})
    assert encode_item("cb", message) == (
        b'<script>parent.cb({"type":"message","topic":"t","seq":2,"ts":3.5,'
        b'"data":{"html":"\\u003c/script\\u003e\\u0026\\u2028"}})</script>\n'
    )


def test_encode_gap_exact() -> None:
    assert encode_item("cb", Gap(topic="t", first=1, last=3)) == (
        b'<script>parent.cb({"type":"gap","topic":"t","from":1,"to":3})</script>\n'
    )


def test_heartbeat_script_exact() -> None:
    assert heartbeat_script("cb") == b'<script>parent.cb({"type":"heartbeat"})</script>\n'


def test_the_escaped_message_is_encoded_once() -> None:
    message = Message(topic="t", seq=2, ts=3.5, data="<")
    first = encode_item("a", message)
    assert encode_item("b", message) == first.replace(b"parent.a(", b"parent.b(")
    assert message.encoded("iframe", lambda m: b"not used") == escape_json(message.json)


# -- the decoder --------------------------------------------------------------------------

ITEMS = [
    Message(topic="t", seq=1, ts=1.25, data=XSS),
    Gap(topic="t", first=2, last=5),
    Message(topic="t", seq=6, ts=2.0, data={"k": [")</script>", "\\u003c", None]}),
]


def page(callback: str) -> bytes:
    scripts = [encode_item(callback, item) for item in ITEMS]
    return prelude(callback) + b"".join(scripts[:2]) + heartbeat_script(callback) + scripts[2]


PAGE_VALUES = [
    ITEMS[0].envelope(),
    ITEMS[1].envelope(),
    {"type": "heartbeat"},
    ITEMS[2].envelope(),
]


def test_decode_whole_page() -> None:
    assert decode("cb", [page("cb")]) == PAGE_VALUES


def test_decode_one_byte_at_a_time() -> None:
    body = page("cb")
    assert decode("cb", (body[i : i + 1] for i in range(len(body)))) == PAGE_VALUES


def test_decode_split_at_every_position() -> None:
    body = page("cb")
    for cut in range(len(body) + 1):
        assert decode("cb", [body[:cut], body[cut:]]) == PAGE_VALUES, cut


def test_decode_split_at_every_pair_of_positions_in_a_script() -> None:
    body = encode_item("cb", ITEMS[0]) + heartbeat_script("cb")
    for a, b in itertools.combinations(range(len(body) + 1), 2):
        assert decode("cb", [body[:a], body[a:b], body[b:]]) == [
            PAGE_VALUES[0],
            {"type": "heartbeat"},
        ], (a, b)


def test_decoder_refuses_another_callback() -> None:
    with pytest.raises(WireError, match="not 'cb'"):
        IframeDecoder("cb").feed(heartbeat_script("other"))


def test_decoder_refuses_a_page_without_scripts() -> None:
    decoder = IframeDecoder("cb")
    assert decoder.feed(prelude("cb")) == []
    with pytest.raises(WireError, match="no script chunk"):
        decoder.feed(b" " * (1 << 20))


def test_decoder_handles_a_script_bigger_than_a_mib() -> None:
    big = Message(topic="t", seq=1, ts=1.0, data="<" * 200_000)  # 1.2 MB once escaped
    assert len(escape_json(big.json)) > 1 << 20
    body = prelude("cb") + encode_item("cb", big)
    step = 64 * 1024
    values = decode("cb", (body[i : i + step] for i in range(0, len(body), step)))
    assert values == [big.envelope()]


@settings(max_examples=200)
@given(
    st.lists(json_data | nasty_data, max_size=5),
    st.lists(st.integers(min_value=0), max_size=10),
)
def test_any_data_round_trips_in_any_chunks(datas: list[Any], cuts: list[int]) -> None:
    messages = [Message(topic="t", seq=i + 1, ts=1.5, data=d) for i, d in enumerate(datas)]
    body = prelude("cb") + b"".join(encode_item("cb", m) for m in messages)
    assert_script_safe(
        body[len(prelude("cb")) :].replace(b"<script>", b"").replace(b"</script>", b"")
    )
    positions = sorted({0, len(body), *(c % (len(body) + 1) for c in cuts)})
    chunks = [body[a:b] for a, b in itertools.pairwise(positions)]
    assert decode("cb", chunks) == [m.envelope() for m in messages]
    assert [m["data"] for m in decode("cb", [body])] == datas
