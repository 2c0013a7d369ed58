"""The live dashboard, driven headless (no browser): ipywidgets keeps every
value on the Python side, so setting a slider's `value` is what a user's drag
does, and `button.click()` runs the same handlers. One test runs the
dashboard inside a real Jupyter kernel, as JupyterLab does, to check that it
lives on the kernel's loop and does not block cells. The run engine itself is
tested in tests/runs/test_live.py.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import threading

import nbformat
import pytest
from nbclient import NotebookClient

from rtlab.lab import Lab
from rtlab.views.dashboard import STATS_COLUMNS, Dashboard
from tests.conftest import scaled

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def server_threads() -> int:
    return sum(thread.name == "rtlab-server" for thread in threading.enumerate())


async def test_dashboard_headless_run_fills_table_and_chart_then_closes_cleanly() -> None:
    tasks_before = asyncio.all_tasks()
    threads_before = server_threads()
    dash = Dashboard(techniques=("sse", "ws", "poll"), poll_interval=0.2, rate=20, delay_ms=0)
    try:
        table = await dash.run_for(1.5)
        assert dash.status.value.startswith("stopped after")
    finally:
        await dash.aclose()

    assert dash.status.value == "closed"
    assert list(table.columns) == list(STATS_COLUMNS)
    rows = table.set_index("technique")
    assert set(rows.index) == {"sse", "ws", "poll"}
    for technique in ("sse", "ws"):
        assert rows.loc[technique, "delivered"] >= 20
        assert rows.loc[technique, "duplicates"] == 0
        assert rows.loc[technique, "gaps"] == 0
        assert rows.loc[technique, "p50_ms"] > 0
    assert rows.loc["poll", "delivered"] >= 15
    assert rows.loc["poll", "requests"] >= 5  # one every 0.2 s

    figure = dash.figure
    assert {trace.name for trace in figure.data} == {"sse", "ws", "poll"}
    for trace in figure.data:
        assert len(trace.x) >= 2 and len(trace.y) == len(trace.x)
    latency_traces = [t for t in figure.data if t.yaxis == "y"]
    assert all(any(v is not None and v > 0 for v in t.y) for t in latency_traces)
    layout = figure.layout
    assert layout.title.text
    assert layout.legend.title.text == "technique"
    assert "(s)" in layout.xaxis2.title.text
    assert "(ms" in layout.yaxis.title.text
    assert (layout.yaxis.type, layout.yaxis.tickformat) == ("log", "~g")  # "20 50 100", not "2 5"
    assert all(round(v, 2) == v for v in table[["p50_ms", "p99_ms"]].to_numpy().ravel())
    assert "(req/s)" in layout.yaxis2.title.text
    assert "<td" in dash.table.value and "p99 (ms)" in dash.table.value

    assert asyncio.all_tasks() - tasks_before == set()
    assert not dash.lab.running
    assert server_threads() == threads_before
    bundle = dash._repr_mimebundle_()
    assert WIDGET_VIEW in bundle


async def test_delay_slider_applies_to_the_relay_while_running() -> None:
    dash = Dashboard(techniques=("ws",), rate=50, delay_ms=0, window=0.5)
    try:
        await dash.astart()
        await asyncio.sleep(scaled(1.0))
        switched_at = dash.elapsed
        dash.delay_slider.value = 100
        assert dash.relay is not None and dash.relay.settings.delay == pytest.approx(0.1)
        dash.clients_slider.value = 3  # fixed for this run: the status says when it applies
        assert "next Start" in dash.status.value
        await asyncio.sleep(scaled(1.5))
        await dash.astop()
    finally:
        await dash.aclose()

    latency = next(trace for trace in dash.figure.data if trace.yaxis == "y")
    points = list(zip(latency.x, latency.y, strict=True))
    before = [y for x, y in points if x < switched_at and y is not None]
    after = [y for x, y in points if x > switched_at + 0.7 and y is not None]
    assert before and after
    assert statistics.median(before) < 50
    assert statistics.median(after) > 80
    assert dash.stats().set_index("technique").loc["ws", "gaps"] == 0


async def test_rate_slider_applies_at_once() -> None:
    dash = Dashboard(techniques=("sse",), rate=0.5)  # next publish would be 2 s away
    try:
        await dash.astart()
        await asyncio.sleep(0.3)
        dash.rate_slider.value = 100  # wakes the publisher, which re-plans its next tick
        await asyncio.sleep(scaled(0.6))
        delivered = dash.stats().loc[0, "delivered"]
    finally:
        await dash.aclose()
    assert delivered >= 30


async def test_dashboard_with_a_given_lab_leaves_it_running() -> None:
    async with Lab() as lab:
        dash = Dashboard(lab, techniques=("longpoll",), rate=10)
        first = await dash.run_for(0.6)
        again = await dash.run_for(0.6)  # Start after Stop: a fresh run, fresh counts
        await dash.aclose()
        assert lab.running
        assert first.loc[0, "delivered"] >= 3
        assert 3 <= again.loc[0, "delivered"] <= 10
        assert len(dash.figure.data) == 2  # latency and request-rate trace, not four


async def test_dashboard_starts_a_given_lab_that_was_stopped() -> None:
    """A notebook run top to bottom ends with `lab.stop()`; Start must still work."""
    lab = Lab().start()
    lab.stop()
    dash = Dashboard(lab, techniques=("sse",), rate=20)
    try:
        table = await dash.run_for(0.6)
    finally:
        await dash.aclose()
    try:
        assert dash.error is None
        assert table.loc[0, "delivered"] >= 5
        assert lab.running  # started again for the dashboard, and still the caller's
    finally:
        await lab.astop()


def test_dashboard_start_needs_a_running_loop_and_checks_techniques() -> None:
    dash = Dashboard(techniques=("sse",))
    with pytest.raises(RuntimeError, match="running asyncio loop"):
        dash.start()
    dash.close()  # no loop: runs to completion here; the lab was never started
    assert dash.status.value == "closed"
    with pytest.raises(ValueError, match="unknown techniques"):
        Dashboard(techniques=("carrier-pigeon",))
    with pytest.raises(ValueError, match="rate=1000"):
        Dashboard(rate=1000)


async def test_starting_with_no_technique_is_refused() -> None:
    dash = Dashboard(techniques=())
    with pytest.raises(ValueError, match="at least one technique"):
        await dash.astart()
    dash.start()  # the Start button: says so in the status line instead
    assert "at least one technique" in dash.status.value and not dash.running
    await dash.aclose()


KERNEL_CELLS = [
    "import asyncio, json, time\nfrom rtlab.views.dashboard import Dashboard\n"
    "dash = Dashboard(techniques=('sse', 'ws'), rate=20)\ndash",
    # a click returns at once; the run goes on between and during cells
    "t = time.perf_counter()\ndash.start_button.click()\nclick_s = time.perf_counter() - t",
    "await asyncio.sleep(1.5)",
    "dash.stop_button.click()\nwhile dash.running:\n    await asyncio.sleep(0.05)",
    "table = dash.stats().set_index('technique')\ndash.close()\n"
    "while dash.lab.running:\n    await asyncio.sleep(0.05)\n"
    "print(json.dumps({'click_s': click_s, 'delivered': table['delivered'].to_dict(),"
    " 'points': len(dash.figure.data[0].x), 'status': dash.status.value}))",
]


def test_dashboard_runs_on_a_jupyter_kernels_loop() -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(cell) for cell in KERNEL_CELLS]
    )
    NotebookClient(notebook, timeout=int(scaled(60)), kernel_name="python3").execute()
    assert WIDGET_VIEW in notebook.cells[0].outputs[0]["data"]
    report = json.loads(notebook.cells[-1].outputs[0]["text"])
    assert report["click_s"] < 0.2
    assert report["delivered"]["sse"] >= 20 and report["delivered"]["ws"] >= 20
    assert report["points"] >= 2
    assert report["status"] == "closed"
