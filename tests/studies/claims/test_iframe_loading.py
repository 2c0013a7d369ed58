"""iframe_loading: each verdict of its rule on synthetic figures, the plot, and
the quick measurement in Chromium (skipped without it)."""

from __future__ import annotations

import math

import pytest

from rtlab.studies.claims import ClaimResult
from rtlab.studies.claims.iframe_loading import rule_iframe_loading
from rtlab.views.claim_plots import DRAWERS
from tests.studies.claims.helpers import NO_CHROMIUM, assert_readable, measured


def figures(**changes: float) -> dict[str, float]:
    """What Chromium gives: no load while open, loading throughout, load at the end."""
    base = {
        "published": 10.0,
        "messages_received": 10.0,
        "first_message_ms": 140.0,
        "open_ms": 9050.0,
        "end_ms": 9190.0,
        "load_fired_while_open": 0.0,
        "load_after_first_ms": 9057.0,
        "load_after_end_ms": 7.0,
        "frame_load_after_end_ms": 6.9,
        "samples_open": 182.0,
        "iframe_loading_share": 1.0,
        "page_complete_share": 0.0,
        "iframe_complete_after_end": 1.0,
        "after_end_s": 3.0,
    }
    return base | changes


def test_holds_when_no_load_while_open_and_the_iframe_stays_loading() -> None:
    verdict, evidence = rule_iframe_loading(figures())
    assert verdict == "holds"
    assert evidence == (
        "In Chromium, a page with rtlab's forever iframe received 10 of 10 messages at one "
        "per 1 s; its load event did not fire in the 9.05 s the stream was open, and the "
        "iframe's document was 'loading' in 100 % of the 182 samples meanwhile ('holds' "
        "needs 95 %); the load event fired 7 ms after the server ended the stream."
    )


def test_holds_when_the_load_never_fires_at_all() -> None:
    never = figures(load_after_first_ms=math.nan, load_after_end_ms=math.nan)
    verdict, evidence = rule_iframe_loading(never)
    assert verdict == "holds"
    assert "the load event never fired, even in the 3 s after the server ended" in evidence


def test_does_not_hold_when_load_fires_within_1_s_of_the_first_message() -> None:
    soon = figures(
        load_fired_while_open=1.0,
        load_after_first_ms=35.0,
        load_after_end_ms=-9015.0,
        iframe_loading_share=0.0,
    )
    verdict, evidence = rule_iframe_loading(soon)
    assert verdict == "does not hold"
    assert (
        "its load event fired 35 ms after the first message, with the stream still open "
        "(limit for 'does not hold': 1,000 ms)"
    ) in evidence
    assert "'loading' in 0 % of the 182 samples" in evidence
    assert "the load event came before the server ended the stream." in evidence


def test_depends_when_load_fires_while_open_but_later() -> None:
    late = figures(load_fired_while_open=1.0, load_after_first_ms=4000.0, load_after_end_ms=-5050.0)
    verdict, evidence = rule_iframe_loading(late)
    assert verdict == "depends"
    assert "its load event fired 4,000 ms after the first message, with the stream" in evidence


def test_depends_when_the_iframe_leaves_loading_without_the_load_event() -> None:
    verdict, evidence = rule_iframe_loading(figures(iframe_loading_share=0.5))
    assert verdict == "depends"
    assert "did not fire in the 9.05 s the stream was open" in evidence
    assert "'loading' in 50 % of the 182 samples meanwhile ('holds' needs 95 %)" in evidence


def test_not_testable_without_chromium_or_without_messages() -> None:
    assert rule_iframe_loading({})[0] == "not testable here"
    verdict, evidence = rule_iframe_loading(figures(messages_received=0.0))
    assert verdict == "not testable here"
    assert "received 0 of 10 messages at one per 1 s: the stream never delivered" in evidence


def test_the_plot_is_readable() -> None:
    series = {
        "sample_ms": [0.0, 100.0, 200.0, 9200.0],
        "page_state": [0.0, 1.0, 1.0, 2.0],
        "frame_state": [-1.0, 0.0, 0.0, 2.0],
        "message_ms": [140.0, 1140.0],
        "load_ms": [9197.0],
        "frame_load_ms": [9196.9],
    }
    result = ClaimResult("iframe_loading", "c", "seed 003", "holds", "e.", figures(), series)
    assert_readable(DRAWERS["iframe_loading"](result))


@pytest.mark.skipif(bool(NO_CHROMIUM), reason=NO_CHROMIUM or "Chromium is installed")
def test_quick_measurement_in_chromium() -> None:
    result = measured("iframe_loading")
    got = result.measured
    assert got["published"] == got["messages_received"] == 4.0
    assert 2500 < got["open_ms"] < 6000  # four messages one second apart
    assert got["samples_open"] >= 20  # every 50 ms
    assert 0.0 <= got["iframe_loading_share"] <= 1.0
    assert got["load_fired_while_open"] in (0.0, 1.0)
    assert len(result.series["message_ms"]) == 4
    assert result.verdict in ("holds", "does not hold", "depends")
    assert_readable(DRAWERS["iframe_loading"](result))
