"""The claim catalogue: every quote is the seeds' own words, every entry is
well formed, and it covers the claims the lab measures today."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from rtlab.studies.claims import CATALOGUE, CLAIMS, catalogue
from rtlab.studies.claims.catalogue import SEEDS, Entry, coverage

REPO = Path(__file__).resolve().parents[3]


def _seed_dirs() -> list[Path]:
    """Where the seeds may be: $RTLAB_SEEDS, then `../shared/seeds` beside the
    repository (as CI's clean clone has it), then /work/shared/seeds."""
    chosen = os.environ.get("RTLAB_SEEDS", "").strip()
    return [
        *([Path(chosen)] if chosen else []),
        REPO.parent / "shared" / "seeds",
        Path("/work/shared/seeds"),
    ]


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    """Each seed's text by file name, from the first folder that has them all."""
    tried = _seed_dirs()
    for folder in tried:
        if all((folder / name).is_file() for name in SEEDS):
            return {name: (folder / name).read_text(encoding="utf-8") for name in SEEDS}
    pytest.fail(
        f"the seed articles {', '.join(SEEDS)} are in none of: "
        + ", ".join(str(folder) for folder in tried)
        + " (set RTLAB_SEEDS to their folder)"
    )


def _quotes(entry: Entry) -> list[tuple[str, str]]:
    return [(entry.seed, entry.quote), *entry.also]


def test_every_quote_is_the_seeds_own_words(seeds: dict[str, str]) -> None:
    missing = [
        (entry.id, seed, quote)
        for entry in CATALOGUE
        for seed, quote in _quotes(entry)
        if quote not in seeds[seed]
    ]
    assert missing == []


def test_quotes_are_long_enough_to_carry_a_claim_and_short_enough_to_read() -> None:
    lengths = {quote: len(quote) for entry in CATALOGUE for _, quote in _quotes(entry)}
    assert {q: n for q, n in lengths.items() if not 8 <= n <= 80} == {}


def test_entries_are_in_seed_order_with_unique_snake_case_ids() -> None:
    ids = [entry.id for entry in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", i) for i in ids), ids
    order = [SEEDS.index(entry.seed) for entry in CATALOGUE]
    assert order == sorted(order)
    assert all(seed in SEEDS for entry in CATALOGUE for seed, _ in entry.also)


def test_every_entry_is_filled_in() -> None:
    for entry in CATALOGUE:
        for name in ("quote", "claim", "conditions", "rule", "instrument"):
            assert getattr(entry, name).strip(), (entry.id, name)
        assert entry.claim.endswith("."), entry.id


def test_measured_by_names_the_claims_and_every_claim_is_catalogued() -> None:
    measured = {entry.measured_by for entry in CATALOGUE} - {None}
    assert measured <= set(CLAIMS)
    assert set(CLAIMS) <= measured


def test_at_most_four_entries_are_not_testable_and_each_says_why() -> None:
    untestable = [entry for entry in CATALOGUE if entry.not_testable is not None]
    assert len(untestable) <= 4
    assert all(len(entry.not_testable or "") > 40 for entry in untestable)
    assert all(entry.measured_by is None for entry in untestable)


def test_every_rule_can_come_out_either_way() -> None:
    """Each rule says when the claim holds and when it does not; a rule that
    names `depends` says on what (it gives or names something)."""
    for entry in CATALOGUE:
        assert "holds if" in entry.rule and "does not hold" in entry.rule, entry.id
    assert sum("depends" in entry.rule for entry in CATALOGUE) >= len(CATALOGUE) - 2


def test_the_contradictions_are_separate_entries() -> None:
    by_id = {entry.id: entry for entry in CATALOGUE}
    for first, second in (
        ("sse_reconnect", "sse_client_must_reconnect"),
        ("ws_no_same_origin", "ws_same_origin"),
        ("ws_server_complex", "ws_server_easy"),
        ("compat_order", "ws_sse_support_similar"),
    ):
        assert by_id[first].quote != by_id[second].quote
    assert by_id["sse_client_must_reconnect"].seed == by_id["ws_same_origin"].seed == SEEDS[2]


def test_coverage_counts_entries_measured_and_untestable() -> None:
    counted = coverage()
    assert counted.entries == len(CATALOGUE)
    assert 30 <= counted.entries <= 40
    assert counted.measured == sum(entry.measured_by is not None for entry in CATALOGUE)
    assert counted.not_testable == sum(entry.not_testable is not None for entry in CATALOGUE)
    assert list(counted.per_seed) == list(SEEDS)
    assert sum(counted.per_seed.values()) == counted.entries


def test_coverage_of_a_chosen_few() -> None:
    few = [entry for entry in CATALOGUE if entry.seed == catalogue.SEED_004]
    counted = coverage(few)
    assert (counted.entries, counted.per_seed) == (len(few), {catalogue.SEED_004: len(few)})


def test_the_seeds_are_looked_for_in_rtlab_seeds_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTLAB_SEEDS", "/somewhere/seeds")
    assert _seed_dirs() == [
        Path("/somewhere/seeds"),
        REPO.parent / "shared" / "seeds",
        Path("/work/shared/seeds"),
    ]
    monkeypatch.delenv("RTLAB_SEEDS")
    assert _seed_dirs()[0] == REPO.parent / "shared" / "seeds"


def test_every_measured_claim_has_the_entry_of_its_own_id() -> None:
    """`rtlab claims --json` takes a claim's quote, rule and conditions from it."""
    by_id = {entry.id: entry for entry in CATALOGUE}
    for key in CLAIMS:
        assert by_id[key].measured_by == key, key
