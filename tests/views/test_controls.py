"""The sliders both notebook widgets share."""

from __future__ import annotations

from rtlab.views.controls import nice_rates, rate_slider
from rtlab.views.dashboard import Dashboard
from rtlab.views.explore import ExplorePanel


def test_rate_sliders_stop_at_round_values() -> None:
    assert nice_rates(0.5, 500) == [0.5, 1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500]
    assert nice_rates(0.5, 500, include=37) == [
        0.5, 1, 2, 3, 5, 10, 20, 30, 37, 50, 100, 200, 300, 500,
    ]  # fmt: skip
    slider = rate_slider(20, 0.5, 500, description="publish rate (msg/s)")
    assert slider.value == 20.0 and slider.label == "20"
    slider.value = 100.0
    assert slider.label == "100"
    assert [label for label, _ in slider.options][:3] == ["0.5", "1", "2"]
    dash = Dashboard(techniques=("sse",), rate=20)
    assert dash.rate_slider.value == 20.0 and dash.rate_slider.label == "20"
    dash.close()
    panel = ExplorePanel("sse", rate=37)
    assert panel.scenario_kwargs()["rate"] == 37.0 and panel.rate_slider.label == "37"
