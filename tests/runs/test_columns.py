"""Summary columns: headers with units, figures rounded to their precision."""

from __future__ import annotations

import pandas as pd

from rtlab.runs import columns


def test_headers_carry_their_units() -> None:
    assert columns.header("p50_ms") == "p50 (ms)"
    assert columns.header("server_cpu_us_per_msg") == "server CPU (µs/msg)"
    assert columns.header("peak_rss_mb") == "peak RSS (MB)"
    assert columns.header("losses") == "lost"
    assert columns.header("unknown_column") == "unknown_column"


def test_figures_are_rounded_to_their_precision() -> None:
    latency = pd.Series([249.923950, 0.842407, float("nan")])
    assert columns.rounded(latency, "p50_ms").tolist()[:2] == [249.92, 0.84]
    bytes_ = columns.rounded(pd.Series([220.733333, float("nan")]), "bytes_per_msg")
    assert str(bytes_.dtype) == "Int64" and bytes_.tolist() == [221, pd.NA]
    assert columns.rounded(pd.Series([76.860962]), "peak_rss_mb").tolist() == [76.9]
    assert columns.rounded(pd.Series([1 / 150]), "requests_per_msg").tolist() == [0.007]
    assert columns.rounded(pd.Series([0.123456]), "unknown").tolist() == [0.123456]


def test_readable_keeps_the_columns_asked_for_indexed_by_scenario() -> None:
    summary = pd.DataFrame(
        {
            "scenario": ["sse x1", "sse x5"],
            "clients": [1, 5],
            "p50_ms": [1.237671, 1.836060],
            "peak_rss_mb": [76.860962, 80.04],
            "bytes_down": [1000, 5000],
        }
    )
    frame = columns.readable(summary, ["clients", "p50_ms", "peak_rss_mb"])
    assert list(frame.columns) == ["clients", "p50 (ms)", "peak RSS (MB)"]
    assert frame.index.name == "scenario" and list(frame.index) == ["sse x1", "sse x5"]
    assert frame.to_dict("list") == {
        "clients": [1, 5],
        "p50 (ms)": [1.24, 1.84],
        "peak RSS (MB)": [76.9, 80.0],
    }
