"""Tables for reading: headers with units, figures rounded, long text shown whole."""

from __future__ import annotations

import pandas as pd

from rtlab import tables

LONG = "a sentence that goes on " * 10 + "& ends <here>"


def test_headers_carry_their_units() -> None:
    assert tables.header("p50_ms") == "p50 (ms)"
    assert tables.header("server_cpu_us_per_msg") == "server CPU (µs/msg)"
    assert tables.header("peak_rss_mb") == "peak RSS (MB)"
    assert tables.header("losses") == "lost"
    assert tables.header("unknown_column") == "unknown_column"


def test_figures_are_rounded_to_their_precision() -> None:
    latency = pd.Series([249.923950, 0.842407, float("nan")])
    assert tables.rounded(latency, "p50_ms").tolist()[:2] == [249.92, 0.84]
    bytes_ = tables.rounded(pd.Series([220.733333, float("nan")]), "bytes_per_msg")
    assert str(bytes_.dtype) == "Int64" and bytes_.tolist() == [221, pd.NA]
    assert tables.rounded(pd.Series([76.860962]), "peak_rss_mb").tolist() == [76.9]
    assert tables.rounded(pd.Series([1 / 150]), "requests_per_msg").tolist() == [0.007]
    assert tables.rounded(pd.Series([0.123456]), "unknown").tolist() == [0.123456]


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
    frame = tables.readable(summary, ["clients", "p50_ms", "peak_rss_mb"])
    assert list(frame.columns) == ["clients", "p50 (ms)", "peak RSS (MB)"]
    assert frame.index.name == "scenario" and list(frame.index) == ["sse x1", "sse x5"]
    assert frame.to_dict("list") == {
        "clients": [1, 5],
        "p50 (ms)": [1.24, 1.84],
        "peak RSS (MB)": [76.9, 80.0],
    }


def text_table() -> tables.TextTable:
    frame = pd.DataFrame(
        {"claim": [LONG, "short"], "verdict": ["holds", "depends"]},
        index=pd.Index(["one", "two"], name="key"),
    )
    return tables.TextTable(frame, wrap=("claim",))


def test_text_table_html_shows_every_character_escaped_and_wrapped() -> None:
    page = text_table()._repr_html_()
    assert "…" not in page
    assert LONG.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in page
    assert "<here>" not in page
    assert page.count("white-space:pre-wrap;min-width:14em") == 3  # header and two cells
    assert page.count("text-align:left") == 9  # 3 columns x (header + 2 rows)
    assert "<th" in page and ">key</th>" in page


def test_text_table_as_text_is_one_block_per_row_wrapped() -> None:
    text = repr(text_table())
    blocks = text.split("\n\n")
    assert [block.splitlines()[0] for block in blocks] == ["one · holds", "two · depends"]
    assert all(len(line) <= 100 for line in text.splitlines())
    claim = blocks[0].splitlines()[1:]
    assert claim[0].startswith("    claim: a sentence")
    assert all(line.startswith(" " * 11) for line in claim[1:])
    assert " ".join(line.strip() for line in claim) == f"claim: {LONG}"
    assert text_table().data.loc["two", "verdict"] == "depends"
