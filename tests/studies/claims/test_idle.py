"""The idle-WebSocket claim: its rule on synthetic figures, its measurement in quick
mode, and the same measurement under other proxy and ping settings."""

from __future__ import annotations

from rtlab.aio import run_sync
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
        "idle_timeout_s": 2.0,
        "heartbeat_s": 0.83,
        "seconds": 5.0,
    }
    return figures | changes


def test_ws_idle_rule_gives_holds_when_dropped_without_heartbeat_and_kept_with_it() -> None:
    verdict, evidence = idle.rule_ws_idle(idle_figures())
    assert verdict == "holds"
    assert "a proxy with a 2 s idle timeout closed the silent WebSocket 2 times" in evidence
    assert "not from WebSocket itself" in evidence


def test_ws_idle_rule_gives_does_not_hold_when_the_socket_survives_without_heartbeat() -> None:
    verdict, _ = idle.rule_ws_idle(idle_figures(no_hb_idle_closes=0.0, no_hb_reconnects=0.0))
    assert verdict == "does not hold"


def test_ws_idle_rule_gives_depends_when_the_heartbeat_did_not_help() -> None:
    verdict, evidence = idle.rule_ws_idle(idle_figures(hb_idle_closes=1.0, heartbeat_s=3.0))
    assert verdict == "depends"
    assert "did not prevent" in evidence


def test_ws_idle_rule_gives_holds_even_if_a_direct_path_drops_too() -> None:
    verdict, evidence = idle.rule_ws_idle(idle_figures(direct_reconnects=1.0))
    assert verdict == "holds"
    assert "not from WebSocket itself" not in evidence


def test_ws_idle_figures() -> None:
    result = measured("ws_idle")
    f = result.measured
    assert f["no_hb_idle_closes"] >= 1 and f["no_hb_reconnects"] >= 1
    assert f["hb_idle_closes"] == 0 and f["direct_idle_closes"] == 0
    assert (f["idle_timeout_s"], f["heartbeat_s"]) == (idle.IDLE_TIMEOUT, idle.IDLE_HEARTBEAT)
    assert result.verdict == "holds"


def test_ws_idle_measures_depends_with_pings_slower_than_the_proxy_timeout() -> None:
    f = run_sync(idle.measure_ws_idle(True, idle_timeout=0.8, heartbeat=2.0)).measured
    assert f["hb_idle_closes"] >= 1 and f["no_hb_idle_closes"] >= 1
    assert idle.rule_ws_idle(f)[0] == "depends"


def test_ws_idle_measures_does_not_hold_behind_a_proxy_slower_than_the_run() -> None:
    f = run_sync(idle.measure_ws_idle(True, idle_timeout=30.0)).measured
    assert f["no_hb_idle_closes"] == 0
    assert idle.rule_ws_idle(f)[0] == "does not hold"
