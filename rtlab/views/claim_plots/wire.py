"""Plots of the claims about bytes on the wire and what they cost: binary data,
upstream messages, text, TCP set-up, framing overhead, POSTs, long against
short polling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rtlab.studies.claims import ClaimResult
from rtlab.studies.claims.base import num
from rtlab.studies.claims.binary import BASE64_FACTOR, BINARY_SIZES
from rtlab.studies.claims.longpoll_savings import MEASURES as SAVINGS_MEASURES
from rtlab.studies.claims.longpoll_savings import rates_swept
from rtlab.studies.claims.overhead import OVERHEAD_RATES
from rtlab.studies.claims.overhead import TECHNIQUES as OVERHEAD_TECHNIQUES
from rtlab.studies.claims.text import TEXT_LABELS, TEXT_TECHNIQUES, sizes_in
from rtlab.studies.claims.upstream import rates_in
from rtlab.studies.experiments import CPU_TICK_S, resolved_cpu
from rtlab.views.claim_plots.layout import Panel, technique_bars, titled
from rtlab.views.plots import COLORS, LOG_AXIS

__all__ = ["DRAWERS"]


def _binary(result: ClaimResult) -> go.Figure:
    f = result.measured
    shown = go.Figure()
    sizes = list(BINARY_SIZES)
    series = [
        ("sse_per_byte", "SSE: base64 text in the JSON envelope", COLORS["sse"], "solid"),
        (
            "sse_plain_per_byte",
            "SSE: text of the same length (no encoding)",
            COLORS["sse"],
            "dashdot",
        ),
        ("ws_text_per_byte", "WebSocket text frame: the same base64", COLORS["ws"], "solid"),
        ("ws_binary_per_byte", "WebSocket binary frame: raw bytes", COLORS["ws"], "dash"),
    ]
    for prefix, name, color, dash in series:
        shown.add_scatter(
            x=sizes,
            y=[f[f"{prefix}_{size}"] for size in sizes],
            name=name,
            mode="lines+markers",
            line={"color": color, "dash": dash},
        )
    shown.add_scatter(
        x=sizes,
        y=[BASE64_FACTOR] * len(sizes),
        name="base64 alone (4/3)",
        mode="lines",
        line={"color": "grey", "dash": "dot"},
    )
    titled(
        shown,
        "Cost of sending random bytes: steady-state wire bytes per payload byte",
        "payload size (bytes, log scale)",
        "bytes on the wire per payload byte (log scale)",
        "how the bytes travel",
    )
    shown.update_xaxes(type="log", tickvals=sizes, ticktext=[f"{size:,}" for size in sizes])
    shown.update_yaxes(**LOG_AXIS)
    return shown


def _upstream(result: ClaimResult) -> go.Figure:
    f = result.measured
    rates = rates_in(f)
    panels = {  # measure: (panel title, axis title)
        "bytes": ("bytes per upstream message", "wire bytes per message (B, both ways)"),
        "p50_ms": ("send → subscriber median latency", "median latency (ms)"),
        "connections_per_msg": (
            "new TCP connections per upstream message",
            "connections opened per message",
        ),
    }
    shown = make_subplots(rows=1, cols=len(panels), subplot_titles=[t for t, _ in panels.values()])
    designs = {
        "ws": ("WebSocket (one socket)", COLORS["ws"]),
        "post": ("SSE + POST", COLORS["sse"]),
    }
    for col, (measure, (_, axis)) in enumerate(panels.items(), start=1):
        for design, (name, color) in designs.items():
            shown.add_scatter(
                x=rates,
                y=[f[f"{design}_{measure}@{rate:g}"] for rate in rates],
                name=name,
                legendgroup=design,
                showlegend=col == 1,
                mode="lines+markers",
                line={"color": color},
                row=1,
                col=col,
            )
        shown.update_xaxes(
            title_text="upstream messages per second (log scale)",
            type="log",
            tickvals=rates,
            ticktext=[f"{rate:g}" for rate in rates],
            row=1,
            col=col,
        )
        shown.update_yaxes(title_text=axis, rangemode="tozero", row=1, col=col)
    shown.update_layout(
        title="Client → server messages on 4G: WebSocket vs SSE + separate POSTs "
        f"(keep-alive connections closed after {num(f['keepalive_s'])} s idle)",
        legend_title="design",
    )
    return shown


def _sse_vs_ws_text(result: ClaimResult) -> go.Figure:
    """One panel per measure of TEXT_LABELS; the bytes panel draws the
    steady-state bytes per message against the text size (what the rule
    reads), one line per technique. A server CPU counted in clock ticks gets
    error bars of one tick, so that 6 ticks against 7 do not read as a gap."""
    f = result.measured
    shown = technique_bars(
        [
            (label, f"{label} ({unit})", {t: f[f"{t}_{measure}"] for t in TEXT_TECHNIQUES})
            for measure, (label, unit) in TEXT_LABELS.items()
        ],
        f"SSE vs WebSocket for text: {num(f['clients'])} clients, "
        f"{num(f['rate_per_s'])} msg/s, 4G, server in its own process",
        TEXT_TECHNIQUES,
    )
    _bytes_by_size(shown, f, list(TEXT_LABELS).index("bytes_per_msg"))
    cpu = pd.Series([f["sse_server_cpu_s"], f["ws_server_cpu_s"]])
    if resolved_cpu(cpu).isna().any():
        panel = list(TEXT_LABELS).index("server_cpu_s")
        shown.update_traces(
            error_y={"type": "constant", "value": CPU_TICK_S},
            selector={"xaxis": f"x{panel + 1}"},
        )
        shown.layout.annotations[
            panel
        ].text = f"server CPU (± one {CPU_TICK_S * 1000:g} ms clock tick)"
    return shown


def _bytes_by_size(shown: go.Figure, f: Mapping[str, float], panel: int) -> None:
    """Replace panel `panel`'s bars by each technique's steady-state bytes per
    message at each text size (log axes, sizes as ticks)."""
    axis = f"x{panel + 1}"
    shown.data = [trace for trace in shown.data if trace.xaxis != axis]
    sizes = sizes_in(f)
    row, col = panel // 2 + 1, panel % 2 + 1
    for technique in TEXT_TECHNIQUES:
        shown.add_scatter(
            x=sizes,
            y=[f[f"{technique}_bytes_per_msg@{size}"] for size in sizes],
            name=technique,
            legendgroup=technique,
            showlegend=False,
            mode="lines+markers",
            line={"color": COLORS.get(technique)},
            row=row,
            col=col,
        )
    shown.update_xaxes(
        title_text="text per message (characters, log scale)",
        type="log",
        tickvals=sizes,
        ticktext=[f"{size:,}" for size in sizes],
        row=row,
        col=col,
    )
    shown.update_yaxes(
        title_text="steady-state wire bytes per message (B, log scale)",
        rangemode="normal",
        **LOG_AXIS,
        row=row,
        col=col,
    )
    shown.layout.annotations[panel].text = "wire bytes per message, by text size"


def _tcp_setup(result: ClaimResult) -> go.Figure:
    measured = result.measured
    ways = {"keepalive": "keep-alive (one connection)", "fresh": "new connection per request"}
    shown = go.Figure()
    for way, label in ways.items():
        shown.add_bar(
            x=[label],
            y=[measured[f"{way}_cpu_us_per_request"]],
            name=f"{label}: {measured[f'{way}_connections_per_request']:.2f} connections/request",
        )
    titled(
        shown,
        f"Short polling on 4G, {measured['clients']:g} clients: server CPU per request",
        "how the client polls",
        "server CPU per request (µs)",
        "client",
        yaxis_rangemode="tozero",
    )
    return shown


def _ws_low_overhead(result: ClaimResult) -> go.Figure:
    measured = result.measured
    shown = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("steady-state IP bytes per message", "median latency"),
    )
    for technique in OVERHEAD_TECHNIQUES:
        rates = [f"{rate:g} msg/s" for rate in OVERHEAD_RATES]
        for col, measure in ((1, "ip_bytes_per_msg"), (2, "p50_ms")):
            shown.add_bar(
                x=rates,
                y=[measured[f"{technique}_{measure}@{rate:g}"] for rate in OVERHEAD_RATES],
                name=technique,
                legendgroup=technique,
                showlegend=col == 1,
                marker_color=COLORS.get(technique),
                row=1,
                col=col,
            )
    shown.update_yaxes(title_text="bytes per message (TCP/IP included)", row=1, col=1)
    shown.update_yaxes(title_text="median latency (ms)", row=1, col=2)
    shown.update_xaxes(title_text="publish rate")
    shown.update_layout(
        title="WebSocket against short and long polling on 4G, from a packet capture",
        legend_title="technique",
        barmode="group",
    )
    return shown


def _post_overhead(result: ClaimResult) -> go.Figure:
    measured = result.measured
    designs = {"ws": "WebSocket message", "post": "POST beside SSE"}
    panels: list[Panel] = [
        (title, axis, {label: measured[f"{d}_{key}"] for d, label in designs.items()})
        for key, title, axis in (
            ("bytes_per_msg", "wire bytes", "bytes per message"),
            ("cpu_us_per_msg", "server CPU", "µs per message"),
            ("p50_ms", "median latency", "ms"),
        )
    ]
    return technique_bars(
        panels,
        f"Upstream at {measured['rate']:g} msg/s on 4G: a POST against a WebSocket message",
        list(designs.values()),
        per_row=3,
    )


def _longpoll_vs_poll(result: ClaimResult) -> go.Figure:
    measured = result.measured
    rates = rates_swept(measured)
    shown = go.Figure()
    for measure, label in SAVINGS_MEASURES.items():
        shown.add_scatter(
            x=rates,
            y=[measured[f"ratio_{measure}@{rate:g}"] for rate in rates],
            mode="lines+markers",
            name=f"{label} per message",
        )
    shown.add_hline(y=1.0, line_dash="dot", annotation_text="as much as short polling")
    titled(
        shown,
        f"Long polling over short polling (every 1 s) on 4G, {measured['clients']:g} clients",
        "publish rate (messages/s)",
        "long polling / short polling (ratio)",
        "measure",
        xaxis_type="log",
        yaxis_type="log",
    )
    return shown


DRAWERS: dict[str, Callable[[ClaimResult], go.Figure]] = {
    "sse_binary": _binary,
    "upstream_rate": _upstream,
    "sse_vs_ws_text": _sse_vs_ws_text,
    "tcp_setup": _tcp_setup,
    "ws_low_overhead": _ws_low_overhead,
    "post_overhead_small": _post_overhead,
    "longpoll_vs_poll": _longpoll_vs_poll,
}
