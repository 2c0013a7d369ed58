"""Plots of the claims about how techniques behave: the ranking, reconnects,
idle connections, long polls, SSE requests, worker servers, full duplex.
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go

from rtlab.studies.claims import ClaimResult
from rtlab.studies.claims.base import num
from rtlab.studies.claims.idle import IDLE_CONDITIONS
from rtlab.studies.claims.longpoll_check import CHECK_INTERVAL
from rtlab.studies.claims.ranking import RANKED, RANKING_POLL_INTERVAL
from rtlab.studies.claims.reconnect import RECONNECT_VARIANTS
from rtlab.views.claim_plots.layout import technique_bars, titled
from rtlab.views.plots import COLORS

__all__ = ["DRAWERS"]


def _ranking(result: ClaimResult) -> go.Figure:
    f = result.measured
    return technique_bars(
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
    titled(
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
    titled(
        shown,
        f"An idle WebSocket for {num(f['seconds'])} s (proxy idle timeout "
        f"{num(f['idle_timeout_s'])} s, pings every {num(f['heartbeat_s'])} s)",
        "condition",
        "count over the run (connections)",
        "measure",
        barmode="group",
    )
    return shown


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
    titled(
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
    m = result.measured
    if "browser_requests_while_flowing" in m:
        shown.add_annotation(
            text=(
                f"Chromium's EventSource: {m['browser_requests_while_flowing']:g} further "
                f"request(s) on the open server, "
                f"{m['browser_closing_requests_while_flowing']:g} on the closing one"
            ),
            xref="paper",
            yref="paper",
            x=0,
            y=1,
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
        )
    titled(
        shown,
        f"HTTP requests made by rtlab's Python SSE client while "
        f"{m['rate_per_s']:g} messages/s flow",
        "time since connected (s)",
        "requests made so far (count)",
        "server",
        yaxis_rangemode="tozero",
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
    titled(
        shown,
        f"{measured['streams']:g} SSE streams open: how many got the next message within 1 s",
        "server",
        "streams that got the message",
        "server",
        yaxis_rangemode="tozero",
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
    titled(
        shown,
        f"One WebSocket on 4G, {measured['rate']:g} msg/s each way: median latency",
        "run",
        "median latency (ms)",
        "direction",
        barmode="group",
        yaxis_rangemode="tozero",
    )
    return shown


DRAWERS: dict[str, Callable[[ClaimResult], go.Figure]] = {
    "ranking": _ranking,
    "sse_reconnect": _reconnect,
    "ws_idle": _ws_idle,
    "longpoll_check": _longpoll_check,
    "sse_periodic_requests": _sse_periodic_requests,
    "sse_worker": _sse_worker,
    "ws_full_duplex": _ws_full_duplex,
}
