"""Real Chromium through Playwright: the demo page's clients, and `rtlab.studies.browser`.

Skips, naming the package, when no Chromium is installed. One browser serves the
whole module (a module-scoped fixture on the module's event loop); each test gets
a fresh browser context, so no connection or state carries over.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
import pytest_asyncio
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from rtlab.lab import Lab
from rtlab.server.flow import FLOWS
from rtlab.studies.browser import (
    BrowserUnavailable,
    arun_browser,
    chromium_path,
    launch,
    run_browser,
)
from rtlab.studies.experiments import Result, Scenario, run
from rtlab.views import plots
from tests.conftest import TECHNIQUES, scaled
from tests.studies.test_experiments import DELIVERY_COLUMNS

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

try:
    chromium_path()
except BrowserUnavailable as exc:  # pragma: no cover - depends on the machine
    pytestmark = pytest.mark.skip(reason=str(exc))

module_loop = pytest.mark.asyncio(loop_scope="module")

PUSH = ("stream", "iframe", "sse", "ws")
HEARTBEAT = 0.2  # s: stream and iframe clients take 3 silent heartbeats for a dead connection

# What the page's clients hold, per technique.
DUMP = """(keys) => Object.fromEntries(keys.map((k) => [k, {
    records: window.rtlab.records[k],
    stats: window.rtlab.stats[k],
    notes: window.rtlab.logs[k].map((n) => n.text),
}]))"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with launch() as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    fresh = await browser.new_context()
    try:
        yield fresh
    finally:
        await fresh.close()


@pytest.fixture
def fast_lab() -> Iterator[Lab]:
    """Quick heartbeats (stream and iframe notice a dead connection in 0.6 s) and
    SSE retries, so recoveries take a fraction of a second."""
    with Lab(heartbeat=HEARTBEAT, retry_ms=20) as running:
        yield running


async def demo_page(context: BrowserContext, lab: Lab, topic: str) -> Page:
    page = await context.new_page()
    await page.goto(f"{lab.url}/?topic={topic}&metrics=0&interval=50&heartbeat={HEARTBEAT}")
    return page


async def until(page: Page, predicate: str, arg: Any, seconds: float = 20) -> None:
    """Wait for `predicate(arg)` in the page; on a timeout, fail with what the clients hold."""
    try:
        await page.wait_for_function(predicate, arg=arg, polling=50, timeout=scaled(seconds) * 1000)
    except PlaywrightTimeout:
        state = await page.evaluate(
            "() => Object.entries(window.rtlab.stats).map(([k, s]) => [k, s.lastSeq, s.state,"
            " window.rtlab.logs[k].slice(-6).map((n) => n.text)])"
        )
        pytest.fail(f"timed out waiting for {predicate}: {state}")


async def all_reach(page: Page, seq: int) -> None:
    """Every panel client's cursor is at `seq` or beyond."""
    await until(
        page,
        "([keys, seq]) => keys.every((k) => (window.rtlab.stats[k].lastSeq ?? -1) >= seq)",
        [list(TECHNIQUES), seq],
    )


async def dump(page: Page) -> dict[str, Any]:
    return dict(await page.evaluate(DUMP, list(TECHNIQUES)))


# -- the page -------------------------------------------------------------------------


@module_loop
async def test_the_demo_page_loads_in_chromium(context: BrowserContext, lab: Lab) -> None:
    page = await context.new_page()
    await page.goto(lab.url + "/")
    assert await page.title() == "rtlab · six ways a server pushes data"
    assert await page.evaluate("window.rtlab.techniques.length") == 6


def test_a_missing_browser_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTLAB_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(BrowserUnavailable, match="/nonexistent/chromium"):
        chromium_path()


