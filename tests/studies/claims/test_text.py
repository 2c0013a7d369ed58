"""The SSE-vs-WebSocket-for-text claim: its rule on synthetic figures, its measurement
in quick mode."""

from __future__ import annotations

from rtlab.studies.claims import text
from tests.studies.claims.helpers import measured


def text_figures(**changes: float) -> dict[str, float]:
    figures = {
        "sse_p50_ms": 32.2,
        "ws_p50_ms": 31.7,
        "sse_p99_ms": 33.6,
        "ws_p99_ms": 32.9,
        "sse_bytes_per_msg": 205.0,
        "ws_bytes_per_msg": 173.0,
        "sse_server_cpu_s": 0.03,
        "ws_server_cpu_s": 0.03,
        "clients": 10.0,
        "rate_per_s": 20.0,
        "duration_s": 1.5,
    }
    return figures | changes


def test_sse_vs_ws_text_names_what_differs() -> None:
    verdict, evidence = text.rule_sse_vs_ws_text(text_figures())
    assert verdict == "does not hold"
    assert "Differs: wire bytes per message (+16%, +32 B for SSE)" in evidence


def test_sse_vs_ws_text_holds_within_tolerances() -> None:
    figures = text_figures(sse_bytes_per_msg=180.0, sse_server_cpu_s=0.07)
    verdict, evidence = text.rule_sse_vs_ws_text(figures)
    assert verdict == "holds"
    assert "All agree" in evidence


def test_sse_vs_ws_text_server_load_beyond_both_tolerances_differs() -> None:
    figures = text_figures(sse_bytes_per_msg=180.0, sse_server_cpu_s=1.0, ws_server_cpu_s=0.5)
    verdict, evidence = text.rule_sse_vs_ws_text(figures)
    assert verdict == "does not hold"
    assert "server CPU (+50%, +0.5 s for SSE)" in evidence


def test_sse_vs_ws_text_figures() -> None:
    f = measured("sse_vs_ws_text").measured
    assert f["sse_p50_ms"] > 25 and f["ws_p50_ms"] > 25
    assert f["sse_bytes_per_msg"] > f["ws_bytes_per_msg"] > 64
    assert f["sse_server_cpu_s"] >= 0 and f["ws_server_cpu_s"] >= 0
