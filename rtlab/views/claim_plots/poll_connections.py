"""The poll_new_connection claim: the browser's polls beside the new TCP
connections they opened (from the capture and from Chromium's Resource Timing)."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go

from rtlab.studies.claims import ClaimResult
from rtlab.views.claim_plots.layout import titled

__all__ = ["DRAWERS"]

BARS = (
    ("polls", "polls sent"),
    ("new_connections", "new TCP connections (capture)"),
    ("browser_new_connections", "polls with a connect (Resource Timing)"),
)


def poll_connections(result: ClaimResult) -> go.Figure:
    """One bar per count, for the one run."""
    figures = result.measured
    shown = go.Figure(
        [go.Bar(name=label, x=[label], y=[figures.get(key, 0.0)]) for key, label in BARS]
    )
    titled(
        shown,
        f"{figures.get('polls', 0):g} fetch() polls every {figures.get('interval_s', 0):g} s "
        "in Chromium vs the new TCP connections they opened",
        "what is counted",
        "count (polls or connections)",
        "count",
    )
    return shown


DRAWERS: dict[str, Callable[[ClaimResult], go.Figure]] = {
    "poll_new_connection": poll_connections,
}
