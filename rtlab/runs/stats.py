"""Statistics of measured samples: percentiles that say how many samples they
come from.

Every percentile in the lab is the linear-interpolation one (numpy's default,
R's type 7, `statistics.quantiles(method="inclusive")`, pandas' `quantile`),
so a p99 here and a p99 in a `Result.summary()` are the same statistic. With no
samples a percentile is NaN, never 0: a run that delivered nothing must not
read as instant.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["MIN_P99_SAMPLES", "Percentiles", "median", "p99", "percentile", "percentiles"]

MIN_P99_SAMPLES = 100  # below this many samples a p99 is little more than the maximum


def _finite(values: Iterable[float]) -> np.ndarray:
    data: np.ndarray = np.asarray([float(v) for v in values], dtype=float)
    finite: np.ndarray = data[np.isfinite(data)]
    return finite


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (q in 0..100) of the finite `values`; NaN when none."""
    if not 0 <= q <= 100:
        raise ValueError(f"a percentile is between 0 and 100, not {q}")
    data = _finite(values)
    return float(np.percentile(data, q)) if data.size else math.nan


def median(values: Iterable[float]) -> float:
    """The 50th percentile of the finite `values`; NaN when none."""
    return percentile(values, 50)


def p99(values: Iterable[float]) -> float:
    """The 99th percentile of the finite `values`; NaN from fewer than
    `MIN_P99_SAMPLES`, where it would be little more than their maximum."""
    data = _finite(values)
    return float(np.percentile(data, 99)) if data.size >= MIN_P99_SAMPLES else math.nan


@dataclass(frozen=True, slots=True)
class Percentiles:
    """p50, p90 and p99 of `n` samples (NaN each when `n` is 0; p99 NaN when `n` is
    under `MIN_P99_SAMPLES`)."""

    n: int
    p50: float
    p90: float
    p99: float

    def __str__(self) -> str:
        return f"p50 {self.p50:.3g}, p90 {self.p90:.3g}, p99 {self.p99:.3g} (n={self.n})"


def percentiles(values: Iterable[float]) -> Percentiles:
    """p50, p90 and p99 (from at least `MIN_P99_SAMPLES`) of the finite `values`,
    with how many there were."""
    data = _finite(values)
    if not data.size:
        return Percentiles(0, math.nan, math.nan, math.nan)
    p50, p90, tail = (float(v) for v in np.percentile(data, [50, 90, 99]))
    return Percentiles(int(data.size), p50, p90, tail if data.size >= MIN_P99_SAMPLES else math.nan)
