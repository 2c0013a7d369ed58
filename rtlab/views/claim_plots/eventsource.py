"""Plots of the claims about what a browser's EventSource does by itself: after a
cut or an error status, with and without `Cache-Control: no-cache`, and while
messages flow with no further request."""

from __future__ import annotations

import math
from collections.abc import Callable

import plotly.graph_objects as go

from rtlab.studies.claims import ClaimResult
from rtlab.studies.claims.base import num
from rtlab.views.claim_plots.layout import titled

__all__ = ["DRAWERS"]

STATES = {0.0: "CONNECTING", 1.0: "OPEN", 2.0: "CLOSED"}


def _sse_client_must_reconnect(result: ClaimResult) -> go.Figure:
    measured = result.measured
    cases = {"cut": "connection cut", "error": "cut, reconnect answered 503"}
    labels = [
        f"{label} (ended {STATES.get(measured.get(f'{case}_ready_state', math.nan), '?')})"
        for case, label in cases.items()
    ]
    shown = go.Figure()
    for name, label in (
        ("published", "published"),
        ("received", "received by the page"),
        ("received_after_cut", "received after the cut"),
    ):
        shown.add_bar(
            x=labels, y=[measured.get(f"{case}_{name}", math.nan) for case in cases], name=label
        )
    titled(
        shown,
        f"A plain EventSource in Chromium, {num(measured.get('wait_s', math.nan))} s after a "
        "failure",
        "the failure (and the EventSource's readyState at the end)",
        "messages",
        "messages",
        yaxis_rangemode="tozero",
    )
    return shown


def _sse_no_cache(result: ClaimResult) -> go.Figure:
    series = result.series
    shown = go.Figure()
    for case, label in (("with", "with Cache-Control: no-cache"), ("without", "without it")):
        values = series.get(f"{case}_latency_ms", [])
        shown.add_scatter(
            x=list(range(1, len(values) + 1)), y=values, mode="lines+markers", name=label
        )
    titled(
        shown,
        "Each event's delay to a plain EventSource in Chromium (loopback)",
        "event (one per second)",
        "publish to onmessage (ms)",
        "the SSE response",
        yaxis_rangemode="tozero",
    )
    return shown


def _sse_push_no_request(result: ClaimResult) -> go.Figure:
    measured, series = result.measured, result.series
    further = measured.get("python_requests", math.nan) - 1
    shown = go.Figure()
    for key, label in (
        ("python_latency_ms", "rtlab's Python SSE client (4G)"),
        ("browser_latency_ms", "Chromium's EventSource (loopback)"),
    ):
        values = series.get(key, [])
        shown.add_scatter(x=list(range(1, len(values) + 1)), y=values, mode="markers", name=label)
    count = len(series.get("python_latency_ms", []))
    one_way = measured.get("one_way_ms", math.nan)
    shown.add_scatter(
        x=[1, max(count, 1)], y=[one_way, one_way], mode="lines", name="4G one-way delay"
    )
    titled(
        shown,
        f"SSE at {num(measured.get('rate', math.nan))} msg/s: {num(further)} further requests "
        f"from the Python client, "
        f"{num(measured.get('browser_requests_while_flowing', math.nan))} from Chromium",
        "message",
        "latency (ms)",
        "client",
        yaxis_rangemode="tozero",
    )
    return shown


DRAWERS: dict[str, Callable[[ClaimResult], go.Figure]] = {
    "sse_client_must_reconnect": _sse_client_must_reconnect,
    "sse_no_cache": _sse_no_cache,
    "sse_push_no_request": _sse_push_no_request,
}
