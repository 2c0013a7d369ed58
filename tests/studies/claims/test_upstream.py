"""The upstream-rate claim: its rule on synthetic figures, its measurement in quick mode."""

from __future__ import annotations

from rtlab.studies.claims import upstream
from tests.studies.claims.helpers import measured


def upstream_figures(
    rates: tuple[float, ...] = (0.2, 1.0, 5.0),
    post_bytes: dict[float, float] | None = None,
    post_ms: dict[float, float] | None = None,
) -> dict[str, float]:
    figures = {"post_cold_ms": 94.0}
    for rate in rates:
        figures[f"ws_bytes@{rate:g}"] = 130.0
        figures[f"post_bytes@{rate:g}"] = (post_bytes or {}).get(rate, 545.0)
        figures[f"ws_p50_ms@{rate:g}"] = 31.6
        figures[f"post_p50_ms@{rate:g}"] = (post_ms or {}).get(rate, 31.9)
    return figures


def test_upstream_rate_does_not_hold_when_the_gap_is_per_message() -> None:
    verdict, evidence = upstream.rule_upstream_rate(upstream_figures())
    assert verdict == "does not hold"
    assert "+415 B" in evidence and "per message" in evidence


def test_upstream_rate_holds_when_only_fast_senders_differ() -> None:
    figures = upstream_figures(post_bytes={0.2: 135.0})
    assert upstream.rule_upstream_rate(figures)[0] == "holds"


def test_upstream_rate_depends_on_a_mixed_picture() -> None:
    figures = upstream_figures(rates=(0.2, 1.0, 5.0), post_bytes={0.2: 135.0, 5.0: 131.0})
    assert upstream.rule_upstream_rate(figures)[0] == "depends"


def test_upstream_rate_latency_alone_can_make_a_difference() -> None:
    same_bytes = {rate: 131.0 for rate in (0.2, 1.0, 5.0)}
    figures = upstream_figures(post_bytes=same_bytes, post_ms={1.0: 95.0, 5.0: 95.0})
    assert upstream.rule_upstream_rate(figures)[0] == "holds"


def test_upstream_rate_figures() -> None:
    f = measured("upstream_rate").measured
    for rate in upstream.UPSTREAM_RATES_QUICK:
        assert f[f"post_bytes@{rate:g}"] > f[f"ws_bytes@{rate:g}"] > 0
        assert f[f"ws_p50_ms@{rate:g}"] > 25  # at least the 30 ms one-way delay of 4G
    assert f["post_cold_ms"] > f["post_p50_ms@1"] + 40  # a new connection costs a round trip
