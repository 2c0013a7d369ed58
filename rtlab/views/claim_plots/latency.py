"""Plots of the latency claims: median latency from the scheduled publish
against short polling's interval (long polling and WebSocket at the same
publish rate as flat lines), and against the publish rate for long polling,
SSE and WebSocket."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go

from rtlab.studies.claims import ClaimResult
from rtlab.studies.claims.latency import POLL_RATE, POLL_RIVALS, PUSH_RIVALS
from rtlab.studies.claims.latency_sweep import swept
from rtlab.views.claim_plots.layout import titled
from rtlab.views.plots import COLORS

__all__ = ["DRAWERS"]


def _line(x: list[float], y: list[float], name: str, dash: str | None = None) -> go.Scatter:
    return go.Scatter(
        x=x,
        y=y,
        mode="lines+markers",
        name=name,
        line={"color": COLORS.get(name), "dash": dash},
    )


def _poll_latency_interval(result: ClaimResult) -> go.Figure:
    figures = result.measured
    intervals = swept(figures, "poll")
    shown = go.Figure(_line(intervals, [figures[f"poll@{i:g}_p50_ms"] for i in intervals], "poll"))
    for technique in POLL_RIVALS:
        level = figures[f"{technique}@{POLL_RATE:g}_p50_ms"]
        shown.add_trace(_line(intervals, [level] * len(intervals), technique, dash="dash"))
    titled(
        shown,
        f"Median latency from the scheduled publish against the poll interval, "
        f"{POLL_RATE:g} msg/s on 4G",
        "short-poll interval (s)",
        "median latency (ms)",
        "technique",
        xaxis={"type": "log", "tickvals": intervals, "ticktext": [f"{i:g}" for i in intervals]},
        yaxis={"type": "log", "dtick": 1},  # decades only: minor labels crowd a short range
    )
    return shown


def _longpoll_latency(result: ClaimResult) -> go.Figure:
    figures = result.measured
    rates = swept(figures, "longpoll")
    shown = go.Figure()
    for technique in ("longpoll", *PUSH_RIVALS):
        y = [figures[f"{technique}@{r:g}_p50_ms"] for r in rates]
        shown.add_trace(_line(rates, y, technique))
    titled(
        shown,
        "Median latency from the scheduled publish against the publish rate on 4G",
        "publish rate (msg/s)",
        "median latency (ms)",
        "technique",
        xaxis={"type": "log", "tickvals": rates, "ticktext": [f"{r:g}" for r in rates]},
        yaxis_rangemode="tozero",
    )
    return shown


DRAWERS: dict[str, Callable[[ClaimResult], go.Figure]] = {
    "poll_latency_interval": _poll_latency_interval,
    "longpoll_latency": _longpoll_latency,
}
