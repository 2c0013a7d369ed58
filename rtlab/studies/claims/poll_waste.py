"""Seeds 000, 002, 004: short polling "严重浪费了服务器端和客户端的资源" (seriously
wastes server and client resources), and "人数越多，服务器端压力越大" (the more
users, the heavier the server's load).

Short polling every `POLL_EVERY` (1 s), SSE and WebSocket, on 4G at
`RATE` (1 msg/s) with the server in its own process, at each client count
(`CLIENTS_FULL`; quick: `CLIENTS_QUICK`). Measured: server CPU per second of
the run (`resolved_cpu`: NaN when under the tick resolution) and steady-state
wire bytes per delivered message. The client side is not measured (no client
CPU figure). Ratios are short polling's over SSE's and over WebSocket's.

Rule:
- holds if every ratio is at least `WASTES` (2x) at every client count;
- does not hold if every ratio is at most `SAME` (1.2x) at every count;
- depends otherwise, naming the first client count and measure where a
  ratio reaches 2x. A ratio that is NaN (CPU under resolution) decides nothing:
  with one, the verdict is at most "depends".
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from rtlab.studies.claims.base import Measurement, num
from rtlab.studies.claims.harness import ratio
from rtlab.studies.experiments import Scenario, arun_many, resolved_cpu

__all__ = ["CLIENTS_FULL", "CLIENTS_QUICK", "MEASURES", "measure_poll_waste", "rule_poll_waste"]

CLIENTS_FULL = (10, 50, 200)
CLIENTS_QUICK = (5, 25)
RATE = 1.0  # msg/s
POLL_EVERY = 1.0  # s
WASTES = 2.0
SAME = 1.2
TECHNIQUES = ("poll", "sse", "ws")
MEASURES = {"server_cpu_per_s": "server CPU/s", "steady_bytes_per_msg": "steady bytes/msg"}


async def measure_poll_waste(quick: bool) -> Measurement:
    """Each technique at each client count; the measures, ratios and CPU slopes."""
    counts = CLIENTS_QUICK if quick else CLIENTS_FULL
    duration = 3.0 if quick else 5.0
    scenarios = [
        Scenario(
            technique,
            clients=n,
            rate=RATE,
            duration=duration,
            poll_interval=POLL_EVERY,
            network="4g",
            server="process",
            label=f"{technique}/4g/{n}c",
        )
        for n in counts
        for technique in TECHNIQUES
    ]
    summary = (await arun_many(scenarios, progress=False)).summary()
    cpu = resolved_cpu(pd.Series(summary["server_cpu_s"].astype(float)))
    measured: dict[str, float] = {"duration_s": duration}
    for row, cpu_s in zip(summary.itertuples(index=False), cpu, strict=True):
        key = f"{row.technique}_{{}}@{row.clients}"
        measured[key.format("server_cpu_per_s")] = float(cpu_s) / duration
        measured[key.format("server_cpu_us_per_msg")] = float(row.server_cpu_us_per_msg)
        measured[key.format("steady_bytes_per_msg")] = float(row.steady_bytes_per_msg)
    for n in counts:
        for measure in MEASURES:
            poll = measured[f"poll_{measure}@{n}"]
            for other in ("sse", "ws"):
                base = measured[f"{other}_{measure}@{n}"]
                measured[f"ratio_{measure}_{other}@{n}"] = ratio(poll, base)
    for technique in TECHNIQUES:
        low, high = (measured[f"{technique}_server_cpu_per_s@{n}"] for n in (counts[0], counts[-1]))
        measured[f"{technique}_cpu_slope"] = (high - low) / (counts[-1] - counts[0])
    return Measurement(measured)


def counts_swept(figures: Mapping[str, float]) -> list[int]:
    """The client counts measured, from the poll/SSE bytes ratio keys."""
    prefix = "ratio_steady_bytes_per_msg_sse@"
    return sorted(int(k.removeprefix(prefix)) for k in figures if k.startswith(prefix))


def _ratios(figures: Mapping[str, float], n: int) -> dict[str, float]:
    return {
        f"{label} over {other.upper()}": figures[f"ratio_{m}_{other}@{n}"]
        for m, label in MEASURES.items()
        for other in ("sse", "ws")
    }


def rule_poll_waste(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    counts = counts_swept(figures)
    ratios = [r for n in counts for r in _ratios(figures, n).values()]
    if all(r >= WASTES for r in ratios):
        verdict = "holds"
    elif all(r <= SAME for r in ratios):
        verdict = "does not hold"
    else:
        verdict = "depends"
    opens = next(
        (
            f"the gap opens at {n} clients on {name}"
            for n in counts
            for name, r in _ratios(figures, n).items()
            if r >= WASTES
        ),
        "no ratio reaches 2x",
    )
    parts = [
        f"{n} clients "
        + ", ".join(
            f"{name} {r:.2f}x" if not math.isnan(r) else f"{name} under CPU resolution"
            for name, r in _ratios(figures, n).items()
        )
        for n in counts
    ]
    slopes = ", ".join(
        f"{t} {num(figures[f'{t}_cpu_slope'] * 1e6)} µs/s per client" for t in TECHNIQUES
    )
    evidence = (
        f"Short polling every {POLL_EVERY:g} s against SSE and WebSocket on 4G at {RATE:g} "
        f"msg/s (poll/other): {'; '.join(parts)}; {opens}; server CPU growth {slopes} "
        f"(holds at least {WASTES:g}x everywhere; client side not measured)."
    )
    return verdict, evidence
