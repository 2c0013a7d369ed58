"""Plotly figures from `rtlab.experiments` frames: DataFrame in, Figure out, no I/O.

Every figure has a title, axis titles with units and a legend, so it can be
read on its own in a notebook or an exported report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

__all__ = [
    "cost_per_message",
    "knob_curve",
    "latency_box",
    "latency_cdf",
    "timeline",
]

TECHNIQUE_ORDER = ["poll", "longpoll", "stream", "iframe", "sse", "ws"]
COLORS = dict(zip(TECHNIQUE_ORDER, px.colors.qualitative.Safe, strict=False))


def _ordered(frame: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys(frame["technique"]))
    return [t for t in TECHNIQUE_ORDER if t in present] + [
        t for t in present if t not in TECHNIQUE_ORDER
    ]


def latency_cdf(deliveries: pd.DataFrame, title: str = "Delivery latency") -> go.Figure:
    """Empirical CDF of latency per technique (log x axis: techniques differ by 1000x)."""
    figure = go.Figure()
    for technique in _ordered(deliveries):
        values = np.sort(deliveries.loc[deliveries["technique"] == technique, "latency_ms"])
        if len(values) == 0:
            continue
        figure.add_trace(
            go.Scatter(
                x=values,
                y=np.arange(1, len(values) + 1) / len(values),
                mode="lines",
                name=technique,
                line={"color": COLORS.get(technique)},
            )
        )
    figure.update_layout(
        title=title,
        xaxis_title="latency: receive − publish (ms, log scale)",
        yaxis_title="fraction of messages delivered",
        legend_title="technique",
    )
    figure.update_xaxes(type="log")
    return figure


def latency_box(deliveries: pd.DataFrame, title: str = "Latency per technique") -> go.Figure:
    figure = px.box(
        deliveries,
        x="technique",
        y="latency_ms",
        color="technique",
        points=False,
        category_orders={"technique": _ordered(deliveries)},
        color_discrete_map=COLORS,
        log_y=True,
        title=title,
        labels={"latency_ms": "latency (ms, log scale)", "technique": "technique"},
    )
    figure.update_layout(legend_title="technique")
    return figure


def cost_per_message(summary: pd.DataFrame, title: str = "Cost per delivered message") -> go.Figure:
    """Requests and wire bytes per delivered message (log scale), from `Result.summary()`."""
    figure = go.Figure()
    figure.add_bar(x=summary["scenario"], y=summary["requests_per_msg"], name="requests / message")
    figure.add_bar(x=summary["scenario"], y=summary["bytes_per_msg"], name="wire bytes / message")
    figure.update_layout(
        title=title,
        barmode="group",
        xaxis_title="scenario",
        yaxis_title="per delivered message (log scale)",
        legend_title="measure",
    )
    figure.update_yaxes(type="log")
    return figure


def timeline(deliveries: pd.DataFrame, title: str = "Deliveries over time") -> go.Figure:
    """Each delivery as a point: when it arrived (s from the first publish) vs its latency."""
    start = deliveries["ts"].min()
    frame = deliveries.assign(t_s=(deliveries["received"] - start) / 1000)
    figure = px.scatter(
        frame,
        x="t_s",
        y="latency_ms",
        color="technique",
        color_discrete_map=COLORS,
        category_orders={"technique": _ordered(frame)},
        title=title,
        log_y=True,
        labels={"t_s": "time since first publish (s)", "latency_ms": "latency (ms, log scale)"},
    )
    figure.update_traces(marker={"size": 4})
    figure.update_layout(legend_title="technique")
    return figure


def knob_curve(
    summary: pd.DataFrame, knob: str, measure: str = "p50_ms", unit: str = ""
) -> go.Figure:
    """A measure (p50_ms, p99_ms, bytes_per_msg, server_cpu_s...) against one scenario knob."""
    labels = {
        "p50_ms": "median latency (ms)",
        "p99_ms": "p99 latency (ms)",
        "bytes_per_msg": "wire bytes per message",
        "requests_per_msg": "requests per message",
        "server_cpu_s": "server CPU (s)",
    }
    figure = px.line(
        summary.sort_values(knob),
        x=knob,
        y=measure,
        color="technique",
        markers=True,
        color_discrete_map=COLORS,
        category_orders={"technique": _ordered(summary)},
        title=f"{labels.get(measure, measure)} vs {knob}",
        labels={knob: f"{knob} ({unit})" if unit else knob, measure: labels.get(measure, measure)},
    )
    figure.update_layout(legend_title="technique")
    return figure
