"""Seed 000 (also 002, 003): SSE "不需要建立或保持大量的客户端发往服务器端的请求，
节约了很多资源" (needs no stream of client requests, and so saves a lot).

SSE, short polling every `POLL_EVERY` (1 s) and long polling on 4G with the
server in its own process, `CLIENTS` clients (quick: `CLIENTS_QUICK`), at
`RATES` (1 and 20 msg/s). Per delivered message: steady-state wire bytes and
server CPU (NaN when under the tick resolution, `resolved_cpu`). Each ratio
is SSE's over the poll's.

Rule:
- holds if every ratio is at most `SAVES` (0.5) at both rates;
- does not hold if SSE's figure is at least 1.0x either poll's on some
  measure at both rates;
- depends otherwise, naming the rate and technique where the gap closes (the
  first ratio above 0.5). A NaN ratio decides nothing (at most "depends").
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rtlab.studies.claims.base import Measurement
from rtlab.studies.claims.harness import ratio, swept_figures
from rtlab.studies.experiments import Scenario

__all__ = ["MEASURES", "RATES", "measure_sse_saves_resources", "rule_sse_saves_resources"]

RATES = (1.0, 20.0)
CLIENTS = 50
CLIENTS_QUICK = 10
POLL_EVERY = 1.0  # s
SAVES = 0.5
POLLS = {"poll": "short polling", "longpoll": "long polling"}
MEASURES = {"steady_bytes_per_msg": "steady bytes", "server_cpu_us_per_msg": "server CPU"}


async def measure_sse_saves_resources(quick: bool) -> Measurement:
    """SSE and both polls at each rate; the measures and SSE's ratios."""
    clients = CLIENTS_QUICK if quick else CLIENTS
    scenarios = [
        Scenario(
            technique,
            clients=clients,
            rate=rate,
            duration=3.0 if quick else 5.0,
            poll_interval=POLL_EVERY,
            network="4g",
            server="process",
            label=f"{technique}/4g/{rate:g}ps",
        )
        for rate in RATES
        for technique in ("sse", *POLLS)
    ]
    measured = {"clients": float(clients)} | await swept_figures(scenarios, MEASURES)
    for rate in RATES:
        for measure in MEASURES:
            sse = measured[f"sse_{measure}@{rate:g}"]
            for poll in POLLS:
                other = measured[f"{poll}_{measure}@{rate:g}"]
                measured[f"ratio_{measure}_{poll}@{rate:g}"] = ratio(sse, other)
    return Measurement(measured)


def _ratios(figures: Mapping[str, float], rate: float) -> dict[tuple[str, str], float]:
    return {(poll, m): figures[f"ratio_{m}_{poll}@{rate:g}"] for poll in POLLS for m in MEASURES}


def rule_sse_saves_resources(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    by_rate = {rate: _ratios(figures, rate) for rate in RATES}
    every = [r for ratios in by_rate.values() for r in ratios.values()]
    if all(r <= SAVES for r in every):
        verdict = "holds"
    elif any(all(by_rate[rate][key] >= 1.0 for rate in RATES) for key in by_rate[RATES[0]]):
        verdict = "does not hold"
    else:
        verdict = "depends"
    closes = next(
        (
            f"the gap closes at {rate:g} msg/s against {POLLS[poll]} on {MEASURES[m]}"
            for rate in RATES
            for (poll, m), r in by_rate[rate].items()
            if not r <= SAVES
        ),
        "SSE stays at most 0.5x everywhere",
    )
    parts = [
        f"at {rate:g} msg/s "
        + ", ".join(
            f"{MEASURES[m]} over {POLLS[poll]} "
            + (f"{r:.2f}x" if not math.isnan(r) else "under CPU resolution")
            for (poll, m), r in ratios.items()
        )
        for rate, ratios in by_rate.items()
    ]
    evidence = (
        f"SSE against short polling every {POLL_EVERY:g} s and long polling on 4G, "
        f"{figures['clients']:.0f} clients, per delivered message (SSE/poll): "
        f"{'; '.join(parts)}; {closes} (holds at most {SAVES}x everywhere)."
    )
    return verdict, evidence
