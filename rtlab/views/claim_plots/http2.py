"""The plot of the HTTP/2 claim: EventSources from one Chromium page open and
delivering at once through nginx, over HTTP/1.1 and over HTTP/2, for 12 and 120
opened."""

from __future__ import annotations

import math
from collections.abc import Callable

import plotly.graph_objects as go

from rtlab.studies.claims import ClaimResult
from rtlab.studies.claims.base import num
from rtlab.views.claim_plots.layout import titled

__all__ = ["DRAWERS"]

COUNTS = (12, 120)


def _sse_http2(result: ClaimResult) -> go.Figure:
    measured = result.measured
    limit = measured.get("max_concurrent_streams", math.nan)
    default = measured.get("default_max_concurrent_streams", math.nan)
    cases = [
        ("http1", "HTTP/1.1"),
        ("h2", f"HTTP/2, max streams {num(limit)}"),
        ("h2_default", f"HTTP/2, max streams {num(default)}"),
    ]
    labels = [f"{count} opened" for count in COUNTS]
    shown = go.Figure()
    for prefix, name in cases:
        values = [measured.get(f"{prefix}_delivered@{count}", math.nan) for count in COUNTS]
        if all(math.isnan(value) for value in values):
            continue
        shown.add_bar(x=labels, y=values, name=name, text=[num(v) for v in values])
    shown.add_scatter(
        x=labels,
        y=[float(count) for count in COUNTS],
        mode="markers",
        marker_symbol="line-ew-open",
        marker_size=40,
        name="opened by the page",
    )
    titled(
        shown,
        "EventSources from one Chromium page delivering at once through nginx (loopback)",
        "EventSources the page opened to one origin",
        "EventSources open and delivering at once",
        "protocol (nginx's SETTINGS_MAX_CONCURRENT_STREAMS)",
        yaxis_rangemode="tozero",
        barmode="group",
    )
    return shown


DRAWERS: dict[str, Callable[[ClaimResult], go.Figure]] = {"sse_http2": _sse_http2}
