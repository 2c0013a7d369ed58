"""The README's recorded figures, made from the recorded runs in `data/`, so
every figure the README quotes comes from there: the table of claim verdicts
(`data/claims.*`) and the load run's report (`data/load.*`).

    python -m rtlab.views.readme            # print the blocks
    python -m rtlab.views.readme --write    # rewrite them in README.md

Each block sits between the two markers of `markers(NAME)` (HTML comments a
Markdown reader does not show). A test checks that README.md holds what this
module makes of the recorded runs, so a run recorded again cannot leave the
README behind.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rtlab.runs import store
from rtlab.studies.claims import ClaimResult, records
from rtlab.studies.claims.base import VERDICTS
from rtlab.studies.load.result import recorded

__all__ = ["BLOCKS", "claims_block", "cut", "load_block", "markers", "rewrite", "table"]

EVIDENCE_CHARS = 260  # evidence longer than this is cut at a sentence (or clause) end
README = Path(__file__).resolve().parents[2] / "README.md"


def cut(text: str, limit: int = EVIDENCE_CHARS) -> str:
    """`text` whole when it fits in `limit` characters, else up to its last
    sentence or clause end ('. ' or '; ') within the limit, then ' …'."""
    if len(text) <= limit:
        return text
    ends = [m.end() - 1 for m in re.finditer(r"[.;] ", text[: limit + 1])]
    kept = text[: ends[-1]] if ends else text[:limit].rsplit(" ", 1)[0]
    return kept.rstrip(".;") + " …"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(results: Sequence[ClaimResult]) -> str:
    """One Markdown row per claim: id and claim, seeds, verdict, evidence (cut)."""
    lines = [
        "| claim | seeds | verdict | evidence (from the recorded run) |",
        "|---|---|---|---|",
    ]
    for r in results:
        seeds = r.source.removeprefix("seeds ").removeprefix("seed ")
        lines.append(
            f"| `{r.key}`: {_cell(r.claim)} | {_cell(seeds)} | {r.verdict} "
            f"| {_cell(cut(r.evidence))} |"
        )
    return "\n".join(lines)


def _counts(results: Sequence[ClaimResult]) -> str:
    counted = [(v, sum(r.verdict == v for r in results)) for v in VERDICTS]
    named = {"holds": "hold", "does not hold": "do not hold", "depends": "depend"}
    return ", ".join(f"{n} {named.get(v, v)}" for v, n in counted if n)


def markers(name: str) -> tuple[str, str]:
    """The comments that open and close block `name` in the README."""
    return (
        f"<!-- recorded {name}: python -m rtlab.views.readme --write -->",
        f"<!-- end of recorded {name} -->",
    )


def _recorded_at(meta: dict[str, object]) -> str:
    machine = meta["machine"]
    cpus = machine["cpus"] if isinstance(machine, dict) else "?"
    return (
        f"recorded {str(meta['recorded'])[:10]} at commit {str(meta['git_commit'])[:7]} "
        f"on a {cpus}-core machine"
    )


def _update_text(update: dict[str, Any]) -> str:
    """One later run that replaced some claims (`rtlab claims --update`)."""
    ids = ", ".join(f"`{key}`" for key in update["ids"])
    return (
        f" Measured again on {str(update['recorded'])[:10]} at commit "
        f"{str(update['git_commit'])[:7]} ({round(float(update['seconds']))} s): {ids}."
    )


def claims_block(name: str = "claims", directory: str | Path = store.DATA_DIR) -> str:
    """The claims run recorded as `name`: what was run, when and how long it
    took, the verdict counts, and the table."""
    results = records.load(name, directory)
    meta = store.load(name, directory).meta
    minutes, seconds = divmod(round(float(meta["seconds"])), 60)
    mode = "quick" if meta.get("quick") else "full"
    failed = meta.get("failed") or {}
    prose = (
        f"The recorded {mode} run (`rtlab claims --save-as {name}`, in `data/{name}.*` "
        f"with its environment; {_recorded_at(meta)}, {minutes} min {seconds} s) "
        f"judged {len(results)} claims: "
        f"{_counts(results)}."
        + (f" Failed to measure: {', '.join(sorted(failed))}." if failed else "")
        + "".join(_update_text(update) for update in meta.get("updates", []))
        + " Each row's evidence is the recorded text, cut at a sentence where it is long "
        "(`rtlab claims --json` and notebook `07_claims` have it whole):"
    )
    return "\n".join([textwrap.fill(prose, 88, break_on_hyphens=False), "", table(results)])


def load_block(name: str = "load", directory: str | Path = store.DATA_DIR) -> str:
    """The load run recorded as `name`: when and where, then its report."""
    meta = store.load(name, directory).meta
    head = f"The recorded run (`data/{name}.*`, {_recorded_at(meta)}):"
    return "\n".join([head, "", "```", recorded(name, directory), "```"])


#: Each block of the README: its name (and the recorded run's) -> what makes it.
BLOCKS: dict[str, Callable[[str, str | Path], str]] = {
    "claims": claims_block,
    "load": load_block,
}


def rewrite(readme: Path = README, directory: str | Path = store.DATA_DIR) -> bool:
    """Every block of BLOCKS that `readme` has markers for, made again from the
    runs recorded in `directory`; True if the file changed."""
    text = new = readme.read_text()
    for name, make in BLOCKS.items():
        begin, end = markers(name)
        if begin not in new:
            continue
        start, stop = new.index(begin), new.index(end) + len(end)
        new = f"{new[:start]}{begin}\n{make(name, directory)}\n{end}{new[stop:]}"
    readme.write_text(new)
    return new != text


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        print("README.md rewritten" if rewrite() else "README.md already up to date")
    else:
        for block_name, make_block in BLOCKS.items():
            print(make_block(block_name, store.DATA_DIR), end="\n\n")
