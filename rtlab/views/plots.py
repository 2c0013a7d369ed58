"""Plotly figures from `rtlab.studies.experiments` frames: DataFrame in, Figure out, no I/O.

Every figure has a title, axis titles with units (each unit once) and a
legend, so it can be read on its own in a notebook or an exported report. Log
axes label their ticks as plain numbers (`LOG_AXIS`): plotly's default writes
only the leading digit between decades ("5 2 5 100 2"), which reads as noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rtlab.studies.experiments import CPU_MIN_TICKS, CPU_TICK_S
from rtlab.techniques import TECHNIQUES

__all__ = [
    "KNOBS",
    "LOG_AXIS",
    "MEASURES",
    "cost_per_message",
    "fault_recovery",
    "idle_connections",
    "knob_curve",
    "knob_title",
    "latency_box",
    "latency_by_client",
    "latency_cdf",
    "slow_consumer_p99",
    "timeline",
]

TECHNIQUE_ORDER = TECHNIQUES  # techniques found in a frame are drawn in this order
COLORS = dict(zip(TECHNIQUE_ORDER, px.colors.qualitative.Safe, strict=False))

#: Settings for a log axis: every tick label a whole number ("20 50 100 200").
LOG_AXIS = {"type": "log", "tickformat": "~g"}


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
    figure.update_xaxes(**LOG_AXIS)
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
    figure.update_yaxes(**LOG_AXIS)
    return figure


def cost_per_message(summary: pd.DataFrame, title: str = "Cost per delivered message") -> go.Figure:
    """Requests (log scale) and wire bytes per delivered message, one panel each, from
    `Result.summary()`: two measures with different units do not share an axis."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for row, (measure, name) in enumerate(
        (("requests_per_msg", "requests / message"), ("bytes_per_msg", "wire bytes / message")), 1
    ):
        figure.add_bar(x=summary["scenario"], y=summary[measure], name=name, row=row, col=1)
    figure.update_yaxes(title_text="requests per message (log scale)", **LOG_AXIS, row=1, col=1)
    figure.update_yaxes(title_text="wire bytes per message (B)", rangemode="tozero", row=2, col=1)
    figure.update_xaxes(title_text="scenario", row=2, col=1)
    figure.update_layout(title=title, legend_title="measure", height=640)
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
    figure.update_yaxes(**LOG_AXIS)
    return figure


#: Scenario knobs: (what the axis calls it, its unit; "" for a count).
KNOBS: dict[str, tuple[str, str]] = {
    "clients": ("clients", ""),
    "topics": ("topics", ""),
    "rate": ("publish rate", "messages/s"),
    "burst": ("messages per publish", ""),
    "message_size": ("message size", "characters"),
    "duration": ("publishing time", "s"),
    "poll_interval": ("poll interval", "s"),
    "longpoll_timeout": ("long-poll timeout", "s"),
    "delay_ms": ("one-way delay", "ms"),
}

#: `Result.summary()` measures, as an axis names them (unit included).
MEASURES: dict[str, str] = {
    "p50_ms": "median latency (ms)",
    "p99_ms": "p99 latency (ms)",
    "bytes_per_msg": "wire bytes per message (B)",
    "requests_per_msg": "requests per message",
    "server_cpu_s": "server CPU (s)",
    "server_cpu_us_per_msg": "server CPU per message (µs)",
    "peak_rss_mb": "peak RSS (MB)",
}


MAX_KNOB_TICKS = 12  # up to this many knob values, each is a tick

#: Why a run may have no figure for a measure (it is NaN in `Result.summary()`).
UNRESOLVED: dict[str, str] = {
    "server_cpu_us_per_msg": f"under {CPU_MIN_TICKS * CPU_TICK_S:g} s of server CPU, "
    f"counted in {CPU_TICK_S * 1000:g} ms clock ticks",
}


def knob_title(knob: str, unit: str | None = None) -> str:
    """`KNOBS`' name for a knob with its unit, once: ("clients", unit="clients") ->
    "clients", ("poll_interval",) -> "poll interval (s)". `unit` overrides the
    known one; a unit that is the name itself (a count) is not repeated."""
    name, known = KNOBS.get(knob, (knob, ""))
    unit = known if unit is None else unit
    return f"{name} ({unit})" if unit and unit != name else name


def knob_curve(
    summary: pd.DataFrame, knob: str, measure: str = "p50_ms", unit: str | None = None
) -> go.Figure:
    """A measure of `MEASURES` against one scenario knob, one line per technique.

    The ticks are the knob's values; values ten times apart or more go on a log
    axis. Runs that have no figure for the measure (NaN: e.g. server CPU the
    clock does not resolve) are left out, and the figure says how many.
    """
    label = MEASURES.get(measure, measure)
    values = sorted(summary[knob].unique())
    figure = px.line(
        summary.sort_values(knob),
        x=knob,
        y=measure,
        color="technique",
        markers=True,
        color_discrete_map=COLORS,
        category_orders={"technique": _ordered(summary)},
        title=f"{label} vs {KNOBS.get(knob, (knob, ''))[0]}",
        labels={knob: knob_title(knob, unit), measure: label},
    )
    figure.update_layout(legend_title="technique")
    if len(values) <= MAX_KNOB_TICKS:
        figure.update_xaxes(tickvals=values, ticktext=[f"{v:g}" for v in values])
    if values[0] > 0 and values[-1] >= 10 * values[0]:
        figure.update_xaxes(type="log", title_text=f"{knob_title(knob, unit)}, log scale")
    missing = int(summary[measure].isna().sum())
    if missing:
        _note_missing(figure, missing, len(summary), UNRESOLVED.get(measure, f"no {label}"))
    return figure


