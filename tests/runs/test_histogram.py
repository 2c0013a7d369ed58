"""The fixed-memory latency histogram of live runs."""

from __future__ import annotations

import numpy as np
import pytest

from rtlab.runs.histogram import LatencyHistogram


def test_latency_histogram_percentiles_are_within_one_percent() -> None:
    rng = np.random.default_rng(0)
    values = rng.lognormal(mean=2.0, sigma=1.5, size=5000)
    histogram = LatencyHistogram()
    for value in values:
        histogram.add(float(value))
    for q in (0.5, 0.99):
        exact = float(np.quantile(values, q, method="inverted_cdf"))
        assert histogram.quantile(q) == pytest.approx(exact, rel=0.01)
    assert np.isnan(LatencyHistogram().quantile(0.5))
