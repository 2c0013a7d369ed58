"""Each claim's plot, drawn from its `ClaimResult` (its measured numbers and
series): `DRAWERS` maps a claim's key to the function that draws it. Every
plot has a title, axis titles with units and a legend; `rtlab.views.claims.figure`
picks the one for a result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rtlab.studies.claims import ClaimResult
from rtlab.studies.claims.base import num
from rtlab.studies.claims.binary import BASE64_FACTOR, BINARY_SIZES
from rtlab.studies.claims.compat import BROWSERS, FEATURES
from rtlab.studies.claims.idle import IDLE_CONDITIONS
from rtlab.studies.claims.longpoll_check import CHECK_INTERVAL
from rtlab.studies.claims.longpoll_savings import MEASURES as SAVINGS_MEASURES
from rtlab.studies.claims.longpoll_savings import rates_swept
from rtlab.studies.claims.overhead import OVERHEAD_RATES
from rtlab.studies.claims.overhead import TECHNIQUES as OVERHEAD_TECHNIQUES
from rtlab.studies.claims.ranking import RANKED, RANKING_POLL_INTERVAL
from rtlab.studies.claims.reconnect import RECONNECT_VARIANTS
from rtlab.studies.claims.text import TEXT_LABELS, TEXT_TECHNIQUES, sizes_in
from rtlab.studies.claims.upstream import rates_in
from rtlab.studies.experiments import CPU_TICK_S, resolved_cpu
from rtlab.views.plots import COLORS, LOG_AXIS

__all__ = ["DRAWERS"]

Panel = tuple[str, str, Mapping[str, float]]  # (name, axis title, {technique: value})


def _titled(shown: go.Figure, title: str, x: str, y: str, legend: str, **layout: object) -> None:
    """Title the figure, its axes and its legend (and set any other `layout`)."""
    shown.update_layout(title=title, xaxis_title=x, yaxis_title=y, legend_title=legend, **layout)


def _technique_bars(
    panels: Sequence[Panel], title: str, techniques: Sequence[str], per_row: int = 2
) -> go.Figure:
    """One panel per measure, `per_row` panels to a row, one coloured bar per
    technique, one legend entry per technique."""
    cols = min(per_row, len(panels))
    rows = math.ceil(len(panels) / cols)
    shown = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[name for name, _, _ in panels],
        horizontal_spacing=0.15,
        vertical_spacing=0.2,
    )
    for index, (_, axis, values) in enumerate(panels):
        row, col = index // cols + 1, index % cols + 1
        for technique in techniques:
            shown.add_bar(
                x=[technique],
                y=[values[technique]],
                name=technique,
                legendgroup=technique,
                showlegend=index == 0,
                marker_color=COLORS.get(technique),
                row=row,
                col=col,
            )
        shown.update_yaxes(title_text=axis, rangemode="tozero", row=row, col=col)
        shown.update_xaxes(title_text="technique", row=row, col=col)
    shown.update_layout(title=title, legend_title="technique", height=400 * rows)
    return shown


def _ranking(result: ClaimResult) -> go.Figure:
    f = result.measured
    return _technique_bars(
        [
            ("median latency", "median latency (ms)", {t: f[f"{t}_p50_ms"] for t in RANKED}),
            (
                "wire bytes per message",
                "bytes on the wire per message (B, both ways)",
                {t: f[f"{t}_bytes_per_msg"] for t in RANKED},
            ),
        ],
        f"The seeds' ranking on 4G at {f['rate_per_s']:g} messages/s "
        f"(short polling every {RANKING_POLL_INTERVAL:g} s)",
        RANKED,
    )


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
    _titled(
        shown,
        "Cost of sending random bytes: steady-state wire bytes per payload byte",
        "payload size (bytes, log scale)",
        "bytes on the wire per payload byte (log scale)",
        "how the bytes travel",
    )
    shown.update_xaxes(type="log", tickvals=sizes, ticktext=[f"{size:,}" for size in sizes])
    shown.update_yaxes(**LOG_AXIS)
    return shown


def _reconnect(result: ClaimResult) -> go.Figure:
    s = result.series
    shown = go.Figure()
    styles = {  # (colour, symbol): SSE and rtlab's WS overlap until the cut
        "sse": (COLORS["sse"], "circle-open"),
        "ws": (COLORS["ws"], "x-thin-open"),
        "ws_plain": ("grey", "circle"),
    }
    for name, label in RECONNECT_VARIANTS.items():
        shown.add_scatter(
            x=s[f"{name}_t_s"],
            y=s[f"{name}_seq"],
            mode="markers",
            name=label,
            marker={"color": styles[name][0], "symbol": styles[name][1], "size": 7},
        )
    top = max((seq for name in RECONNECT_VARIANTS for seq in s[f"{name}_seq"]), default=1)
    shown.add_scatter(
        x=s["cut_s"] * 2,
        y=[0, top],
        mode="lines",
        name="the relay cuts every connection",
        line={"color": "black", "dash": "dash"},
    )
    _titled(
        shown,
        "Deliveries around a cut of every connection (4G link)",
        "time since publishing started (s)",
        "message seq delivered",
        "client",
    )
    return shown


def _ws_idle(result: ClaimResult) -> go.Figure:
    f = result.measured
    shown = go.Figure()
    labels = list(IDLE_CONDITIONS.values())
    for measure, name in (("idle_closes", "closed for idleness"), ("reconnects", "reconnects")):
        shown.add_bar(x=labels, y=[f[f"{key}_{measure}"] for key in IDLE_CONDITIONS], name=name)
    _titled(
        shown,
        f"An idle WebSocket for {num(f['seconds'])} s (proxy idle timeout "
        f"{num(f['idle_timeout_s'])} s, pings every {num(f['heartbeat_s'])} s)",
        "condition",
        "count over the run (connections)",
        "measure",
        barmode="group",
    )
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
    shown = _technique_bars(
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


def _longpoll_check(result: ClaimResult) -> go.Figure:
    shown = go.Figure()
    names = {
        "event": "event-driven wait (rtlab default)",
        "check": f"check every {CHECK_INTERVAL:g} s (seed 002)",
    }
    for name, label in names.items():
        ordered = sorted(result.series[f"{name}_latency_ms"])
        shown.add_scatter(
            x=ordered,
            y=[(i + 1) / len(ordered) for i in range(len(ordered))],
            mode="lines+markers",
            line_shape="hv",
            name=label,
        )
    _titled(
        shown,
        f"Long-poll latency on 4G, messages at random ~{result.measured['rate_per_s']:g}/s",
        "latency: receive − publish (ms)",
        "fraction of messages delivered",
        "server",
    )
    return shown


def _sse_periodic_requests(result: ClaimResult) -> go.Figure:
    s = result.series
    shown = go.Figure()
    for prefix, name in (
        ("open", "rtlab SSE server (the response stays open)"),
        ("closing", "a server that ends the response after each event (seed 001's example)"),
    ):
        shown.add_scatter(
            x=s[f"{prefix}_t_s"],
            y=s[f"{prefix}_requests"],
            mode="lines",
            line_shape="hv",
            name=name,
        )
    _titled(
        shown,
        f"HTTP requests made by rtlab's Python SSE client while "
        f"{result.measured['rate_per_s']:g} messages/s flow",
        "time since connected (s)",
        "requests made so far (count)",
        "server",
        yaxis_rangemode="tozero",
    )
    return shown


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
    _titled(
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
    return _technique_bars(
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
    _titled(
        shown,
        f"Long polling over short polling (every 1 s) on 4G, {measured['clients']:g} clients",
        "publish rate (messages/s)",
        "long polling / short polling (ratio)",
        "measure",
        xaxis_type="log",
        yaxis_type="log",
    )
    return shown


def _sse_worker(result: ClaimResult) -> go.Figure:
    measured = result.measured
    servers = {"pool": f"{measured['workers']:g} worker threads", "aiohttp": "aiohttp (one loop)"}
    shown = go.Figure()
    for server, label in servers.items():
        poll = "answered" if measured[f"{server}_poll_answered"] else "waited"
        shown.add_bar(
            x=[label], y=[measured[f"{server}_served"]], name=f"{label}: a poll meanwhile {poll}"
        )
    _titled(
        shown,
        f"{measured['streams']:g} SSE streams open: how many got the next message within 1 s",
        "server",
        "streams that got the message",
        "server",
        yaxis_rangemode="tozero",
    )
    return shown


def _sse_no_cors(result: ClaimResult) -> go.Figure:
    measured = result.measured
    cases = {"refused": "origin not allowed", "allowed": "origin in the CORS allow-list"}
    shown = go.Figure()
    for name, label in (
        ("server_sse_messages_sent", "sent by the server"),
        ("es_messages", "read by the page"),
    ):
        shown.add_bar(
            x=list(cases.values()),
            y=[measured.get(f"{case}_{name}", math.nan) for case in cases],
            name=label,
        )
    _titled(
        shown,
        "A cross-origin EventSource in Chromium",
        "the server's CORS setting",
        "messages",
        "messages",
        yaxis_rangemode="tozero",
    )
    return shown


def _sse_six_connections(result: ClaimResult) -> go.Figure:
    measured = result.measured
    bars = {
        "EventSources opened at once": measured.get("opened_at_once", math.nan),
        "EventSources that waited for a close": measured.get("waited_for_close", math.nan),
        "WebSockets opened beside six streams": measured.get(
            "websockets_open_with_six_streams", math.nan
        ),
    }
    shown = go.Figure()
    for label, value in bars.items():
        shown.add_bar(x=[label], y=[value], name=label)
    _titled(
        shown,
        f"{measured.get('streams', math.nan):g} EventSources to one origin in Chromium (HTTP/1.1)",
        "connections",
        "count",
        "connections",
        yaxis_rangemode="tozero",
    )
    return shown


def _code_size(result: ClaimResult) -> go.Figure:
    measured = result.measured
    cases = {"with": "with a helper library", "without": "without a helper library"}
    shown = go.Figure()
    for side, label in (("ws", "WebSocket"), ("sse", "SSE")):
        shown.add_bar(
            x=list(cases.values()),
            y=[measured[f"{side}_{case}_lines"] for case in cases],
            name=f"{label} server side",
        )
    ratios = ", ".join(f"{measured[f'ratio_{case}']:.1f}x {label}" for case, label in cases.items())
    _titled(
        shown,
        f"Server-side code lines, WebSocket against SSE ({ratios})",
        "case",
        "code lines (no blanks, comments, docstrings)",
        "server side",
        barmode="group",
        yaxis_type="log",
    )
    return shown


def _ws_full_duplex(result: ClaimResult) -> go.Figure:
    measured = result.measured
    shown = go.Figure()
    for direction, label in (("down", "server → client"), ("up", "client → server")):
        shown.add_bar(
            x=["one direction only", "both at once"],
            y=[measured[f"{direction}_{direction}_p50_ms"], measured[f"both_{direction}_p50_ms"]],
            name=label,
        )
    _titled(
        shown,
        f"One WebSocket on 4G, {measured['rate']:g} msg/s each way: median latency",
        "run",
        "median latency (ms)",
        "direction",
        barmode="group",
        yaxis_rangemode="tozero",
    )
    return shown


_FEATURE_LABELS = {
    "xhr": "XMLHttpRequest (polling)",
    "sse": "EventSource (SSE)",
    "ws": "WebSocket",
}
_FEATURE_COLOURS = {"xhr": "#636EFA", "sse": "#EF553B", "ws": "#00CC96"}


def _compat_source(measured: Mapping[str, float]) -> str:
    if measured.get("bcd_available") != 1.0:
        return "MDN browser-compat-data not installed"
    version = ".".join(
        f"{measured.get(f'bcd_version_{p}', math.nan):g}" for p in ("major", "minor", "patch")
    )
    return f"MDN browser-compat-data {version}"


def _compat_years(result: ClaimResult, features: Sequence[str], title: str) -> go.Figure:
    """Per browser, the release year of the first version supporting each feature
    (a missing bar: never supported, or no data)."""
    measured = result.measured
    shown = go.Figure()
    names = list(BROWSERS.values())
    for short in features:
        years = [measured.get(f"{short}_{b}_year", math.nan) for b in BROWSERS]
        colour = _FEATURE_COLOURS[short]
        versions = [measured.get(f"{short}_{b}_version", math.nan) for b in BROWSERS]
        shown.add_bar(
            x=names,
            y=years,
            name=_FEATURE_LABELS[short],
            marker_color=colour,
            text=[num(v) for v in versions],
            hovertemplate="%{x}: version %{text}, released %{y:.1f}<extra></extra>",
        )
    _titled(
        shown,
        f"{title} ({_compat_source(measured)}; label: first version)",
        "browser",
        "release of the first supporting version (year)",
        "feature",
        barmode="group",
        yaxis_range=[1995, 2025],
    )
    return shown


def _compat_order(result: ClaimResult) -> go.Figure:
    return _compat_years(result, list(FEATURES), "First browser version with each technique")


def _sse_old_browsers(result: ClaimResult) -> go.Figure:
    return _compat_years(result, ["sse"], "First browser version with EventSource")


def _ws_sse_support_similar(result: ClaimResult) -> go.Figure:
    """A timeline: per browser, when EventSource and WebSocket arrived, joined by a line."""
    measured = result.measured
    shown = go.Figure()
    names = list(BROWSERS.values())
    for b, name in BROWSERS.items():
        shown.add_scatter(
            x=[measured.get(f"sse_{b}_year", math.nan), measured.get(f"ws_{b}_year", math.nan)],
            y=[name, name],
            mode="lines",
            line={"color": "lightgray"},
            name=f"{name}: gap",
            showlegend=False,
        )
    # a big circle under a small diamond, so a browser that got both at once shows both
    for short, marker in (
        ("sse", {"size": 14, "color": "#EF553B"}),
        ("ws", {"size": 9, "color": "#00CC96", "symbol": "diamond"}),
    ):
        shown.add_scatter(
            x=[measured.get(f"{short}_{b}_year", math.nan) for b in BROWSERS],
            y=names,
            mode="markers",
            marker=marker,
            name=_FEATURE_LABELS[short],
        )
    _titled(
        shown,
        f"When each browser first supported SSE and WebSocket ({_compat_source(measured)})",
        "release date of the first supporting version (year)",
        "browser",
        "feature",
    )
    return shown


def _compat_versions(
    result: ClaimResult, bars: Sequence[tuple[str, str, str, float]], title: str
) -> go.Figure:
    """Recorded first versions against the claimed ones."""
    measured = result.measured
    shown = go.Figure()
    labels = [label for label, _, _, _ in bars]
    shown.add_bar(
        x=labels,
        y=[measured.get(f"{f}_{b}_version", math.nan) for _, f, b, _ in bars],
        name="recorded first version",
    )
    shown.add_bar(x=labels, y=[claimed for *_, claimed in bars], name="claimed")
    _titled(
        shown,
        f"{title} ({_compat_source(measured)})",
        "browser and feature",
        "first supporting version",
        "version",
        barmode="group",
        yaxis_rangemode="tozero",
    )
    return shown


def _safari_versions(result: ClaimResult) -> go.Figure:
    bars = [
        ("Safari EventSource", "sse", "safari", 5.0),
        ("iOS Safari EventSource", "sse", "safari_ios", 4.0),
        ("Safari WebSocket", "ws", "safari", 6.0),
    ]
    return _compat_versions(result, bars, "Safari's first versions with SSE and WebSocket")


def _android_versions(result: ClaimResult) -> go.Figure:
    bars = [
        ("Android WebView EventSource", "sse", "webview_android", 4.4),
        ("Android WebView WebSocket", "ws", "webview_android", 4.4),
    ]
    return _compat_versions(result, bars, "Android's default browser: first versions")


DRAWERS: dict[str, Callable[[ClaimResult], go.Figure]] = {
    "ranking": _ranking,
    "sse_binary": _binary,
    "sse_reconnect": _reconnect,
    "ws_idle": _ws_idle,
    "upstream_rate": _upstream,
    "sse_vs_ws_text": _sse_vs_ws_text,
    "longpoll_check": _longpoll_check,
    "sse_periodic_requests": _sse_periodic_requests,
    "tcp_setup": _tcp_setup,
    "sse_worker": _sse_worker,
    "sse_no_cors": _sse_no_cors,
    "sse_six_connections": _sse_six_connections,
    "ws_low_overhead": _ws_low_overhead,
    "post_overhead_small": _post_overhead,
    "ws_server_complex": _code_size,
    "ws_server_easy": _code_size,
    "ws_full_duplex": _ws_full_duplex,
    "compat_order": _compat_order,
    "sse_old_browsers": _sse_old_browsers,
    "ws_sse_support_similar": _ws_sse_support_similar,
    "safari_versions": _safari_versions,
    "android_versions": _android_versions,
    "longpoll_vs_poll": _longpoll_vs_poll,
}
