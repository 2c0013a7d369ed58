"""Claim results on disk: `frames(results)` is what `rtlab claims --save-as`
records with `rtlab.runs.store`, and `load(name)` reads a recorded run back as
`ClaimResult`s, series included, so its table and figures can be shown
without measuring again (notebook `07_claims` shows `data/claims.*`).

Three frames: `claims` (one row per claim: id, seed, claim, verdict,
evidence), `figures` (id, figure, value: what the rule read) and `series`
(id, series, index, value: what the plot draws besides).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from rtlab.runs import store
from rtlab.studies.claims.base import ClaimResult

__all__ = ["frames", "load"]


def frames(results: Sequence[ClaimResult]) -> dict[str, pd.DataFrame]:
    """The three frames of the module docstring, for `rtlab.runs.store.save`."""
    claims = pd.DataFrame(
        [(r.key, r.source, r.claim, r.verdict, r.evidence) for r in results],
        columns=["id", "seed", "claim", "verdict", "evidence"],
    )
    figures = pd.DataFrame(
        [(r.key, name, value) for r in results for name, value in r.measured.items()],
        columns=["id", "figure", "value"],
    )
    series = pd.DataFrame(
        [
            (r.key, name, index, float(value))
            for r in results
            for name, values in r.series.items()
            for index, value in enumerate(values)
        ],
        columns=["id", "series", "index", "value"],
    )
    return {"claims": claims, "figures": figures, "series": series}


def load(name: str = "claims", directory: str | Path = store.DATA_DIR) -> list[ClaimResult]:
    """The claim results recorded as `name` in `directory`, in their order
    (runs recorded before series were kept load with empty series)."""
    recorded = store.load(name, directory).frames
    figures = recorded["figures"].groupby("id", sort=False)
    series = recorded.get("series", pd.DataFrame(columns=["id", "series", "index", "value"]))
    by_claim = {key: group for key, group in series.groupby("id", sort=False)}
    results = []
    for row in recorded["claims"].itertuples(index=False):
        measured = (
            dict(zip(*(figures.get_group(row.id)[c] for c in ("figure", "value")), strict=True))
            if row.id in figures.groups
            else {}
        )
        drawn = by_claim.get(row.id, series.iloc[:0]).sort_values("index")
        lists = {n: g["value"].tolist() for n, g in drawn.groupby("series", sort=False)}
        results.append(
            ClaimResult(
                row.id,
                row.claim,
                row.seed,
                row.verdict,
                row.evidence,
                {k: float(v) for k, v in measured.items()},
                lists,
            )
        )
    return results
