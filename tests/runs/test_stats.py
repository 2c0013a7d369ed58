"""Percentiles: one statistic everywhere, NaN for no samples, with their count."""

from __future__ import annotations

import math
import statistics

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtlab.runs.stats import Percentiles, median, percentile, percentiles


def test_percentile_interpolates_between_samples() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20], 99) == pytest.approx(19.9)
    assert percentile([7.0], 99) == 7.0
    assert median([3, 1, 2]) == 2.0


def test_no_samples_is_nan_and_nan_samples_do_not_count() -> None:
    assert math.isnan(percentile([], 50))
    assert math.isnan(median([float("nan")]))
    assert percentile([1.0, float("nan"), 3.0], 50) == 2.0
    assert str(percentiles([])) == "p50 nan, p90 nan, p99 nan (n=0)"


def test_percentiles_carry_their_sample_count() -> None:
    result = percentiles(range(1, 101))
    assert result == Percentiles(n=100, p50=50.5, p90=pytest.approx(90.1), p99=pytest.approx(99.01))
    assert str(percentiles([1.0, 2.0])) == "p50 1.5, p90 1.9, p99 nan (n=2)"  # p99 needs 100


def test_a_percentile_outside_0_to_100_is_refused() -> None:
    with pytest.raises(ValueError, match=r"between 0 and 100, not 100\.5"):
        percentile([1.0], 100.5)
    with pytest.raises(ValueError, match="not -1"):
        percentile([1.0], -1)


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=50), st.integers(1, 99))
def test_the_same_statistic_as_pandas_and_the_standard_library(values: list[float], q: int) -> None:
    ours = percentile(values, q)
    assert ours == pytest.approx(pd.Series(values).quantile(q / 100), rel=1e-9, abs=1e-6)
    stdlib = statistics.quantiles(values, n=100, method="inclusive")[q - 1]
    assert ours == pytest.approx(stdlib, rel=1e-9, abs=1e-6)
