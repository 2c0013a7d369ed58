"""The browser claims (CORS, six connections per host): each verdict of their
rules, "not testable here" without Chromium, and the measurement in Chromium."""

from __future__ import annotations

import pytest

from rtlab.studies.claims import browser_limits
from tests.studies.claims.helpers import NO_CHROMIUM, measured


def cors(refused: float, allowed: float) -> dict[str, float]:
    return {
        "published": 3.0,
        "refused_es_messages": refused,
        "refused_es_errors": 1.0 if refused == 0 else 0.0,
        "refused_server_sse_messages_sent": 3.0,
        "allowed_es_messages": allowed,
        "allowed_es_errors": 1.0 if allowed == 0 else 0.0,
    }


def test_sse_no_cors_does_not_hold_when_the_allowed_origin_gets_the_messages() -> None:
    verdict, evidence = browser_limits.rule_sse_no_cors(cors(refused=0.0, allowed=3.0))
    assert verdict == "does not hold"
    assert evidence.startswith(
        "In Chromium, a page's EventSource to another origin got 3 of 3 messages when the "
        "server's CORS allow-list named the page (0 errors), and 0 when it did not (1 errors)"
    )


def test_sse_no_cors_holds_when_even_the_allowed_origin_gets_nothing() -> None:
    assert browser_limits.rule_sse_no_cors(cors(refused=0.0, allowed=0.0))[0] == "holds"


def test_sse_no_cors_depends_when_the_refused_origin_gets_messages_too() -> None:
    assert browser_limits.rule_sse_no_cors(cors(refused=3.0, allowed=3.0))[0] == "depends"


def six(**changes: float) -> dict[str, float]:
    base = {
        "streams": 7.0,
        "opened_at_once": 6.0,
        "waited_for_close": 1.0,
        "open_after_close_ms": 3.7,
        "websockets": 7.0,
        "websockets_open_with_six_streams": 7.0,
        "eventsources_open_beside_websockets": 6.0,
        "other_origins_waited": 0.0,
    }
    return base | changes


def test_sse_six_connections_holds_when_six_open_the_rest_wait_and_websockets_do_not() -> None:
    verdict, evidence = browser_limits.rule_sse_six_connections(six())
    assert verdict == "holds"
    assert "6 of 7 EventSources to one origin opened at once and 1 opened only after" in evidence


@pytest.mark.parametrize(
    "changes",
    [
        {"opened_at_once": 7.0, "waited_for_close": 0.0},
        {"websockets_open_with_six_streams": 6.0},
    ],
)
def test_sse_six_connections_does_not_hold_past_six_or_with_websockets_held(
    changes: dict[str, float],
) -> None:
    assert browser_limits.rule_sse_six_connections(six(**changes))[0] == "does not hold"


def test_sse_six_connections_depends_on_another_limit() -> None:
    figures = six(opened_at_once=4.0, waited_for_close=3.0)
    assert browser_limits.rule_sse_six_connections(figures)[0] == "depends"


@pytest.mark.parametrize(
    "rule", [browser_limits.rule_sse_no_cors, browser_limits.rule_sse_six_connections]
)
def test_without_chromium_the_claims_are_not_testable_and_say_why(rule: object) -> None:
    verdict, evidence = rule({})  # type: ignore[operator]
    assert verdict == "not testable here"
    assert "no Chromium was found" in evidence and "Debian package chromium" in evidence


@pytest.mark.skipif(bool(NO_CHROMIUM), reason=NO_CHROMIUM or "Chromium found")
def test_in_chromium_cors_is_the_servers_choice_and_six_streams_are_the_limit() -> None:
    cors_result, six_result = measured("sse_no_cors"), measured("sse_six_connections")
    assert cors_result.verdict == "does not hold"
    assert cors_result.measured["allowed_es_messages"] == cors_result.measured["published"]
    assert cors_result.measured["refused_es_messages"] == 0.0
    assert six_result.measured["opened_at_once"] == 6.0
    assert six_result.verdict == "holds"
