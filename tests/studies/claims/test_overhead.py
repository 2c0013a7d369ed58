"""The WebSocket overhead claim: its rule gives each verdict on synthetic
figures; the quick measurement captures packets (skipped without tcpdump)."""

from __future__ import annotations

from rtlab.studies.claims import overhead
from tests.studies.claims.helpers import measured


def figures(ws_bytes: tuple[float, float], ws_ms: float = 32.0) -> dict[str, float]:
    """WebSocket's bytes at 1 and 20 msg/s against polls at 1,000 and 600 B."""
    made = {}
    for rate, ws, poll, longpoll in zip(
        (1, 20), ws_bytes, (1000.0, 600.0), (800.0, 700.0), strict=True
    ):
        made |= {
            f"ws_ip_bytes_per_msg@{rate}": ws,
            f"poll_ip_bytes_per_msg@{rate}": poll,
            f"longpoll_ip_bytes_per_msg@{rate}": longpoll,
            f"ws_p50_ms@{rate}": ws_ms,
            f"poll_p50_ms@{rate}": 250.0,
            f"longpoll_p50_ms@{rate}": 61.0,
        }
    return made


def test_holds_when_websocket_needs_half_the_bytes_and_no_more_time() -> None:
    verdict, evidence = overhead.rule_ws_low_overhead(figures((300.0, 250.0)))
    assert verdict == "holds"
    assert "at 1 msg/s ws 300 B and 32 ms, poll 1,000 B and 250 ms, longpoll 800 B" in evidence


def test_does_not_hold_when_a_poll_is_as_cheap_at_either_rate() -> None:
    verdict, evidence = overhead.rule_ws_low_overhead(figures((300.0, 600.0)))
    assert verdict == "does not hold"
    assert "at 20 msg/s ws 600 B" in evidence


def test_depends_when_websocket_saves_less_than_half_or_is_slower() -> None:
    verdict, evidence = overhead.rule_ws_low_overhead(figures((300.0, 320.0)))
    assert verdict == "depends"
    assert evidence.endswith("falls short against poll at 20 msg/s.")
    assert overhead.rule_ws_low_overhead(figures((300.0, 250.0), ws_ms=70.0))[0] == "depends"


def test_without_a_capture_it_is_not_testable_here() -> None:
    verdict, evidence = overhead.rule_ws_low_overhead({})
    assert verdict == "not testable here"
    assert "tcpdump" in evidence


def test_the_quick_measurement_counts_every_technique_at_both_rates() -> None:
    result = measured("ws_low_overhead")
    if not result.measured:
        assert result.verdict == "not testable here"
        return
    for rate in (1, 20):
        for technique in ("ws", "poll", "longpoll"):
            assert result.measured[f"{technique}_ip_bytes_per_msg@{rate}"] > 40
        # one connection, no request per message: headers never repeat
        assert result.measured[f"ws_ip_bytes_per_msg@{rate}"] < 600
    # a short poll every 0.5 s at 1 msg/s pays about two requests per message
    assert result.measured["poll_ip_bytes_per_msg@1"] > result.measured["ws_ip_bytes_per_msg@1"]
