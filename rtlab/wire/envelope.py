"""Envelope JSON shared by every technique: the poll body and item decoding."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rtlab.message import Gap, Message

__all__ = ["HEARTBEAT", "WireError", "decode_item", "encode_poll_body", "parse_json"]

HEARTBEAT: dict[str, Any] = {"type": "heartbeat"}


class WireError(ValueError):
    """Bytes that do not follow the wire contract."""


def parse_json(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"invalid JSON: {exc}") from exc


def decode_item(env: Any, received: float | None = None) -> Message | Gap | None:
    """A decoded envelope as a Message or Gap; None for a heartbeat; WireError otherwise."""
    kind = env.get("type") if isinstance(env, dict) else None
    try:
        if kind == "message":
            return Message.from_envelope(env, received)
        if kind == "gap":
            return Gap.from_envelope(env, received)
    except ValueError as exc:
        raise WireError(str(exc)) from exc
    if kind == "heartbeat":
        return None
    raise WireError(f"unexpected envelope: {env!r}")


def encode_poll_body(items: Iterable[Message | Gap], next_cursor: int) -> bytes:
    """`{"messages": [...], "next": M}`, splicing each message's cached JSON."""
    parts = b",".join(item.json for item in items)
    return b'{"messages":[' + parts + b'],"next":' + str(next_cursor).encode() + b"}"
