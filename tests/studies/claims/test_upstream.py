"""The upstream-rate claim: its rule on synthetic figures, its measurement in quick mode."""

from __future__ import annotations

from rtlab.studies.claims import upstream
from tests.studies.claims.helpers import measured

RATES = (0.1, 0.15, 0.5, 1.0, 5.0, 10.0)


def upstream_figures(
    rates: tuple[float, ...] = RATES,
    post_ms: dict[float, float] | None = None,
    post_connections: dict[float, float] | None = None,
) -> dict[str, float]:
    """WebSocket and SSE + POST on warm connections at every rate unless told:
    the same latency, 415 B more per POST."""
    figures = {"post_cold_ms": 94.0, "keepalive_s": 5.0}
    for rate in rates:
        figures[f"ws_bytes@{rate:g}"] = 130.0
        figures[f"post_bytes@{rate:g}"] = 545.0
        figures[f"ws_p50_ms@{rate:g}"] = 31.6
        figures[f"post_p50_ms@{rate:g}"] = (post_ms or {}).get(rate, 31.9)
        figures[f"ws_connections_per_msg@{rate:g}"] = 0.0
        figures[f"post_connections_per_msg@{rate:g}"] = (post_connections or {}).get(rate, 0.0)
    return figures


def test_upstream_rate_rule_gives_does_not_hold_when_only_slow_senders_pay_new_connections() -> (
    None
):
    """What a 5 s keep-alive timeout does: below 1/5 s every POST opens a connection."""
    slow = {0.1: 1.0, 0.15: 1.0}
    figures = upstream_figures(post_ms={0.1: 94.0, 0.15: 95.0}, post_connections=slow)
    verdict, evidence = upstream.rule_upstream_rate(figures)
    assert verdict == "does not hold"
    assert "differ beyond tolerance at 0.1, 0.15/s, with a crossover between 0.15 and 0.5/s" in (
        evidence
    )
    assert "+415 B per message" in evidence


def test_upstream_rate_rule_gives_depends_when_the_designs_never_differ() -> None:
    """Bytes per message differ at every rate, but not by rate: no threshold there."""
    verdict, evidence = upstream.rule_upstream_rate(upstream_figures())
    assert verdict == "depends"
    assert "at no rate, with no crossover" in evidence
    assert "WebSocket ahead at every rate >= 1/s: no" in evidence


def test_upstream_rate_rule_gives_depends_when_the_designs_differ_at_every_rate() -> None:
    everywhere = {rate: 1.0 for rate in RATES}
    verdict, evidence = upstream.rule_upstream_rate(upstream_figures(post_connections=everywhere))
    assert verdict == "depends"
    assert "no difference at every rate <= 0.2/s: no" in evidence


def test_upstream_rate_rule_gives_holds_when_only_fast_senders_differ() -> None:
    fast = {rate: 95.0 for rate in RATES if rate >= 1}
    verdict, evidence = upstream.rule_upstream_rate(upstream_figures(post_ms=fast))
    assert verdict == "holds"
    assert "crossover between 0.5 and 1/s" in evidence


def test_upstream_rate_latency_alone_can_make_a_difference() -> None:
    figures = upstream_figures(rates=(0.2, 1.0, 5.0), post_ms={1.0: 95.0, 5.0: 95.0})
    assert upstream.rule_upstream_rate(figures)[0] == "holds"


def test_upstream_rate_new_connections_alone_make_a_difference() -> None:
    half = upstream_figures(post_connections={0.1: 0.5, 0.15: 0.5})
    assert upstream.rule_upstream_rate(half)[0] == "does not hold"
    fewer = upstream_figures(post_connections={0.1: 0.4, 0.15: 0.4})
    assert upstream.rule_upstream_rate(fewer)[0] == "depends"


def test_upstream_rate_figures() -> None:
    f = measured("upstream_rate").measured
    for rate in upstream.UPSTREAM_RATES_QUICK:
        assert f[f"post_bytes@{rate:g}"] > f[f"ws_bytes@{rate:g}"] > 0
        assert f[f"ws_p50_ms@{rate:g}"] > 25  # at least the 30 ms one-way delay of 4G
        assert f[f"ws_connections_per_msg@{rate:g}"] == 0
    assert f["post_cold_ms"] > f["post_p50_ms@1"] + 40  # a new connection costs a round trip
    # gaps over the 5 s keep-alive timeout: every POST opens a connection; under it, none
    assert f["post_connections_per_msg@0.15"] == 1
    assert f["post_connections_per_msg@1"] == f["post_connections_per_msg@10"] == 0
    assert f["post_p50_ms@0.15"] > f["ws_p50_ms@0.15"] + 40
