"""The README's table of recorded verdicts, made from the recorded claims run
(`data/claims.*`), so every figure the README quotes comes from `data/`.

    python -m rtlab.views.claims_markdown            # print the README block
    python -m rtlab.views.claims_markdown --write    # rewrite it in README.md

The block sits between `BEGIN` and `END` (HTML comments a Markdown reader
does not show). A test checks that README.md holds what this module makes of
the recorded run, so a run recorded again cannot leave the README behind.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from rtlab.runs import store
from rtlab.studies.claims import ClaimResult, records
from rtlab.studies.claims.base import VERDICTS

__all__ = ["BEGIN", "END", "block", "cut", "rewrite", "table"]

BEGIN = "<!-- recorded claims: python -m rtlab.views.claims_markdown --write -->"
END = "<!-- end of recorded claims -->"
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


def block(name: str = "claims", directory: str | Path = store.DATA_DIR) -> str:
    """The README block for the run recorded as `name`: what was run, when and
    how long it took, the verdict counts, and the table."""
    results = records.load(name, directory)
    meta = store.load(name, directory).meta
    minutes, seconds = divmod(round(float(meta["seconds"])), 60)
    mode = "quick" if meta.get("quick") else "full"
    failed = meta.get("failed") or {}
    prose = (
        f"The recorded {mode} run (`rtlab claims --save-as {name}`, in `data/{name}.*` "
        f"with its environment; recorded {meta['recorded'][:10]} at commit "
        f"{meta['git_commit'][:7]}, {minutes} min {seconds} s on a "
        f"{meta['machine']['cpus']}-core machine) judged {len(results)} claims: "
        f"{_counts(results)}."
        + (f" Failed to measure: {', '.join(sorted(failed))}." if failed else "")
        + " Each row's evidence is the recorded text, cut at a sentence where it is long "
        "(`rtlab claims --json` and notebook `07_claims` have it whole):"
    )
    lines = [
        BEGIN,
        textwrap.fill(prose, 88, break_on_hyphens=False),
        "",
        table(results),
        END,
    ]
    return "\n".join(lines)


def rewrite(
    readme: Path = README, name: str = "claims", directory: str | Path = store.DATA_DIR
) -> bool:
    """Put `block(name, directory)` between the markers of `readme`; True if it changed."""
    text = readme.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    new = text[:start] + block(name, directory) + text[end:]
    readme.write_text(new)
    return new != text


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        print("README.md rewritten" if rewrite() else "README.md already up to date")
    else:
        print(block())
