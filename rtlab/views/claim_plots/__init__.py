"""Each claim's plot, drawn from its `ClaimResult` (its measured numbers and
series): `DRAWERS` maps a claim's key to the function that draws it. Every
plot has a title, axis titles with units and a legend; `rtlab.views.claims.figure`
picks the one for a result. The drawers live by subject: `wire` (bytes and what
they cost), `behaviour` (how techniques behave), `support` (browsers' rules and
support, server code), `eventsource` (what a browser's EventSource does by
itself); `layout` holds what they share.
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go

from rtlab.studies.claims import ClaimResult
from rtlab.views.claim_plots import (
    behaviour,
    eventsource,
    http2,
    latency,
    origin,
    polls,
    support,
    wire,
)
from rtlab.views.claim_plots import hold_waste as hold_waste_plot
from rtlab.views.claim_plots import iframe_loading as iframe_loading_plot
from rtlab.views.claim_plots import poll_connections as poll_connections_plot

__all__ = ["DRAWERS"]

DRAWERS: dict[str, Callable[[ClaimResult], go.Figure]] = {
    **behaviour.DRAWERS,
    **wire.DRAWERS,
    **support.DRAWERS,
    **polls.DRAWERS,
    **eventsource.DRAWERS,
    **iframe_loading_plot.DRAWERS,
    **http2.DRAWERS,
    **origin.DRAWERS,
    **latency.DRAWERS,
    **poll_connections_plot.DRAWERS,
    **hold_waste_plot.DRAWERS,
}
