"""The SSE periodic-requests claim: each verdict of its rule on synthetic figures,
and its measurement in quick mode (Chromium where it is installed)."""

from __future__ import annotations

import pytest

from rtlab.studies.claims import sse_requests
from tests.studies.claims.helpers import HAVE_CHROMIUM, measured


def figures(**changes: float) -> dict[str, float]:
    base = {
        "requests": 1.0,
        "bytes_up_after_first": 0.0,
        "connections": 1.0,
        "delivered": 150.0,
        "published": 150.0,
        "closing_server_requests": 60.0,
        "seconds": 15.0,
        "rate_per_s": 10.0,
        "browser_published": 150.0,
        "browser_received": 150.0,
        "browser_requests_while_flowing": 0.0,
        "browser_errors": 0.0,
        "browser_seconds": 15.0,
        "browser_rate": 10.0,
        "browser_closing_published": 30.0,
        "browser_closing_received": 30.0,
        "browser_closing_rate": 2.0,
        "browser_closing_requests_while_flowing": 24.0,
        "browser_closing_errors": 24.0,
        "browser_closing_seconds": 15.0,
    }
    return base | changes


def test_does_not_hold_when_the_eventsource_makes_no_further_request() -> None:
    verdict, evidence = sse_requests.rule_sse_periodic_requests(figures())
    assert verdict == "does not hold"
    assert (
        "In Chromium, a plain EventSource on rtlab's server (the response stays open) made 0 "
        "further SSE request(s) in 15 s with 10 messages/s flowing and got 150 of 150 messages; "
        "against a server that ends the response after each event it made 24 in 15 s at 2 "
        "messages/s (got 30 of 30), so repeated requests come from the server ending the "
        "response, not from EventSource."
    ) in evidence
    assert "rtlab's Python SSE client made 1 request(s) on 1 connection(s) and sent 0" in evidence


def test_holds_when_the_eventsource_asks_more_than_once_per_10_s() -> None:
    verdict, evidence = sse_requests.rule_sse_periodic_requests(
        figures(browser_requests_while_flowing=3.0)
    )
    assert verdict == "holds"
    assert "made 3 further SSE request(s) in 15 s" in evidence


@pytest.mark.parametrize("further", [1.0, 1.5])
def test_depends_on_a_single_further_request_in_15_s(further: float) -> None:
    verdict, _ = sse_requests.rule_sse_periodic_requests(
        figures(browser_requests_while_flowing=further)
    )
    assert verdict == "depends"


def test_not_testable_without_the_browser_but_gives_the_python_figures() -> None:
    without = {k: v for k, v in figures().items() if not k.startswith("browser")}
    verdict, evidence = sse_requests.rule_sse_periodic_requests(without)
    assert verdict == "not testable here"
    assert evidence.startswith("This claim is about what a browser does, and no Chromium")
    assert "Over 15 s with 10 messages/s flowing, rtlab's Python SSE client made 1" in evidence
    assert "and 60 requests against a server that closes after each event" in evidence


def test_sse_periodic_requests_figures() -> None:
    result = measured("sse_periodic_requests")
    f = result.measured
    assert f["requests"] == 1 and f["bytes_up_after_first"] == 0 and f["connections"] == 1
    assert f["closing_server_requests"] > 1
    if not HAVE_CHROMIUM:
        assert result.verdict == "not testable here"
        return
    assert f["browser_received"] == f["browser_published"] == 30
    assert f["browser_requests_while_flowing"] == 0
    assert f["browser_closing_received"] == f["browser_closing_published"] == 6
    assert f["browser_closing_requests_while_flowing"] > 1
    assert result.verdict == "does not hold"
