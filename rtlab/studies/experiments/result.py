"""What a run gives: `Result`, its frames and their summary (latency percentiles
with their sample counts, bytes split into connection set-up and steady state,
server CPU where its clock resolves it), saving and loading, and the readings of
it for a terminal (`headline`) or against a recorded run (`compare`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from rtlab.runs import store
from rtlab.runs.columns import header, readable, rounded
from rtlab.runs.rows import RUN_COLUMNS
from rtlab.runs.schedule import PublishLog
from rtlab.runs.stats import MIN_P99_SAMPLES
from rtlab.runs.store import DATA_DIR

#: What `Result.table()` shows unless told otherwise.
SETUP_TOTALS = ("bytes_up", "bytes_down", "connections")  # the relay's, before the first publish
TABLE_COLUMNS = (
    "delivered",
    "losses",
    "latency_n",
    "p50_ms",
    "p99_ms",
    "requests_per_msg",
    "setup_bytes_per_conn",
    "steady_bytes_per_msg",
)

CPU_TICK_S = 0.01  # psutil reads CPU times from /proc in clock ticks of 1/100 s
CPU_MIN_TICKS = 20  # a figure counted in ticks is kept from 20 of them (within 5 %)

__all__ = [
    "CPU_MIN_TICKS",
    "CPU_TICK_S",
    "SETUP_TOTALS",
    "TABLE_COLUMNS",
    "Result",
    "compare",
    "due_latency",
    "headline",
    "load",
    "resolved_cpu",
]


def _bytes_split(runs: pd.DataFrame, delivered: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Wire bytes split into connection set-up and steady state.

    Set-up is what crossed the relay once the clients were connected and before
    the first publish (handshakes, request and response headers, preludes,
    the polls or pings of that idle moment), per connection then open; steady
    state is everything after, per delivered message, so a run's length does
    not change it. Runs recorded before the split (no `setup_*` columns), and
    browser runs (no relay), give NaN.
    """
    if not {"setup_bytes_up", "setup_bytes_down", "setup_connections"} <= set(runs):
        nan = pd.Series(float("nan"), index=runs.index)
        return nan, nan
    setup = runs["setup_bytes_up"] + runs["setup_bytes_down"]
    steady = runs["bytes_up"] + runs["bytes_down"] - setup
    connections = runs["setup_connections"].where(runs["setup_connections"] > 0)
    return setup / connections, steady / delivered


def resolved_cpu(seconds: pd.Series) -> pd.Series:
    """CPU seconds where the measurement resolves them, else NaN.

    A figure that falls on the clock-tick grid was counted in ticks, and is
    off by up to one tick: it is kept only from CPU_MIN_TICKS ticks up. A
    figure off the grid comes from a finer clock and is kept as it is.
    """
    ticks = seconds / CPU_TICK_S
    on_grid = (ticks - ticks.round()).abs() < 1e-6
    return seconds.where(~on_grid | (ticks >= CPU_MIN_TICKS))


@dataclass
class Result:
    deliveries: pd.DataFrame
    runs: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    # when each message of one `arun` was due (not saved; `+` drops it)
    published: PublishLog = field(default_factory=PublishLog, repr=False)

    def __add__(self, other: Result) -> Result:
        """Both results in one; `other`'s runs are renumbered after ours when they clash
        (two results of `run()` both start at run 0)."""
        deliveries, runs = other.deliveries, other.runs
        numbered = "run" in self.runs and "run" in runs
        if numbered and set(self.runs["run"]) & set(runs["run"]):
            shift = int(self.runs["run"].max()) + 1 - int(runs["run"].min())
            runs = runs.assign(run=runs["run"] + shift)
            if "run" in deliveries:
                deliveries = deliveries.assign(run=deliveries["run"] + shift)
        return Result(
            pd.concat([self.deliveries, deliveries], ignore_index=True),
            pd.concat([self.runs, runs], ignore_index=True),
            {"scenarios": self.meta.get("scenarios", []) + other.meta.get("scenarios", [])}
            | {k: v for k, v in other.meta.items() if k != "scenarios"},
        )

    def numbered(self, run: int) -> Result:
        """This one run's result with its rows labelled run number `run`."""
        self.deliveries.insert(0, "run", run)
        self.runs.insert(0, "run", run)
        return self

    def summary(self) -> pd.DataFrame:
        """One row per run: the headline figures (latency percentiles, cost per message,
        server CPU per message where its clock resolves it, peak RSS)."""
        lat = self.deliveries.groupby("run")["latency_ms"]
        knobs = ["rate", "burst", "message_size", "duration", "poll_interval", "topics"]
        table = self.runs.set_index("run")[
            [
                "scenario",
                "technique",
                *[k for k in ["client_kind"] if k in self.runs],
                "network",
                "clients",
                "delivered",
                "losses",
                "duplicates",
                "gaps",
                "requests",
                "bytes_down",
                "bytes_up",
                "server_cpu_s",
                *[k for k in knobs if k in self.runs],
            ]
        ].copy()
        table["p50_ms"] = lat.median()
        table["latency_n"] = lat.count()
        # a p99 from fewer samples is little more than their maximum
        table["p99_ms"] = lat.quantile(0.99).where(table["latency_n"] >= MIN_P99_SAMPLES)
        delivered = table["delivered"].where(table["delivered"] > 0)
        table["requests_per_msg"] = table["requests"] / delivered
        table["bytes_per_msg"] = (table["bytes_down"] + table["bytes_up"]) / delivered
        table["setup_bytes_per_conn"], table["steady_bytes_per_msg"] = _bytes_split(
            self.runs.set_index("run"), delivered
        )
        table["server_cpu_us_per_msg"] = resolved_cpu(table["server_cpu_s"]) / delivered * 1e6
        if "peak_rss_mb" in self.runs:
            table["peak_rss_mb"] = self.runs.set_index("run")["peak_rss_mb"]
        return table.reset_index()

    def table(self, columns: Sequence[str] = TABLE_COLUMNS) -> pd.DataFrame:
        """`summary()` for reading: those columns, under headers with units, rounded."""
        return readable(self.summary(), columns)

    def save(self, name: str, directory: str | Path = DATA_DIR) -> Path:
        """Write `NAME.deliveries.csv.gz`, `NAME.runs.csv.gz` and `NAME.meta.json`
        (see `rtlab.runs.store`)."""
        frames = {"deliveries": self.deliveries, "runs": self.runs}
        return store.save(name, frames, self.meta, directory)


