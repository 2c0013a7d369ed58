"""The reconnect claim: its rule on synthetic figures, its measurement in quick mode."""

from __future__ import annotations

import math

import pytest

from rtlab.studies.browser import BrowserUnavailable, chromium_path
from rtlab.studies.claims import reconnect
from tests.studies.claims.helpers import measured


def reconnect_figures(**changes: float) -> dict[str, float]:
    figures = {
        "sse_lost": 0.0,
        "sse_recover_ms": 225.0,
        "sse_reconnects": 1.0,
        "ws_lost": 0.0,
        "ws_recover_ms": 177.0,
        "ws_reconnects": 1.0,
        "ws_plain_lost": 40.0,
        "ws_plain_recover_ms": math.nan,
        "ws_plain_reconnects": 0.0,
        "server_retry_ms": 3000.0,
        "published": 60.0,
        "cut_at_s": 1.0,
    }
    return figures | changes


def test_sse_reconnect_needs_the_browser_without_browser_figures() -> None:
    verdict, evidence = reconnect.rule_sse_reconnect(reconnect_figures())
    assert verdict == "not testable here"
    assert "never recovered" in evidence and "lost 40" in evidence


@pytest.mark.parametrize(
    ("eventsource", "plain_ws", "expected"),
    [(1.0, 0.0, "holds"), (0.0, 0.0, "does not hold"), (1.0, 1.0, "depends")],
)
def test_sse_reconnect_with_browser_figures(
    eventsource: float, plain_ws: float, expected: str
) -> None:
    figures = reconnect_figures(
        browser_eventsource_recovered=eventsource, browser_ws_recovered=plain_ws
    )
    assert reconnect.rule_sse_reconnect(figures)[0] == expected


def test_sse_reconnect_figures() -> None:
    result = measured("sse_reconnect")
    f = result.measured
    try:
        chromium_path()
    except BrowserUnavailable:
        assert result.verdict == "not testable here"
    else:  # Chromium's EventSource recovered by itself; a plain WebSocket did not
        assert (f["browser_eventsource_recovered"], f["browser_ws_recovered"]) == (1.0, 0.0)
        assert result.verdict == "holds"
    assert f["sse_lost"] == 0 and f["ws_lost"] == 0
    assert f["sse_recover_ms"] > 0 and f["ws_recover_ms"] > 0
    assert f["ws_plain_lost"] > 0 and math.isnan(f["ws_plain_recover_ms"])
