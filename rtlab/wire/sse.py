"""A sans-I/O codec for Server-Sent Events (``text/event-stream``).

How the decoder works
---------------------
The parsing rules are those of the WHATWG HTML standard, section "Event stream
interpretation":
https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

:class:`SSEDecoder` never touches a socket or an event loop.  The caller reads
bytes however it likes (a raw socket, ``aiohttp``, a file, a test vector) and
passes each chunk to :meth:`SSEDecoder.feed`, which returns the events that the
chunk completed.  A chunk may end anywhere, so the decoder keeps three kinds of
state between calls:

1. Bytes.  The chunk goes through an incremental UTF-8 decoder created with
   ``errors="replace"``: a multi-byte character cut in two by a chunk boundary
   is held back until its last byte arrives, and invalid sequences become
   U+FFFD instead of raising.  The first character of the decoded stream is
   dropped if it is U+FEFF, which is exactly "strip one leading EF BB BF",
   even when those three bytes arrive in separate chunks.  A later BOM is
   ordinary text.
2. Lines.  CR, LF and CRLF all end a line.  The decoded text is cut on
   ``\\r\\n|\\r|\\n`` with one regular-expression split (no per-character
   Python loop), and the unterminated tail is kept as the pending line.  If a
   chunk ends with CR, the decoder remembers it and drops an LF at the start
   of the next chunk, so a CRLF split across chunks is one line end, not an
   extra blank line.
3. The event being built.  Each complete line is interpreted as the spec says:
   an empty line dispatches; a line starting with ``:`` is a comment; otherwise
   the field name is everything before the first colon (or the whole line),
   and the value is everything after it, minus one leading space.  ``event``
   sets the event type buffer, ``data`` appends a line to the data buffer,
   ``id`` sets the last-event-ID buffer (unless the value contains U+0000),
   ``retry`` sets the reconnection time (only if the value is ASCII digits;
   one too long for ``int()``, over 4300 digits by default, is ignored too);
   field names are case-sensitive and unknown fields are ignored.

On an empty line the decoder first copies the last-event-ID buffer to
:attr:`SSEDecoder.last_event_id` (this happens even when nothing is
dispatched), then, if some ``data`` line was seen, emits an :class:`SSEEvent`
whose data is the data lines joined by ``\\n`` (the same as appending
``value + "\\n"`` per line and removing the final ``\\n``).  The event type and
data buffers are then reset; the last event ID and the reconnection time are
not.

End of stream: the spec says an event that is not followed by a blank line
when the stream ends is discarded.  :meth:`SSEDecoder.feed` cannot know the
stream has ended, so such an event simply stays buffered and is never
returned; drop the decoder when the connection closes.

The encoder
-----------
:func:`encode_event`, :func:`encode_comment` and :func:`encode_retry` are pure
functions that build one frame as UTF-8 bytes.  Every field is written as
``name: value`` (one space after the colon, which the decoder strips), so
values that start with a space survive a round trip.  Multi-line data is split
on CRLF, CR and LF into one ``data:`` line each, so no raw line break ever
ends up inside a field; the decoder joins them back with LF, i.e. a round trip
normalises line breaks in the data to ``\\n``.

Why it is hand-written
----------------------
The lab's tests need a decoder that is sans-I/O (usable from any transport
and from plain unit tests) and byte-exact with respect to the spec: chunk
boundaries anywhere, CR/LF/CRLF, BOM, invalid UTF-8, the ``id``/``retry``
corner cases.  The existing libraries do not fit: ``aiohttp-sse`` only encodes
events on the server side, and ``httpx-sse`` is tied to ``httpx`` responses.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from dataclasses import dataclass

__all__ = [
    "SSEDecoder",
    "SSEEvent",
    "encode_comment",
    "encode_event",
    "encode_retry",
]

# Any of the three line terminators of the event-stream grammar.  CRLF must be
# tried first so that it counts as one line end.
_LINE_END = re.compile(r"\r\n|\r|\n")

_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One dispatched event.

    ``type`` is ``"message"`` when no ``event`` field was given; ``id`` is the
    last event ID in force at dispatch (``""`` if none); ``retry`` is the
    reconnection time in milliseconds in force at dispatch, or ``None`` if no
    valid ``retry`` field has been seen on the stream so far.
    """

    type: str
    data: str
    id: str
    retry: int | None


