"""What every claim shares: the verdicts, a claim's measurement and result, and
the small helpers its rule uses to compare figures and quote them.

A measurement returns a `Measurement`: `measured`, the named figures its rule
reads (a flat mapping of floats, so a verdict can always be traced to numbers),
and `series`, plain lists only a plot draws (`rtlab.views.claims`); no rule
reads the series.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "VERDICTS",
    "Claim",
    "ClaimResult",
    "Measured",
    "Measurement",
    "Rule",
    "Series",
    "num",
    "relative_gap",
    "within",
]

VERDICTS = ("holds", "does not hold", "depends", "not testable here")

Measured = dict[str, float]
Series = dict[str, list[float]]
Rule = Callable[[Mapping[str, float]], tuple[str, str]]


@dataclass(frozen=True)
class Measurement:
    """What a claim's measurement returns: the figures its rule reads, and the
    series its plot draws (per message or per sample, as plain lists)."""

    measured: Measured
    series: Series = field(default_factory=dict)


@dataclass(frozen=True)
class ClaimResult:
    """One claim, its verdict, and the measured figures the verdict came from;
    `series` is what its plot draws besides them."""

    key: str
    claim: str
    source: str  # which seed article(s) make the claim, e.g. "seed 003"
    verdict: str  # one of VERDICTS
    evidence: str  # one or two sentences quoting the measured figures
    measured: Measured
    series: Series = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Claim:
    """A claim of the seeds: what it says, who says it, how it is measured
    (`measure(quick)`) and the rule that judges the measured figures."""

    key: str
    claim: str
    source: str
    measure: Callable[[bool], Awaitable[Measurement]]
    rule: Rule


def num(value: float) -> str:
    """A figure as a reader wants it in a sentence: 553, 31.6, 1.45, nan -> 'never'."""
    if math.isnan(value):
        return "never"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def relative_gap(first: float, second: float) -> float:
    """(second - first) relative to the larger of the two: > 0 when first is lower."""
    larger = max(abs(first), abs(second))
    return 0.0 if larger == 0 else (second - first) / larger


def within(first: float, second: float, relative: float, absolute: float = 0.0) -> bool:
    """Whether two figures agree within a relative tolerance or an absolute one."""
    gap = abs(first - second)
    return gap <= absolute or gap <= relative * max(abs(first), abs(second))
