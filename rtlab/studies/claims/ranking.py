"""Seeds 000 and 002: for performance, WebSocket > SSE > long polling > short
polling. Measured as median latency and wire bytes per message of each
technique on 4G at one rate; judged pair by pair along the claimed order.

"Performance" here is what the seeds weigh when they rank the techniques:
how soon a message arrives (median latency) and what it costs the network
(wire bytes per message). Server CPU is left out: a short run at 20 msg/s
uses a few 10 ms clock ticks, too coarse to rank on. On 4G the push
techniques' latency is the link's one-way delay, so WebSocket and SSE tie on
it (within RANKING_TIE or RANKING_RESOLUTION); a tie is a tie, and a pair is
then ordered by what does differ.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from rtlab.studies.claims.base import Measurement, num, relative_gap, within
from rtlab.studies.claims.harness import summary_figures
from rtlab.studies.experiments import Scenario

__all__ = [
    "RANKED",
    "RANKING_MEASURES",
    "RANKING_POLL_INTERVAL",
    "RANKING_RESOLUTION",
    "measure_ranking",
    "rule_ranking",
]

RANKED = ("ws", "sse", "longpoll", "poll")
RANKING_RATE = 20.0  # messages/s: the standard comparison's rate, faster than a 4G RTT
RANKING_POLL_INTERVAL = 1.0  # the seeds' setInterval(..., 1000)
RANKING_TIE = 0.10  # two techniques within 10 % of each other are tied on a measure
RANKING_MEASURES = {"p50_ms": "median latency", "bytes_per_msg": "wire bytes per message"}
RANKING_RESOLUTION = {"p50_ms": 2.0, "bytes_per_msg": 1.0}  # ms, B: closer is a tie too


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


def _compare(figures: Mapping[str, float], first: str, second: str, measure: str) -> int:
    """+1 if `first` is lower (better) on `measure` beyond the tie, -1 if
    `second` is, 0 for a tie."""
    a, b = figures[f"{first}_{measure}"], figures[f"{second}_{measure}"]
    if within(a, b, RANKING_TIE, RANKING_RESOLUTION[measure]):
        return 0
    return 1 if relative_gap(a, b) > 0 else -1


def _pair(signs: list[int]) -> str:
    """A pair's outcome from its per-measure comparisons."""
    if all(sign == 0 for sign in signs):
        return "tie"
    if min(signs) >= 0:
        return "beats"
    if max(signs) <= 0:
        return "reversed"
    return "trade-off"


def rule_ranking(figures: Mapping[str, float]) -> tuple[str, str]:
    """Each adjacent pair of the claimed order (ws, sse, longpoll, poll) on
    each measure of RANKING_MEASURES: the first is better when it is lower
    beyond a tie (RANKING_TIE relative or RANKING_RESOLUTION absolute). A pair
    is in the claimed order ("beats") when the first is better on some measure
    and worse on none; tied on every measure, reversed (the second better on
    some, worse on none) or a trade-off (each better on one) otherwise.

    Holds if every pair beats; does not hold if some pair is tied or reversed
    (the claimed strict order is contradicted); depends if the only
    exceptions are trade-offs (the order depends on which measure counts)."""
    steps: list[str] = []
    signs: dict[tuple[str, str], list[int]] = {pair: [] for pair in itertools.pairwise(RANKED)}
    wins = 0
    for measure in RANKING_MEASURES:
        parts = []
        for first, second in itertools.pairwise(RANKED):
            sign = _compare(figures, first, second, measure)
            signs[first, second].append(sign)
            wins += sign > 0
            parts.append(
                f"{first} beats {second}"
                if sign > 0
                else f"{second} beats {first}"
                if sign < 0
                else f"{first} ≈ {second}"
            )
        steps.append(f"{RANKING_MEASURES[measure]}: " + ", ".join(parts))
    pairs = {pair: _pair(pair_signs) for pair, pair_signs in signs.items()}
    outcomes = set(pairs.values())
    if outcomes == {"beats"}:
        verdict = "holds"
    elif outcomes & {"tie", "reversed"}:
        verdict = "does not hold"
    else:
        verdict = "depends"
    total = len(RANKING_MEASURES) * (len(RANKED) - 1)
    latency = ", ".join(f"{t} {num(figures[f'{t}_p50_ms'])}" for t in RANKED)
    size = ", ".join(f"{t} {num(figures[f'{t}_bytes_per_msg'])}" for t in RANKED)
    judged = ", ".join(f"{a} vs {b}: {outcome}" for (a, b), outcome in pairs.items())
    evidence = (
        f"On 4G at {num(figures['rate_per_s'])} msg/s, median latency (ms) was {latency} and "
        f"wire bytes per message {size}. The claimed order wins {wins} of {total} steps "
        f"(ties within {RANKING_TIE:.0%}, {num(RANKING_RESOLUTION['p50_ms'])} ms or "
        f"{num(RANKING_RESOLUTION['bytes_per_msg'])} B): "
        + "; ".join(steps)
        + f". Pairs: {judged}."
    )
    return verdict, evidence
