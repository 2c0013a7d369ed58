"""The full-duplex claim: its rule gives each verdict on synthetic figures; the
quick measurement delivers every message both ways on one WebSocket."""

from __future__ import annotations

import pytest

from rtlab.studies.claims import duplex
from tests.studies.claims.helpers import measured


def figures(both_down: float, both_up: float, delivered: float = 60.0) -> dict[str, float]:
    return {
        "rate": 20.0,
        "count": 60.0,
        "down_down_p50_ms": 100.0,
        "up_up_p50_ms": 100.0,
        "both_down_p50_ms": both_down,
        "both_up_p50_ms": both_up,
        "both_down_delivered": delivered,
        "both_up_delivered": 60.0,
    }


def test_duplex_holds_when_each_direction_keeps_its_latency() -> None:
    verdict, evidence = duplex.rule_ws_full_duplex(figures(109.0, 95.0))
    assert verdict == "holds"
    assert "server->client 109 ms with both against 100 ms alone" in evidence
    assert "60 of 60 messages" in evidence and evidence.endswith(".")


def test_duplex_does_not_hold_when_a_direction_waits_a_round_trip() -> None:
    verdict, evidence = duplex.rule_ws_full_duplex(figures(100.0, 160.0))
    assert verdict == "does not hold"
    assert "client->server 160 ms with both" in evidence


def test_duplex_does_not_hold_when_messages_go_missing() -> None:
    verdict, evidence = duplex.rule_ws_full_duplex(figures(100.0, 100.0, delivered=30.0))
    assert verdict == "does not hold"
    assert "30 of 60 messages" in evidence


@pytest.mark.parametrize("both", [(115.0, 100.0), (100.0, 159.0)])
def test_duplex_depends_in_between(both: tuple[float, float]) -> None:
    assert duplex.rule_ws_full_duplex(figures(*both))[0] == "depends"


def test_the_quick_measurement_delivers_both_ways_at_once() -> None:
    f = measured("ws_full_duplex").measured
    for key in ("down_down", "up_up", "both_down", "both_up"):
        assert f[f"{key}_delivered"] == f["count"] == 60.0
        assert 0 < f[f"{key}_p50_ms"] < 1000
