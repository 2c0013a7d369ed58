"""The table of verdicts with a seed and a verdict to choose from (notebook
`07_claims`): two dropdowns above `claims.table`, redrawn on each choice.

    claim_filter.verdict_filter(results)        # the widget
    claim_filter.chosen(results, "002", "depends")  # the rows it shows, without widgets
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import ipywidgets as widgets
from IPython.display import display

from rtlab.studies.claims import VERDICTS, ClaimResult
from rtlab.views.claims import table

__all__ = ["ANY", "chosen", "seeds", "verdict_filter"]

ANY = "any"


def seeds(result: ClaimResult) -> list[str]:
    """The seed numbers a claim's source names ("seed 000, 002" -> ["000", "002"])."""
    return re.findall(r"\b\d{3}\b", result.source)


def chosen(
    results: Sequence[ClaimResult], seed: str = ANY, verdict: str = ANY
) -> list[ClaimResult]:
    """The results from that seed (one of those its source names) with that
    verdict; ANY leaves either open."""
    return [
        r
        for r in results
        if (seed == ANY or seed in seeds(r)) and (verdict == ANY or r.verdict == verdict)
    ]


def verdict_filter(results: Sequence[ClaimResult]) -> widgets.VBox:
    """Dropdowns for seed and verdict over the table of the chosen results,
    with how many of all are shown."""
    seed_box = widgets.Dropdown(
        options=[ANY, *sorted({s for r in results for s in seeds(r)})], description="seed"
    )
    present = {r.verdict for r in results}
    verdict_box = widgets.Dropdown(
        options=[ANY, *[v for v in VERDICTS if v in present]], description="verdict"
    )
    count = widgets.Label()
    shown = widgets.Output()

    def redraw(_: object = None) -> None:
        rows = chosen(results, seed_box.value, verdict_box.value)
        count.value = f"{len(rows)} of {len(results)} claims"
        shown.clear_output(wait=True)
        with shown:
            display(table(rows))  # type: ignore[no-untyped-call]  # IPython has no type hints

    seed_box.observe(redraw, names="value")
    verdict_box.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([seed_box, verdict_box, count]), shown])
