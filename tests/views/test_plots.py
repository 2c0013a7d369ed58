"""Every figure is readable on its own: a title, axis titles with units, a legend."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from rtlab.views import plots


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


def axes(figure: go.Figure) -> list[Any]:
    return [figure.layout[name] for name in figure.layout if name.startswith(("xaxis", "yaxis"))]


def check_readable(figure: go.Figure) -> None:
    """A title, a legend with a title and named traces, and every axis titled with
    its unit said once; log axes label their ticks as plain numbers."""
    layout = figure.layout
    assert layout.title.text
    assert layout.legend.title.text
    assert all(trace.name for trace in figure.data)
    for axis in axes(figure):
        if axis.showticklabels is False:
            continue  # a shared axis, titled and labelled on its other panel
        assert axis.title.text
        assert not DOUBLED.search(axis.title.text), axis.title.text
        if axis.type == "log":
            assert axis.tickformat == "~g" or axis.tickvals is not None


DOUBLED = re.compile(r"\b([\w/ ]+) \(\1\)")


def test_doubled_units_are_caught() -> None:
    assert DOUBLED.search("clients (clients)")
    assert not DOUBLED.search("poll interval (s)")


def test_latency_cdf(deliveries: pd.DataFrame) -> None:
    figure = plots.latency_cdf(deliveries)
    check_readable(figure)
    assert [t.name for t in figure.data] == ["poll", "sse", "ws"]
    assert figure.layout.xaxis.title.text == "latency: receive − publish (ms, log scale)"
    assert (figure.layout.xaxis.type, figure.layout.xaxis.tickformat) == ("log", "~g")
    ys = figure.data[0].y
    assert ys[-1] == 1.0 and list(ys) == sorted(ys)


def test_latency_box_and_timeline(deliveries: pd.DataFrame) -> None:
    for figure in (plots.latency_box(deliveries), plots.timeline(deliveries)):
        check_readable(figure)
        assert figure.layout.yaxis.title.text == "latency (ms, log scale)"
        assert (figure.layout.yaxis.type, figure.layout.yaxis.tickformat) == ("log", "~g")


def test_latency_by_client_labels_its_log_axis(deliveries: pd.DataFrame) -> None:
    runs = pd.DataFrame({"run": [0], "client_kind": ["browser"]})
    figure = plots.latency_by_client(deliveries.assign(run=0), runs)
    check_readable(figure)
    assert (figure.layout.yaxis.type, figure.layout.yaxis.tickformat) == ("log", "~g")


def test_cost_per_message_gives_each_measure_its_own_axis(summary: pd.DataFrame) -> None:
    figure = plots.cost_per_message(summary)
    check_readable(figure)
    assert [t.name for t in figure.data] == ["requests / message", "wire bytes / message"]
    assert [(t.xaxis, t.yaxis) for t in figure.data] == [("x", "y"), ("x2", "y2")]
    layout = figure.layout
    assert layout.yaxis.title.text == "requests per message (log scale)"
    assert (layout.yaxis.type, layout.yaxis.tickformat) == ("log", "~g")
    assert layout.yaxis2.title.text == "wire bytes per message (B)"
    assert layout.yaxis2.type is None  # linear
    assert layout.xaxis2.title.text == "scenario"


def test_knob_curve_names_the_knob_with_its_unit(summary: pd.DataFrame) -> None:
    figure = plots.knob_curve(summary, "poll_interval", "p50_ms", unit="s")
    check_readable(figure)
    assert figure.layout.title.text == "median latency (ms) vs poll interval"
    assert figure.layout.xaxis.title.text == "poll interval (s)"
    assert figure.layout.xaxis.type is None  # 0.5 to 1: linear
    assert list(figure.layout.xaxis.tickvals) == [0.5, 1.0]
    assert list(figure.layout.xaxis.ticktext) == ["0.5", "1"]
    assert figure.layout.yaxis.title.text == "median latency (ms)"
    assert sorted(t.name for t in figure.data) == ["poll", "sse"]


def test_knob_curve_says_a_unit_once(summary: pd.DataFrame) -> None:
    clients = summary.assign(clients=[1, 1, 5, 5])
    figure = plots.knob_curve(clients, "clients", "bytes_per_msg", unit="clients")
    check_readable(figure)
    assert figure.layout.xaxis.title.text == "clients"
    assert figure.layout.yaxis.title.text == "wire bytes per message (B)"
    assert plots.knob_title("clients") == "clients"
    assert plots.knob_title("rate") == "publish rate (messages/s)"
    assert plots.knob_title("rate", "messages/s") == "publish rate (messages/s)"
    assert plots.knob_title("poll_interval", "ms") == "poll interval (ms)"
    assert plots.knob_title("mystery") == "mystery"
    assert plots.knob_title("mystery", "s") == "mystery (s)"


def test_knob_curve_spanning_a_decade_is_log_with_the_knob_values_as_ticks(
    summary: pd.DataFrame,
) -> None:
    rates = pd.concat([summary, summary.iloc[:2]], ignore_index=True)
    rates["rate"] = [5.0, 5.0, 50.0, 50.0, 200.0, 200.0]
    figure = plots.knob_curve(rates, "rate", "p50_ms")
    check_readable(figure)
    assert figure.layout.xaxis.type == "log"
    assert figure.layout.xaxis.title.text == "publish rate (messages/s), log scale"
    assert list(figure.layout.xaxis.tickvals) == [5.0, 50.0, 200.0]
    assert list(figure.layout.xaxis.ticktext) == ["5", "50", "200"]


def test_knob_curve_leaves_out_unresolved_runs_and_says_so(summary: pd.DataFrame) -> None:
    cpu = summary.assign(
        clients=[1, 1, 5, 5], server_cpu_us_per_msg=[np.nan, 120.0, np.nan, np.nan]
    )
    figure = plots.knob_curve(cpu, "clients", "server_cpu_us_per_msg")
    check_readable(figure)
    assert figure.layout.yaxis.title.text == "server CPU per message (µs)"
    (note,) = figure.layout.annotations
    assert note.text == (
        "3 of 4 runs left out: under 0.2 s of server CPU, counted in 10 ms clock ticks"
    )
    assert (note.x, note.y) == (0.02, 0.98)
    assert figure.layout.yaxis.showticklabels is None
    assert not plots.knob_curve(summary, "poll_interval").layout.annotations


def test_knob_curve_with_no_point_says_why_in_the_middle(summary: pd.DataFrame) -> None:
    cpu = summary.assign(server_cpu_us_per_msg=np.nan)
    figure = plots.knob_curve(cpu, "poll_interval", "server_cpu_us_per_msg")
    (note,) = figure.layout.annotations
    assert note.text.startswith("4 of 4 runs left out: ")
    assert (note.x, note.y) == (0.5, 0.5)
    assert figure.layout.yaxis.showticklabels is False


def test_reliability_figures_from_the_recorded_runs() -> None:
    """The three reliability figures, built from data/ as notebook 08 does."""
    from rtlab.studies import reliability

    faults, _ = reliability.load("reliability_faults")
    figure = plots.fault_recovery(faults)
    check_readable(figure)
    assert [trace.name for trace in figure.data] == [
        "after a cut, median",
        "after a cut, worst",
        "after the server restart",
    ]
    assert list(figure.data[0].x) == ["poll", "longpoll", "stream", "iframe", "sse", "ws"]
    assert figure.layout.yaxis.title.text == "time to the next delivered message (ms)"

    idle, _ = reliability.load("reliability_idle")
    figure = plots.idle_connections(idle)
    check_readable(figure)
    assert figure.layout.title.text == "Behind a 5 s idle timeout: connections used"
    assert [trace.name for trace in figure.data] == ["heartbeats on", "heartbeats off"]
    assert list(figure.data[0].y) == [1, 1, 1, 1]

    slow, _ = reliability.load("reliability_slow")
    figure = plots.slow_consumer_p99(slow)
    check_readable(figure)
    assert figure.layout.title.text == "Fast clients' p99 latency while ~10 MB flow"
    assert figure.layout.yaxis.title.text == "p99 delivery latency (ms)"