class SSEDecoder:
    """Incremental, sans-I/O ``text/event-stream`` parser.

    Feed it bytes with :meth:`feed`; it returns the events that each chunk
    completed.  Feeding a stream in any number of chunks, split at any byte
    positions, gives the same events as feeding it at once.
    """

    __slots__ = (
        "_bom_checked",
        "_data_lines",
        "_decoder",
        "_event_type",
        "_last_event_id",
        "_last_event_id_buffer",
        "_pending",
        "_retry",
        "_skip_lf",
    )

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        # False until the first decoded character has been seen (BOM check).
        self._bom_checked = False
        # True when the previous chunk ended with CR: a leading LF is then the
        # second half of a CRLF and must not count as another line end.
        self._skip_lf = False
        # Pieces of the current, not yet terminated line (never contain CR/LF).
        self._pending: list[str] = []
        # Event being built: data lines (the spec's data buffer, without the
        # "\n" separators) and the event type buffer.
        self._data_lines: list[str] = []
        self._event_type = ""
        self._last_event_id_buffer = ""
        self._last_event_id = ""
        self._retry: int | None = None

    @property
    def last_event_id(self) -> str:
        """The last event ID string, updated at every blank line."""
        return self._last_event_id

    @property
    def retry(self) -> int | None:
        """The reconnection time in milliseconds, or ``None`` if never set."""
        return self._retry

    def feed(self, data: bytes) -> list[SSEEvent]:
        """Consume a chunk of the stream; return the events it completed.

        Never raises on malformed input.  An incomplete trailing line, or an
        event not yet closed by a blank line, stays buffered for later chunks.
        """
        text = self._decoder.decode(data)
        if not text:
            return []
        if not self._bom_checked:
            self._bom_checked = True
            if text.startswith(_BOM):
                text = text[1:]
        if self._skip_lf and text:
            self._skip_lf = False
            if text.startswith("\n"):
                text = text[1:]
        if "\r" not in text and "\n" not in text:
            # No line end in this chunk: just extend the pending line.
            if text:
                self._pending.append(text)
            return []

        lines = _LINE_END.split(text)
        # The last piece is the unterminated remainder (possibly empty).
        tail = lines.pop()
        if self._pending:
            self._pending.append(lines[0])
            lines[0] = "".join(self._pending)
        self._pending = [tail] if tail else []
        # A CR at the very end might be the first half of a CRLF.
        self._skip_lf = text.endswith("\r")

        events: list[SSEEvent] = []
        for line in lines:
            if line:
                self._process_line(line)
            else:
                event = self._dispatch()
                if event is not None:
                    events.append(event)
        return events

    def _process_line(self, line: str) -> None:
        """Interpret one non-empty line (a comment or a field)."""
        if line[0] == ":":
            return  # comment
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data_lines.append(value)
        elif name == "event":
            self._event_type = value
        elif name == "id":
            if "\x00" not in value:
                self._last_event_id_buffer = value
        elif name == "retry" and value.isascii() and value.isdigit():
            # isascii() matters: str.isdigit() alone accepts digits such as "٣".
            # int() refuses strings longer than sys.get_int_max_str_digits()
            # (4300 by default); such a value is ignored rather than raised.
            with contextlib.suppress(ValueError):
                self._retry = int(value)
        # A "retry" value that is not all ASCII digits is ignored, and so is
        # any other field name (including "Data", "ID", ...).

    def _dispatch(self) -> SSEEvent | None:
        """Handle a blank line: the spec's "dispatch the event" steps."""
        self._last_event_id = self._last_event_id_buffer
        if not self._data_lines:
            self._event_type = ""
            return None
        event = SSEEvent(
            type=self._event_type or "message",
            data="\n".join(self._data_lines),
            id=self._last_event_id,
            retry=self._retry,
        )
        self._data_lines = []
        self._event_type = ""
        return event


def _check_field_value(name: str, value: str, *, allow_null: bool = True) -> None:
    if "\r" in value or "\n" in value:
        raise ValueError(f"SSE {name} must not contain CR or LF: {value!r}")
    if not allow_null and "\x00" in value:
        raise ValueError(f"SSE {name} must not contain U+0000 NULL: {value!r}")


def encode_event(data: str, *, event: str | None = None, id: str | int | None = None) -> bytes:
    """Encode one event as ``id``, ``event`` and ``data`` lines plus a blank line.

    ``data`` may contain any line breaks (CRLF, CR, LF): each line becomes its
    own ``data:`` field, and a decoder gives the lines back joined by ``\\n``.
    An empty ``data`` still produces one (empty) ``data`` line, so the event is
    dispatched with data ``""``.  ``event`` and ``id`` must not contain CR or
    LF, and ``id`` must not contain NULL (a decoder would ignore it): those
    raise :class:`ValueError`.
    """
    parts: list[str] = []
    if id is not None:
        id_text = str(id)
        _check_field_value("id", id_text, allow_null=False)
        parts.append(f"id: {id_text}\n")
    if event is not None:
        _check_field_value("event", event)
        parts.append(f"event: {event}\n")
    parts.extend(f"data: {line}\n" for line in _LINE_END.split(data))
    parts.append("\n")
    return "".join(parts).encode("utf-8")


def encode_comment(text: str = "") -> bytes:
    """Encode a comment frame (e.g. a heartbeat): ``: text`` lines plus a blank line.

    Each line of ``text`` becomes its own comment line; an empty line is
    written as a bare ``:``.  ``encode_comment()`` is ``b":\\n\\n"``.
    """
    lines = (f": {line}\n" if line else ":\n" for line in _LINE_END.split(text))
    return ("".join(lines) + "\n").encode("utf-8")


def encode_retry(ms: int) -> bytes:
    """Encode a ``retry`` frame setting the reconnection time to ``ms`` milliseconds."""
    if ms < 0:
        raise ValueError(f"SSE retry must be a non-negative number of milliseconds: {ms}")
    return f"retry: {ms:d}\n\n".encode("ascii")
