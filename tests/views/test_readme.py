"""The README's recorded figures come from `data/`: the claims table and the load report."""

from __future__ import annotations

from pathlib import Path

from rtlab.runs import store
from rtlab.studies.claims import ClaimResult, records
from rtlab.views import readme
from rtlab.views.readme import BLOCKS, claims_block, cut, markers, rewrite, table


def _result(key: str, verdict: str, evidence: str = "Figures.") -> ClaimResult:
    return ClaimResult(key, f"Claim {key}.", "seed 000, 002", verdict, evidence, {"x": 1.0})


def test_short_evidence_is_kept_whole() -> None:
    assert cut("One. Two.", limit=20) == "One. Two."


def test_long_evidence_is_cut_at_the_last_sentence_or_clause_end_within_the_limit() -> None:
    text = "First part 1.5 ms; second part. Third part goes on and on."
    assert cut(text, limit=35) == "First part 1.5 ms; second part …"
    assert cut(text, limit=25) == "First part 1.5 ms …"  # the decimal point is no end


def test_evidence_without_an_end_is_cut_at_a_word() -> None:
    assert cut("aaa bbb ccc ddd", limit=9) == "aaa bbb …"


def test_table_rows_give_key_claim_seeds_verdict_and_escape_pipes() -> None:
    rows = table([_result("a", "holds", "x | y.")]).splitlines()
    assert rows[0] == "| claim | seeds | verdict | evidence (from the recorded run) |"
    assert rows[2] == "| `a`: Claim a. | 000, 002 | holds | x \\| y. |"


def _record(directory: Path, results: list[ClaimResult], failed: dict[str, str]) -> None:
    meta = {"quick": True, "ids": [r.key for r in results], "failed": failed, "seconds": 75.4}
    store.save("claims", records.frames(results), meta, directory)


def test_block_counts_the_verdicts_and_names_the_mode_time_and_failures(tmp_path: Path) -> None:
    results = [_result("a", "holds"), _result("b", "holds"), _result("c", "depends")]
    _record(tmp_path, results, {"d": "RuntimeError: no"})
    text = " ".join(claims_block("claims", tmp_path).split())
    assert "The recorded quick run (`rtlab claims --save-as claims`" in text
    assert "-core machine, 1 min 15 s) judged" in text
    assert "judged 3 claims: 2 hold, 1 depend. Failed to measure: d." in text
    assert "| `c`: Claim c. | 000, 002 | depends | Figures. |" in text


def test_rewrite_replaces_only_the_block(tmp_path: Path) -> None:
    _record(tmp_path, [_result("a", "does not hold")], {})
    readme = tmp_path / "README.md"
    begin, end = markers("claims")
    readme.write_text(f"before\n{begin}\nstale table\n{end}\nafter\n")
    assert rewrite(readme, tmp_path) is True
    text = readme.read_text()
    assert text.startswith("before\n") and text.endswith("\nafter\n")
    assert "judged 1 claims: 1 do not hold." in " ".join(text.split())
    assert "stale table" not in text
    assert f"{begin}\nThe recorded quick run" in text and "Figures. |\n" + end in text
    assert rewrite(readme, tmp_path) is False  # made again from the same run: unchanged


def test_the_readme_holds_every_recorded_block() -> None:
    """Re-record a run in `data/` and the README must follow: run
    `python -m rtlab.views.readme --write`."""
    text = readme.README.read_text()
    for name, make in BLOCKS.items():
        begin, end = markers(name)
        assert f"{begin}\n{make(name, store.DATA_DIR)}\n{end}" in text, name


def test_block_names_the_claims_measured_again_later(tmp_path: Path) -> None:
    update = {"ids": ["a"], "git_commit": "abcdef1234", "recorded": "2026-12-03T12:40"}
    update["seconds"] = 31.6
    meta = {"quick": False, "ids": ["a"], "failed": {}, "seconds": 600, "updates": [update]}
    store.save("claims", records.frames([_result("a", "holds")]), meta, tmp_path)
    text = " ".join(claims_block("claims", tmp_path).split())
    again = "Measured again on 2026-12-03 at commit abcdef1 (32 s): `a`."
    assert f"judged 1 claims: 1 hold. {again}" in text