def _note_missing(figure: go.Figure, missing: int, runs: int, reason: str) -> None:
    """Say on the figure how many runs have no point and why; with none left, in
    the middle, and without the y ticks of an empty axis."""
    empty = missing == runs
    figure.add_annotation(
        text=f"{missing} of {runs} runs left out: {reason}",
        xref="paper",
        yref="paper",
        x=0.5 if empty else 0.02,
        y=0.5 if empty else 0.98,
        xanchor="center" if empty else "left",
        yanchor="middle" if empty else "top",
        showarrow=False,
    )
    if empty:
        figure.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)


def fault_recovery(
    frame: pd.DataFrame, title: str = "Recovery from cuts and a restart"
) -> go.Figure:
    """From `reliability.faults()`: per technique, the time from a cut to the next
    delivery (median and worst) and from the restart to the first new delivery."""
    frame = frame.set_index("technique").loc[_ordered(frame.reset_index())]
    figure = go.Figure()
    for column, name in (
        ("recover_p50_ms", "after a cut, median"),
        ("recover_max_ms", "after a cut, worst"),
        ("restart_recover_ms", "after the server restart"),
    ):
        figure.add_bar(x=frame.index, y=frame[column], name=name)
    figure.update_layout(
        title=title,
        barmode="group",
        xaxis_title="technique",
        yaxis_title="time to the next delivered message (ms)",
        legend_title="recovery",
    )
    return figure


def idle_connections(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    """From `reliability.idle()`: connections each client needed, with and without
    heartbeats (1 = the connection stayed up for the whole run)."""
    timeout = frame["idle_timeout_s"].iloc[0]
    figure = go.Figure()
    for setting, name in (("on", "heartbeats on"), ("off", "heartbeats off")):
        part = frame[frame["heartbeat"] == setting].set_index("technique")
        part = part.loc[[t for t in TECHNIQUE_ORDER if t in part.index]]
        figure.add_bar(
            x=part.index,
            y=part["connections"],
            name=name,
            textposition="outside",
            textangle=0,
            text=[
                f"{c} conn., {lost} lost"
                for c, lost in zip(part["connections"], part["losses"], strict=True)
            ],
        )
    figure.update_layout(
        title=title or f"Behind a {timeout:g} s idle timeout: connections used",
        barmode="group",
        xaxis_title="technique",
        yaxis_title="TCP connections opened (count)",
        legend_title="server heartbeat",
    )
    return figure


def slow_consumer_p99(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    """From `reliability.slow_consumer()`: the fast clients' p99 latency without and
    with a stalled client of the same technique."""
    figure = go.Figure()
    for stalled, name in ((False, "alone (baseline)"), (True, "beside a stalled client")):
        part = frame[frame["stalled_client"] == stalled].set_index("technique")
        part = part.loc[[t for t in TECHNIQUE_ORDER if t in part.index]]
        figure.add_bar(x=part.index, y=part["fast_p99_ms"], name=name)
    megabytes = frame["megabytes"].iloc[0]
    figure.update_layout(
        title=title or f"Fast clients' p99 latency while ~{megabytes:g} MB flow",
        barmode="group",
        xaxis_title="technique",
        yaxis_title="p99 delivery latency (ms)",
        legend_title="fast clients",
    )
    return figure


def latency_by_client(
    deliveries: pd.DataFrame,
    runs: pd.DataFrame,
    title: str = "Latency per technique: browser and Python clients",
) -> go.Figure:
    """Box plot of latency per technique, one box per kind of client (`client_kind`
    of each run: "browser" for `rtlab.studies.browser` runs, "python" otherwise)."""
    kinds = runs[["run", "client_kind"]] if "client_kind" in runs else runs[["run"]]
    frame = deliveries.merge(kinds, on="run", how="left")
    frame["client_kind"] = frame.get("client_kind", pd.Series(index=frame.index)).fillna("python")
    figure = px.box(
        frame,
        x="technique",
        y="latency_ms",
        color="client_kind",
        points=False,
        category_orders={"technique": _ordered(frame), "client_kind": ["python", "browser"]},
        log_y=True,
        title=title,
        labels={"latency_ms": "latency (ms, log scale)", "client_kind": "client"},
    )
    figure.update_layout(legend_title="client", xaxis_title="technique")
    figure.update_yaxes(**LOG_AXIS)
    return figure
