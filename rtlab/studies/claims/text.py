"""Seed 003: for text, SSE and WebSocket don't differ in latency, bandwidth or
server load. Measured with several clients of each on 4G, the server in its
own process so that its CPU time is its own; judged within stated tolerances."""

from __future__ import annotations

from collections.abc import Mapping

from rtlab.studies.claims.base import Measurement, num, relative_gap, within
from rtlab.studies.claims.harness import summary_figures
from rtlab.studies.experiments import Scenario

__all__ = [
    "TEXT_LABELS",
    "TEXT_TECHNIQUES",
    "TEXT_TOLERANCES",
    "measure_sse_vs_ws_text",
    "rule_sse_vs_ws_text",
]

TEXT_TECHNIQUES = ("sse", "ws")
TEXT_RATE = 20.0  # messages/s
TEXT_TOLERANCES = {  # measure: (relative, absolute) tolerance; within either is "no difference"
    "p50_ms": (0.10, 2.0),
    "p99_ms": (0.20, 5.0),
    "bytes_per_msg": (0.10, 0.0),
    "server_cpu_s": (0.25, 0.05),
}
TEXT_LABELS = {
    "p50_ms": ("median latency", "ms"),
    "p99_ms": ("p99 latency", "ms"),
    "bytes_per_msg": ("wire bytes per message", "B"),
    "server_cpu_s": ("server CPU", "s"),
}


async def measure_sse_vs_ws_text(quick: bool) -> Measurement:
    """Each technique's summary measures of TEXT_TOLERANCES, one run each."""
    clients, duration = (10, 1.5) if quick else (20, 5.0)
    scenarios = [
        Scenario(
            technique,
            clients=clients,
            rate=TEXT_RATE,
            duration=duration,
            network="4g",
            server="process",
            label=f"{technique}/4g/{clients}clients",
        )
        for technique in TEXT_TECHNIQUES
    ]
    measured = await summary_figures(scenarios, TEXT_TOLERANCES)
    measured |= {"clients": float(clients), "rate_per_s": TEXT_RATE, "duration_s": duration}
    return Measurement(measured)


def rule_sse_vs_ws_text(figures: Mapping[str, float]) -> tuple[str, str]:
    """Holds if SSE and WebSocket agree on every measure within TEXT_TOLERANCES
    (relative or absolute); otherwise does not hold, naming what differs."""
    parts, differing = [], []
    for measure, (relative, absolute) in TEXT_TOLERANCES.items():
        sse, ws = figures[f"sse_{measure}"], figures[f"ws_{measure}"]
        label, unit = TEXT_LABELS[measure]
        part = f"{label} SSE {num(sse)} vs WS {num(ws)} {unit}"
        if not within(sse, ws, relative, absolute):
            differing.append(
                f"{label} ({relative_gap(ws, sse):+.0%}, {sse - ws:+.3g} {unit} for SSE)"
            )
        parts.append(part)
    tolerance = ", ".join(
        f"{TEXT_LABELS[m][0]} {r:.0%}" + (f" or {num(a)} {TEXT_LABELS[m][1]}" if a else "")
        for m, (r, a) in TEXT_TOLERANCES.items()
    )
    evidence = (
        f"{num(figures['clients'])} clients at {num(figures['rate_per_s'])} msg/s on 4G: "
        + "; ".join(parts)
        + f" (tolerances: {tolerance}). "
        + (
            "Differs: " + ", ".join(differing) + "; the rest agree."
            if differing
            else "All agree within tolerance."
        )
    )
    return ("does not hold" if differing else "holds"), evidence
