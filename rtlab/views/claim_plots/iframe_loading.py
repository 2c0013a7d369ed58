"""Plot of the claim that a forever iframe keeps the page loading: the page's
and the iframe's readyState over time in Chromium, each message's arrival, the
page's load event and the end of the stream."""

from __future__ import annotations

import math
from collections.abc import Callable

import plotly.graph_objects as go

from rtlab.studies.claims import ClaimResult
from rtlab.views.claim_plots.layout import titled

__all__ = ["DRAWERS"]

STATE_NAMES = {-1.0: "no document", 0.0: "loading", 1.0: "interactive", 2.0: "complete"}
MESSAGE_ROW = -1.6  # where the message arrivals are drawn, below the states


def _marker(shown: go.Figure, at_ms: float, name: str, dash: str) -> None:
    """A vertical line across the states at `at_ms`, with a legend entry."""
    if math.isnan(at_ms):
        return
    shown.add_scatter(
        x=[at_ms / 1000] * 2, y=[MESSAGE_ROW, 2.2], mode="lines", name=name, line_dash=dash
    )


def _iframe_loading(result: ClaimResult) -> go.Figure:
    measured, series = result.measured, result.series
    seconds = [t / 1000 for t in series.get("sample_ms", [])]
    shown = go.Figure()
    for key, label in (
        ("page_state", "the page"),
        ("frame_state", "the iframe's document (its initial about:blank first)"),
    ):
        shown.add_scatter(
            x=seconds, y=series.get(key, []), mode="lines", line_shape="hv", name=label
        )
    arrivals = [t / 1000 for t in series.get("message_ms", [])]
    shown.add_scatter(
        x=arrivals,
        y=[MESSAGE_ROW] * len(arrivals),
        mode="markers",
        marker={"symbol": "triangle-up", "size": 10},
        name="a message arrives",
    )
    _marker(shown, measured.get("end_ms", math.nan), "the server ends the stream", "dash")
    loads = series.get("load_ms", [])
    _marker(shown, loads[0] if loads else math.nan, "the page's load event", "dot")
    titled(
        shown,
        "A page with a forever iframe in Chromium: its readyState while messages stream",
        "time since the page's navigation started (s)",
        "readyState",
        "what is shown",
        yaxis={
            "tickvals": [MESSAGE_ROW, *STATE_NAMES],
            "ticktext": ["messages", *STATE_NAMES.values()],
            "range": [MESSAGE_ROW - 0.4, 2.4],
        },
    )
    return shown


DRAWERS: dict[str, Callable[[ClaimResult], go.Figure]] = {"iframe_loading": _iframe_loading}
