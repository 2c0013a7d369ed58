"""The verdict table's seed and verdict choices (notebook 07)."""

from __future__ import annotations

from rtlab.studies.claims import ClaimResult
from rtlab.views.claim_filter import ANY, chosen, seeds, verdict_filter

RESULTS = [
    ClaimResult("a", "A.", "seed 000, 002", "holds", "x", {}),
    ClaimResult("b", "B.", "seed 002", "depends", "y", {}),
    ClaimResult("c", "C.", "seed 003", "holds", "z", {}),
]


def test_seeds_are_the_numbers_the_source_names() -> None:
    assert seeds(RESULTS[0]) == ["000", "002"]


def test_chosen_by_seed_verdict_or_both() -> None:
    assert [r.key for r in chosen(RESULTS)] == ["a", "b", "c"]
    assert [r.key for r in chosen(RESULTS, "002")] == ["a", "b"]
    assert [r.key for r in chosen(RESULTS, verdict="holds")] == ["a", "c"]
    assert [r.key for r in chosen(RESULTS, "002", "holds")] == ["a"]
    assert chosen(RESULTS, "004", ANY) == []


def test_the_widget_offers_the_seeds_and_verdicts_present_and_counts_the_rows() -> None:
    box = verdict_filter(RESULTS)
    seed_box, verdict_box, count = box.children[0].children
    assert list(seed_box.options) == [ANY, "000", "002", "003"]
    assert list(verdict_box.options) == [ANY, "holds", "depends"]  # in VERDICTS order
    assert count.value == "3 of 3 claims"
    seed_box.value = "002"
    assert count.value == "2 of 3 claims"
    verdict_box.value = "depends"
    assert count.value == "1 of 3 claims"
