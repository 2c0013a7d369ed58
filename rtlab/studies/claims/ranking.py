"""Seeds 000 and 002: for performance, WebSocket > SSE > long polling > short
polling. Measured as median latency and wire bytes per message of each
technique on 4G at one rate; judged step by step along the claimed order."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from rtlab.studies.claims.base import Measurement, num, relative_gap
from rtlab.studies.claims.harness import summary_figures
from rtlab.studies.experiments import Scenario

__all__ = [
    "RANKED",
    "RANKING_MEASURES",
    "RANKING_POLL_INTERVAL",
    "measure_ranking",
    "rule_ranking",
]

RANKED = ("ws", "sse", "longpoll", "poll")
RANKING_RATE = 20.0  # messages/s: the standard comparison's rate, faster than a 4G RTT
RANKING_POLL_INTERVAL = 1.0  # the seeds' setInterval(..., 1000)
RANKING_TIE = 0.10  # two techniques within 10 % of each other are tied on a measure
RANKING_MEASURES = {"p50_ms": "median latency", "bytes_per_msg": "wire bytes per message"}


async def measure_ranking(quick: bool) -> Measurement:
    """Each ranked technique on 4G at RANKING_RATE, short polling every second."""
    duration = 1.5 if quick else 5.0
    scenarios = [
        Scenario(
            technique,
            rate=RANKING_RATE,
            duration=duration,
            network="4g",
            poll_interval=RANKING_POLL_INTERVAL,
            label=f"{technique}/4g/{RANKING_RATE:g}ps",
        )
        for technique in RANKED
    ]
    measured = await summary_figures(scenarios, RANKING_MEASURES)
    measured["rate_per_s"] = RANKING_RATE
    return Measurement(measured)


def rule_ranking(figures: Mapping[str, float]) -> tuple[str, str]:
    """Each adjacent pair of the claimed order (ws, sse, longpoll, poll) on each
    measure: the first "beats" the second when it is lower by more than
    RANKING_TIE, ties within it, else the order is reversed. Holds if every
    step is a win on both measures; does not hold if none is; else depends."""
    steps: list[str] = []
    wins = 0
    for measure in RANKING_MEASURES:
        parts = []
        for first, second in itertools.pairwise(RANKED):
            gap = relative_gap(figures[f"{first}_{measure}"], figures[f"{second}_{measure}"])
            if gap > RANKING_TIE:
                wins += 1
                parts.append(f"{first} beats {second}")
            elif gap < -RANKING_TIE:
                parts.append(f"{second} beats {first}")
            else:
                parts.append(f"{first} ≈ {second}")
        steps.append(f"{RANKING_MEASURES[measure]}: " + ", ".join(parts))
    total = len(RANKING_MEASURES) * (len(RANKED) - 1)
    verdict = "holds" if wins == total else "does not hold" if wins == 0 else "depends"
    latency = ", ".join(f"{t} {num(figures[f'{t}_p50_ms'])}" for t in RANKED)
    size = ", ".join(f"{t} {num(figures[f'{t}_bytes_per_msg'])}" for t in RANKED)
    evidence = (
        f"On 4G at {num(figures['rate_per_s'])} msg/s, median latency (ms) was {latency} and "
        f"wire bytes per message {size}. The claimed order holds in {wins} of {total} steps "
        f"(ties within {RANKING_TIE:.0%}): " + "; ".join(steps) + "."
    )
    return verdict, evidence
