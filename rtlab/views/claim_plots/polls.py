"""Plots of the polling-cost claims: short polling's server CPU per second
against SSE and WebSocket over the number of clients, and SSE's steady bytes
per message against both polls."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go

from rtlab.studies.claims import ClaimResult
from rtlab.views.claim_plots.layout import titled

__all__ = ["DRAWERS"]

TECHNIQUES = ("poll", "sse", "ws")


def _poll_waste(result: ClaimResult) -> go.Figure:
    shown = go.Figure()
    prefix = "poll_server_cpu_per_s@"
    counts = sorted(int(k.removeprefix(prefix)) for k in result.measured if k.startswith(prefix))
    for technique in TECHNIQUES:
        shown.add_trace(
            go.Scatter(
                x=counts,
                y=[result.measured[f"{technique}_server_cpu_per_s@{n}"] * 1e3 for n in counts],
                mode="lines+markers",
                name=technique,
            )
        )
    titled(
        shown,
        "Server CPU against clients, 1 msg/s on 4G (short poll every 1 s)",
        "clients",
        "server CPU (ms per s)",
        "technique",
    )
    return shown


def _sse_saves(result: ClaimResult) -> go.Figure:
    shown = go.Figure()
    for technique in ("sse", "poll", "longpoll"):
        shown.add_trace(
            go.Bar(
                x=["1 msg/s", "20 msg/s"],
                y=[result.measured[f"{technique}_steady_bytes_per_msg@{r}"] for r in (1, 20)],
                name=technique,
            )
        )
    titled(
        shown,
        "Steady-state wire bytes per message on 4G: SSE against the polls",
        "publish rate (msg/s)",
        "steady wire bytes per delivered message (B)",
        "technique",
        barmode="group",
    )
    return shown


DRAWERS: dict[str, Callable[[ClaimResult], go.Figure]] = {
    "poll_waste": _poll_waste,
    "sse_saves_resources": _sse_saves,
}
