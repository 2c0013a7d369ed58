"""What every claim plot shares: titles with units and legends, and bars per
technique, one panel per measure."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rtlab.views.plots import COLORS

__all__ = ["Panel", "technique_bars", "titled"]

Panel = tuple[str, str, Mapping[str, float]]  # (name, axis title, {technique: value})


def titled(shown: go.Figure, title: str, x: str, y: str, legend: str, **layout: object) -> None:
    """Title the figure, its axes and its legend (and set any other `layout`)."""
    shown.update_layout(title=title, xaxis_title=x, yaxis_title=y, legend_title=legend, **layout)


def technique_bars(
    panels: Sequence[Panel], title: str, techniques: Sequence[str], per_row: int = 2
) -> go.Figure:
    """One panel per measure, `per_row` panels to a row, one coloured bar per
    technique, one legend entry per technique."""
    cols = min(per_row, len(panels))
    rows = math.ceil(len(panels) / cols)
    shown = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[name for name, _, _ in panels],
        horizontal_spacing=0.15,
        vertical_spacing=0.2,
    )
    for index, (_, axis, values) in enumerate(panels):
        row, col = index // cols + 1, index % cols + 1
        for technique in techniques:
            shown.add_bar(
                x=[technique],
                y=[values[technique]],
                name=technique,
                legendgroup=technique,
                showlegend=index == 0,
                marker_color=COLORS.get(technique),
                row=row,
                col=col,
            )
        shown.update_yaxes(title_text=axis, rangemode="tozero", row=row, col=col)
        shown.update_xaxes(title_text="technique", row=row, col=col)
    shown.update_layout(title=title, legend_title="technique", height=400 * rows)
    return shown
