"""The idle-WebSocket claim: its rule on synthetic figures, its measurement in quick mode."""

from __future__ import annotations

import pytest

from rtlab.studies.claims import idle
from tests.studies.claims.helpers import measured


def idle_figures(**changes: float) -> dict[str, float]:
    figures = {
        "no_hb_idle_closes": 2.0,
        "no_hb_reconnects": 2.0,
        "no_hb_connections": 3.0,
        "hb_idle_closes": 0.0,
        "hb_reconnects": 0.0,
        "hb_connections": 1.0,
        "direct_idle_closes": 0.0,
        "direct_reconnects": 0.0,
        "direct_connections": 1.0,
        "idle_timeout_s": 1.0,
        "heartbeat_s": 0.3,
        "seconds": 3.0,
    }
    return figures | changes


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "depends"),
        ({"direct_reconnects": 1.0}, "holds"),
        ({"no_hb_idle_closes": 0.0}, "does not hold"),
    ],
)
def test_ws_idle_rule(changes: dict[str, float], expected: str) -> None:
    assert idle.rule_ws_idle(idle_figures(**changes))[0] == expected


def test_ws_idle_says_when_the_heartbeat_did_not_help() -> None:
    verdict, evidence = idle.rule_ws_idle(idle_figures(hb_idle_closes=1.0))
    assert verdict == "depends"
    assert "did not prevent" in evidence


def test_ws_idle_figures() -> None:
    result = measured("ws_idle")
    f = result.measured
    assert f["no_hb_idle_closes"] >= 1 and f["no_hb_reconnects"] >= 1
    assert f["hb_idle_closes"] == 0 and f["direct_idle_closes"] == 0
    assert result.verdict == "depends"
