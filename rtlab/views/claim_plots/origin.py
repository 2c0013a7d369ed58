"""Plots of the claims about WebSocket across origins (seed 002 says both that
it has no same-origin limit and that it is subject to the same-origin policy):
the three cross-origin attempts of one page in Chromium, what opened and what
was delivered, against what the servers received and answered."""

from __future__ import annotations

import math
from collections.abc import Callable

import plotly.graph_objects as go

from rtlab.studies.claims import ClaimResult
from rtlab.studies.claims.base import num
from rtlab.views.claim_plots.layout import titled

__all__ = ["DRAWERS"]


def _attempts(result: ClaimResult) -> go.Figure:
    measured = result.measured

    def got(name: str) -> float:
        return measured.get(name, math.nan)

    labels = [
        f"WebSocket, lab accepts any Origin (status {num(got('any_handshake_status'))})",
        f"WebSocket, lab's Origin check on (status {num(got('checked_handshake_status'))})",
        "fetch() of /poll, no CORS headers",
    ]
    bars = (
        (
            "opened / readable by the page (1 = yes)",
            [got("any_opened"), got("checked_opened"), got("fetch_read")],
        ),
        (
            "reached the server (handshakes, requests)",
            [
                got("any_server_ws_requests"),
                got("checked_server_ws_requests"),
                got("fetch_server_requests"),
            ],
        ),
        (
            "messages the server sent",
            [
                got("any_server_ws_messages"),
                got("checked_server_ws_messages"),
                got("fetch_server_messages_sent"),
            ],
        ),
        (
            "messages the page got",
            [got("any_messages"), got("checked_messages"), got("fetch_messages_read")],
        ),
    )
    shown = go.Figure()
    for name, values in bars:
        shown.add_bar(x=labels, y=values, name=name)
    titled(
        shown,
        f"A page in Chromium reaching another origin: {num(got('published'))} messages "
        "published per lab",
        "attempt (and its handshake's HTTP status)",
        "count (connections, requests, messages)",
        "what happened",
        yaxis_rangemode="tozero",
    )
    return shown


DRAWERS: dict[str, Callable[[ClaimResult], go.Figure]] = {
    "ws_no_same_origin": _attempts,
    "ws_same_origin": _attempts,
}
