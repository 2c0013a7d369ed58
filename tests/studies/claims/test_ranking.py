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


def test_ranking_rule_gives_depends_when_a_pair_is_a_trade_off() -> None:
    verdict, evidence = ranking.rule_ranking(ranking_figures())
    assert verdict == "depends"
    assert "4 of 6 steps" in evidence
    assert "ws ≈ sse" in evidence and "poll beats longpoll" in evidence
    assert "Pairs: ws vs sse: beats, sse vs longpoll: beats, longpoll vs poll: trade-off." in (
        evidence
    )


def test_ranking_rule_gives_holds_when_every_pair_wins_on_both_measures() -> None:
    strict = ranking_figures(sse_p50_ms=40.0, poll_bytes_per_msg=900.0)
    assert ranking.rule_ranking(strict)[0] == "holds"


def test_ranking_rule_gives_holds_on_a_latency_tie_when_bytes_decide() -> None:
    """WebSocket and SSE both sit on 4G's one-way delay: a tie, and the pair is
    ordered by the bytes it does differ on."""
    tied = ranking_figures(poll_bytes_per_msg=900.0)
    verdict, evidence = ranking.rule_ranking(tied)
    assert verdict == "holds"
    assert "median latency: ws ≈ sse" in evidence and "ws vs sse: beats" in evidence


def test_ranking_rule_gives_does_not_hold_when_no_step_wins() -> None:
    flat = {key: 100.0 for key in ranking_figures()}
    assert ranking.rule_ranking(flat)[0] == "does not hold"


def test_ranking_rule_gives_does_not_hold_when_a_pair_ties_on_every_measure() -> None:
    tied = ranking_figures(sse_bytes_per_msg=170.0, poll_bytes_per_msg=900.0)
    verdict, evidence = ranking.rule_ranking(tied)
    assert verdict == "does not hold"
    assert "ws vs sse: tie" in evidence


def test_ranking_rule_gives_does_not_hold_when_a_pair_is_reversed() -> None:
    reversed_pair = ranking_figures(poll_p50_ms=60.0, poll_bytes_per_msg=185.0)
    verdict, evidence = ranking.rule_ranking(reversed_pair)
    assert verdict == "does not hold"
    assert "longpoll vs poll: reversed" in evidence


def test_ranking_ties_within_the_latency_resolution() -> None:
    close = ranking_figures(ws_p50_ms=1.0, sse_p50_ms=2.5, poll_bytes_per_msg=900.0)
    assert "ws ≈ sse" in ranking.rule_ranking(close)[1]  # 60 % apart, but within 2 ms


def test_ranking_figures() -> None:
    f = measured("ranking").measured
    assert all(f[f"{t}_p50_ms"] > 0 and f[f"{t}_bytes_per_msg"] > 0 for t in ranking.RANKED)
    assert f["poll_p50_ms"] > 5 * f["ws_p50_ms"]  # polling every 1 s waits ~0.5 s
