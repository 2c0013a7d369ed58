"""The fixed-memory latency histogram of live runs."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pytest

from rtlab.runs import stats
from rtlab.runs.histogram import LatencyHistogram


def filled(values: Iterable[float]) -> LatencyHistogram:
    histogram = LatencyHistogram()
    for value in values:
        histogram.add(float(value))
    return histogram


def test_latency_histogram_percentiles_are_within_one_percent() -> None:
    rng = np.random.default_rng(0)
    values = rng.lognormal(mean=2.0, sigma=1.5, size=5000)
    histogram = filled(values)
    for q in (0.5, 0.99):
        exact = float(np.quantile(values, q, method="inverted_cdf"))
        assert histogram.quantile(q) == pytest.approx(exact, rel=0.01)
    assert np.isnan(LatencyHistogram().quantile(0.5))


def test_latency_histogram_percentiles_are_those_of_stats() -> None:
    """Linear interpolation between neighbouring samples, as `rtlab.runs.stats`."""
    rng = np.random.default_rng(1)
    values = rng.lognormal(mean=2.0, sigma=1.5, size=2000)
    histogram = filled(values)
    for q in (0.0, 0.1, 0.5, 0.9, 0.99, 1.0):
        assert histogram.quantile(q) == pytest.approx(stats.percentile(values, 100 * q), rel=0.005)
    small = filled([1.0, 2.0, 3.0, 4.0])
    assert small.quantile(0.5) == pytest.approx(2.5, rel=0.005)  # nearest rank would say 2
    assert small.quantile(0.25) == pytest.approx(1.75, rel=0.005)
    with pytest.raises(ValueError, match="between 0 and 1"):
        small.quantile(50)
