"""Table-driven tests for the sans-I/O SSE codec in :mod:`rtlab.wire.sse`.

Rules under test: WHATWG HTML, "Event stream interpretation",
https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtlab.wire.sse import (
    SSEDecoder,
    SSEEvent,
    encode_comment,
    encode_event,
    encode_retry,
)


def ev(data: str, type: str = "message", id: str = "", retry: int | None = None) -> SSEEvent:
    return SSEEvent(type=type, data=data, id=id, retry=retry)


def decode_chunks(chunks: Iterable[bytes]) -> tuple[list[SSEEvent], SSEDecoder]:
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    return events, decoder


def split_at(stream: bytes, positions: Sequence[int]) -> list[bytes]:
    cuts = [0, *sorted(positions), len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(cuts)]


def reference_decode(stream: bytes) -> tuple[list[SSEEvent], str, int | None]:
    """A deliberately naive, whole-stream, char-by-char reading of the spec.

    Used as an oracle for the incremental decoder in the property tests.
    """
    text = stream.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines: list[str] = []
    current = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\r":
            lines.append(current)
            current = ""
            if i + 1 < len(text) and text[i + 1] == "\n":
                i += 1
        elif ch == "\n":
            lines.append(current)
            current = ""
        else:
            current += ch
        i += 1
    # The unterminated tail left in `current` is never processed.

    events: list[SSEEvent] = []
    data_buffer = ""
    type_buffer = ""
    id_buffer = ""
    last_id = ""
    retry: int | None = None
    for line in lines:
        if line == "":
            last_id = id_buffer
            if data_buffer == "":
                type_buffer = ""
                continue
            if data_buffer.endswith("\n"):
                data_buffer = data_buffer[:-1]
            events.append(SSEEvent(type_buffer or "message", data_buffer, last_id, retry))
            data_buffer = ""
            type_buffer = ""
            continue
        if line.startswith(":"):
            continue
        if ":" in line:
            name, value = line.split(":", 1)
            if value.startswith(" "):
                value = value[1:]
        else:
            name, value = line, ""
        if name == "event":
            type_buffer = value
        elif name == "data":
            data_buffer += value + "\n"
        elif name == "id":
            if "\x00" not in value:
                id_buffer = value
        elif name == "retry" and value and all(c in "0123456789" for c in value):
            retry = int(value)
    return events, last_id, retry


# --------------------------------------------------------------------------
# The main table: (stream, expected events, expected last_event_id, expected retry).
# Every row is also checked fed one byte at a time and split at every position.
# --------------------------------------------------------------------------

DECODE_CASES: list[tuple[str, bytes, list[SSEEvent], str, int | None]] = [
    # --- basics and line ends ---
    ("empty-stream", b"", [], "", None),
    ("simple-lf", b"data: hello\n\n", [ev("hello")], "", None),
    ("simple-crlf", b"data: hello\r\n\r\n", [ev("hello")], "", None),
    ("simple-cr", b"data: hello\r\r", [ev("hello")], "", None),
    ("two-events-cr", b"data: a\r\rdata: b\r\r", [ev("a"), ev("b")], "", None),
    (
        "mixed-line-ends",
        b"data: a\r\ndata: b\rdata: c\n\n",
        [ev("a\nb\nc")],
        "",
        None,
    ),
    ("crlf-then-cr-blank", b"data: a\r\n\rdata: b\n\r\n", [ev("a"), ev("b")], "", None),
    ("lf-cr-is-two-line-ends", b"data: a\n\r", [ev("a")], "", None),
    ("blank-lines-only", b"\n\n\r\n\r\r\n", [], "", None),
    (
        "other-breaks-are-not-line-ends",
        b"data: a\x0bb\x0cc\xc2\x85d\xe2\x80\xa8e\xe2\x80\xa9f\x1cg\n\n",
        [ev("a\x0bb\x0cc\x85d\u2028e\u2029f\x1cg")],
        "",
        None,
    ),
    ("spec-example-stock", b"data: YHOO\ndata: +2\ndata: 10\n\n", [ev("YHOO\n+2\n10")], "", None),
    (
        "spec-example-empty-data",
        b"data\n\ndata\ndata\n\ndata:",
        [ev(""), ev("\n")],
        "",
        None,
    ),
    ("spec-example-space", b"data:test\n\ndata: test\n\n", [ev("test"), ev("test")], "", None),
    # --- BOM ---
    ("bom-stripped", b"\xef\xbb\xbfdata: x\n\n", [ev("x")], "", None),
    ("bom-only", b"\xef\xbb\xbf", [], "", None),
    ("bom-then-blank", b"\xef\xbb\xbf\ndata: x\n\n", [ev("x")], "", None),
    ("second-bom-kept-in-field-name", b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\n", [], "", None),
    (
        "second-bom-kept-as-unknown-field",
        b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\ndata: y\n\n",
        [ev("y")],
        "",
        None,
    ),
    ("bom-kept-in-data", b"\xef\xbb\xbfdata: \xef\xbb\xbfx\n\n", [ev("\ufeffx")], "", None),
    ("bom-not-at-start-kept", b"\ndata: x\n\xef\xbb\xbfdata: y\n\n", [ev("x")], "", None),
    ("partial-bom-is-invalid-utf8", b"\xef\xbbdata: x\n\n", [], "", None),
    # --- UTF-8 ---
    (
        "utf8-multibyte",
        "data: héllo € 𝄞 日本\n\n".encode(),
        [ev("héllo € 𝄞 日本")],
        "",
        None,
    ),
    ("invalid-byte", b"data: a\xffb\n\n", [ev("a\ufffdb")], "", None),
    ("truncated-sequence-before-lf", b"data: \xe2\x82\n\n", [ev("\ufffd")], "", None),
    ("lone-continuation-bytes", b"data: \x80\x80\n\n", [ev("\ufffd\ufffd")], "", None),
    ("overlong-encoding", b"data: \xc0\xaf\n\n", [ev("\ufffd\ufffd")], "", None),
    ("surrogate-encoding", b"data: \xed\xa0\x80\n\n", [ev("\ufffd\ufffd\ufffd")], "", None),
    ("invalid-byte-in-field-name", b"\xffdata: x\n\n", [], "", None),
    ("truncated-at-end-of-stream", b"data: x\n\ndata: \xe2", [ev("x")], "", None),
    ("null-in-data-kept", b"data: a\x00b\n\n", [ev("a\x00b")], "", None),
    # --- comments ---
    ("comment-ignored", b": hello\ndata: x\n:more\n\n", [ev("x")], "", None),
    ("comment-only", b":\n\n", [], "", None),
    ("comment-looks-like-field", b":data: x\n\n", [], "", None),
    # --- field / value splitting ---
    ("no-colon-data-is-empty-line", b"data\n\n", [ev("")], "", None),
    ("no-colon-twice", b"data\ndata\n\n", [ev("\n")], "", None),
    ("empty-value", b"data:\n\n", [ev("")], "", None),
    ("only-space-value", b"data: \n\n", [ev("")], "", None),
    ("no-space-after-colon", b"data:x\n\n", [ev("x")], "", None),
    ("two-spaces-keep-one", b"data:  two spaces\n\n", [ev(" two spaces")], "", None),
    ("tab-not-stripped", b"data:\tx\n\n", [ev("\tx")], "", None),
    ("trailing-space-kept", b"data: x \n\n", [ev("x ")], "", None),
    ("colons-in-value", b"data: a:b: c\n\n", [ev("a:b: c")], "", None),
    ("space-before-colon", b"data :x\n\n", [], "", None),
    ("leading-space-field-name", b" data: x\n\n", [], "", None),
    ("whitespace-only-line-is-not-blank", b"data: x\n \n\n", [ev("x")], "", None),
    # --- case sensitivity and unknown fields ---
    ("Data-ignored", b"Data: x\n\n", [], "", None),
    ("DATA-ignored", b"DATA: x\ndata: y\n\n", [ev("y")], "", None),
    ("Event-ignored", b"Event: foo\ndata: y\n\n", [ev("y")], "", None),
    ("ID-ignored", b"ID: 5\ndata: y\n\n", [ev("y")], "", None),
    ("Retry-ignored", b"Retry: 5\ndata: y\n\n", [ev("y")], "", None),
    ("unknown-field-ignored", b"foo: bar\ndata: y\nfoo\n\n", [ev("y")], "", None),
    # --- data buffer ---
    ("multiple-data-lines", b"data: a\ndata: b\ndata: c\n\n", [ev("a\nb\nc")], "", None),
    ("only-final-newline-removed", b"data: a\ndata:\n\n", [ev("a\n")], "", None),
    ("leading-empty-data-line", b"data:\ndata: a\n\n", [ev("\na")], "", None),
    ("data-after-comment-lines", b"data: a\n: c\ndata: b\n\n", [ev("a\nb")], "", None),
    # --- event type ---
    ("event-type", b"event: ping\ndata: x\n\n", [ev("x", type="ping")], "", None),
    (
        "event-type-reset-after-dispatch",
        b"event: ping\ndata: a\n\ndata: b\n\n",
        [ev("a", type="ping"), ev("b")],
        "",
        None,
    ),
    ("event-type-reset-without-dispatch", b"event: ping\n\ndata: b\n\n", [ev("b")], "", None),
    ("empty-event-is-message", b"event:\ndata: x\n\n", [ev("x")], "", None),
    ("no-colon-event-is-message", b"event\ndata: x\n\n", [ev("x")], "", None),
    ("last-event-field-wins", b"event: a\nevent: b\ndata: x\n\n", [ev("x", type="b")], "", None),
    ("event-after-data", b"data: x\nevent: late\n\n", [ev("x", type="late")], "", None),
    ("event-type-keeps-spaces", b"event:  a b \ndata: x\n\n", [ev("x", type=" a b ")], "", None),
    # --- id ---
    ("id-set", b"id: 1\ndata: a\n\n", [ev("a", id="1")], "1", None),
    (
        "id-persists",
        b"id: 1\ndata: a\n\ndata: b\n\n",
        [ev("a", id="1"), ev("b", id="1")],
        "1",
        None,
    ),
    (
        "empty-id-resets",
        b"id: 1\ndata: a\n\nid:\ndata: b\n\n",
        [ev("a", id="1"), ev("b")],
        "",
        None,
    ),
    (
        "no-colon-id-resets",
        b"id: 1\ndata: a\n\nid\ndata: b\n\n",
        [ev("a", id="1"), ev("b")],
        "",
        None,
    ),
    (
        "id-with-null-ignored",
        b"id: 1\n\nid: a\x00b\ndata: x\n\n",
        [ev("x", id="1")],
        "1",
        None,
    ),
    ("only-null-id-ignored", b"id: 9\nid: \x00\ndata: x\n\n", [ev("x", id="9")], "9", None),
    ("id-only-updates-last-event-id", b"id: 7\n\n", [], "7", None),
    ("id-without-blank-line-not-committed", b"id: 7\n", [], "", None),
    (
        "id-buffer-committed-only-at-blank-line",
        b"id: 1\ndata: a\n\nid: 2\ndata: b",
        [ev("a", id="1")],
        "1",
        None,
    ),
    ("id-after-data-same-event", b"data: x\nid: 3\n\n", [ev("x", id="3")], "3", None),
    ("id-keeps-spaces", b"id:  a b \ndata: x\n\n", [ev("x", id=" a b ")], " a b ", None),
    ("id-unicode", "id: é€\ndata: x\n\n".encode(), [ev("x", id="é€")], "é€", None),
    # --- retry ---
    ("retry-set", b"retry: 1000\ndata: x\n\n", [ev("x", retry=1000)], "", 1000),
    ("retry-no-space", b"retry:5\n", [], "", 5),
    ("retry-one-space-stripped", b"retry: 5\n", [], "", 5),
    ("retry-two-spaces-ignored", b"retry:  5\n", [], "", None),
    ("retry-10x-ignored", b"retry: 10x\n", [], "", None),
    ("retry-empty-ignored", b"retry:\n", [], "", None),
    ("retry-no-colon-ignored", b"retry\n", [], "", None),
    ("retry-negative-ignored", b"retry: -5\n", [], "", None),
    ("retry-decimal-ignored", b"retry: 1.5\n", [], "", None),
    ("retry-trailing-space-ignored", b"retry: 5 \n", [], "", None),
    ("retry-non-ascii-digit-ignored", "retry: ٣\n".encode(), [], "", None),
    ("retry-fullwidth-digit-ignored", "retry: ５\n".encode(), [], "", None),
    ("retry-leading-zeros", b"retry: 007\n", [], "", 7),
    ("retry-zero", b"retry: 0\n", [], "", 0),
    (
        "retry-huge",
        b"retry: 123456789012345678901234567890\n",
        [],
        "",
        123456789012345678901234567890,
    ),
    ("retry-invalid-keeps-previous", b"retry: 100\nretry: x\n", [], "", 100),
    ("retry-last-valid-wins", b"retry: 100\nretry: 200\n", [], "", 200),
    (
        "retry-applies-immediately",
        b"data: a\n\nretry: 5\ndata: b\n\n",
        [ev("a"), ev("b", retry=5)],
        "",
        5,
    ),
    (
        "retry-not-reset-by-dispatch",
        b"retry: 5\ndata: a\n\ndata: b\n\n",
        [ev("a", retry=5), ev("b", retry=5)],
        "",
        5,
    ),
    ("retry-without-blank-line", b"data: x\n\nretry: 5", [ev("x")], "", None),
    # --- end of stream: incomplete events are never dispatched ---
    ("incomplete-no-blank-line", b"data: x\n", [], "", None),
    ("incomplete-no-line-end", b"data: x", [], "", None),
    ("incomplete-trailing-cr", b"data: x\r", [], "", None),
    ("incomplete-after-complete", b"data: x\n\ndata: y\n", [ev("x")], "", None),
    # --- everything together ---
    (
        "full-stream",
        b"\xef\xbb\xbf: welcome\r\nretry: 2500\r\n\r\n"
        b'id: 1\r\nevent: tick\r\ndata: {"n": 1}\r\n\r\n'
        b"event: note\rdata: line one\rdata: line two\r\r"
        b"id\ndata: bye\n\n"
        b"data: never dispatched\n",
        [
            ev('{"n": 1}', type="tick", id="1", retry=2500),
            ev("line one\nline two", type="note", id="1", retry=2500),
            ev("bye", retry=2500),
        ],
        "",
        2500,
    ),
]

DECODE_IDS = [case[0] for case in DECODE_CASES]
DECODE_PARAMS = [case[1:] for case in DECODE_CASES]


@pytest.mark.parametrize(("stream", "expected", "last_id", "retry"), DECODE_PARAMS, ids=DECODE_IDS)
def test_decode_whole(
    stream: bytes, expected: list[SSEEvent], last_id: str, retry: int | None
) -> None:
    decoder = SSEDecoder()
    assert decoder.feed(stream) == expected
    assert decoder.last_event_id == last_id
    assert decoder.retry == retry


@pytest.mark.parametrize(("stream", "expected", "last_id", "retry"), DECODE_PARAMS, ids=DECODE_IDS)
def test_decode_one_byte_at_a_time(
    stream: bytes, expected: list[SSEEvent], last_id: str, retry: int | None
) -> None:
    events, decoder = decode_chunks(stream[i : i + 1] for i in range(len(stream)))
    assert events == expected
    assert decoder.last_event_id == last_id
    assert decoder.retry == retry


@pytest.mark.parametrize(("stream", "expected", "last_id", "retry"), DECODE_PARAMS, ids=DECODE_IDS)
def test_decode_split_at_every_position(
    stream: bytes, expected: list[SSEEvent], last_id: str, retry: int | None
) -> None:
    for pos in range(len(stream) + 1):
        events, decoder = decode_chunks(split_at(stream, [pos]))
        assert events == expected, f"split at {pos}"
        assert decoder.last_event_id == last_id, f"split at {pos}"
        assert decoder.retry == retry, f"split at {pos}"


@pytest.mark.parametrize(("stream", "expected", "last_id", "retry"), DECODE_PARAMS, ids=DECODE_IDS)
def test_decode_table_matches_reference(
    stream: bytes, expected: list[SSEEvent], last_id: str, retry: int | None
) -> None:
    # Keeps the naive oracle used by the property tests honest.
    assert reference_decode(stream) == (expected, last_id, retry)


# --------------------------------------------------------------------------
# Explicit chunk sequences: (chunk, events returned by feeding that chunk).
# --------------------------------------------------------------------------

CHUNK_CASES: list[tuple[str, list[tuple[bytes, list[SSEEvent]]]]] = [
    (
        "cr-end-of-chunk-lf-start-of-next-is-one-line-end",
        [(b"data: a\r", []), (b"\n", []), (b"\n", [ev("a")])],
    ),
    (
        "cr-end-of-chunk-lf-then-data",
        [(b"data: a\r", []), (b"\ndata: b\r", []), (b"\n\r\n", [ev("a\nb")])],
    ),
    ("cr-end-of-chunk-cr-next-is-blank-line", [(b"data: a\r", []), (b"\r", [ev("a")])]),
    (
        "cr-then-empty-chunks-then-lf",
        [(b"data: a\r", []), (b"", []), (b"", []), (b"\n", []), (b"\n", [ev("a")])],
    ),
    (
        "cr-then-incomplete-utf8-then-lf-not-swallowed",
        # The LF here is not right after the CR, so it is a line end of its own.
        [(b"data: a\r", []), (b"data: \xe2\x82", []), (b"\xac\n", []), (b"\n", [ev("a\n€")])],
    ),
    ("lf-start-of-chunk-without-cr-is-line-end", [(b"data: a\n", []), (b"\n", [ev("a")])]),
    ("crlf-in-one-chunk", [(b"data: a\r\n", []), (b"\r\n", [ev("a")])]),
    (
        "cr-lf-cr-lf-across-four-chunks",
        [(b"data: a", []), (b"\r", []), (b"\n", []), (b"\r", [ev("a")]), (b"\n", [])],
    ),
    ("bom-split-1-2", [(b"\xef", []), (b"\xbb\xbfdata: x\n\n", [ev("x")])]),
    ("bom-split-2-1", [(b"\xef\xbb", []), (b"\xbfdata: x\n\n", [ev("x")])]),
    ("bom-split-1-1-1", [(b"\xef", []), (b"\xbb", []), (b"\xbf", []), (b"data: x\n\n", [ev("x")])]),
    (
        "bom-alone-then-second-bom-kept",
        [(b"\xef\xbb\xbf", []), (b"\xef\xbb\xbfdata: x\n\n", []), (b"data: y\n\n", [ev("y")])],
    ),
    ("utf8-split-2-byte", [(b"data: \xc3", []), (b"\xa9\n\n", [ev("é")])]),
    ("utf8-split-3-byte", [(b"data: \xe2", []), (b"\x82", []), (b"\xac\n\n", [ev("€")])]),
    ("utf8-split-4-byte", [(b"data: \xf0\x9d", []), (b"\x84\x9e\n\n", [ev("𝄞")])]),
    ("utf8-truncated-then-ascii", [(b"data: \xe2\x82", []), (b"x\n\n", [ev("\ufffdx")])]),
    (
        "long-line-in-many-chunks",
        [(b"data: ", []), *[(b"x" * 1000, []) for _ in range(50)], (b"\n\n", [ev("x" * 50_000)])],
    ),
    (
        "each-chunk-returns-its-own-events",
        [
            (b"data: a\n\ndata: b\n\ndata: c", [ev("a"), ev("b")]),
            (b"\n", []),
            (b"\nid: 4\n\ndata: d\n\n", [ev("c"), ev("d", id="4")]),
        ],
    ),
]


@pytest.mark.parametrize(
    "steps", [case[1] for case in CHUNK_CASES], ids=[case[0] for case in CHUNK_CASES]
)
def test_decode_explicit_chunks(steps: list[tuple[bytes, list[SSEEvent]]]) -> None:
    decoder = SSEDecoder()
    for i, (chunk, expected) in enumerate(steps):
        assert decoder.feed(chunk) == expected, f"chunk {i}: {chunk!r}"
    whole = b"".join(chunk for chunk, _ in steps)
    assert SSEDecoder().feed(whole) == [e for _, events in steps for e in events]


def test_last_event_id_updated_at_every_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.last_event_id == ""
    assert decoder.feed(b"id: 7\n") == []
    assert decoder.last_event_id == ""  # not committed before the blank line
    assert decoder.feed(b"\n") == []
    assert decoder.last_event_id == "7"
    assert decoder.feed(b"id: 8\nevent: x\n\n") == []
    assert decoder.last_event_id == "8"
    # The event type buffer was reset by the empty dispatch above.
    assert decoder.feed(b"data: y\n\n") == [ev("y", id="8")]


def test_retry_property_tracks_stream() -> None:
    decoder = SSEDecoder()
    assert decoder.retry is None
    decoder.feed(b"retry: 10")
    assert decoder.retry is None  # line not terminated yet
    decoder.feed(b"\n")
    assert decoder.retry == 10
    decoder.feed(b"retry: nope\n\n")
    assert decoder.retry == 10


def test_absurdly_long_retry_is_ignored_not_raised() -> None:
    # Longer than Python's default int max str digits (4300): ignored, no ValueError.
    decoder = SSEDecoder()
    assert decoder.feed(b"retry: 5\nretry: " + b"9" * 5000 + b"\ndata: x\n\n") == [ev("x", retry=5)]
    assert decoder.retry == 5


def test_large_chunk() -> None:
    frames = b"".join(b"id: %d\ndata: payload %d\ndata: more\n\n" % (i, i) for i in range(20_000))
    events = SSEDecoder().feed(frames)
    assert len(events) == 20_000
    assert events[-1] == ev("payload 19999\nmore", id="19999")


def test_event_is_frozen() -> None:
    event = ev("x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.data = "y"  # type: ignore[misc]


# --------------------------------------------------------------------------
# Encoder: exact bytes.
# --------------------------------------------------------------------------

ENCODE_EVENT_CASES: list[tuple[str, str, str | None, str | int | None, bytes]] = [
    ("spec-example", '{"a":1}', "message", 42, b'id: 42\nevent: message\ndata: {"a":1}\n\n'),
    ("data-only", "hello", None, None, b"data: hello\n\n"),
    ("empty-data", "", None, None, b"data: \n\n"),
    ("lf-lines", "a\nb", None, None, b"data: a\ndata: b\n\n"),
    ("all-line-ends", "a\r\nb\rc\n", None, None, b"data: a\ndata: b\ndata: c\ndata: \n\n"),
    ("lone-crlf", "\r\n", None, None, b"data: \ndata: \n\n"),
    ("lf-cr-is-two-breaks", "\n\r", None, None, b"data: \ndata: \ndata: \n\n"),
    ("leading-space", " x", None, None, b"data:  x\n\n"),
    ("other-breaks-not-split", "a\x0bb\u2028c", None, None, "data: a\x0bb\u2028c\n\n".encode()),
    ("utf8", "é€𝄞", None, None, "data: é€𝄞\n\n".encode()),
    ("id-only", "x", None, "abc", b"id: abc\ndata: x\n\n"),
    ("id-zero", "x", None, 0, b"id: 0\ndata: x\n\n"),
    ("id-empty", "x", None, "", b"id: \ndata: x\n\n"),
    ("event-only", "x", "ping", None, b"event: ping\ndata: x\n\n"),
    ("event-empty", "x", "", None, b"event: \ndata: x\n\n"),
]


@pytest.mark.parametrize(
    ("data", "event", "id", "expected"),
    [case[1:] for case in ENCODE_EVENT_CASES],
    ids=[case[0] for case in ENCODE_EVENT_CASES],
)
def test_encode_event(data: str, event: str | None, id: str | int | None, expected: bytes) -> None:
    assert encode_event(data, event=event, id=id) == expected


@pytest.mark.parametrize(
    ("event", "id"),
    [
        ("a\nb", None),
        ("a\r", None),
        ("\r\n", None),
        (None, "1\n"),
        (None, "\r2"),
        (None, "a\x00b"),
        (None, "\x00"),
    ],
)
def test_encode_event_rejects_bad_fields(event: str | None, id: str | None) -> None:
    with pytest.raises(ValueError):
        encode_event("x", event=event, id=id)


def test_encode_event_allows_null_in_event_and_data() -> None:
    stream = encode_event("a\x00b", event="e\x00")
    assert SSEDecoder().feed(stream) == [ev("a\x00b", type="e\x00")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("heartbeat", b": heartbeat\n\n"),
        ("", b":\n\n"),
        ("a\nb", b": a\n: b\n\n"),
        ("a\r\n\rb", b": a\n:\n: b\n\n"),
        (" x", b":  x\n\n"),
        ("é", ": é\n\n".encode()),
    ],
)
def test_encode_comment(text: str, expected: bytes) -> None:
    assert encode_comment(text) == expected


def test_encode_comment_default() -> None:
    assert encode_comment() == b":\n\n"


@pytest.mark.parametrize(
    ("ms", "expected"),
    [(3000, b"retry: 3000\n\n"), (0, b"retry: 0\n\n"), (1, b"retry: 1\n\n")],
)
def test_encode_retry(ms: int, expected: bytes) -> None:
    assert encode_retry(ms) == expected


@pytest.mark.parametrize("ms", [-1, -3000])
def test_encode_retry_rejects_negative(ms: int) -> None:
    with pytest.raises(ValueError):
        encode_retry(ms)


# --------------------------------------------------------------------------
# Round trips.
# --------------------------------------------------------------------------


def normalise_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize(
    ("data", "event", "id", "expected"),
    [
        ("", None, None, ev("")),
        ("\n", None, None, ev("\n")),
        ("\r\n", None, None, ev("\n")),
        ("a\rb", None, None, ev("a\nb")),
        (" lead", "  two", " 3", ev(" lead", type="  two", id=" 3")),
        ('{"a":1}', "message", 42, ev('{"a":1}', id="42")),
        ("x", "", "", ev("x")),
        ("x", "update", -1, ev("x", type="update", id="-1")),
        ("data: nested\n\nfake", "evt", "id", ev("data: nested\n\nfake", type="evt", id="id")),
    ],
)
def test_encode_event_round_trip_table(
    data: str, event: str | None, id: str | int | None, expected: SSEEvent
) -> None:
    assert SSEDecoder().feed(encode_event(data, event=event, id=id)) == [expected]


def test_comment_and_retry_round_trip() -> None:
    decoder = SSEDecoder()
    stream = (
        encode_comment("hello\nworld")
        + encode_event("a", id=1)
        + encode_comment()
        + encode_retry(3000)
        + encode_comment("heartbeat")
        + encode_event("b")
    )
    assert decoder.feed(stream) == [ev("a", id="1"), ev("b", id="1", retry=3000)]
    assert decoder.last_event_id == "1"
    assert decoder.retry == 3000


# Text biased towards the interesting characters.
_TRICKY = st.sampled_from(["\r", "\n", "\r\n", ":", " ", "\ufeff", "\x00", "data: ", "é", "𝄞"])
any_text = st.lists(st.one_of(st.text(), _TRICKY)).map("".join)
field_text = any_text.map(lambda s: s.replace("\r", "").replace("\n", ""))
id_values = st.one_of(st.none(), st.integers(), field_text.map(lambda s: s.replace("\x00", "")))


@given(data=any_text, event=st.one_of(st.none(), field_text), id=id_values)
def test_encode_event_round_trip(data: str, event: str | None, id: str | int | None) -> None:
    decoder = SSEDecoder()
    events = decoder.feed(encode_event(data, event=event, id=id))
    expected_id = "" if id is None else str(id)
    assert events == [ev(normalise_breaks(data), type=event or "message", id=expected_id)]
    assert decoder.last_event_id == expected_id


@given(
    frames=st.lists(
        st.tuples(any_text, st.one_of(st.none(), field_text), id_values), min_size=1, max_size=5
    ),
    comment=any_text,
    retry=st.integers(min_value=0, max_value=10**12),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=8),
)
def test_encode_stream_round_trip_in_chunks(
    frames: list[tuple[str, str | None, str | int | None]],
    comment: str,
    retry: int,
    cuts: list[int],
) -> None:
    stream = encode_retry(retry) + encode_comment(comment)
    expected: list[SSEEvent] = []
    last_id = ""
    for data, event, id in frames:
        stream += encode_event(data, event=event, id=id)
        if id is not None:
            last_id = str(id)
        expected.append(ev(normalise_breaks(data), event or "message", last_id, retry))
    chunks = split_at(stream, [c % (len(stream) + 1) for c in cuts])
    events, decoder = decode_chunks(chunks)
    assert events == expected
    assert decoder.last_event_id == last_id
    assert decoder.retry == retry


# --------------------------------------------------------------------------
# Arbitrary bytes: never raise, chunking never matters, matches the oracle.
# --------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        b"\r",
        b"\n",
        b"\r\n",
        b":",
        b" ",
        b"data",
        b"data:",
        b"data: ",
        b"event:",
        b"id:",
        b"id: 1",
        b"retry:",
        b"retry: 12",
        b"\x00",
        b"\xef\xbb\xbf",
        b"\xef\xbb",
        b"\xe2\x82",
        b"\xac",
        b"\xf0\x9d\x84\x9e",
        b"\xff",
    ]
)
byte_streams = st.lists(st.one_of(st.binary(max_size=20), _FRAGMENTS), max_size=40).map(b"".join)


@given(stream=byte_streams, cuts=st.lists(st.integers(min_value=0, max_value=1000), max_size=12))
def test_arbitrary_bytes_chunking_is_irrelevant(stream: bytes, cuts: list[int]) -> None:
    whole, whole_decoder = decode_chunks([stream])
    chunks = split_at(stream, [c % (len(stream) + 1) for c in cuts])
    chunked, chunked_decoder = decode_chunks(chunks)
    assert chunked == whole
    assert chunked_decoder.last_event_id == whole_decoder.last_event_id
    assert chunked_decoder.retry == whole_decoder.retry
    assert (whole, whole_decoder.last_event_id, whole_decoder.retry) == reference_decode(stream)


@given(stream=st.binary(max_size=200))
def test_arbitrary_bytes_one_at_a_time(stream: bytes) -> None:
    bytewise, decoder = decode_chunks(stream[i : i + 1] for i in range(len(stream)))
    assert (bytewise, decoder.last_event_id, decoder.retry) == reference_decode(stream)
