"""Tables a person reads: units in the headers, figures rounded, long text whole.

`Result.summary()` and the claims' results hold the data; this module is how
it is shown (`Result.table()`, `compare()`, `claims.table()`). `readable()`
keeps the columns asked for, names each with its unit ("p50 (ms)", "peak RSS
(MB)") and rounds it to the decimals its measurement supports, so nothing
reads "76.860962". `TextTable` shows a frame of sentences (the claims and
their evidence) wrapped and left-aligned: pandas would cut each cell at 50
characters with "…".
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence

import pandas as pd

__all__ = ["COLUMNS", "TextTable", "header", "readable", "rounded"]

#: `Result.summary()` column -> (header with its unit, decimals shown; None: as it is).
COLUMNS: dict[str, tuple[str, int | None]] = {
    "scenario": ("scenario", None),
    "technique": ("technique", None),
    "client_kind": ("client", None),
    "network": ("network", None),
    "clients": ("clients", None),
    "rate": ("rate (msg/s)", None),
    "poll_interval": ("poll interval (s)", None),
    "message_size": ("message size (chars)", None),
    "delivered": ("delivered", None),
    "losses": ("lost", None),
    "duplicates": ("duplicates", None),
    "gaps": ("gaps", None),
    "requests": ("requests", None),
    "p50_ms": ("p50 (ms)", 2),
    "p99_ms": ("p99 (ms)", 2),
    "requests_per_msg": ("requests/msg", 3),
    "bytes_per_msg": ("wire bytes/msg", 0),
    "server_cpu_s": ("server CPU (s)", 3),
    "server_cpu_us_per_msg": ("server CPU (µs/msg)", 0),
    "peak_rss_mb": ("peak RSS (MB)", 1),
}


def header(column: str) -> str:
    """The header a column is shown under: its name with its unit."""
    return COLUMNS.get(column, (column, None))[0]


def rounded(values: pd.Series, column: str) -> pd.Series:
    """`values` rounded to the decimals of `column` (whole numbers as integers)."""
    decimals = COLUMNS.get(column, (column, None))[1]
    if decimals is None:
        return values
    if decimals == 0:
        return values.round().astype("Int64")
    return values.round(decimals)


def readable(summary: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Those columns of `summary`, rounded and under their headers, indexed by scenario."""
    shown = summary.set_index("scenario") if "scenario" in summary else summary
    return pd.DataFrame({header(c): rounded(shown[c], c) for c in columns}, index=shown.index)


# -- text ---------------------------------------------------------------------------

_CELL = "text-align:left;vertical-align:top;padding:4px 8px"
_RULE = "border-bottom:1px solid rgba(128,128,128,0.35)"
_WRAP = "white-space:pre-wrap;min-width:14em"
_KEEP = "white-space:nowrap"
_WIDTH = 100  # characters a plain-text line holds


class TextTable:
    """A frame of text shown whole: in JupyterLab an HTML table whose `wrap`
    columns wrap (the others stay on one line), as plain text one block per
    row. `data` is the frame itself."""

    def __init__(self, data: pd.DataFrame, wrap: Sequence[str] = ()) -> None:
        self.data = data
        self.wrap = tuple(wrap)

    def _cell(self, tag: str, column: str, value: object) -> str:
        space = _WRAP if column in self.wrap else _KEEP
        return f'<{tag} style="{_CELL};{space}">{html.escape(str(value))}</{tag}>'

    def _repr_html_(self) -> str:
        names = [str(self.data.index.name or ""), *map(str, self.data.columns)]
        head = "".join(self._cell("th", name, name) for name in names)
        rows = [
            f'<tr style="{_RULE}">'
            + self._cell("th", "", key)
            + "".join(self._cell("td", str(c), row[c]) for c in self.data.columns)
            + "</tr>"
            for key, row in self.data.iterrows()
        ]
        return (
            '<table style="border-collapse:collapse">'
            f'<thead><tr style="{_RULE}">{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        )

    def __repr__(self) -> str:
        blocks = []
        for key, row in self.data.iterrows():
            short = [str(row[c]) for c in self.data.columns if c not in self.wrap]
            lines = [" · ".join([str(key), *short])]
            for column in self.wrap:
                lines += textwrap.wrap(
                    f"{column}: {row[column]}",
                    _WIDTH,
                    initial_indent="    ",
                    subsequent_indent="    " + " " * (len(str(column)) + 2),
                )
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)
