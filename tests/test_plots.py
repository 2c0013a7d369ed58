"""Every figure is readable on its own: a title, axis titles with units, a legend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from rtlab import plots


@pytest.fixture
def deliveries() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for technique, scale in [("poll", 250.0), ("sse", 0.5), ("ws", 0.4)]:
        for seq in range(1, 51):
            latency = float(rng.exponential(scale))
            rows.append(
                {
                    "technique": technique,
                    "scenario": technique,
                    "seq": seq,
                    "ts": 1000.0 * seq,
                    "received": 1000.0 * seq + latency,
                    "latency_ms": latency,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture
def summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scenario": ["poll-a", "sse-a", "poll-b", "sse-b"],
            "technique": ["poll", "sse", "poll", "sse"],
            "poll_interval": [0.5, 0.5, 1.0, 1.0],
            "p50_ms": [250.0, 0.5, 500.0, 0.5],
            "requests_per_msg": [0.2, 0.01, 0.1, 0.01],
            "bytes_per_msg": [200.0, 150.0, 180.0, 150.0],
        }
    )


def check_readable(figure: go.Figure) -> None:
    layout = figure.layout
    assert layout.title.text
    assert layout.xaxis.title.text and layout.yaxis.title.text
    assert layout.legend.title.text
    assert all(trace.name for trace in figure.data)


def test_latency_cdf(deliveries: pd.DataFrame) -> None:
    figure = plots.latency_cdf(deliveries)
    check_readable(figure)
    assert [t.name for t in figure.data] == ["poll", "sse", "ws"]
    assert "ms" in figure.layout.xaxis.title.text
    assert figure.layout.xaxis.type == "log"
    ys = figure.data[0].y
    assert ys[-1] == 1.0 and list(ys) == sorted(ys)


def test_latency_box_and_timeline(deliveries: pd.DataFrame) -> None:
    for figure in (plots.latency_box(deliveries), plots.timeline(deliveries)):
        check_readable(figure)
        assert "ms" in figure.layout.yaxis.title.text


def test_cost_per_message_is_log_scale(summary: pd.DataFrame) -> None:
    figure = plots.cost_per_message(summary)
    check_readable(figure)
    assert figure.layout.yaxis.type == "log"
    assert [t.name for t in figure.data] == ["requests / message", "wire bytes / message"]


def test_knob_curve_has_units(summary: pd.DataFrame) -> None:
    figure = plots.knob_curve(summary, "poll_interval", "p50_ms", unit="s")
    check_readable(figure)
    assert figure.layout.xaxis.title.text == "poll_interval (s)"
    assert figure.layout.yaxis.title.text == "median latency (ms)"
    assert sorted(t.name for t in figure.data) == ["poll", "sse"]


def test_reliability_figures_from_the_recorded_runs() -> None:
    """The three reliability figures, built from data/ as notebook 08 does."""
    from rtlab import reliability

    faults, _ = reliability.load_figures("reliability_faults")
    figure = plots.fault_recovery(faults)
    check_readable(figure)
    assert [trace.name for trace in figure.data] == [
        "after a cut, median",
        "after a cut, worst",
        "after the server restart",
    ]
    assert list(figure.data[0].x) == ["poll", "longpoll", "stream", "iframe", "sse", "ws"]
    assert figure.layout.yaxis.title.text == "time to the next delivered message (ms)"

    idle, _ = reliability.load_figures("reliability_idle")
    figure = plots.idle_connections(idle)
    check_readable(figure)
    assert figure.layout.title.text == "Behind a 5 s idle timeout: connections used"
    assert [trace.name for trace in figure.data] == ["heartbeats on", "heartbeats off"]
    assert list(figure.data[0].y) == [1, 1, 1, 1]

    slow, _ = reliability.load_figures("reliability_slow")
    figure = plots.slow_consumer_p99(slow)
    check_readable(figure)
    assert figure.layout.title.text == "Fast clients' p99 latency while ~10 MB flow"
    assert figure.layout.yaxis.title.text == "p99 delivery latency (ms)"
