"""The SSE savings claim: its rule gives each verdict on synthetic figures and
names where the gap closes; the quick measurement gives every ratio."""

from __future__ import annotations

import math

from rtlab.studies.claims import sse_savings as savings
from tests.studies.claims.helpers import measured


def figures(short: float, long: float, long_at_20: float | None = None) -> dict[str, float]:
    """SSE's ratios over short and long polling at both rates (long at 20 as given)."""
    made = {"clients": 50.0}
    for rate in (1, 20):
        for m in savings.MEASURES:
            made[f"ratio_{m}_poll@{rate}"] = short
            made[f"ratio_{m}_longpoll@{rate}"] = long if rate == 1 else (long_at_20 or long)
    return made


def test_holds_when_sse_needs_at_most_half_everywhere() -> None:
    verdict, evidence = savings.rule_sse_saves_resources(figures(0.3, 0.5))
    assert verdict == "holds"
    assert "at 1 msg/s steady bytes over short polling 0.30x" in evidence
    assert "SSE stays at most 0.5x everywhere" in evidence


def test_does_not_hold_when_sse_is_no_cheaper_than_long_polling_at_both_rates() -> None:
    verdict, evidence = savings.rule_sse_saves_resources(figures(0.3, 1.1))
    assert verdict == "does not hold"
    assert "the gap closes at 1 msg/s against long polling on steady bytes" in evidence


def test_depends_names_the_rate_and_technique_where_the_gap_closes() -> None:
    verdict, evidence = savings.rule_sse_saves_resources(figures(0.3, 0.4, long_at_20=0.8))
    assert verdict == "depends"
    assert "the gap closes at 20 msg/s against long polling on steady bytes" in evidence


def test_cpu_under_resolution_is_said() -> None:
    made = figures(0.3, 0.4) | {"ratio_server_cpu_us_per_msg_poll@1": math.nan}
    verdict, evidence = savings.rule_sse_saves_resources(made)
    assert verdict == "depends"
    assert "server CPU over short polling under CPU resolution" in evidence


def test_the_quick_measurement_gives_every_ratio() -> None:
    got = measured("sse_saves_resources").measured
    for rate in (1, 20):
        for poll in ("poll", "longpoll"):
            assert got[f"ratio_steady_bytes_per_msg_{poll}@{rate}"] > 0
    # a short poll repeats its request headers for one message a second at 1 msg/s
    assert got["ratio_steady_bytes_per_msg_poll@1"] < 1.0
