"""The summary columns: each one's header with its unit and the decimals its
measurement supports, so every table and panel names and rounds it alike.

`Result.summary()` rows carry these columns; `readable()` keeps those asked
for, names each with its unit ("p50 (ms)", "peak RSS (MB)") and rounds it, so
nothing reads "76.860962". Shown by `Result.table()`, `compare()` and the
dashboard's table; `rtlab.views.tables` renders sentences.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["COLUMNS", "header", "readable", "rounded"]

#: `Result.summary()` column -> (header with its unit, decimals shown; None: as it is).
COLUMNS: dict[str, tuple[str, int | None]] = {
    "scenario": ("scenario", None),
    "technique": ("technique", None),
    "client_kind": ("client", None),
    "network": ("network", None),
    "clients": ("clients", None),
    "rate": ("rate (msg/s)", None),
    "poll_interval": ("poll interval (s)", None),
    "message_size": ("message size (chars)", None),
    "delivered": ("delivered", None),
    "losses": ("lost", None),
    "duplicates": ("duplicates", None),
    "gaps": ("gaps", None),
    "requests": ("requests", None),
    "latency_n": ("latency samples", None),
    "p50_ms": ("p50 (ms)", 2),
    "p99_ms": ("p99 (ms)", 2),
    "requests_per_msg": ("requests/msg", 3),
    "bytes_per_msg": ("wire bytes/msg", 0),
    "setup_bytes_per_conn": ("set-up bytes/connection", 0),
    "steady_bytes_per_msg": ("steady bytes/msg", 0),
    "server_cpu_s": ("server CPU (s)", 3),
    "server_cpu_us_per_msg": ("server CPU (µs/msg)", 0),
    "peak_rss_mb": ("peak RSS (MB)", 1),
}


def header(column: str) -> str:
    """The header a column is shown under: its name with its unit."""
    return COLUMNS.get(column, (column, None))[0]


def rounded(values: pd.Series, column: str) -> pd.Series:
    """`values` rounded to the decimals of `column` (whole numbers as integers)."""
    decimals = COLUMNS.get(column, (column, None))[1]
    if decimals is None:
        return values
    if decimals == 0:
        return values.round().astype("Int64")
    return values.round(decimals)


def readable(summary: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Those columns of `summary`, rounded and under their headers, indexed by scenario."""
    shown = summary.set_index("scenario") if "scenario" in summary else summary
    return pd.DataFrame({header(c): rounded(shown[c], c) for c in columns}, index=shown.index)
