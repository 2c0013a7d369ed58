"""The SSE periodic-requests claim: its rule on synthetic figures, its measurement in
quick mode."""

from __future__ import annotations

import pytest

from rtlab.studies.claims import sse_requests
from tests.studies.claims.helpers import measured


@pytest.mark.parametrize(
    ("requests", "up", "connections", "expected"),
    [(1, 0, 1, "does not hold"), (4, 480, 4, "holds"), (1, 60, 1, "depends")],
)
def test_sse_periodic_requests_rule(
    requests: float, up: float, connections: float, expected: str
) -> None:
    figures = {
        "requests": requests,
        "bytes_up_after_first": up,
        "connections": connections,
        "delivered": 30.0,
        "published": 30.0,
        "closing_server_requests": 15.0,
        "seconds": 3.0,
        "rate_per_s": 10.0,
    }
    verdict, evidence = sse_requests.rule_sse_periodic_requests(figures)
    assert verdict == expected
    assert "rtlab's Python SSE client made" in evidence
    assert "not a browser's EventSource; what a browser sends is not measured here yet." in (
        evidence
    )


def test_sse_periodic_requests_figures() -> None:
    result = measured("sse_periodic_requests")
    f = result.measured
    assert f["requests"] == 1 and f["bytes_up_after_first"] == 0 and f["connections"] == 1
    assert f["closing_server_requests"] > 1
    assert result.verdict == "does not hold"
