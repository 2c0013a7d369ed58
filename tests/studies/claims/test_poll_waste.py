"""The short-poll waste claim: its rule gives each verdict on synthetic figures
and names where the gap opens; the quick measurement gives every ratio."""

from __future__ import annotations

import math

from rtlab.studies.claims import poll_waste as waste
from tests.studies.claims.helpers import measured


def figures(cpu: float, wire: float, at_50: float | None = None) -> dict[str, float]:
    """CPU and bytes ratios at 10 clients; at 50 every ratio `at_50` (or as at 10)."""
    made = {f"{t}_cpu_slope": 1e-4 for t in waste.TECHNIQUES}
    for n, (c, b) in ((10, (cpu, wire)), (50, (at_50 or cpu, at_50 or wire))):
        for other in ("sse", "ws"):
            made[f"ratio_server_cpu_per_s_{other}@{n}"] = c
            made[f"ratio_steady_bytes_per_msg_{other}@{n}"] = b
    return made


def test_holds_when_every_ratio_is_at_least_2x() -> None:
    verdict, evidence = waste.rule_poll_waste(figures(2.5, 3.0))
    assert verdict == "holds"
    assert "10 clients server CPU/s over SSE 2.50x" in evidence
    assert "the gap opens at 10 clients on server CPU/s over SSE" in evidence
    assert "poll 100 µs/s per client" in evidence


def test_does_not_hold_when_every_ratio_is_at_most_1_2x() -> None:
    verdict, evidence = waste.rule_poll_waste(figures(1.1, 1.0))
    assert verdict == "does not hold"
    assert "no ratio reaches 2x" in evidence


def test_depends_names_the_count_and_measure_where_the_gap_opens() -> None:
    verdict, evidence = waste.rule_poll_waste(figures(1.0, 1.1, at_50=2.2))
    assert verdict == "depends"
    assert "the gap opens at 50 clients on server CPU/s over SSE" in evidence


def test_cpu_under_resolution_is_said_and_decides_nothing() -> None:
    made = figures(2.5, 3.0) | {"ratio_server_cpu_per_s_ws@10": math.nan}
    verdict, evidence = waste.rule_poll_waste(made)
    assert verdict == "depends"
    assert "server CPU/s over WS under CPU resolution" in evidence


def test_the_quick_measurement_gives_every_ratio() -> None:
    got = measured("poll_waste").measured
    for n in waste.CLIENTS_QUICK:
        for other in ("sse", "ws"):
            assert got[f"ratio_steady_bytes_per_msg_{other}@{n}"] > 1.0  # poll repeats headers
    # 25 clients polling for 3 s keep the server busy for well over the tick resolution
    assert got["poll_server_cpu_per_s@25"] > 0
