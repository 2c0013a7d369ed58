"""Tables a person reads: long text whole, wrapped and left-aligned.

`TextTable` shows a frame of sentences (the claims and their evidence) wrapped
and left-aligned: pandas would cut each cell at 50 characters with "…". The
column headers and rounding of number tables are in `rtlab.runs.columns`.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence

import pandas as pd

__all__ = ["TextTable"]


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
