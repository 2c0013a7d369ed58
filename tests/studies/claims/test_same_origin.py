"""ws_no_same_origin and ws_same_origin: each verdict of their rules on synthetic
figures, the plot, and the quick measurement in Chromium (skipped without it)."""

from __future__ import annotations

import pytest

from rtlab.studies.claims.base import ClaimResult
from rtlab.studies.claims.same_origin import outcome, rule_ws_no_same_origin, rule_ws_same_origin
from rtlab.views.claim_plots import DRAWERS
from tests.studies.claims.helpers import NO_CHROMIUM, assert_readable, measured


def figures(**changes: float) -> dict[str, float]:
    """What Chromium does today: the any-Origin WebSocket delivers, the checked one
    gets the server's 403, the fetch reaches the server but the page cannot read it."""
    base = {
        "published": 10.0,
        "any_opened": 1.0,
        "any_messages": 10.0,
        "any_close_code": 0.0,
        "any_handshake_status": 101.0,
        "any_origin_is_page": 1.0,
        "any_server_ws_requests": 1.0,
        "any_server_ws_open": 1.0,
        "any_server_ws_messages": 10.0,
        "checked_opened": 0.0,
        "checked_messages": 0.0,
        "checked_close_code": 1006.0,
        "checked_handshake_status": 403.0,
        "checked_origin_is_page": 1.0,
        "checked_server_ws_requests": 1.0,
        "checked_server_ws_open": 0.0,
        "checked_server_ws_messages": 0.0,
        "fetch_read": 0.0,
        "fetch_status": 0.0,
        "fetch_messages_read": 0.0,
        "fetch_server_requests": 1.0,
        "fetch_server_messages_sent": 10.0,
    }
    return base | changes


#: The any-Origin WebSocket refused by the browser: never sent, no answer.
BROWSER_REFUSED = {
    "any_opened": 0.0,
    "any_messages": 0.0,
    "any_handshake_status": 0.0,
    "any_close_code": 1006.0,
    "any_server_ws_requests": 0.0,
    "any_server_ws_messages": 0.0,
}
SERVER_REFUSED = BROWSER_REFUSED | {"any_handshake_status": 403.0, "any_server_ws_requests": 1.0}


def test_the_evidence_quotes_the_three_attempts() -> None:
    _, evidence = rule_ws_no_same_origin(figures())
    assert evidence == (
        "In Chromium, a page on one origin opened a WebSocket to a lab on another port with no "
        "CORS headers: with the lab accepting any Origin it opened 1 time(s) (handshake status "
        "101) and got 10 of 10 published messages, its handshake carrying the page's Origin 1 "
        "time(s); with the lab's default Origin check it opened 0 time(s) (handshake status "
        "403, close code 1006, 1 handshake(s) reaching the server); a fetch() of the first "
        "lab's /poll without CORS reached it (1 request(s), 10 messages answered) and the page "
        "could not read it. The browser let the cross-origin WebSocket through and sent its "
        "Origin, leaving the decision to the server."
    )


def test_outcomes() -> None:
    assert outcome(figures()) == "delivered"
    assert outcome(figures(**BROWSER_REFUSED)) == "refused by the browser"
    assert outcome(figures(**SERVER_REFUSED)) == "refused by the server"
    assert outcome(figures(any_messages=4.0)) == "short"


# -- ws_no_same_origin ------------------------------------------------------------------


def test_no_same_origin_holds_when_the_websocket_is_delivered_with_the_origin() -> None:
    verdict, evidence = rule_ws_no_same_origin(figures())
    assert verdict == "holds"
    assert "it opened 1 time(s) (handshake status 101) and got 10 of 10" in evidence


def test_no_same_origin_does_not_hold_when_the_browser_refuses() -> None:
    verdict, evidence = rule_ws_no_same_origin(figures(**BROWSER_REFUSED))
    assert verdict == "does not hold"
    assert "it opened 0 time(s) (handshake status 0) and got 0 of 10" in evidence
    assert evidence.endswith("The browser itself refused the cross-origin WebSocket.")


def test_no_same_origin_depends_when_the_server_refuses() -> None:
    verdict, evidence = rule_ws_no_same_origin(figures(**SERVER_REFUSED))
    assert verdict == "depends"
    assert "(handshake status 403) and got 0 of 10" in evidence
    assert evidence.endswith("accepting any Origin was refused by the server.")


