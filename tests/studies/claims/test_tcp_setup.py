"""The TCP set-up claim: its rule gives each verdict on synthetic figures; the
quick measurement opens one connection per request only without keep-alive."""

from __future__ import annotations

import pytest

from rtlab.studies.claims import tcp_setup
from tests.studies.claims.helpers import measured


def figures(fresh_cpu: float, kept_cpu: float = 1000.0) -> dict[str, float]:
    return {
        "clients": 4.0,
        "keepalive_cpu_us_per_request": kept_cpu,
        "fresh_cpu_us_per_request": fresh_cpu,
        "keepalive_connections_per_request": 0.05,
        "fresh_connections_per_request": 1.0,
    }


def test_tcp_setup_holds_when_a_new_connection_costs_half_as_much_again() -> None:
    verdict, evidence = tcp_setup.rule_tcp_setup(figures(1500.0))
    assert verdict == "holds"
    assert "1,500 µs of CPU per request against 1,000 µs with keep-alive" in evidence
    assert "1.50x (holds from 1.5x, does not hold up to 1.1x)." in evidence


def test_tcp_setup_does_not_hold_when_a_new_connection_costs_little_more() -> None:
    verdict, evidence = tcp_setup.rule_tcp_setup(figures(1080.0))
    assert verdict == "does not hold"
    assert "1.08x" in evidence


@pytest.mark.parametrize("fresh", [1101.0, 1300.0, 1499.0])
def test_tcp_setup_depends_in_between(fresh: float) -> None:
    assert tcp_setup.rule_tcp_setup(figures(fresh))[0] == "depends"


def test_the_quick_measurement_opens_a_connection_per_request_only_without_keepalive() -> None:
    result = measured("tcp_setup")
    figures = result.measured
    assert figures["fresh_connections_per_request"] == 1.0
    assert figures["keepalive_connections_per_request"] == pytest.approx(
        figures["clients"] / figures["keepalive_requests"]
    )
    assert figures["keepalive_delivered"] == figures["fresh_delivered"] > 0
    assert figures["fresh_cpu_us_per_request"] > 0 and figures["keepalive_cpu_us_per_request"] > 0
