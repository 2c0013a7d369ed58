"""The poll_new_connection claim: its rule on synthetic figures, and one real
quick run in Chromium under a loopback capture."""

from __future__ import annotations

import pytest

from rtlab.studies.claims.poll_connections import rule_poll_new_connection
from rtlab.views.claim_plots.poll_connections import poll_connections
from tests.studies.claims.helpers import HAVE_CHROMIUM, assert_readable, measured


def figures(new: float, polls: float = 20.0) -> dict[str, float]:
    return {
        "polls": polls,
        "interval_s": 1.0,
        "capture_available": 1.0,
        "syns": 2 * new,
        "new_connections": new,
        "share": new / polls,
        "browser_new_connections": new,
        "packets": 3 * polls + 6 * new,
    }


def test_holds_when_every_poll_opens_a_connection() -> None:
    verdict, evidence = rule_poll_new_connection(figures(20))
    assert verdict == "holds"
    assert "opened 20 new TCP connections (40 SYN/SYN-ACK segments among the 180 captured" in (
        evidence
    )
    assert "100 % of polls" in evidence
    assert "each poll paid a three-way handshake" in evidence


def test_does_not_hold_when_one_connection_is_reused() -> None:
    verdict, evidence = rule_poll_new_connection(figures(1))
    assert verdict == "does not hold"
    assert "opened 1 new TCP connections" in evidence
    assert "5 % of polls" in evidence
    assert "reused one keep-alive connection" in evidence


def test_depends_in_between() -> None:
    verdict, evidence = rule_poll_new_connection(figures(10))
    assert verdict == "depends"
    assert "50 % of polls" in evidence
    assert "closed between polls" in evidence


def test_not_testable_without_figures() -> None:
    assert rule_poll_new_connection({})[0] == "not testable here"


def test_without_a_capture_the_evidence_says_resource_timing_counted() -> None:
    verdict, evidence = rule_poll_new_connection(figures(0) | {"capture_available": 0.0})
    assert verdict == "does not hold"
    assert "0 new TCP connections (counted from Resource Timing, no packet capture here" in (
        evidence
    )


@pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium")
def test_real_quick_run() -> None:
    result = measured("poll_new_connection")
    assert result.measured["polls"] == 6
    assert 0 <= result.measured["new_connections"] <= 6
    assert result.measured["browser_new_connections"] <= 6
    assert result.measured["capture_available"] == 0 or result.measured["packets"] >= 6 * 2
    assert result.verdict in ("holds", "does not hold", "depends")
    assert_readable(poll_connections(result))
