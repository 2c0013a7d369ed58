"""Limits the server enforces around the handlers.

Request heads. aiohttp's HTTP parser refuses a request line or a header line
longer than its limits (8,190 bytes by default) with a plain-text `400` before
the app runs. `HTTP_PARSER_LIMITS` raises both to `MAX_HEAD_LINE` (16 KiB, the
whole-head default of Node.js), so a long but plausible header, say a huge
`Last-Event-ID`, reaches the handler and gets the contract's JSON error. Past
16 KiB the parser's plain-text `400` remains: it answers before any app code
runs, and aiohttp offers no public hook to change that answer.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HTTP_PARSER_LIMITS", "MAX_HEAD_LINE"]

MAX_HEAD_LINE = 16 * 1024
# Keyword arguments for aiohttp's request handler (`web.Application(handler_args=...)`).
HTTP_PARSER_LIMITS: dict[str, Any] = {
    "max_line_size": MAX_HEAD_LINE,
    "max_field_size": MAX_HEAD_LINE,
}
