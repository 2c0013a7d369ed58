"""The long-poll savings claim: its rule gives each verdict on synthetic
figures and names the crossover; the quick measurement sweeps both rates."""

from __future__ import annotations

import math

from rtlab.studies.claims import longpoll_savings as savings
from tests.studies.claims.helpers import measured


def figures(at_1: float, at_20: float, at_5: float | None = None) -> dict[str, float]:
    """Every measure's long/short ratio at 1 and 20 msg/s (and 5 if given)."""
    made = {"clients": 10.0}
    for rate, ratio in ((1, at_1), (5, at_5), (20, at_20)):
        if ratio is not None:
            made |= {f"ratio_{m}@{rate}": ratio for m in savings.MEASURES}
    return made


def test_holds_when_long_polling_needs_at_most_0_8x_everywhere() -> None:
    verdict, evidence = savings.rule_longpoll_vs_poll(figures(0.5, 0.8))
    assert verdict == "holds"
    assert "at 1 msg/s requests 0.50x, steady bytes 0.50x, server CPU 0.50x" in evidence
    assert "stay below short polling's at every rate" in evidence


def test_does_not_hold_when_long_polling_saves_nothing_at_either_rate() -> None:
    verdict, evidence = savings.rule_longpoll_vs_poll(figures(1.0, 2.6))
    assert verdict == "does not hold"
    assert "from 1 msg/s long polling's steady bytes per message are at least" in evidence


def test_depends_when_it_saves_at_one_rate_and_names_the_crossover() -> None:
    verdict, evidence = savings.rule_longpoll_vs_poll(figures(0.75, 2.64, at_5=1.2))
    assert verdict == "depends"
    assert "from 5 msg/s long polling's steady bytes" in evidence
    assert savings.rates_swept(figures(0.75, 2.64, at_5=1.2)) == [1.0, 5.0, 20.0]


def test_the_quick_measurement_gives_every_ratio_at_both_rates() -> None:
    got = measured("longpoll_vs_poll").measured
    for rate in (1, 20):
        for measure in savings.MEASURES:
            ratio = got[f"ratio_{measure}@{rate}"]
            assert not math.isnan(ratio) and ratio > 0
    # a long poll answers one batch per round trip; a 1 s short poll far fewer at 20/s
    assert got["longpoll_requests_per_msg@20"] > 3 * got["poll_requests_per_msg@20"]
