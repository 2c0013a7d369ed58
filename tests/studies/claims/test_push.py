"""sse_push_no_request: each verdict of its rule on synthetic figures, and the
quick measurement (Python on 4G; Chromium too where it is installed)."""

from __future__ import annotations

from rtlab.studies.claims.push import rule_sse_push_no_request
from tests.studies.claims.helpers import HAVE_CHROMIUM, measured


def figures(**changes: float) -> dict[str, float]:
    base = {
        "python_published": 150.0,
        "python_delivered": 150.0,
        "python_requests": 1.0,
        "python_connections": 1.0,
        "python_reconnects": 0.0,
        "python_bytes_up_after_connect": 0.0,
        "python_p50_ms": 31.76,
        "python_latency_n": 150.0,
        "one_way_ms": 30.0,
        "rate": 20.0,
        "browser_published": 150.0,
        "browser_received": 150.0,
        "browser_latency_n": 150.0,
        "browser_latency_p50_ms": 1.17,
        "browser_requests_while_flowing": 0.0,
        "browser_errors": 0.0,
    }
    return base | changes


def test_holds_with_one_request_no_upstream_and_a_one_way_median() -> None:
    verdict, evidence = rule_sse_push_no_request(figures())
    assert verdict == "holds"
    assert evidence == (
        "rtlab's Python SSE client on the 4G link (30 ms one way) made 1 request(s) on 1 "
        "connection(s) for 150 messages at 20/s, sent 0 bytes upstream after connecting, and "
        "got each a median 31.8 ms after its scheduled publish (n=150), 1.76 ms above the "
        "one-way delay. In Chromium on loopback, a plain EventSource got 150 of 150 with a "
        "median latency of 1.17 ms (n=150), and the server received 0 SSE requests after its "
        "first while they flowed (0 errors)."
    )


def test_does_not_hold_when_the_browser_sends_requests() -> None:
    verdict, evidence = rule_sse_push_no_request(figures(browser_requests_while_flowing=7.0))
    assert verdict == "does not hold"
    assert "the server received 7 SSE requests after its first" in evidence


def test_does_not_hold_when_the_median_is_a_round_trip_above() -> None:
    verdict, evidence = rule_sse_push_no_request(figures(python_p50_ms=90.0))
    assert verdict == "does not hold"
    assert "a median 90 ms after its scheduled publish (n=150), 60 ms above" in evidence


def test_depends_with_upstream_bytes_but_no_request() -> None:
    verdict, evidence = rule_sse_push_no_request(figures(python_bytes_up_after_connect=52.0))
    assert verdict == "depends"
    assert "sent 52 bytes upstream after connecting" in evidence


def test_depends_with_a_median_between_the_thresholds() -> None:
    assert rule_sse_push_no_request(figures(python_p50_ms=55.0))[0] == "depends"


def test_judges_the_python_client_alone_without_chromium() -> None:
    python_only = {k: v for k, v in figures().items() if not k.startswith("browser_")}
    verdict, evidence = rule_sse_push_no_request(python_only)
    assert verdict == "holds"
    assert evidence.endswith("the verdict is the Python client's alone.")


def test_quick_measurement() -> None:
    got = measured("sse_push_no_request").measured
    assert got["python_published"] == got["python_delivered"] == got["python_latency_n"] == 40.0
    assert (got["python_requests"], got["python_connections"]) == (1.0, 1.0)
    assert got["python_bytes_up_after_connect"] == 0.0
    assert 30.0 <= got["python_p50_ms"] < 45.0  # 30 ms one way on the 4G link
    if HAVE_CHROMIUM:
        assert got["browser_received"] == got["browser_latency_n"] == 40.0
        assert got["browser_requests_at_open"] == 1.0
        assert got["browser_requests_while_flowing"] == 0.0
        assert 0 < got["browser_latency_p50_ms"] < 20.0  # loopback
