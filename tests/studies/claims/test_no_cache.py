"""sse_no_cache: each verdict of its rule on synthetic figures, and the quick
measurement in Chromium (skipped without it)."""

from __future__ import annotations

import pytest

from rtlab.studies.claims.no_cache import rule_sse_no_cache
from tests.studies.claims.helpers import NO_CHROMIUM, measured


def figures(without_p50: float = 1.1, without_missed: float = 0.0, **changes: float) -> dict:
    base = {"interval_s": 1.0}
    for case, header in (("with", 1.0), ("without", 0.0)):
        base |= {
            f"{case}_cache_control": header,
            f"{case}_published": 30.0,
            f"{case}_received": 30.0,
            f"{case}_missed": 0.0,
            f"{case}_latency_n": 30.0,
            f"{case}_latency_p50_ms": 0.9,
            f"{case}_latency_p90_ms": 1.8,
            f"{case}_latency_max_ms": 2.4,
            f"{case}_second_replayed": 0.0,
            f"{case}_second_got_next": 1.0,
        }
    base["without_latency_p50_ms"] = without_p50
    base["without_missed"] = without_missed
    base["without_received"] = 30.0 - without_missed
    base["without_latency_n"] = 30.0 - without_missed
    return base | changes


def test_does_not_hold_when_both_deliver_everything_alike() -> None:
    verdict, evidence = rule_sse_no_cache(figures())
    assert verdict == "does not hold"
    assert evidence == (
        "In Chromium on loopback, 30 events at one per 1 s reached a plain EventSource with a "
        "median latency of 0.9 ms (n=30, 0 missed) with Cache-Control: no-cache and 1.1 ms "
        "(n=30, 0 missed) without it, 0.2 ms apart; a second page opening the same URL got 0 "
        "and 0 stored events before the next publish (with and without), and 2 of 2 got that "
        "one live."
    )


def test_holds_when_events_come_100_ms_later_without_no_cache() -> None:
    verdict, evidence = rule_sse_no_cache(figures(without_p50=100.9))
    assert verdict == "holds"
    assert "101 ms (n=30, 0 missed) without it, 100 ms apart" in evidence


def test_holds_when_events_are_missed_without_no_cache() -> None:
    verdict, evidence = rule_sse_no_cache(figures(without_missed=3.0))
    assert verdict == "holds"
    assert "(n=27, 3 missed) without it" in evidence


def test_holds_when_the_second_page_is_answered_from_storage() -> None:
    verdict, evidence = rule_sse_no_cache(figures(without_second_replayed=30.0))
    assert verdict == "holds"
    assert "got 0 and 30 stored events before the next publish" in evidence


def test_depends_between_the_thresholds() -> None:
    verdict, evidence = rule_sse_no_cache(figures(without_p50=50.9))
    assert verdict == "depends"
    assert "without it, 50 ms apart" in evidence


def test_not_testable_without_chromium() -> None:
    assert rule_sse_no_cache({})[0] == "not testable here"


@pytest.mark.skipif(bool(NO_CHROMIUM), reason=NO_CHROMIUM or "Chromium is installed")
def test_quick_measurement_in_chromium() -> None:
    result = measured("sse_no_cache")
    got = result.measured
    assert (got["with_cache_control"], got["without_cache_control"]) == (1.0, 0.0)
    for case in ("with", "without"):
        assert got[f"{case}_published"] == got[f"{case}_latency_n"] == 8.0
        assert got[f"{case}_missed"] == 0.0
        assert 0 < got[f"{case}_latency_p50_ms"] < 50  # loopback
        assert got[f"{case}_second_got_next"] == 1.0
    assert len(result.series["without_latency_ms"]) == 8
    assert result.verdict in ("holds", "does not hold", "depends")