def due_latency(result: Result) -> pd.Series:
    """Each (client, seq)'s first delivery, in ms from when its publish was due:
    latency from the scheduled time, for the result of one `arun` (it keeps
    `published`; a sum of results does not). Messages it did not schedule are left out."""
    first = result.deliveries.drop_duplicates(["client", "seq"])
    pairs = zip(first["topic"], first["seq"], strict=True)
    due = [result.published.due_for(topic, seq) * 1000 for topic, seq in pairs]
    return (first["received"] - pd.Series(due, index=first.index)).dropna()


def load(name: str, directory: str | Path = DATA_DIR) -> Result:
    """A `Result` saved with `Result.save(name, directory)`."""
    recorded = store.load(name, directory)
    runs = recorded.frames["runs"]
    if "last_error" in runs:  # CSV cannot tell "" from missing
        runs["last_error"] = runs["last_error"].astype(object).fillna("").astype(str)
    if "client_kind" not in runs:  # recorded before browser clients were measured
        runs["client_kind"] = "python"
    for key in SETUP_TOTALS:  # recorded before bytes were split: set-up unknown
        if f"setup_{key}" not in runs:
            runs[f"setup_{key}"] = float("nan")
    ordered = [c for c in RUN_COLUMNS if c in runs] + [c for c in runs if c not in RUN_COLUMNS]
    return Result(recorded.frames["deliveries"], runs[ordered], recorded.meta)


def headline(result: Result) -> str:
    """The summary as a fixed-width table for a terminal."""
    table = result.summary()
    columns = {
        "scenario": "scenario",
        "delivered": "delivered",
        "losses": "lost",
        "latency_n": "n",
        "p50_ms": "p50 ms",
        "p99_ms": "p99 ms",
        "requests_per_msg": "req/msg",
        "setup_bytes_per_conn": "set-up B/conn",
        "steady_bytes_per_msg": "steady B/msg",
        "server_cpu_s": "srv CPU s",
    }
    shown = table[list(columns)].rename(columns=columns)
    return str(
        shown.to_string(
            index=False,
            na_rep="-",
            float_format=lambda v: f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}",
        )
    )


def compare(
    fresh: Result,
    recorded: Result,
    measures: Sequence[str] = ("p50_ms", "p99_ms", "bytes_per_msg"),
) -> pd.DataFrame:
    """Fresh figures next to recorded ones, per scenario, for reading: under each
    measure's header, the fresh value, the recorded one and fresh/recorded
    (1.0 = the same as when the reference was recorded), rounded."""
    wanted = ["scenario", *measures]
    joined = fresh.summary()[wanted].merge(
        recorded.summary()[wanted], on="scenario", suffixes=("", "_recorded")
    )
    parts: dict[tuple[str, str], pd.Series] = {}
    for measure in measures:
        label = header(measure)
        parts[(label, "fresh")] = rounded(joined[measure], measure)
        parts[(label, "recorded")] = rounded(joined[f"{measure}_recorded"], measure)
        ratio = joined[measure] / joined[f"{measure}_recorded"]
        parts[(label, "fresh/recorded")] = ratio.round(2)
    return pd.DataFrame(parts).set_axis(pd.Index(joined["scenario"], name="scenario"))
