"""Plots of the claims about what a technique needs: browsers' rules (CORS, the
connection limit), browser support from MDN's data, and server code size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import plotly.graph_objects as go

from rtlab.studies.claims import ClaimResult
from rtlab.studies.claims.base import num
from rtlab.studies.claims.compat import BROWSERS, FEATURES
from rtlab.views.claim_plots.layout import titled

__all__ = ["DRAWERS"]


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
    titled(
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
    titled(
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
    titled(
        shown,
        f"Server-side code lines, WebSocket against SSE ({ratios})",
        "case",
        "code lines (no blanks, comments, docstrings)",
        "server side",
        barmode="group",
        yaxis_type="log",
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
    titled(
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
    titled(
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
    titled(
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
    "sse_no_cors": _sse_no_cors,
    "sse_six_connections": _sse_six_connections,
    "ws_server_complex": _code_size,
    "ws_server_easy": _code_size,
    "compat_order": _compat_order,
    "sse_old_browsers": _sse_old_browsers,
    "ws_sse_support_similar": _ws_sse_support_similar,
    "safari_versions": _safari_versions,
    "android_versions": _android_versions,
}
