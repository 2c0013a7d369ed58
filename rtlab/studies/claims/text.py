"""Seed 003: for text, SSE and WebSocket don't differ in latency, bandwidth or
server load. Latency and server load are measured with several clients of each
on 4G, the server in its own process so that its CPU time is its own.
Bandwidth is measured as steady-state wire bytes per message (after the
handshakes) at each text size of TEXT_SIZES: each SSE message carries a fixed
~30 B more framing than a WebSocket frame (`id:`, `event: message`, `data:`,
the blank line, the HTTP chunk header), which is far over the 10 % tolerance
of a 16 B message and far under it of a 16 KiB one, so the size at which the
difference drops under the tolerance is part of the verdict. Judged within
the tolerances of TEXT_TOLERANCES."""

from __future__ import annotations

import random
import string
from collections.abc import Mapping, Sequence

from rtlab.lab import Lab
from rtlab.netem import Relay
from rtlab.studies.claims.base import Measured, Measurement, num, relative_gap, within
from rtlab.studies.claims.harness import steady_bytes, summary_figures
from rtlab.studies.experiments import Scenario

__all__ = [
    "TEXT_LABELS",
    "TEXT_SIZES",
    "TEXT_TECHNIQUES",
    "TEXT_TOLERANCES",
    "measure_sse_vs_ws_text",
    "rule_sse_vs_ws_text",
]

TEXT_TECHNIQUES = ("sse", "ws")
TEXT_RATE = 20.0  # messages/s
TEXT_SIZES = (16, 64, 1024, 16384)  # characters of text per message, for the bytes
TEXT_TOLERANCES = {  # measure: (relative, absolute) tolerance; within either is "no difference"
    "p50_ms": (0.10, 2.0),
    "p99_ms": (0.20, 5.0),
    "bytes_per_msg": (0.10, 0.0),  # at each of TEXT_SIZES, steady state
    "server_cpu_s": (0.25, 0.05),
}
TEXT_LABELS = {
    "p50_ms": ("median latency", "ms"),
    "p99_ms": ("p99 latency", "ms"),
    "bytes_per_msg": ("wire bytes per message", "B"),
    "server_cpu_s": ("server CPU", "s"),
}


async def _bytes_by_size(count: int) -> Measured:
    """Steady-state wire bytes per message of SSE and WebSocket at each of
    TEXT_SIZES (`sse_bytes_per_msg@SIZE`), `count` messages of random letters each."""
    rng = random.Random(0)
    measured: Measured = {}
    async with Lab() as lab, Relay.for_url(lab.url) as relay:
        for size in TEXT_SIZES:
            texts = ["".join(rng.choices(string.ascii_letters, k=size)) for _ in range(count)]
            wire, _ = await steady_bytes(lab, relay, f"text-{size}", texts)
            measured |= {f"{t}_bytes_per_msg@{size}": wire[t] for t in TEXT_TECHNIQUES}
    return measured


async def measure_sse_vs_ws_text(quick: bool) -> Measurement:
    """Each technique's summary measures of TEXT_TOLERANCES, one run each
    (its bytes per message include the connection set-up; the rule reads the
    steady-state bytes at each of TEXT_SIZES instead)."""
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
    measured |= await _bytes_by_size(3 if quick else 20)
    measured |= {"clients": float(clients), "rate_per_s": TEXT_RATE, "duration_s": duration}
    return Measurement(measured)


def sizes_in(figures: Mapping[str, float]) -> list[int]:
    """The text sizes measured, from the figures' `sse_bytes_per_msg@SIZE` keys."""
    prefix = "sse_bytes_per_msg@"
    return sorted(int(key[len(prefix) :]) for key in figures if key.startswith(prefix))


def _bytes_differ(figures: Mapping[str, float], sizes: Sequence[int]) -> dict[int, bool]:
    relative, absolute = TEXT_TOLERANCES["bytes_per_msg"]
    return {
        size: not within(
            figures[f"sse_bytes_per_msg@{size}"],
            figures[f"ws_bytes_per_msg@{size}"],
            relative,
            absolute,
        )
        for size in sizes
    }


def _bytes_evidence(figures: Mapping[str, float], differs: Mapping[int, bool]) -> str:
    """The bytes per size, and from which size on they agree within tolerance."""
    parts = []
    for size in differs:
        sse, ws = figures[f"sse_bytes_per_msg@{size}"], figures[f"ws_bytes_per_msg@{size}"]
        parts.append(f"{size:,} B {num(sse)} vs {num(ws)} ({relative_gap(ws, sse):+.0%})")
    sizes = list(differs)
    agreeing_from = next(
        (size for i, size in enumerate(sizes) if not any(differs[s] for s in sizes[i:])), None
    )
    tolerance = f"{TEXT_TOLERANCES['bytes_per_msg'][0]:.0%}"
    if agreeing_from is None:
        end = f"they differ by more than {tolerance} at {sizes[-1]:,} B still"
    elif agreeing_from == sizes[0]:
        end = f"they agree within {tolerance} at every size"
    else:
        end = f"the difference drops under {tolerance} from {agreeing_from:,} B on"
    return (
        "steady-state wire bytes per message, SSE vs WS, at text sizes "
        + ", ".join(parts)
        + f": {end}"
    )


def rule_sse_vs_ws_text(figures: Mapping[str, float]) -> tuple[str, str]:
    """Latency (p50, p99) and server CPU agree if within TEXT_TOLERANCES
    (relative or absolute); bytes per message agree at a size if within 10 %.

    Does not hold if latency or server CPU differs, or the bytes differ at
    every size; holds if everything agrees at every size; depends (on the
    message size: the evidence says from which size the bytes agree) if only
    the bytes differ, and only at some sizes."""
    parts, differing = [], []
    for measure, (relative, absolute) in TEXT_TOLERANCES.items():
        if measure == "bytes_per_msg":
            continue
        sse, ws = figures[f"sse_{measure}"], figures[f"ws_{measure}"]
        label, unit = TEXT_LABELS[measure]
        parts.append(f"{label} SSE {num(sse)} vs WS {num(ws)} {unit}")
        if not within(sse, ws, relative, absolute):
            differing.append(
                f"{label} ({relative_gap(ws, sse):+.0%}, {sse - ws:+.3g} {unit} for SSE)"
            )
    differs = _bytes_differ(figures, sizes_in(figures))
    if differing or all(differs.values()):
        verdict = "does not hold"
    elif not any(differs.values()):
        verdict = "holds"
    else:
        verdict = "depends"
    tolerance = ", ".join(
        f"{TEXT_LABELS[m][0]} {r:.0%}" + (f" or {num(a)} {TEXT_LABELS[m][1]}" if a else "")
        for m, (r, a) in TEXT_TOLERANCES.items()
    )
    evidence = (
        f"{num(figures['clients'])} clients at {num(figures['rate_per_s'])} msg/s on 4G: "
        + "; ".join(parts)
        + f"; {_bytes_evidence(figures, differs)} (tolerances: {tolerance}). "
        + (
            "Differs: " + ", ".join(differing) + "; the rest agree."
            if differing
            else "Latency and server CPU agree within tolerance."
            if any(differs.values())
            else "All agree within tolerance."
        )
    )
    return verdict, evidence
