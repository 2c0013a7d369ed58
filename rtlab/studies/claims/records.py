"""Claim results on disk: `frames(results)` is what `rtlab claims --save-as`
records with `rtlab.runs.store`, and `load(name)` reads a recorded run back as
`ClaimResult`s, series included, so its table and figures can be shown
without measuring again (notebook `07_claims` shows `data/claims.*`).

Three frames: `claims` (one row per claim: id, seed, claim, verdict,
evidence), `figures` (id, figure, value: what the rule read) and `series`
(id, series, index, value: what the plot draws besides).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from rtlab.runs import store
from rtlab.studies.claims.base import ClaimResult

__all__ = ["frames", "load", "updated"]


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


def updated(
    name: str,
    directory: str | Path,
    results: Sequence[ClaimResult],
    meta: Mapping[str, Any],
    order: Sequence[str],
) -> tuple[list[ClaimResult], dict[str, Any]]:
    """The run recorded as `name` with `results` in place of its rows for the
    same claims (and added where it had none), in `order`, and its meta: the
    first run's commit, date and duration stay, and `updates` lists each later
    run (its ids, commit, date and seconds; a claim only under its latest). A
    quick run cannot update a full one, nor the other way round (ValueError)."""
    old = store.load(name, directory).meta
    if bool(old.get("quick")) != bool(meta["quick"]):
        kinds = {True: "quick", False: "full"}
        raise ValueError(
            f"{name} is a {kinds[bool(old.get('quick'))]} run; a "
            f"{kinds[bool(meta['quick'])]} run cannot update it"
        )
    by_key = {r.key: r for r in load(name, directory)} | {r.key: r for r in results}
    merged = [by_key[k] for k in order if k in by_key]
    merged += [r for k, r in by_key.items() if k not in order]
    fresh = set(meta["ids"])
    failed = {k: v for k, v in old.get("failed", {}).items() if k not in fresh}
    update = {
        "ids": list(meta["ids"]),
        "git_commit": store.GIT_COMMIT,
        "recorded": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": meta["seconds"],
    }
    kept: dict[str, Any] = {k: old[k] for k in ("git_commit", "recorded", "seconds") if k in old}
    return merged, {
        **kept,
        "quick": meta["quick"],
        "ids": [r.key for r in merged],
        "failed": failed | dict(meta["failed"]),
        "updates": [*_superseded(old.get("updates", []), fresh), update],
    }


def _superseded(updates: Sequence[Mapping[str, Any]], fresh: set[str]) -> list[dict[str, Any]]:
    """Earlier updates without the claims measured again now (and without those
    left with none)."""
    kept = [dict(u) | {"ids": [k for k in u["ids"] if k not in fresh]} for u in updates]
    return [u for u in kept if u["ids"]]
