"""Seeds 000, 002, 004: long polling "明显减少了很多不必要的http请求次数，相比之下
节约了资源" (makes far fewer needless HTTP requests than short polling, and so
saves resources).

Both polls on 4G with the server in its own process (its CPU time its own),
short polling every `POLL_EVERY` (1 s), swept over the publish rate
(`SAVINGS_RATES_FULL`; quick: `SAVINGS_RATES_QUICK`). Per delivered message:
requests, steady-state wire bytes (connection set-up left out,
`Result.summary`'s `steady_bytes_per_msg`) and server CPU. Each measure's
ratio is long polling's over short polling's.

Rule, at the judged rates `JUDGED_RATES` (1 and 20 msg/s):
- holds if every ratio is at most `SAVES` (0.8) at both rates;
- does not hold if every ratio is at least 1.0 at both rates (long polling
  saves nothing anywhere);
- depends otherwise. The evidence gives the crossover: the lowest swept rate
  from which long polling's steady bytes per message are at least short
  polling's (`bytes_cross_rate`, NaN when they never are).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rtlab.studies.claims.base import Measurement, num
from rtlab.studies.claims.harness import ratio, swept_figures
from rtlab.studies.experiments import Scenario

__all__ = [
    "JUDGED_RATES",
    "MEASURES",
    "SAVINGS_RATES_FULL",
    "SAVINGS_RATES_QUICK",
    "measure_longpoll_vs_poll",
    "rates_swept",
    "rule_longpoll_vs_poll",
]

SAVINGS_RATES_FULL = (0.2, 1.0, 5.0, 20.0)
SAVINGS_RATES_QUICK = (1.0, 20.0)
JUDGED_RATES = (1.0, 20.0)
POLL_EVERY = 1.0  # s
SAVES = 0.8
MEASURES = {
    "requests_per_msg": "requests",
    "steady_bytes_per_msg": "steady bytes",
    "server_cpu_us_per_msg": "server CPU",
}


async def measure_longpoll_vs_poll(quick: bool) -> Measurement:
    """Both polls at each rate; each measure per delivered message, and the ratios."""
    rates = SAVINGS_RATES_QUICK if quick else SAVINGS_RATES_FULL
    clients = 4 if quick else 10
    scenarios = [
        Scenario(
            technique,
            clients=clients,
            rate=rate,
            duration=max(3.0 if quick else 5.0, 3 / rate),
            poll_interval=POLL_EVERY,
            network="4g",
            server="process",
            label=f"{technique}/4g/{rate:g}ps",
        )
        for rate in rates
        for technique in ("poll", "longpoll")
    ]
    measured = {"clients": float(clients)} | await swept_figures(scenarios, MEASURES)
    for rate in rates:
        for measure in MEASURES:
            long, short = (measured[f"{t}_{measure}@{rate:g}"] for t in ("longpoll", "poll"))
            measured[f"ratio_{measure}@{rate:g}"] = ratio(long, short)
    return Measurement(measured)


def rates_swept(figures: Mapping[str, float]) -> list[float]:
    """The rates measured, from the `ratio_requests_per_msg@RATE` keys."""
    prefix = "ratio_requests_per_msg@"
    return sorted(float(k.removeprefix(prefix)) for k in figures if k.startswith(prefix))


def _cross_rate(figures: Mapping[str, float]) -> float:
    for rate in rates_swept(figures):
        if figures[f"ratio_steady_bytes_per_msg@{rate:g}"] >= 1.0:
            return rate
    return math.nan


def rule_longpoll_vs_poll(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    ratios = [figures[f"ratio_{m}@{r:g}"] for r in JUDGED_RATES for m in MEASURES]
    if all(ratio <= SAVES for ratio in ratios):
        verdict = "holds"
    elif all(ratio >= 1.0 for ratio in ratios):
        verdict = "does not hold"
    else:
        verdict = "depends"
    parts = [
        f"at {rate:g} msg/s "
        + ", ".join(
            f"{label} {figures[f'ratio_{m}@{rate:g}']:.2f}x" for m, label in MEASURES.items()
        )
        for rate in rates_swept(figures)
    ]
    cross = _cross_rate(figures)
    where = (
        f"from {cross:g} msg/s long polling's steady bytes per message are at least short polling's"
        if not math.isnan(cross)
        else "long polling's steady bytes per message stay below short polling's at every rate"
    )
    evidence = (
        f"Long polling against short polling every {POLL_EVERY:g} s on 4G, "
        f"{num(figures['clients'])} clients, per delivered message (long/short): "
        f"{'; '.join(parts)}; {where} (holds at most {SAVES}x on every measure at 1 and 20 "
        "msg/s)."
    )
    return verdict, evidence
