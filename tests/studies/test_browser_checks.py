"""rtlab.studies.browser_checks in real Chromium, at small scale (skips, naming the package,
when no Chromium is installed). One browser serves the whole module."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from rtlab.lab import Lab
from rtlab.studies import browser_checks
from rtlab.studies.browser import BrowserUnavailable, chromium_path, launch
from rtlab.studies.browser_checks import IFRAME_DATA, claim_figures
from rtlab.studies.claims import rule_sse_reconnect

if TYPE_CHECKING:
    from playwright.async_api import Browser

try:
    chromium_path()
except BrowserUnavailable as exc:  # pragma: no cover - depends on the machine
    pytestmark = pytest.mark.skip(reason=str(exc))

in_module_loop = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with launch() as running:
        yield running


@in_module_loop
async def test_eventsource_resumes_by_itself_and_a_websocket_stays_closed(
    browser: Browser,
) -> None:
    async with Lab(drop_every=4, retry_ms=100) as lab:
        result = await browser_checks.eventsource_reconnect(browser, lab, messages=8)
    figures = result.figures
    assert (figures["published"], figures["received"]) == (8, 8)
    assert (figures["lost"], figures["duplicates"], figures["out_of_order"]) == (0, 0, 0)
    # Cuts after seq 4 and seq 8, each followed by one reconnect. Chromium may drop
    # the event that arrived just before a cut: it then resumes from the seq before
    # (3 or 7), the server sends that message again and cuts again.
    swallowed = figures["swallowed_at_cut"]
    assert figures["drops"] == 2
    assert figures["errors"] == figures["reconnects"] == 2 + swallowed
    seqs = figures["resumed_seqs"]
    assert [seq for seq in seqs if seq % 4 == 0] == [4, 8]
    assert set(seqs) <= {3, 4, 7, 8}
    assert sum(seq % 4 == 3 for seq in seqs) == swallowed
    # a plain EventSource names no epoch: the contract's bare seq ids come back
    assert figures["resumed_from"] == [str(seq) for seq in seqs]
    # Each reconnect delivered, first, the message after its Last-Event-ID (or was
    # cut before delivering any): the server resumed from the header.
    assert len(figures["first_after_resume"]) == len(seqs)
    assert all(
        first in (None, seq + 1)
        for seq, first in zip(seqs, figures["first_after_resume"], strict=True)
    )
    assert figures["first_after_resume"][-1] is None  # the cut after the last message
    # The server sent each message once, plus once more per swallowed event.
    assert figures["server_requests"] == figures["errors"] + 1
    assert figures["server_messages_sent"] == 8 + swallowed
    # The browser waits the announced retry before reconnecting.
    assert figures["retry_ms"] == 100
    assert len(figures["reconnect_delay_ms"]) == figures["reconnects"]
    assert all(delay >= 90 for delay in figures["reconnect_delay_ms"])
    # The plain WebSocket got seqs 1-4, was cut (1006: no closing handshake)
    # and stayed closed.
    assert figures["ws_received"] == 4
    assert (figures["ws_close_code"], figures["ws_ready_state"]) == (1006, 3)
    assert figures["ws_received_after_close"] == 0
    assert claim_figures(result) == {
        "browser_eventsource_recovered": 1.0,
        "browser_ws_recovered": 0.0,
    }
    messages = result.table[(result.table.api == "EventSource") & (result.table.kind == "message")]
    assert [json.loads(data)["data"] for data in messages.data] == [{"i": i} for i in range(8)]


def test_the_browser_figures_settle_the_reconnect_claim() -> None:
    python_side = {
        "sse_lost": 0.0,
        "published": 60.0,
        "sse_recover_ms": 290.0,
        "server_retry_ms": 250.0,
        "ws_plain_lost": 40.0,
        "ws_lost": 0.0,
        "ws_recover_ms": 60.0,
    }
    assert rule_sse_reconnect(python_side)[0] == "not testable here"
    browser_side = {"browser_eventsource_recovered": 1.0, "browser_ws_recovered": 0.0}
    verdict, evidence = rule_sse_reconnect(python_side | browser_side)
    assert verdict == "holds"
    assert "EventSource recovered and a plain WebSocket did not" in evidence


@in_module_loop
async def test_eventsource_reconnect_needs_a_lab_that_drops(browser: Browser) -> None:
    async with Lab() as lab:
        with pytest.raises(ValueError, match="drop_every"):
            await browser_checks.eventsource_reconnect(browser, lab)


@in_module_loop
async def test_the_seventh_stream_to_one_origin_waits_for_a_close(browser: Browser) -> None:
    result = await browser_checks.connection_limit(browser, hold=0.2)
    figures, table = result.figures, result.table.set_index("name")
    assert figures["streams"] == 7
    assert (figures["opened_at_once"], figures["waiting_after_hold"]) == (6, 1)
    # The seventh opened only once the page had closed the first.
    assert figures["waited_for_close"] == 1
    assert table.at["es6", "waited_for_close_of"] == "es0"
    assert table.at["es6", "opened_ms"] >= table.at["es0", "closed_by_page_ms"]
    assert all(
        table.at[f"es{i}", "opened_ms"] < table.at["es0", "closed_by_page_ms"] for i in range(6)
    )
    # A plain fetch() to the same origin waits behind six streams as well.
    assert figures["fetch_waited_for_close"] == 1
    assert table.at["fetch", "waited_for_close_of"] == "es1"
    assert table.at["fetch", "opened_ms"] >= table.at["es1", "closed_by_page_ms"]
    # Another host name or port is another pool; WebSockets have their own:
    # all open beside six streams without waiting for anything.
    assert figures["other_origins_waited"] == 0
    assert figures["eventsources_open_beside_websockets"] == 6
    assert figures["websockets"] == figures["websockets_open_with_six_streams"] == 7
    assert len(figures["websocket_open_ms"]) == 7
    assert not math.isnan(figures["other_host_open_ms"])
    assert not math.isnan(figures["other_port_open_ms"])


@in_module_loop
async def test_cross_origin_reads_need_the_labs_allowance(browser: Browser) -> None:
    result = await browser_checks.cors(browser, messages=3)
    figures = result.figures
    assert figures["refused_cors_origins"] == []
    assert figures["allowed_cors_origins"] == [figures["page_origin"]]
    # Without it: one error, CLOSED for good (no retry reached the server), no message.
    assert figures["refused_es_opened"] == 0
    assert figures["refused_es_errors"] == 1
    assert figures["refused_es_messages"] == 0
    assert figures["refused_es_ready_state"] == 2
    assert figures["refused_server_sse_requests"] == 1
    assert figures["refused_fetch"] == "TypeError: Failed to fetch"
    # With it: every message, by EventSource and by fetch().
    assert (figures["allowed_es_opened"], figures["allowed_es_errors"]) == (1, 0)
    assert figures["allowed_es_messages"] == 3
    assert figures["allowed_es_ready_state"] == 1
    assert figures["allowed_fetch"] == "200 with 3 messages"


@in_module_loop
async def test_forever_iframe_calls_arrive_in_order_and_intact(browser: Browser, lab: Lab) -> None:
    messages = 2 * len(IFRAME_DATA)
    result = await browser_checks.iframe_order(browser, lab, messages=messages)
    assert result.figures == {
        "published": messages,
        "calls": messages,
        "in_order": 1,
        "intact": messages,
        "injected": 0,
    }
    calls = result.table[result.table.type == "message"]
    assert list(calls.seq) == list(range(1, messages + 1))
    assert [json.loads(data) for data in calls.data] == [
        {"i": i, "text": IFRAME_DATA[i % len(IFRAME_DATA)]} for i in range(messages)
    ]


def test_run_drives_a_check_from_synchronous_code() -> None:
    result = browser_checks.run("iframe_order", messages=3)
    assert (result.check, result.figures["calls"], result.figures["in_order"]) == (
        "iframe_order",
        3,
        1,
    )


@in_module_loop
async def test_eventsource_recovers_from_a_cut_and_stays_closed_after_a_503(
    browser: Browser,
) -> None:
    result = await browser_checks.eventsource_failures(
        browser, rate=20.0, cut_after=5, wait=1.5, retry_ms=200
    )
    figures = result.figures
    assert figures["cut_published"] == figures["error_published"] == 35  # 0.25 s + 1.5 s
    assert figures["cut_recovered"] == 1.0 and figures["cut_reconnects"] >= 1
    assert figures["cut_server_rejected"] == 0
    # the reconnect after the cut gets the 503: an error leaving readyState CLOSED, no retry
    assert (figures["error_server_requests"], figures["error_server_rejected"]) == (2, 1)
    # Chromium may drop the event that arrived just before the cut (see the reconnect test)
    assert figures["error_recovered"] == 0.0 and figures["error_received"] in (4, 5)
    assert figures["error_ready_state"] == 2 and figures["error_ready_state_name"] == "CLOSED"
    assert figures["error_recovered_after_ms"] is None
    errors = result.table[(result.table.case == "error") & (result.table.kind == "error")]
    assert list(errors.readyState) == [0, 2]  # reconnecting after the cut, closed after the 503


@in_module_loop
async def test_eventsource_cache_with_and_without_no_cache(browser: Browser) -> None:
    result = await browser_checks.eventsource_cache(browser, messages=3, interval=0.2)
    figures = result.figures
    assert (figures["with_cache_control"], figures["without_cache_control"]) == (1.0, 0.0)
    for case in ("with", "without"):
        assert (figures[f"{case}_received"], figures[f"{case}_missed"]) == (3, 0)
        assert len(figures[f"{case}_latency_ms"]) == figures[f"{case}_latency_n"] == 3
        assert figures[f"{case}_second_replayed"] == 0.0
        assert figures[f"{case}_second_got_next"] == 1.0
    assert set(result.table.case) == {"with", "without"}


@in_module_loop
async def test_eventsource_push_sends_no_further_request(browser: Browser) -> None:
    result = await browser_checks.eventsource_push(browser, messages=10, rate=50.0)
    figures = result.figures
    assert (figures["published"], figures["received"], figures["missed"]) == (10, 10, 0)
    assert (figures["requests_at_open"], figures["requests_while_flowing"]) == (1, 0)
    assert (figures["errors"], figures["reconnects"]) == (0, 0)
    assert 0 < figures["latency_p50_ms"] < 50
