"""The ranking claim: its rule on synthetic figures, its measurement in quick mode."""

from __future__ import annotations

from rtlab.studies.claims import ranking
from tests.studies.claims.helpers import measured


def ranking_figures(**changes: float) -> dict[str, float]:
    figures = {
        "ws_p50_ms": 31.5,
        "sse_p50_ms": 31.6,
        "longpoll_p50_ms": 65.0,
        "poll_p50_ms": 550.0,
        "ws_bytes_per_msg": 168.0,
        "sse_bytes_per_msg": 200.0,
        "longpoll_bytes_per_msg": 460.0,
        "poll_bytes_per_msg": 185.0,
        "rate_per_s": 20.0,
    }
    return figures | changes


def test_ranking_depends_when_some_steps_tie_or_reverse() -> None:
    verdict, evidence = ranking.rule_ranking(ranking_figures())
    assert verdict == "depends"
    assert "4 of 6 steps" in evidence
    assert "ws ≈ sse" in evidence and "poll beats longpoll" in evidence


def test_ranking_holds_only_when_every_step_wins_on_both_measures() -> None:
    strict = ranking_figures(sse_p50_ms=40.0, poll_bytes_per_msg=900.0)
    assert ranking.rule_ranking(strict)[0] == "holds"


def test_ranking_does_not_hold_when_no_step_wins() -> None:
    flat = {key: 100.0 for key in ranking_figures()}
    assert ranking.rule_ranking(flat)[0] == "does not hold"


def test_ranking_figures() -> None:
    f = measured("ranking").measured
    assert all(f[f"{t}_p50_ms"] > 0 and f[f"{t}_bytes_per_msg"] > 0 for t in ranking.RANKED)
    assert f["poll_p50_ms"] > 5 * f["ws_p50_ms"]  # polling every 1 s waits ~0.5 s
