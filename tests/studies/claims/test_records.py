"""Claim results recorded and read back whole: figures, series and all."""

from __future__ import annotations

import math
from pathlib import Path

from rtlab.runs import store
from rtlab.studies.claims import ClaimResult, load_results, records


def test_a_recorded_run_loads_back_as_the_same_results(tmp_path: Path) -> None:
    results = [
        ClaimResult(
            "ranking",
            "WS first.",
            "seed 000",
            "depends",
            "ws 31.9 ms.",
            {"ws_p50_ms": 31.9, "poll_p50_ms": math.nan},
            {"ws_latency_ms": [31.0, 32.5, 33.0], "poll_latency_ms": [250.0]},
        ),
        ClaimResult("ws_server_easy", "Easy.", "seed 002", "does not hold", "3.15x.", {"r": 3.15}),
    ]
    store.save("claims", records.frames(results), {"quick": True}, tmp_path)
    loaded = load_results("claims", tmp_path)
    assert [r.key for r in loaded] == ["ranking", "ws_server_easy"]
    first, second = loaded
    assert (first.verdict, first.evidence, first.source) == ("depends", "ws 31.9 ms.", "seed 000")
    assert first.measured["ws_p50_ms"] == 31.9 and math.isnan(first.measured["poll_p50_ms"])
    assert first.series == {"ws_latency_ms": [31.0, 32.5, 33.0], "poll_latency_ms": [250.0]}
    assert second.measured == {"r": 3.15} and second.series == {}


def test_the_recorded_reference_run_loads_with_every_claim() -> None:
    loaded = load_results()
    assert len(loaded) >= 12 and len({r.key for r in loaded}) == len(loaded)
    assert all(r.measured and r.evidence.endswith(".") for r in loaded)
