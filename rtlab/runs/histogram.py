"""Latency percentiles in fixed memory, for runs of any length.

A live run left going at 500 msg/s with 50 clients per technique receives
tens of thousands of messages a second; keeping every latency, as
`rtlab.runs.stats` needs its samples, would grow without bound. Buckets 1 %
wide on a log scale from 1 µs keep a few hundred counters, whatever the
run's length, and give each percentile within 0.5 % (half a bucket).

Written by hand because numpy and pandas have no streaming quantile: a
`numpy.histogram` needs every sample at once and fixed edges.

The percentile is nearest rank: the q-quantile of n samples is the
ceil(q·n)-th smallest (numpy's `method="inverted_cdf"`), read as its bucket's
midpoint. `rtlab.runs.stats` interpolates linearly between the two
neighbouring samples instead (numpy's default); the two differ by less than
the gap between neighbouring samples, under a bucket's width once a run has
a few hundred deliveries.
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
        """The q-quantile (0..1) in ms, NaN when empty (nearest rank, bucket midpoint)."""
        if self.count == 0:
            return math.nan
        rank = max(1, math.ceil(q * self.count))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return float(self.FLOOR_MS * self.RATIO ** (bucket + 0.5))
        raise AssertionError("unreachable: rank <= count")
