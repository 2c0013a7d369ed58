"""The explore panel, driven headless: setting a slider's `value` is what a
user's drag does, and `button.click()` runs the same handlers."""

from __future__ import annotations

import pytest

from rtlab.views.explore import ExplorePanel, explore, run_explore

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_explore_builds_the_knobs_of_each_technique() -> None:
    poll = explore("poll", rate=5)
    descriptions = [getattr(child, "description", "") for child in poll.children]
    assert "poll interval (s)" in descriptions
    assert "long-poll timeout (s)" not in descriptions
    assert {"publish rate (msg/s)", "clients", "network", "duration (s)", "Run"} <= set(
        descriptions
    ) | {
        getattr(grandchild, "description", "")
        for child in poll.children
        for grandchild in getattr(child, "children", ())
    }
    longpoll = ExplorePanel("longpoll", longpoll_timeout=10, network="4g")
    assert longpoll.timeout_slider.value == 10
    assert longpoll.interval_slider is None
    assert longpoll.scenario_kwargs()["network"] == "4g"
    with pytest.raises(ValueError, match="technique"):
        explore("carrier-pigeon")
    with pytest.raises(ValueError, match=r"duration=0\.2 is outside"):
        explore("sse", duration=0.2)


async def test_run_explore_returns_a_result() -> None:
    result = await run_explore("sse", duration=0.5, rate=20)
    assert len(result.deliveries) == 10
    summary = result.summary()
    assert summary.loc[0, "delivered"] == 10
    assert summary.loc[0, "p50_ms"] > 0


async def test_explore_run_button_shows_cdf_and_table_without_blocking() -> None:
    panel = ExplorePanel("ws", duration=0.5, rate=20)
    panel.run_button.click()  # returns at once: the run is a task on this loop
    assert panel.task is not None and not panel.task.done()
    assert panel.run_button.disabled
    result = await panel.task
    assert result is not None and panel.result is result
    assert panel.status.value.startswith("done: 10 delivered, 0 lost")
    assert not panel.run_button.disabled and panel.progress.value == 1.0
    (shown,) = panel.output.outputs
    assert WIDGET_VIEW in shown["data"]
    figure, table = panel._result_widgets[:2]
    assert figure.layout.xaxis.title.text and figure.layout.yaxis.title.text
    assert figure.layout.title.text.startswith("ws: delivery latency")
    assert [trace.name for trace in figure.data] == ["ws"]
    assert "p50 (ms)" in table.value
