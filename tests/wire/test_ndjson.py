"""The NDJSON codec (`rtlab.wire.ndjson`): exact lines, and a decoder fed in any chunks."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtlab.message import Gap, Message, dumps
from rtlab.wire.envelope import WireError
from rtlab.wire.ndjson import HEARTBEAT_LINE, NDJSONDecoder, encode_line

MESSAGE = Message(topic="t", seq=1, ts=12.5, data={"text": "é\u2028</script>", "n": [1, None]})
GAP = Gap(topic="t", first=2, last=4)

STREAM = (
    b'{"type":"message","topic":"t","seq":1,"ts":12.5,'
    b'"data":{"text":"\xc3\xa9\xe2\x80\xa8</script>","n":[1,null]}}\n'
    b'{"type":"heartbeat"}\n'
    b'{"type":"gap","topic":"t","from":2,"to":4}\n'
)
VALUES = [
    {"type": "message", "topic": "t", "seq": 1, "ts": 12.5, "data": MESSAGE.data},
    {"type": "heartbeat"},
    {"type": "gap", "topic": "t", "from": 2, "to": 4},
]


def decode(chunks: Iterable[bytes]) -> list[Any]:
    decoder = NDJSONDecoder()
    return [value for chunk in chunks for value in decoder.feed(chunk)]


def test_encode_exact_bytes() -> None:
    assert encode_line(MESSAGE) + HEARTBEAT_LINE + encode_line(GAP) == STREAM


def test_heartbeat_line() -> None:
    assert HEARTBEAT_LINE == b'{"type":"heartbeat"}\n'


def test_message_line_is_encoded_once() -> None:
    message = Message(topic="t", seq=3, ts=1.0, data=[1])
    assert encode_line(message) is encode_line(message)
    assert encode_line(message) == message.json + b"\n"


def test_one_line_per_item_even_with_line_breaks_in_data() -> None:
    line = encode_line(Message(topic="t", seq=1, ts=1.0, data="a\nb\r\nc\u2029"))
    assert line.count(b"\n") == 1
    assert line.endswith(b"\n")


def test_decode_whole_stream() -> None:
    assert decode([STREAM]) == VALUES


def test_decode_one_byte_at_a_time() -> None:
    assert decode(STREAM[i : i + 1] for i in range(len(STREAM))) == VALUES


def test_decode_split_at_every_position() -> None:
    for cut in range(len(STREAM) + 1):
        assert decode([STREAM[:cut], STREAM[cut:]]) == VALUES, cut


def test_decode_split_at_every_pair_of_positions() -> None:
    stream = encode_line(GAP) + HEARTBEAT_LINE
    for a, b in itertools.combinations(range(len(stream) + 1), 2):
        assert decode([stream[:a], stream[a:b], stream[b:]]) == VALUES[2:0:-1], (a, b)


def test_incomplete_line_is_held_back() -> None:
    decoder = NDJSONDecoder()
    assert decoder.feed(b'{"a":') == []
    assert decoder.feed(b"1}") == []
    assert decoder.feed(b"\n") == [{"a": 1}]


@pytest.mark.parametrize(
    ("stream", "values"),
    [
        (b"\n\n1\n\n", [1]),
        (b"  \n\t\n[1]\n", [[1]]),
        (b"1\r\n2\r\n", [1, 2]),
        (b"\n", []),
        (b"", []),
    ],
)
def test_blank_lines_and_crlf(stream: bytes, values: list[Any]) -> None:
    assert decode([stream]) == values


@pytest.mark.parametrize("line", [b"nope\n", b"{\n", b"\xff\n", b"1 2\n"])
def test_bad_line_is_a_wire_error(line: bytes) -> None:
    with pytest.raises(WireError):
        NDJSONDecoder().feed(line)


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.lists(json_data, max_size=6), st.lists(st.integers(min_value=0), max_size=8))
def test_any_values_survive_any_chunking(values: list[Any], cuts: list[int]) -> None:
    stream = b"".join(dumps(value) + b"\n" for value in values)
    positions = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    chunks = [stream[a:b] for a, b in itertools.pairwise(positions)]
    assert decode(chunks) == values
