"""Seeds 000 and 003: a WebSocket server's logic is complex ("服务器端的逻辑非常复杂",
"不借助辅助类库基本搞不定"); seed 002: it is comparatively easy ("服务端的实现比较容易").
Two claims, `ws_server_complex` and `ws_server_easy`, over one measurement.

The measure is code lines: lines holding a Python token other than a comment,
counted with `tokenize`, less the lines of docstrings (found with `ast`); blank
lines never count. Each side is a list of named units (a module, or one
function of a module), each unit's count a figure:
- with a helper library: rtlab's WebSocket handler `rtlab/server/ws.py` (over
  aiohttp's `WebSocketResponse`) against its SSE handler `rtlab/server/sse.py`;
- without one: the same handlers plus the protocol code each leans on. For SSE
  that is rtlab's own encoder (`rtlab/wire/sse.py`: `encode_event`,
  `encode_comment`, `encode_retry`, `_check_field_value`; the decoder is the
  client side). rtlab has no WebSocket codec of its own, so the WebSocket side
  counts the server-side protocol code of aiohttp it uses instead: `web_ws.py`
  (handshake, the response's send/receive/close) and `_websocket/reader_py.py`,
  `writer.py`, `helpers.py` (frame parsing, framing, masking, extension
  negotiation). That code also does permessage-deflate and serves aiohttp's
  client, so it is an upper bound on what a hand-written server would need.

Rules, on the ratio WebSocket lines / SSE lines, with and without the library:
- `ws_server_complex` holds if both ratios are at least `COMPLEX_RATIO` (2),
  does not hold if both are at most `EASY_RATIO` (1.2), depends otherwise;
- `ws_server_easy` holds if both are at most 1.2, does not hold if both are at
  least 2, depends otherwise. "Depends" says which case points which way.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Mapping, Sequence
from pathlib import Path

import aiohttp

import rtlab
from rtlab.studies.claims.base import Measurement, num

__all__ = [
    "COMPLEX_RATIO",
    "EASY_RATIO",
    "code_lines",
    "measure_code_size",
    "rule_ws_server_complex",
    "rule_ws_server_easy",
]

COMPLEX_RATIO = 2.0
EASY_RATIO = 1.2

_RTLAB = Path(rtlab.__file__).parent
_AIOHTTP = Path(aiohttp.__file__).parent
_SSE_ENCODER = ("encode_event", "encode_comment", "encode_retry", "_check_field_value")

# (figure name, file, function or None for the whole module)
Unit = tuple[str, Path, str | None]
WS_HANDLER: Unit = ("rtlab_server_ws", _RTLAB / "server" / "ws.py", None)
SSE_HANDLER: Unit = ("rtlab_server_sse", _RTLAB / "server" / "sse.py", None)
WS_PROTOCOL: tuple[Unit, ...] = (
    ("aiohttp_web_ws", _AIOHTTP / "web_ws.py", None),
    ("aiohttp_websocket_reader_py", _AIOHTTP / "_websocket" / "reader_py.py", None),
    ("aiohttp_websocket_writer", _AIOHTTP / "_websocket" / "writer.py", None),
    ("aiohttp_websocket_helpers", _AIOHTTP / "_websocket" / "helpers.py", None),
)
SSE_PROTOCOL: tuple[Unit, ...] = tuple(
    (f"rtlab_wire_sse_{name.lstrip('_')}", _RTLAB / "wire" / "sse.py", name)
    for name in _SSE_ENCODER
)


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                end = body[0].end_lineno or body[0].lineno
                lines.update(range(body[0].lineno, end + 1))
    return lines


def code_lines(source: str, function: str | None = None) -> int:
    """Lines of `source` holding code: a token other than a comment, not part of
    a docstring. With `function`, only the lines of that top-level function
    (decorators included)."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    skip |= {tokenize.ENDMARKER, tokenize.ENCODING}
    code: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skip:
            code.update(range(token.start[0], token.end[0] + 1))
    tree = ast.parse(source)
    code -= _docstring_lines(tree)
    if function is None:
        return len(code)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return len(code & set(range(first, (node.end_lineno or node.lineno) + 1)))
    raise LookupError(f"no top-level function {function!r}")


def _count(units: Sequence[Unit], figures: dict[str, float]) -> float:
    total = 0
    for name, path, function in units:
        lines = code_lines(path.read_text(encoding="utf-8"), function)
        figures[f"lines_{name}"] = float(lines)
        total += lines
    return float(total)


async def measure_code_size(quick: bool) -> Measurement:
    """Code lines of the WebSocket and SSE server sides, with and without the
    helper library (quick mode changes nothing: counting takes milliseconds)."""
    figures: dict[str, float] = {}
    ws_with = _count([WS_HANDLER], figures)
    sse_with = _count([SSE_HANDLER], figures)
    figures["ws_with_lines"], figures["sse_with_lines"] = ws_with, sse_with
    figures["ws_without_lines"] = ws_with + _count(WS_PROTOCOL, figures)
    figures["sse_without_lines"] = sse_with + _count(SSE_PROTOCOL, figures)
    for case in ("with", "without"):
        figures[f"ratio_{case}"] = figures[f"ws_{case}_lines"] / figures[f"sse_{case}_lines"]
    return Measurement(figures)


def _cases(figures: Mapping[str, float]) -> tuple[float, float, str]:
    with_, without = figures["ratio_with"], figures["ratio_without"]
    text = (
        f"With aiohttp's WebSocketResponse the WebSocket handler takes "
        f"{num(figures['ws_with_lines'])} code lines against the SSE handler's "
        f"{num(figures['sse_with_lines'])} ({with_:.2f}x); without a helper library, "
        f"counting the WebSocket protocol code, {num(figures['ws_without_lines'])} against "
        f"{num(figures['sse_without_lines'])} with rtlab's SSE encoder ({without:.2f}x)"
    )
    return with_, without, text


def _which(with_: float, without: float) -> str:
    def side(ratio: float) -> str:
        if ratio >= COMPLEX_RATIO:
            return "complex"
        return "simple" if ratio <= EASY_RATIO else "in between"

    return f"with the library {side(with_)}, without it {side(without)}"


def rule_ws_server_complex(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring: both ratios at least 2x holds."""
    with_, without, text = _cases(figures)
    if with_ >= COMPLEX_RATIO and without >= COMPLEX_RATIO:
        return "holds", f"{text}: at least {COMPLEX_RATIO:g}x in both."
    if with_ <= EASY_RATIO and without <= EASY_RATIO:
        return "does not hold", f"{text}: at most {EASY_RATIO:g}x in both."
    return "depends", f"{text}: {_which(with_, without)} (complex from {COMPLEX_RATIO:g}x)."


def rule_ws_server_easy(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring: both ratios at most 1.2x holds."""
    with_, without, text = _cases(figures)
    if with_ <= EASY_RATIO and without <= EASY_RATIO:
        return "holds", f"{text}: at most {EASY_RATIO:g}x in both."
    if with_ >= COMPLEX_RATIO and without >= COMPLEX_RATIO:
        return "does not hold", f"{text}: at least {COMPLEX_RATIO:g}x in both."
    return "depends", f"{text}: {_which(with_, without)} (easy up to {EASY_RATIO:g}x)."
