"""sse_client_must_reconnect: each verdict of its rule on synthetic figures, and
the quick measurement in Chromium (skipped without it)."""

from __future__ import annotations

import math

import pytest

from rtlab.studies.claims.must_reconnect import rule_sse_client_must_reconnect
from tests.studies.claims.helpers import NO_CHROMIUM, measured


def case(name: str, recovered: bool) -> dict[str, float]:
    return {
        f"{name}_published": 220.0,
        f"{name}_received": 220.0 if recovered else 20.0,
        f"{name}_received_after_cut": 200.0 if recovered else 0.0,
        f"{name}_recovered": float(recovered),
        f"{name}_errors": 10.0 if recovered else 2.0,
        f"{name}_reconnects": 9.0 if recovered else 0.0,
        f"{name}_ready_state": 1.0 if recovered else 2.0,
        f"{name}_server_requests": 10.0 if recovered else 2.0,
        f"{name}_server_rejected": 0.0 if name == "cut" else 1.0,
        f"{name}_recovered_after_ms": 1003.7 if recovered else math.nan,
    }


def figures(cut: bool, error: bool) -> dict[str, float]:
    settings = {"rate": 20.0, "cut_after": 20.0, "retry_ms": 1000.0, "wait_s": 10.0}
    return settings | case("cut", cut) | case("error", error)


def test_depends_when_it_recovers_from_the_cut_but_not_the_503() -> None:
    verdict, evidence = rule_sse_client_must_reconnect(figures(cut=True, error=False))
    assert verdict == "depends"
    assert evidence.startswith(
        "In Chromium, over the 10 s after the server cut it after message 20 of a 20 msg/s "
        "stream (and after every 20th since; retry: 1,000 ms), a plain EventSource with no "
        "reconnect code recovered by itself (200 messages after the cut, the first 1,004 ms "
        "after its error), got 220 of 220 messages with 9 reconnects and ended OPEN "
        "(readyState 1); when its reconnect was answered HTTP 503 (1 refused, the server "
        "would have served the next), it stayed down (nothing after the cut), got 20 of 220 "
        "messages with 0 reconnects and ended CLOSED (readyState 2)."
    )
    assert evidence.endswith(
        "It recovers from a cut connection but not from an error status: that one needs the "
        "page's own reconnect code."
    )


def test_depends_names_the_other_way_round_too() -> None:
    verdict, evidence = rule_sse_client_must_reconnect(figures(cut=False, error=True))
    assert verdict == "depends"
    assert evidence.endswith("It recovers from the error status but not from a cut connection.")


def test_does_not_hold_when_it_recovers_from_both() -> None:
    verdict, evidence = rule_sse_client_must_reconnect(figures(cut=True, error=True))
    assert verdict == "does not hold"
    assert "it recovered by itself (200 messages after the cut" in evidence


def test_holds_when_it_stays_down_after_both() -> None:
    verdict, evidence = rule_sse_client_must_reconnect(figures(cut=False, error=False))
    assert verdict == "holds"
    assert evidence.count("stayed down (nothing after the cut)") == 2


def test_not_testable_without_chromium() -> None:
    verdict, evidence = rule_sse_client_must_reconnect({})
    assert verdict == "not testable here"
    assert "no Chromium was found" in evidence


@pytest.mark.skipif(bool(NO_CHROMIUM), reason=NO_CHROMIUM or "Chromium is installed")
def test_quick_measurement_in_chromium() -> None:
    result = measured("sse_client_must_reconnect")
    got = result.measured
    assert got["wait_s"] == 3.0
    assert got["cut_published"] == got["error_published"] == 80.0  # 1 s + 3 s at 20/s
    # the cut: Chromium's EventSource reconnects (retry 1 s) and resumes
    assert got["cut_recovered"] == 1.0 and got["cut_reconnects"] >= 1
    assert got["cut_server_rejected"] == 0.0
    # the 503: one reconnect refused, and the EventSource stays CLOSED
    assert got["error_server_rejected"] == 1.0 and got["error_server_requests"] == 2.0
    assert (got["error_recovered"], got["error_ready_state"]) == (0.0, 2.0)
    assert got["error_received"] in (19.0, 20.0)  # Chromium may drop the one before a cut
    assert result.verdict == "depends"