@module_loop
@pytest.mark.parametrize("when", ["live", "catch-up"])
async def test_every_client_gets_500_messages_once_and_in_order_across_drops(
    when: str, context: BrowserContext
) -> None:
    """The server cuts every connection right after seqs 100, 200, ... 500; each of
    the six clients resumes from its cursor and ends with seqs 1..500, once each.

    live: each cut message is published alone once every client is idle at
    the seq before it. catch-up: all 500 are published first, so each resume
    gets a burst that the server cuts again; Chrome discards what a fetch()
    body or a forever frame had received but not handed to the page when the
    connection fails, which is why the stream and iframe clients then catch up
    with a short poll (see the README)."""
    with Lab(drop_every=100, heartbeat=HEARTBEAT, retry_ms=20) as lab:
        page = await demo_page(context, lab, "drops")
        seq = 0
        if when == "catch-up":
            while seq < 500:
                seq = await lab.apublish("drops", {"i": seq + 1})
        for technique in TECHNIQUES:
            assert await page.evaluate("(t) => window.rtlab.connect(t, 0)", technique)
        if when == "live":
            seq = await lab.apublish("drops", {"i": 1})
            await all_reach(page, seq)
            for cut in range(100, 501, 100):
                while seq < cut - 1:
                    seq = await lab.apublish("drops", {"i": seq + 1})
                await all_reach(page, seq)
                seq = await lab.apublish("drops", {"i": seq + 1})  # the server cuts after it
                await all_reach(page, seq)
        await all_reach(page, 500)
        # every push client has come back from the last cut
        await until(
            page,
            "(keys) => keys.every((k) => window.rtlab.stats[k].reconnects >= 5)",
            list(PUSH),
        )
        epoch = lab.hub.epoch
        clients = await dump(page)
    for technique, client in clients.items():
        records, stats = client["records"], client["stats"]
        assert [r["seq"] for r in records] == list(range(1, 501)), technique
        assert {r["epoch"] for r in records} == {epoch}, technique
        assert all(r["received"] > r["ts"] for r in records), technique
        assert all(r["latency"] == r["received"] - r["ts"] for r in records), technique
        assert stats["messages"] == 500
        assert (stats["duplicates"], stats["holes"], stats["gaps"]) == (0, 0, 0), technique
        assert (stats["restarts"], stats["ends"]) == (0, 0), technique
        assert stats["cursor"] == 500
        if technique in PUSH:
            assert stats["reconnects"] >= 5, technique  # one per cut, at least
        else:  # a cut after a complete poll answer costs a poller nothing
            assert (stats["reconnects"], stats["errors"]) == (0, 0), technique


@module_loop
async def test_a_server_restart_is_reported_and_the_new_run_followed(
    context: BrowserContext, fast_lab: Lab
) -> None:
    page = await demo_page(context, fast_lab, "restart")
    for technique in TECHNIQUES:
        assert await page.evaluate("(t) => window.rtlab.connect(t, 0)", technique)
    for i in range(20):
        await fast_lab.apublish("restart", {"run": 1, "i": i})
    await all_reach(page, 20)
    old = fast_lab.hub.epoch
    await fast_lab.arestart()
    new = fast_lab.hub.epoch
    assert new != old
    for i in range(5):
        await fast_lab.apublish("restart", {"run": 2, "i": i})
    await until(
        page,
        "(keys) => keys.every((k) => window.rtlab.stats[k].restarts === 1"
        " && window.rtlab.stats[k].lastSeq === 5)",
        list(TECHNIQUES),
    )
    for technique, client in (await dump(page)).items():
        stats = client["stats"]
        assert [(r["epoch"], r["seq"]) for r in client["records"]] == [
            *((old, seq) for seq in range(1, 21)),
            *((new, seq) for seq in range(1, 6)),
        ], technique
        assert (stats["restarts"], stats["epoch"], stats["cursor"]) == (1, new, 5), technique
        assert (stats["duplicates"], stats["holes"], stats["gaps"]) == (0, 0, 0), technique
        [note] = [n for n in client["notes"] if n.startswith("⚠ RESTART")]
        assert note == (
            f"⚠ RESTART: the server restarted (epoch {old} → {new}); what the old run "
            "published after seq 20 is lost; reading the new run from seq 1"
        ), technique


@module_loop
async def test_a_connection_the_server_ends_is_reported_and_resumed(
    context: BrowserContext, fast_lab: Lab
) -> None:
    """The send limit's farewell, sent by the server's own code: an `end` line
    (stream), `event: end` (SSE), an `end` script (iframe), Close 1008 (ws)."""
    page = await demo_page(context, fast_lab, "ends")
    for technique in PUSH:
        assert await page.evaluate("(t) => window.rtlab.connect(t, 0)", technique)
    for i in range(10):
        await fast_lab.apublish("ends", {"i": i})
    await until(
        page,
        "(keys) => keys.every((k) => window.rtlab.stats[k].lastSeq === 10)",
        list(PUSH),
    )
    assert fast_lab.app is not None
    flows = fast_lab.app[FLOWS]

    def end_every_push_connection() -> int:
        for flow in list(flows):
            flow.end("test: ended by the server; reconnect to resume", grace=5.0)
        return len(flows)

    assert fast_lab._call(end_every_push_connection) == 4
    for i in range(10, 15):
        await fast_lab.apublish("ends", {"i": i})
    await until(
        page,
        "(keys) => keys.every((k) => window.rtlab.stats[k].lastSeq === 15"
        " && window.rtlab.stats[k].ends === 1)",
        list(PUSH),
    )
    clients = dict(await page.evaluate(DUMP, list(PUSH)))
    for technique, client in clients.items():
        stats = client["stats"]
        assert [r["seq"] for r in client["records"]] == list(range(1, 16)), technique
        assert stats["endReason"] == "test: ended by the server; reconnect to resume"
        assert stats["reconnects"] >= 1, technique
        assert (stats["duplicates"], stats["holes"]) == (0, 0), technique
        assert (
            "the server ended the connection: test: ended by the server; reconnect to resume"
            f" (resuming after {fast_lab.hub.epoch}:10)"
        ) in client["notes"], technique
    assert clients["ws"]["stats"]["closeCode"] == 1008


