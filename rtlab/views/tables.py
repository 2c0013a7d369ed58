"""Tables a person reads: long text whole, wrapped and left-aligned; numbers short.

`TextTable` shows a frame of sentences (the claims and their evidence) wrapped
and left-aligned: pandas would cut each cell at 50 characters with "…". The
column headers and rounding of number tables are in `rtlab.runs.columns`.

`html_table` is the HTML of a number table in a widget (`ipywidgets.HTML`,
which the browser renders as HTML): pandas' `Styler` builds it, and every
header and value goes through `html.escape` once formatted, so a technique
name or an error text echoing a server body cannot inject markup or
scripts. (`Styler.format(escape="html")` escapes a value before the
formatter sees it; escaping the formatter's text covers what it writes too.)
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["TextTable", "cell_text", "html_table"]


# -- text ---------------------------------------------------------------------------

_CELL = "text-align:left;vertical-align:top;padding:4px 8px"
_RULE = "border-bottom:1px solid rgba(128,128,128,0.35)"
# min-width: narrow enough for four such columns beside the short ones
_WRAP = "white-space:pre-wrap;overflow-wrap:anywhere;min-width:8em"
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
            '<table style="border-collapse:collapse;width:100%">'
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


# -- numbers ------------------------------------------------------------------------

_NUMBERS = "border-collapse:collapse;font-family:monospace"
_NUMBER_CELL = "text-align:right;padding:2px 8px"


def cell_text(value: Any) -> str:
    """A table value as text: short numbers, a dash for missing ones."""
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return "–"
        return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.3g}"
    return str(value)


def html_table(frame: pd.DataFrame, columns: Mapping[str, str] | None = None) -> str:
    """`frame` as an HTML table, every header and value escaped: the `columns`
    (name -> header shown; default: all, as named) that `frame` has."""
    shown = dict(columns) if columns is not None else {str(c): str(c) for c in frame.columns}
    shown = {name: label for name, label in shown.items() if name in frame.columns}
    view = frame[list(shown)].set_axis(list(shown.values()), axis="columns")
    styled = (
        view.style.hide(axis="index")
        .format(lambda value: html.escape(cell_text(value)))
        .format_index(html.escape, axis="columns")
        .set_table_styles([{"selector": "th, td", "props": _NUMBER_CELL}])
        .set_table_attributes(f'style="{_NUMBERS}"')
    )
    return str(styled.to_html())
