"""The upstream POST cost claim: its rule gives each verdict on synthetic
figures; the quick measurement sends on a warm connection, never a new one."""

from __future__ import annotations

import pytest

from rtlab.studies.claims import post_cost
from tests.studies.claims.helpers import measured


def figures(post_bytes: float, post_cpu: float = 120.0, post_ms: float = 33.0) -> dict[str, float]:
    return {
        "rate": 2.0,
        "ws_bytes_per_msg": 100.0,
        "ws_cpu_us_per_msg": 100.0,
        "ws_p50_ms": 32.0,
        "post_bytes_per_msg": post_bytes,
        "post_cpu_us_per_msg": post_cpu,
        "post_p50_ms": post_ms,
    }


def test_holds_when_a_post_costs_little_more_on_every_measure() -> None:
    verdict, evidence = post_cost.rule_post_overhead_small(figures(150.0))
    assert verdict == "holds"
    assert "a POST beside SSE cost 150 B on the wire against 100 B" in evidence
    assert "(1.5x)" in evidence and "(+1.0 ms)" in evidence


@pytest.mark.parametrize(
    "made", [figures(300.0), figures(120.0, post_cpu=300.0), figures(120.0, post_ms=92.0)]
)
def test_does_not_hold_from_three_times_the_cost_or_a_round_trip(made: dict[str, float]) -> None:
    assert post_cost.rule_post_overhead_small(made)[0] == "does not hold"


@pytest.mark.parametrize("made", [figures(200.0), figures(120.0, post_ms=50.0)])
def test_depends_in_between(made: dict[str, float]) -> None:
    assert post_cost.rule_post_overhead_small(made)[0] == "depends"


def test_the_quick_measurement_posts_on_a_warm_connection() -> None:
    result = measured("post_overhead_small")
    got = result.measured
    assert got["post_connections_per_msg"] == 0 and got["ws_connections_per_msg"] == 0
    # a POST carries its HTTP request and response heads; a frame does not
    assert got["post_bytes_per_msg"] > 2 * got["ws_bytes_per_msg"]
    assert got["ws_cpu_us_per_msg"] > 0 and got["post_cpu_us_per_msg"] > 0
    assert 30 < got["ws_p50_ms"] < 300 and 30 < got["post_p50_ms"] < 300
