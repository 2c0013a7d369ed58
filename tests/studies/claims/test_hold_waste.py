"""The held-long-poll claim: its rule gives each verdict on synthetic figures;
the quick measurement holds every long poll and finds a positive memory cost."""

from __future__ import annotations

from rtlab.studies.claims import hold_waste
from rtlab.views.claim_plots import DRAWERS
from tests.studies.claims.helpers import assert_readable, measured


def figures(kib: float, cpu: float, kib_1000: float = 1.0) -> dict[str, float]:
    return {
        "idle_s": 20.0,
        "aiohttp_kib_per_request@100": kib,
        "aiohttp_cpu_pct@100": cpu,
        "aiohttp_kib_per_request@1000": kib_1000,
        "aiohttp_cpu_pct@1000": 0.01,
    }


def test_hold_waste_holds_from_ten_kib_per_held_request() -> None:
    verdict, evidence = hold_waste.rule_longpoll_hold_waste(figures(12.5, 0.05))
    assert verdict == "holds"
    assert "aiohttp with 100 held: 12.5 KiB per held request and 0.05 % of a core idle" in (
        evidence
    )
    assert "aiohttp with 1,000 held: 1 KiB per held request" in evidence
    assert "(holds from 10 KiB or 1 %, does not hold under 2 KiB and 0.1 %" in evidence
    assert "only the event-loop server was measured" in evidence


def test_hold_waste_holds_from_one_percent_of_a_core_idle() -> None:
    verdict, evidence = hold_waste.rule_longpoll_hold_waste(figures(1.0, 1.5))
    assert verdict == "holds"
    assert "1.5 % of a core idle" in evidence


def test_hold_waste_does_not_hold_when_cheap_at_every_count() -> None:
    verdict, evidence = hold_waste.rule_longpoll_hold_waste(figures(1.5, 0.05))
    assert verdict == "does not hold"
    assert "Long polls held 20 s on an empty topic" in evidence


def test_hold_waste_depends_in_between() -> None:
    verdict, evidence = hold_waste.rule_longpoll_hold_waste(figures(5.0, 0.05))
    assert verdict == "depends"
    assert "5 KiB per held request" in evidence


def test_both_servers_are_named() -> None:
    both = figures(1.5, 0.05) | {
        "threads_kib_per_request@100": 6.0,
        "threads_cpu_pct@100": 0.0,
        "threads_baseline_rss_mib@100": 25.3,
    }
    verdict, evidence = hold_waste.rule_longpoll_hold_waste(both)
    assert verdict == "depends"  # cheap on aiohttp, a small cost on the thread server
    assert "the thread-per-connection server with 100 held: 6 KiB per held request" in evidence
    assert "only the event-loop server" not in evidence


def test_the_quick_measurement_holds_every_long_poll_at_a_memory_cost() -> None:
    result = measured("longpoll_hold_waste")
    got = result.measured
    for server in ("aiohttp", "threads"):
        assert got[f"{server}_held@100"] == 100
        assert 0 < got[f"{server}_kib_per_request@100"] < 1000
        assert 0 <= got[f"{server}_cpu_pct@100"] < 50
        assert got[f"{server}_baseline_rss_mib@100"] > 10
    assert_readable(DRAWERS["longpoll_hold_waste"](result))
