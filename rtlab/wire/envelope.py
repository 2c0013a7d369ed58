"""Envelope JSON shared by every technique: the poll body and item decoding."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from rtlab.message import Gap, Message, Restart

__all__ = ["HEARTBEAT", "WireError", "decode_item", "encode_poll_body", "parse_json"]

HEARTBEAT: dict[str, Any] = {"type": "heartbeat"}


class WireError(ValueError):
    """Bytes that do not follow the protocol (the README's Protocol section)."""


# A \uD800-\uDFFF escape: only then can the parsed value hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

# Deeper JSON is refused: Python's json recurses once per level in both directions,
# so a value that parses near the interpreter's recursion limit (about 1,000) might
# not encode again in a deeper stack. 512 leaves room to spare on either side.
MAX_DEPTH = 512


def _reject_constant(name: str) -> Any:
    raise WireError(f"invalid JSON: {name} is not a JSON value")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if math.isinf(number):
        shown = literal if len(literal) <= 40 else literal[:40] + "..."
        raise WireError(f"invalid JSON: {shown} is out of range for a number")
    return number


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value` (a scalar is 0), without recursion."""
    deepest, todo = 0, [(value, 0)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level + 1)
        todo.extend((child, level + 1) for child in item)
    return deepest


def parse_json(raw: bytes | str) -> Any:
    """Strict JSON (RFC 8259) that can be sent on: UTF-8 only, no NaN/Infinity, no
    number beyond a double's range (1e999), no lone surrogates, at most MAX_DEPTH
    levels of nesting; anything else is a WireError, never another exception.

    Python's json accepts the first four (and raises RecursionError or ValueError on
    very deep or over-long numbers), but such values cannot be sent on: NaN is not
    JSON for a browser's JSON.parse, infinity is refused by the encoder and a lone
    surrogate cannot be encoded as UTF-8, so one such message would break every
    later read of its topic.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except WireError:
        raise
    except RecursionError:
        raise WireError(f"invalid JSON: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # bad UTF-8, bad JSON, an integer over int()'s digit limit
        raise WireError(f"invalid JSON: {exc}") from exc
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise WireError(f"invalid JSON: nested deeper than {MAX_DEPTH} levels")
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise WireError("invalid JSON: a string holds a lone UTF-16 surrogate") from None
    return value


def decode_item(env: Any, received: float | None = None) -> Message | Gap | Restart | None:
    """A decoded envelope as a Message, Gap or Restart; None for a heartbeat; else WireError."""
    kind = env.get("type") if isinstance(env, dict) else None
    try:
        if kind == "message":
            return Message.from_envelope(env, received)
        if kind == "gap":
            return Gap.from_envelope(env, received)
        if kind == "restart":
            return Restart.from_envelope(env, received)
    except ValueError as exc:
        raise WireError(str(exc)) from exc
    if kind == "heartbeat":
        return None
    raise WireError(f"unexpected envelope: {env!r}")


def encode_poll_body(items: Iterable[Message | Gap | Restart], next_cursor: int) -> bytes:
    """`{"messages": [...], "next": M}`, splicing each message's cached JSON."""
    parts = b",".join(item.json for item in items)
    return b'{"messages":[' + parts + b'],"next":' + str(next_cursor).encode() + b"}"
