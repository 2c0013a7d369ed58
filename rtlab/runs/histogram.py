"""Latency percentiles in fixed memory, for runs of any length.

A live run left going at 500 msg/s with 50 clients per technique receives
tens of thousands of messages a second; keeping every latency, as
`rtlab.runs.stats` needs its samples, would grow without bound. Buckets 1 %
wide on a log scale from 1 µs keep a few hundred counters, whatever the
run's length, and give each percentile within 0.5 % (half a bucket).

Written by hand because numpy and pandas have no streaming quantile: a
`numpy.histogram` needs every sample at once and fixed edges.

The percentile is the one of `rtlab.runs.stats` (numpy's default, linear
interpolation between the two samples around position q·(n-1)), each sample
read as its bucket's midpoint: a dashboard's p99 and a `Result.summary()`
p99 are the same statistic, the first within half a bucket.
"""

from __future__ import annotations

import math

__all__ = ["LatencyHistogram"]


class LatencyHistogram:
    """Counts of latencies (ms) per log-spaced bucket; `quantile` reads them back."""

    FLOOR_MS = 0.001
    RATIO = 1.01

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.count = 0
        self._log_ratio = math.log(self.RATIO)

    def add(self, latency_ms: float) -> None:
        value = max(latency_ms, self.FLOOR_MS)
        bucket = int(math.log(value / self.FLOOR_MS) / self._log_ratio)
        self.counts[bucket] = self.counts.get(bucket, 0) + 1
        self.count += 1

    def quantile(self, q: float) -> float:
        """The q-quantile (0..1) in ms, NaN when empty: `stats.percentile(samples, 100 * q)`
        with each sample at its bucket's midpoint."""
        if not 0 <= q <= 1:
            raise ValueError(f"a quantile is between 0 and 1, not {q}")
        if self.count == 0:
            return math.nan
        position = q * (self.count - 1)
        below = math.floor(position)
        low, high = self._sample(below), self._sample(math.ceil(position))
        return low + (position - below) * (high - low)

    def _sample(self, index: int) -> float:
        """The `index`-th smallest sample (from 0), as its bucket's midpoint."""
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen > index:
                return float(self.FLOOR_MS * self.RATIO ** (bucket + 0.5))
        raise IndexError(f"sample {index} of {self.count}")
