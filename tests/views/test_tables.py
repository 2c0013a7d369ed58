"""Tables for reading: headers with units, figures rounded, long text shown whole."""

from __future__ import annotations

import pandas as pd

from rtlab.views import tables
from rtlab.views.dashboard import stats_table_html

LONG = "a sentence that goes on " * 10 + "& ends <here>"


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
    wrapped = "white-space:pre-wrap;overflow-wrap:anywhere;min-width:8em"
    assert page.count(wrapped) == 3  # header and two cells
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


def test_tables_escape_every_value_and_header() -> None:
    frame = pd.DataFrame(
        [
            {
                "technique": "<script>alert(1)</script>",
                "delivered": 3,
                "p50_ms": 0.5,
                "p99_ms": float("nan"),
                "requests": 2,
                "gaps": 0,
                "duplicates": 0,
            }
        ]
    )
    text = stats_table_html(frame)
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "gaps/holes" in text and "–" in text  # NaN shows as a dash
    other = tables.html_table(pd.DataFrame({"<b>": ['"quoted" & <i>']}))
    assert "<b>" not in other and "<i>" not in other
    assert "&lt;b&gt;" in other and "&quot;quoted&quot; &amp; &lt;i&gt;" in other
