"""Property-based fuzzing of the SSE codec (`rtlab.wire.sse`) and the server's SSE framing.

- Arbitrary bytes, cut into arbitrary chunks (empty ones included): `feed` never
  raises, and after every chunk the events so far are exactly those of the bytes
  so far fed at once, so a chunk boundary never holds an event back, emits one
  early or changes one.
- Round trip: arbitrary events, comments and retry frames, encoded then decoded in
  arbitrary chunks, give back the same events; so do the server's own frames for
  arbitrary JSON data (`rtlab.server.sse.encode_item`).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rtlab.message import Gap, Message, Restart
from rtlab.server.sse import encode_item
from rtlab.wire.sse import SSEDecoder, SSEEvent, encode_comment, encode_event, encode_retry

FUZZ = settings(max_examples=200, deadline=None)

# Bytes biased towards what the grammar cares about: line ends, field names, a BOM,
# UTF-8 sequences cut in two, invalid bytes, NULs and a retry too long for int().
FRAGMENTS = st.sampled_from(
    [
        b"\r",
        b"\n",
        b"\r\n",
        b"\n\n",
        b":",
        b": ",
        b"data:",
        b"data: x",
        b"event: gap",
        b"id: 7",
        b"id: \x00",
        b"retry: 10",
        b"retry: " + b"9" * 5000,
        b"retry: \xd9\xa3",
        b"\xef\xbb\xbf",
        b"\xef\xbb",
        b"\xe2\x80\xa8",
        b"\xf0\x9d\x84",
        b"\x9e",
        b"\xff\xfe",
        b"\x00",
    ]
)
STREAMS = st.lists(st.one_of(st.binary(max_size=40), FRAGMENTS), max_size=60).map(b"".join)

# Text with the characters that matter to the encoder: every line break, a colon, a
# leading space, NUL, BOM, U+2028, astral characters.
TRICKY = st.sampled_from(["\r", "\n", "\r\n", ":", " ", "\x00", "\ufeff", "\u2028", "𝄞", "é"])
TEXT = st.lists(st.one_of(st.text(max_size=20), TRICKY), max_size=12).map("".join)
ONE_LINE = TEXT.map(lambda s: s.replace("\r", "").replace("\n", ""))


@st.composite
def chunked(draw: st.DrawFn, stream: bytes) -> list[bytes]:
    """`stream` cut at arbitrary positions, with arbitrary empty chunks in between."""
    chunks: list[bytes] = []
    rest = stream
    while rest:
        if draw(st.booleans()):
            chunks.append(b"")
        size = draw(st.integers(min_value=1, max_value=len(rest)))
        chunks.append(rest[:size])
        rest = rest[size:]
    return chunks


def state(decoder: SSEDecoder) -> tuple[str, int | None]:
    return decoder.last_event_id, decoder.retry


def decode_at_once(stream: bytes) -> tuple[list[SSEEvent], tuple[str, int | None]]:
    decoder = SSEDecoder()
    return decoder.feed(stream), state(decoder)


@FUZZ
@given(data=st.data(), stream=STREAMS)
def test_any_bytes_in_any_chunks_decode_as_if_fed_at_once(
    data: st.DataObject, stream: bytes
) -> None:
    chunks = data.draw(chunked(stream))
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    seen = b""
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
        seen += chunk
        assert (events, state(decoder)) == decode_at_once(seen)
    assert (events, state(decoder)) == decode_at_once(stream)


@FUZZ
@given(stream=STREAMS)
def test_any_bytes_one_at_a_time(stream: bytes) -> None:
    decoder = SSEDecoder()
    events = [event for i in range(len(stream)) for event in decoder.feed(stream[i : i + 1])]
    assert (events, state(decoder)) == decode_at_once(stream)


FRAME = st.one_of(
    st.tuples(
        st.just("event"),
        TEXT,
        st.none() | ONE_LINE,
        st.none() | st.integers(min_value=0) | ONE_LINE.map(lambda s: s.replace("\x00", "")),
    ),
    st.tuples(st.just("comment"), TEXT),
    st.tuples(st.just("retry"), st.integers(min_value=0, max_value=2**64)),
)


@FUZZ
@given(data=st.data(), frames=st.lists(FRAME, max_size=8))
def test_encoded_frames_round_trip_in_any_chunks(data: st.DataObject, frames: list[Any]) -> None:
    stream = b""
    expected: list[SSEEvent] = []
    last_id, retry = "", None
    for kind, *fields in frames:
        if kind == "comment":
            stream += encode_comment(fields[0])
        elif kind == "retry":
            retry = fields[0]
            stream += encode_retry(retry)
        else:
            text, event, id = fields
            stream += encode_event(text, event=event, id=id)
            last_id = last_id if id is None else str(id)
            lines = text.replace("\r\n", "\n").replace("\r", "\n")
            expected.append(SSEEvent(event or "message", lines, last_id, retry))
    decoder = SSEDecoder()
    events = [event for chunk in data.draw(chunked(stream)) for event in decoder.feed(chunk)]
    assert events == expected
    assert state(decoder) == (last_id, retry)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(
    data=st.data(),
    values=st.lists(JSON, min_size=1, max_size=5),
    gap=st.tuples(st.integers(1, 2**40), st.integers(0, 2**40)),
)
def test_server_frames_round_trip(data: st.DataObject, values: list[Any], gap: Any) -> None:
    """What the SSE handler writes for any data decodes back to the same envelopes."""
    first, length = gap
    items: list[Message | Gap | Restart] = [Restart("t", "e1", "e0", 7)]
    items.append(Gap("t", first, first + length))
    items += [Message("t", seq, 1.5, value) for seq, value in enumerate(values, 1)]
    stream = b"".join(encode_item("e1", item) for item in items)
    decoder = SSEDecoder()
    events = [event for chunk in data.draw(chunked(stream)) for event in decoder.feed(chunk)]
    assert [(e.type, e.id) for e in events] == [
        ("restart", "e1:0"),
        ("gap", f"e1:{first + length}"),
        *(("message", f"e1:{seq}") for seq in range(1, len(values) + 1)),
    ]
    assert [json.loads(e.data) for e in events] == [item.envelope() for item in items]