@module_loop
async def test_spawned_clients_refuse_bad_options(context: BrowserContext, lab: Lab) -> None:
    page = await context.new_page()
    await page.goto(lab.url + "/?metrics=0")
    for call, error in [
        ("rtlab.spawn('smoke', {topic: 't'})", "unknown technique"),
        ("rtlab.spawn('sse', {topic: '../x'})", "invalid topic"),
        ("rtlab.spawn('sse', {topic: 't', after: -1})", "after must be a non-negative integer"),
        ("rtlab.spawn('sse', {topic: 't', after: '1'})", "after must be a non-negative integer"),
    ]:
        with pytest.raises(PlaywrightError, match=error):
            await page.evaluate(call)
    assert await page.evaluate("rtlab.spawn('ws', {topic: 't', after: 0})") == "ws-1"
    assert await page.evaluate("rtlab.spawn('ws', {topic: 't'})") == "ws-2"
    # a spawned client has no panel: the page still shows six
    assert await page.locator("article.panel").count() == 6


# -- rtlab.studies.browser: browser clients measured into experiment frames ----------------------


@module_loop
@pytest.mark.parametrize("technique", TECHNIQUES)
async def test_arun_browser_returns_the_frames_of_the_python_clients(
    technique: str, browser: Browser, fast_lab: Lab
) -> None:
    result = await arun_browser(
        fast_lab,
        technique,
        clients=2,
        messages=40,
        rate=400,
        poll_interval=0.05,
        browser=browser,
        timeout=scaled(20),
    )
    deliveries, runs = result.deliveries, result.runs
    assert list(deliveries.columns) == DELIVERY_COLUMNS
    assert len(deliveries) == 80
    (topic,) = deliveries["topic"].unique()
    ready = fast_lab.hub.topic(topic).last_seq - 40
    for client in (0, 1):
        seqs = deliveries.loc[deliveries["client"] == client, "seq"].tolist()
        assert seqs == list(range(ready + 1, ready + 41))
    assert (deliveries["latency_ms"] > 0).all()
    assert set(deliveries["scenario"]) == {f"{technique} (browser)"}
    row = runs.iloc[0]
    assert (row["technique"], row["client_kind"], row["completed"]) == (technique, "browser", True)
    assert (row["expected"], row["delivered"], row["losses"]) == (80, 80, 0)
    assert (row["duplicates"], row["gaps"]) == (0, 0)
    assert row["requests"] >= 2
    assert pd.isna(row["bytes_down"])
    summary = result.summary()
    assert summary.loc[0, "p50_ms"] > 0
    assert summary.loc[0, "client_kind"] == "browser"


@module_loop
async def test_more_clients_than_one_profile_has_connections(
    browser: Browser, fast_lab: Lab
) -> None:
    """Seven SSE clients: one profile would leave the seventh waiting for a
    connection; five to a browser context, all seven get everything."""
    result = await arun_browser(
        fast_lab, "sse", clients=7, messages=30, rate=300, browser=browser, timeout=scaled(20)
    )
    runs = result.runs.iloc[0]
    assert (runs["delivered"], runs["losses"], runs["completed"]) == (210, 0, True)
    assert sorted(result.deliveries["client"].unique()) == list(range(7))
    assert fast_lab.metrics()["sse"]["requests"] == 7


def test_run_browser_results_add_to_python_results_for_summaries_and_plots() -> None:
    """The sync form, with a Lab of its own that cuts every 10th message; its
    result and a Python client's add up, renumbered, for summaries and plots."""
    browser_result = run_browser(
        None, "ws", messages=25, rate=50, drop_every=10, heartbeat=HEARTBEAT, timeout=scaled(20)
    )
    row = browser_result.runs.iloc[0]
    assert (row["delivered"], row["losses"], row["duplicates"], row["gaps"]) == (25, 0, 0, 0)
    assert row["reconnects"] >= 2  # cut after seqs 10 and 20 (the ready message is seq 1)
    assert browser_result.meta["browser"].startswith("Chromium ")
    chromium = browser_result.meta["packages"]["chromium"]
    assert browser_result.meta["browser"] == f"Chromium {chromium}"
    python_result = run(Scenario("ws", rate=100, duration=0.2), progress=False)
    both = python_result + browser_result
    assert isinstance(both, Result)
    assert list(both.runs["run"]) == [0, 1]
    assert list(both.runs["client_kind"]) == ["python", "browser"]
    assert sorted(both.deliveries["run"].unique()) == [0, 1]
    summary = both.summary()
    assert list(summary["scenario"]) == ["ws-loopback", "ws (browser)"]
    assert summary["p50_ms"].notna().all()
    assert len(plots.latency_cdf(both.deliveries).data) == 1  # one technique: ws
    assert len(plots.cost_per_message(summary).data) == 2
    with pytest.raises(ValueError, match="drop_every is a server setting"):
        run_browser("http://127.0.0.1:9", "ws", drop_every=10)