def test_no_same_origin_depends_without_the_pages_origin() -> None:
    verdict, evidence = rule_ws_no_same_origin(figures(any_origin_is_page=0.0))
    assert verdict == "depends"
    assert "carrying the page's Origin 0 time(s)" in evidence
    assert evidence.endswith("was delivered without the page's Origin.")


def test_no_same_origin_depends_when_short_of_messages() -> None:
    verdict, evidence = rule_ws_no_same_origin(figures(any_messages=4.0))
    assert verdict == "depends"
    assert "got 4 of 10 published messages" in evidence
    assert evidence.endswith("was short.")


def test_no_same_origin_not_testable_without_chromium() -> None:
    assert rule_ws_no_same_origin({})[0] == "not testable here"


# -- ws_same_origin ---------------------------------------------------------------------


def test_same_origin_holds_when_the_browser_refuses() -> None:
    verdict, evidence = rule_ws_same_origin(figures(**BROWSER_REFUSED))
    assert verdict == "holds"
    assert "it opened 0 time(s) (handshake status 0) and got 0 of 10" in evidence
    assert evidence.endswith(
        "The browser refused the cross-origin WebSocket though the server accepts any Origin."
    )


def test_same_origin_does_not_hold_when_delivered_without_cors() -> None:
    verdict, evidence = rule_ws_same_origin(figures())
    assert verdict == "does not hold"
    assert "got 10 of 10 published messages" in evidence
    assert "it opened 0 time(s) (handshake status 403, close code 1006" in evidence
    assert evidence.endswith(
        "The browser applied no same-origin policy to the WebSocket; only the server's own "
        "Origin check refused one."
    )


def test_same_origin_does_not_hold_when_neither_lab_refuses() -> None:
    verdict, evidence = rule_ws_same_origin(
        figures(checked_opened=1.0, checked_handshake_status=101.0, checked_close_code=0.0)
    )
    assert verdict == "does not hold"
    assert evidence.endswith("neither lab refused it.")


def test_same_origin_depends_when_refused_only_by_the_server() -> None:
    verdict, evidence = rule_ws_same_origin(figures(**SERVER_REFUSED))
    assert verdict == "depends"
    assert "(handshake status 403) and got 0 of 10" in evidence
    assert evidence.endswith("accepting any Origin was refused by the server.")


def test_same_origin_depends_when_short_of_messages() -> None:
    verdict, evidence = rule_ws_same_origin(figures(any_messages=4.0))
    assert verdict == "depends"
    assert evidence.endswith("was short.")


def test_same_origin_not_testable_without_chromium() -> None:
    assert rule_ws_same_origin({})[0] == "not testable here"


def test_the_plot_is_readable() -> None:
    verdict, evidence = rule_ws_same_origin(figures())
    result = ClaimResult("ws_same_origin", "claim", "seed 002", verdict, evidence, figures())
    assert_readable(DRAWERS["ws_same_origin"](result))
    assert DRAWERS["ws_no_same_origin"] is DRAWERS["ws_same_origin"]


def _assert_today(got: dict[str, float]) -> None:
    assert got["published"] == 3.0
    assert (got["any_opened"], got["any_messages"], got["any_handshake_status"]) == (1, 3, 101)
    assert got["any_origin_is_page"] == got["checked_origin_is_page"] == 1.0
    assert got["any_server_ws_requests"] == got["any_server_ws_messages"] / 3 == 1.0
    assert (got["checked_opened"], got["checked_handshake_status"]) == (0.0, 403.0)
    assert got["checked_server_ws_requests"] == 1.0 and got["checked_server_ws_messages"] == 0
    assert got["fetch_read"] == 0.0 and got["fetch_server_requests"] == 1.0
    assert got["fetch_server_messages_sent"] == 3.0


@pytest.mark.skipif(bool(NO_CHROMIUM), reason=NO_CHROMIUM or "Chromium is installed")
def test_quick_measurement_no_same_origin_in_chromium() -> None:
    result = measured("ws_no_same_origin")
    _assert_today(result.measured)
    assert result.verdict == "holds"


@pytest.mark.skipif(bool(NO_CHROMIUM), reason=NO_CHROMIUM or "Chromium is installed")
def test_quick_measurement_same_origin_in_chromium() -> None:
    result = measured("ws_same_origin")
    _assert_today(result.measured)
    assert result.verdict == "does not hold"
