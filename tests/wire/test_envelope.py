"""The envelope codec (`rtlab.wire.envelope`): parsing, item decoding, the poll body."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtlab.message import Gap, Message
from rtlab.wire.envelope import HEARTBEAT, WireError, decode_item, encode_poll_body, parse_json

MESSAGE = Message(topic="t", seq=7, ts=1700000000123.25, data={"k": ["é", 1, None]})
GAP = Gap(topic="t", first=3, last=6)

MESSAGE_JSON = (
    b'{"type":"message","topic":"t","seq":7,"ts":1700000000123.25,"data":{"k":["\xc3\xa9",1,null]}}'
)
GAP_JSON = b'{"type":"gap","topic":"t","from":3,"to":6}'


def test_message_json_is_compact_utf8_in_contract_order() -> None:
    assert MESSAGE.json == MESSAGE_JSON
    assert list(json.loads(MESSAGE.json)) == ["type", "topic", "seq", "ts", "data"]


def test_gap_json() -> None:
    assert GAP.json == GAP_JSON
    assert GAP.count == 4
    assert GAP.cursor == 6


def test_heartbeat() -> None:
    assert HEARTBEAT == {"type": "heartbeat"}


# -- parse_json ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b"1", 1),
        ("[1, 2]", [1, 2]),
        (b'{"a": "\xc3\xa9"}', {"a": "é"}),
        (b' "x" \n', "x"),
        (b"null", None),
    ],
)
def test_parse_json(raw: bytes | str, value: Any) -> None:
    assert parse_json(raw) == value


@pytest.mark.parametrize("raw", [b"", b"{", b"nope", b"\xff", b"1 2", "[1,]", b"'a'"])
def test_parse_json_errors_are_wire_errors(raw: bytes | str) -> None:
    with pytest.raises(WireError, match=r"^invalid JSON: "):
        parse_json(raw)


@pytest.mark.parametrize("raw", [b'"\\ud800"', b'"\xed\xa0\x80"', b'{"\\udfff": 1}'])
def test_what_parse_json_accepts_can_be_sent(raw: bytes) -> None:
    try:
        data = parse_json(raw)
    except WireError:
        return  # refusing it is fine too
    assert json.loads(Message("t", 1, 1.0, data).json)["data"] == data


@pytest.mark.parametrize("raw", [b"NaN", b"[Infinity]", b'{"x": -Infinity}'])
def test_parse_json_rejects_non_standard_constants(raw: bytes) -> None:
    with pytest.raises(WireError):
        parse_json(raw)


def test_wire_error_is_a_value_error() -> None:
    assert issubclass(WireError, ValueError)


# -- decode_item --------------------------------------------------------------------------


def test_decode_message() -> None:
    item = decode_item(json.loads(MESSAGE_JSON), received=5.0)
    assert item == MESSAGE
    assert isinstance(item, Message)
    assert item.received == 5.0
    assert item.latency_ms == 5.0 - MESSAGE.ts


def test_decode_message_with_integer_ts_and_no_data() -> None:
    item = decode_item({"type": "message", "topic": "t", "seq": 1, "ts": 2})
    assert item == Message("t", 1, 2.0, None)
    assert isinstance(item, Message)
    assert isinstance(item.ts, float)


def test_decode_gap() -> None:
    item = decode_item(json.loads(GAP_JSON), received=1.0)
    assert item == GAP
    assert isinstance(item, Gap)
    assert item.received == 1.0


def test_decode_heartbeat() -> None:
    assert decode_item({"type": "heartbeat"}) is None


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({"type": "message", "seq": 1, "ts": 1}, id="message-no-topic"),
        pytest.param({"type": "message", "topic": "t", "ts": 1}, id="message-no-seq"),
        pytest.param({"type": "message", "topic": "t", "seq": 1}, id="message-no-ts"),
        pytest.param({"type": "message", "topic": "t", "seq": "1", "ts": 1}, id="seq-text"),
        pytest.param({"type": "message", "topic": "t", "seq": 1.0, "ts": 1}, id="seq-float"),
        pytest.param({"type": "message", "topic": "t", "seq": 1, "ts": "1"}, id="ts-text"),
        pytest.param({"type": "message", "topic": "t", "seq": 1, "ts": None}, id="ts-null"),
        pytest.param({"type": "message", "topic": "t", "seq": 1, "ts": [1]}, id="ts-list"),
        pytest.param({"type": "message", "topic": "t", "seq": 1, "ts": {}}, id="ts-object"),
        pytest.param({"type": "message", "topic": "t", "seq": 1, "ts": True}, id="ts-bool"),
        pytest.param({"type": "message", "topic": "t", "seq": True, "ts": 1}, id="seq-bool"),
        pytest.param({"type": "message", "topic": 1, "seq": 1, "ts": 1}, id="topic-number"),
        pytest.param({"type": "gap", "topic": "t", "from": 1}, id="gap-no-to"),
        pytest.param({"type": "gap", "from": 1, "to": 2}, id="gap-no-topic"),
        pytest.param({"type": "gap", "topic": "t", "from": "x", "to": 2}, id="gap-from-text"),
        pytest.param({"type": "gap", "topic": "t", "from": None, "to": 2}, id="gap-from-null"),
        pytest.param({"type": "error", "error": "x"}, id="error-envelope"),
        pytest.param({"topic": "t", "seq": 1, "ts": 1}, id="no-type"),
        pytest.param({}, id="empty-object"),
        pytest.param([], id="list"),
        pytest.param("message", id="string"),
        pytest.param(None, id="null"),
    ],
)
def test_decode_rejects_with_wire_error(env: Any) -> None:
    with pytest.raises(WireError):
        decode_item(env)


# -- the poll body ------------------------------------------------------------------------


def test_poll_body_empty() -> None:
    assert encode_poll_body([], 0) == b'{"messages":[],"next":0}'
    assert encode_poll_body(iter([]), 42) == b'{"messages":[],"next":42}'


def test_poll_body_exact_bytes() -> None:
    second = Message(topic="t", seq=8, ts=1.5, data="</script>\u2028")
    body = encode_poll_body([GAP, MESSAGE, second], 8)
    assert body == (
        b'{"messages":['
        + GAP_JSON
        + b","
        + MESSAGE_JSON
        + b',{"type":"message","topic":"t","seq":8,"ts":1.5,"data":"</script>\xe2\x80\xa8"}'
        + b'],"next":8}'
    )


def test_poll_body_reuses_each_messages_cached_json() -> None:
    message = Message(topic="t", seq=1, ts=1.0, data=[1])
    cached = message.json
    assert message.json is cached
    assert encode_poll_body([message], 1) == b'{"messages":[' + cached + b'],"next":1}'


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(
    st.lists(json_data, max_size=5),
    st.integers(min_value=0, max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
)
def test_poll_body_round_trips(datas: list[Any], first_seq: int, ts: float) -> None:
    messages = [Message("topic", first_seq + i, ts, data) for i, data in enumerate(datas)]
    body = json.loads(encode_poll_body(messages, first_seq + len(messages)))
    assert body["next"] == first_seq + len(messages)
    assert [decode_item(env) for env in body["messages"]] == messages
