"""Seed 002 says both "`没有同源限制`，客户端可以与任意服务器通信" (WebSocket has no
same-origin limit: a page can talk to any server; `ws_no_same_origin`) and
"WebSocket 也受到浏览器的同源策略限制" (WebSocket is subject to the browser's
same-origin policy and needs CORS or a proxy; `ws_same_origin`).

Measured in headless Chromium (`rtlab.studies.browser_checks.ws_origin`): a page
on one lab's origin opens a plain WebSocket to a lab on another port that sends
no CORS headers and accepts any Origin (`allowed_origins={"*"}`, the `any_*`
figures), and one to a lab with its default Origin check (`checked_*`);
MESSAGES are published on each (QUICK_MESSAGES in quick mode). Per WebSocket:
whether it opened, how many messages the page got, the handshake's status
and whether its Origin header was the page's origin (from Chromium's DevTools
events), and what reached the server (its counters). As the contrast, the page
`fetch()`es the first lab's `/poll` without CORS (`fetch_*`): whether the page
could read it, and whether the request reached the server anyway. Both claims
run the same check, each its own run.

The WebSocket to the lab accepting any Origin is
- delivered when it opened and the page got all the published messages;
- refused by the browser when it did not open and the handshake got no HTTP
  error status (below SERVER_REFUSAL, 400): the browser never asked, or
  dropped the answer;
- refused by the server when its handshake got an error status (>= 400).

Rule for ws_no_same_origin: holds if it is delivered with the page's Origin
on the handshake (the browser sends its Origin and leaves the decision to the
server); does not hold if the browser refuses it (as it refuses a
cross-origin fetch() without CORS); depends otherwise.

Rule for ws_same_origin: holds if the browser refuses it while the server
accepts any Origin; does not hold if it is delivered with no CORS headers
(the 403 of the lab with its Origin check on is then the server's choice, not
the browser's policy); depends otherwise (refused by the server's own answer,
or open but short of messages).

Without Chromium both are "not testable here".
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rtlab.studies.claims.base import Measured, Measurement, num
from rtlab.studies.claims.in_browser import NEEDS_CHROMIUM, browser_check

__all__ = [
    "measure_ws_no_same_origin",
    "measure_ws_same_origin",
    "rule_ws_no_same_origin",
    "rule_ws_same_origin",
]

MESSAGES = 10
QUICK_MESSAGES = 3
SERVER_REFUSAL = 400.0  # a handshake status from here up is the server refusing
CASES = ("any", "checked")
PER_CASE = (
    "opened",
    "messages",
    "close_code",
    "handshake_status",
    "origin_is_page",
    "server_ws_requests",
    "server_ws_open",
    "server_ws_messages",
)
FETCH = (
    "fetch_read",
    "fetch_status",
    "fetch_messages_read",
    "fetch_server_requests",
    "fetch_server_messages_sent",
)


async def _measure(quick: bool) -> Measurement:
    """The `ws_origin` check in Chromium; no figures without it."""
    figures = await browser_check("ws_origin", messages=QUICK_MESSAGES if quick else MESSAGES)
    if figures is None:
        return Measurement({})
    measured: Measured = {
        f"{case}_{name}": float(figures[f"{case}_{name}"]) for case in CASES for name in PER_CASE
    }
    measured |= {name: float(figures[name]) for name in FETCH}
    measured["published"] = float(figures["published"])
    return Measurement(measured)


async def measure_ws_no_same_origin(quick: bool) -> Measurement:
    """See the module docstring."""
    return await _measure(quick)


async def measure_ws_same_origin(quick: bool) -> Measurement:
    """See the module docstring."""
    return await _measure(quick)


def outcome(figures: Mapping[str, float]) -> str:
    """What became of the WebSocket to the lab accepting any Origin: "delivered",
    "refused by the browser", "refused by the server" or "short" (open, not all
    messages)."""
    if figures["any_handshake_status"] >= SERVER_REFUSAL:
        return "refused by the server"
    if figures["any_opened"] == 0:
        return "refused by the browser"
    if figures["any_messages"] >= figures["published"]:
        return "delivered"
    return "short"


def _code(value: float) -> str:
    """A status or close code as written: 1006, not 1,006."""
    return num(value) if math.isnan(value) else str(int(value))


def _attempts(figures: Mapping[str, float]) -> str:
    """The three attempts, in one sentence's worth of figures."""
    published = num(figures["published"])
    read = "read it" if figures["fetch_read"] else "could not read it"
    return (
        f"In Chromium, a page on one origin opened a WebSocket to a lab on another port with no "
        f"CORS headers: with the lab accepting any Origin it opened "
        f"{num(figures['any_opened'])} time(s) (handshake status "
        f"{_code(figures['any_handshake_status'])}) and got {num(figures['any_messages'])} of "
        f"{published} published messages, its handshake carrying the page's Origin "
        f"{num(figures['any_origin_is_page'])} time(s); with the lab's default Origin check it "
        f"opened {num(figures['checked_opened'])} time(s) (handshake status "
        f"{_code(figures['checked_handshake_status'])}, close code "
        f"{_code(figures['checked_close_code'])}, "
        f"{num(figures['checked_server_ws_requests'])} handshake(s) reaching the server); a "
        f"fetch() of the first lab's /poll without CORS reached it "
        f"({num(figures['fetch_server_requests'])} request(s), "
        f"{num(figures['fetch_server_messages_sent'])} messages answered) and the page {read}."
    )


def rule_ws_no_same_origin(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    if not figures:
        return NEEDS_CHROMIUM
    became = outcome(figures)
    if became == "delivered" and figures["any_origin_is_page"] >= 1:
        verdict = "holds"
        why = "The browser let the cross-origin WebSocket through and sent its Origin, "
        why += "leaving the decision to the server."
    elif became == "refused by the browser":
        verdict, why = "does not hold", "The browser itself refused the cross-origin WebSocket."
    else:
        verdict = "depends"
        why = f"The WebSocket to the lab accepting any Origin was {became}"
        why += "" if became != "delivered" else " without the page's Origin"
        why += "."
    return verdict, f"{_attempts(figures)} {why}"


def rule_ws_same_origin(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    if not figures:
        return NEEDS_CHROMIUM
    became = outcome(figures)
    if became == "refused by the browser":
        verdict = "holds"
        why = "The browser refused the cross-origin WebSocket though the server accepts any Origin."
    elif became == "delivered":
        verdict = "does not hold"
        why = "The browser applied no same-origin policy to the WebSocket; "
        if figures["checked_handshake_status"] >= SERVER_REFUSAL:
            why += "only the server's own Origin check refused one."
        else:
            why += "neither lab refused it."
    else:
        verdict = "depends"
        why = f"The WebSocket to the lab accepting any Origin was {became}."
    return verdict, f"{_attempts(figures)} {why}"
