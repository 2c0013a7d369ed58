"""The claims' views: the table of verdicts, the table of the claim
catalogue, and each claim's plot (drawn by `rtlab.views.claim_plots` from its
`ClaimResult`: the measured figures and series of `rtlab.studies.claims`).

    views.claims.table(results)       # claim, source, verdict, evidence; .data: the frame
    views.claims.figure(results[0])   # the plot behind one verdict
    views.claims.catalogue_table(claims.CATALOGUE)  # every claim of the seeds and its rule
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go

from rtlab.studies.claims import ClaimResult, Entry
from rtlab.views.claim_plots import DRAWERS
from rtlab.views.tables import TextTable

__all__ = ["catalogue_table", "figure", "table"]


def table(results: Iterable[ClaimResult]) -> TextTable:
    """Claim, source, verdict and evidence, one row per claim (indexed by key),
    shown whole: the claim and the evidence wrap, nothing is cut. `.data` is
    the frame."""
    rows = [
        {
            "key": r.key,
            "claim": r.claim,
            "source": r.source,
            "verdict": r.verdict,
            "evidence": r.evidence,
        }
        for r in results
    ]
    frame = pd.DataFrame(rows, columns=["key", "claim", "source", "verdict", "evidence"])
    return TextTable(frame.set_index("key"), wrap=("claim", "evidence"))


def catalogue_table(entries: Iterable[Entry]) -> TextTable:
    """The claim catalogue, one row per entry in the order given, indexed by
    seed number: id, the claim that measures it today ("not yet" if none; "not
    testable here: why" if the lab cannot), the seed's words, the gloss and the
    rule. The short columns come first so a narrow notebook shows them; the
    others wrap, nothing is cut. `.data` is the frame."""
    columns = ["id", "measured by", "quote", "claim", "rule"]
    rows = [
        {
            "seed": entry.seed.split("_", 1)[0],
            "id": entry.id,
            "quote": entry.quote,
            "claim": entry.claim,
            "rule": entry.rule,
            "measured by": _measured_by(entry),
        }
        for entry in entries
    ]
    frame = pd.DataFrame(rows, columns=["seed", *columns]).set_index("seed")
    return TextTable(frame, wrap=("measured by", "quote", "claim", "rule"))


def _measured_by(entry: Entry) -> str:
    if entry.not_testable is not None:
        return f"not testable here: {entry.not_testable}"
    return entry.measured_by or "not yet"


def figure(result: ClaimResult) -> go.Figure:
    """The plot of one claim's measured figures and series; ValueError for a
    claim with no plot here."""
    try:
        draw = DRAWERS[result.key]
    except KeyError:
        raise ValueError(f"no plot for claim {result.key!r}") from None
    return draw(result)
