"""The SSE-vs-WebSocket-for-text claim: its rule on synthetic figures, its measurement
in quick mode."""

from __future__ import annotations

from rtlab.studies.claims import text
from tests.studies.claims.helpers import measured

# steady-state bytes per message at each of TEXT_SIZES: SSE's ~32 B more framing
SSE_FRAMING = {
    16: (129.0, 96.0),
    64: (177.0, 146.0),
    1024: (1140.0, 1108.0),
    16384: (16502.0, 16469.0),
}


def text_figures(
    by_size: dict[int, tuple[float, float]] = SSE_FRAMING, **changes: float
) -> dict[str, float]:
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
    for size, (sse, ws) in by_size.items():
        figures |= {f"sse_bytes_per_msg@{size}": sse, f"ws_bytes_per_msg@{size}": ws}
    return figures | changes


def test_sse_vs_ws_text_rule_gives_depends_when_bytes_differ_only_for_small_messages() -> None:
    verdict, evidence = text.rule_sse_vs_ws_text(text_figures())
    assert verdict == "depends"
    assert "16 B 129 vs 96 (+26%), 64 B 177 vs 146 (+18%), 1,024 B 1,140 vs 1,108 (+3%)" in (
        evidence
    )
    assert "the difference drops under 10% from 1,024 B on" in evidence
    assert "Latency and server CPU agree within tolerance." in evidence


def test_sse_vs_ws_text_rule_gives_holds_within_tolerances() -> None:
    close = {size: (ws * 1.05, ws) for size, (_, ws) in SSE_FRAMING.items()}
    figures = text_figures(close, sse_server_cpu_s=0.07)
    verdict, evidence = text.rule_sse_vs_ws_text(figures)
    assert verdict == "holds"
    assert "they agree within 10% at every size" in evidence
    assert "All agree" in evidence


def test_sse_vs_ws_text_rule_gives_does_not_hold_when_bytes_differ_at_every_size() -> None:
    apart = {size: (ws * 1.5, ws) for size, (_, ws) in SSE_FRAMING.items()}
    verdict, evidence = text.rule_sse_vs_ws_text(text_figures(apart))
    assert verdict == "does not hold"
    assert "they differ by more than 10% at 16,384 B still" in evidence


def test_sse_vs_ws_text_rule_gives_does_not_hold_when_server_load_differs() -> None:
    figures = text_figures(sse_server_cpu_s=1.0, ws_server_cpu_s=0.5)
    verdict, evidence = text.rule_sse_vs_ws_text(figures)
    assert verdict == "does not hold"
    assert "server CPU (+50%, +0.5 s for SSE)" in evidence


def test_sse_vs_ws_text_rule_gives_does_not_hold_when_latency_differs() -> None:
    figures = text_figures(sse_p50_ms=60.0)
    verdict, evidence = text.rule_sse_vs_ws_text(figures)
    assert verdict == "does not hold"
    assert "Differs: median latency (+47%, +28.3 ms for SSE)" in evidence


def test_sse_vs_ws_text_figures() -> None:
    f = measured("sse_vs_ws_text").measured
    assert f["sse_p50_ms"] > 25 and f["ws_p50_ms"] > 25
    assert f["sse_bytes_per_msg"] > f["ws_bytes_per_msg"] > 64
    assert f["sse_server_cpu_s"] >= 0 and f["ws_server_cpu_s"] >= 0
    # SSE's framing costs the same bytes at every size: over 10 % of a 16 B message,
    # under 10 % of a 16 KiB one
    extra = [f[f"sse_bytes_per_msg@{s}"] - f[f"ws_bytes_per_msg@{s}"] for s in text.TEXT_SIZES]
    assert all(20 < e < 50 for e in extra)
    assert f["sse_bytes_per_msg@16"] > 1.1 * f["ws_bytes_per_msg@16"]
    assert f["sse_bytes_per_msg@16384"] < 1.1 * f["ws_bytes_per_msg@16384"]
