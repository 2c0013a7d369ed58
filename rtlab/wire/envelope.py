"""Envelope JSON shared by every technique: the poll body and item decoding."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from rtlab.message import Gap, Message, Restart

__all__ = ["HEARTBEAT", "WireError", "decode_item", "encode_poll_body", "parse_json"]

HEARTBEAT: dict[str, Any] = {"type": "heartbeat"}


class WireError(ValueError):
    """Bytes that do not follow the wire contract."""


# A \uD800-\uDFFF escape: only then can the parsed value hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _reject_constant(name: str) -> Any:
    raise WireError(f"invalid JSON: {name} is not a JSON value")


def parse_json(raw: bytes | str) -> Any:
    """Strict JSON (RFC 8259): UTF-8 only, no NaN/Infinity, no lone surrogates.

    Python's json accepts all three, but they cannot be sent on: NaN is not
    JSON for a browser's JSON.parse, and a lone surrogate cannot be encoded as
    UTF-8, so one such message would break every later read of its topic.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"invalid JSON: {exc}") from exc
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
