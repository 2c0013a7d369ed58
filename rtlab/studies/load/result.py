"""What a load run found: `LoadFigures` (the headline numbers) and `LoadResult`
(the frames), built from the client processes' records; saved with
`rtlab.runs.store` (`LoadResult.save`).

Percentiles per phase and technique (and per slice of the timeline) are
pandas' group-wise `quantile`, the same linear-interpolation statistic as
`rtlab.runs.stats`, which is used where one column is summed up at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd

from rtlab.runs import stats, store
from rtlab.studies.load.spec import (
    CLIENT_COLUMNS,
    COUNT_COLUMNS,
    DELIVERY_COLUMNS,
    SUMMARY_COLUMNS,
    TIMELINE_COLUMNS,
    LoadSpec,
    counts_text,
)

__all__ = [
    "LoadFigures",
    "LoadResult",
    "PhaseRecords",
    "Ramp",
    "Usage",
    "frames",
    "headline_figures",
    "recorded",
    "report",
    "summary",
]

#: The frames `LoadResult.save` records (no per-delivery or per-subscriber rows).
SAVED_FRAMES = ("techniques", "samples", "timeline")


@dataclass
class LoadFigures:
    """The headline numbers of one load run (times in s unless named otherwise)."""

    subscribers: int
    server_open: int  # connections the server reported open once all were live
    messages: int  # published in the measured flow
    envelope_bytes: int  # one message's JSON envelope
    connect_s: float  # ramp-up: first connect to the last subscriber live
    connect_p50_ms: float
    connect_p99_ms: float
    window_s: float  # the measured flow
    server_cpu_s: float
    server_cpu_pct: float  # of one core, over the window
    client_cpu_s: float  # all client processes together
    client_cpu_pct: float
    other_cpu_pct: float  # every other process on the machine (busy CPU minus this run's)
    rss_idle_mb: float  # server, no subscriber connected
    rss_connected_mb: float  # every subscriber connected, before the flow
    rss_loaded_mb: float  # at the end of the flow
    rss_peak_mb: float
    kb_per_connection: float  # (loaded - idle) / subscribers
    kb_per_connection_idle: float  # (connected - idle) / subscribers
    expected: int
    delivered: int
    losses: int
    duplicates: int
    gaps: int
    out_of_order: int  # subscribers whose seqs were not exactly the published ones, in order
    reconnects: int
    errors: int
    publish_ack_max_ms: float  # worst delay from a publish's scheduled time to its 201
    warmup_s: float  # the flow's first seconds, before the window: published, not measured
    publish_lag_p50_ms: float  # the server's stamp minus the scheduled time, per message
    publish_lag_max_ms: float
    latency_p50_ms: float  # every measured delivery, from the scheduled publish time
    latency_p99_ms: float
    stamped_p99_ms: float  # the same from the server's stamp (what a closed loop reports)


@dataclass
class LoadResult:
    spec: LoadSpec
    figures: LoadFigures
    summary: pd.DataFrame
    deliveries: pd.DataFrame
    clients: pd.DataFrame
    samples: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def timeline(self, slice_s: float = 10.0) -> pd.DataFrame:
        """Load-phase latency (from the scheduled publish time) per `slice_s` seconds of
        the flow, by publish order, and technique; `from_s` counts from the measured
        window's start, so the warm-up's slices are negative. A steady state shows
        similar rows from the first measured slice to the last; p99 is NaN in a slice
        with fewer than 100 deliveries."""
        load = self.deliveries[self.deliveries["phase"] == "load"]
        per_slice = max(1, round(slice_s * self.spec.rate))
        first = load["seq"].min() + self.spec.warmup_messages  # the window's first seq
        slot = (load["seq"] - first) // per_slice * per_slice / self.spec.rate
        latency = load.groupby([slot.rename("from_s"), load["technique"]], observed=True)[
            "latency_ms"
        ]
        enough = latency.count() >= stats.MIN_P99_SAMPLES
        table = pd.DataFrame(
            {"p50_ms": latency.median(), "p99_ms": latency.quantile(0.99).where(enough)}
        )
        return table.reset_index()[TIMELINE_COLUMNS]

    def save(self, name: str = "load", directory: str | Path = store.DATA_DIR) -> Path:
        """Record the run as `NAME.meta.json` (parameters, figures, the run's
        environment) and the frames `techniques` (the summary), `samples` and
        `timeline` (`rtlab.runs.store`); returns the meta file's path."""
        recorded = {
            "techniques": self.summary,
            "samples": self.samples,
            "timeline": self.timeline(),
        }
        meta = {"parameters": asdict(self.spec), "figures": asdict(self.figures), **self.meta}
        return store.save(name, recorded, meta, directory)

    def report(self) -> str:
        """The figures as lines of text for a terminal."""
        return report(self.spec, self.figures, self.summary, self.timeline())


def report(
    spec: LoadSpec, figures: LoadFigures, summary: pd.DataFrame, timeline: pd.DataFrame
) -> str:
    """A run's figures as lines of text for a terminal: the headline figures,
    the summary per phase and technique, and the p99 per slice of `timeline`."""
    f, s = figures, spec
    lines = [
        f"{f.subscribers} subscribers ({counts_text(s.counts())}), "
        f"{s.rate:g} msg/s x {s.seconds:g} s, {f.envelope_bytes}-byte envelopes, "
        f"{s.client_processes} client processes",
        f"window: the {f.messages} messages published after a {f.warmup_s:g} s warm-up "
        "(published, not measured); latency from each message's scheduled publish time",
        f"connect: all live in {f.connect_s:.1f} s (per subscriber p50 "
        f"{f.connect_p50_ms:.0f} ms, p99 {f.connect_p99_ms:.0f} ms); "
        f"server reports {f.server_open} open",
        f"server CPU: {f.server_cpu_s:.1f} s in {f.window_s:.1f} s = "
        f"{f.server_cpu_pct:.0f} % of one core (clients: {f.client_cpu_pct:.0f} %, "
        f"other processes: {f.other_cpu_pct:.0f} %)",
        f"server RSS: idle {f.rss_idle_mb:.1f} MB, connected {f.rss_connected_mb:.1f} MB, "
        f"loaded {f.rss_loaded_mb:.1f} MB (peak {f.rss_peak_mb:.1f}) -> "
        f"{f.kb_per_connection:.1f} KB per connection "
        f"({f.kb_per_connection_idle:.1f} before messages)",
        f"deliveries: {f.delivered} of {f.expected}, losses {f.losses}, "
        f"duplicates {f.duplicates}, gaps {f.gaps}, out of order {f.out_of_order}, "
        f"reconnects {f.reconnects}, errors {f.errors}; "
        f"publishes acknowledged within {f.publish_ack_max_ms:.0f} ms of schedule",
        f"latency: p50 {f.latency_p50_ms:.0f} ms, p99 {f.latency_p99_ms:.0f} ms from the "
        f"scheduled time (p99 {f.stamped_p99_ms:.0f} ms from the server's stamp); "
        f"publish lag p50 {f.publish_lag_p50_ms:.1f} ms, max {f.publish_lag_max_ms:.0f} ms",
        "",
    ]
    table = summary[
        [
            "phase",
            "technique",
            "clients",
            "delivered",
            "losses",
            "latency_n",
            "p50_ms",
            "p99_ms",
            "max_ms",
            "p50_ratio",
            "p99_ratio",
        ]
    ]
    lines.append(
        table.to_string(index=False, float_format=lambda v: f"{v:.2f}" if v < 100 else f"{v:.0f}")
    )
    by_slice = timeline.pivot(index="from_s", columns="technique", values="p99_ms")
    lines += [
        "",
        "load p99 ms per 10 s of the flow (from_s: start of the slice, from the window's "
        "start; negative: the warm-up):",
    ]
    lines.append(by_slice[list(spec.counts())].to_string(float_format=lambda v: f"{v:.0f}"))
    return "\n".join(lines)


def recorded(name: str = "load", directory: str | Path = store.DATA_DIR) -> str:
    """`report()` of the run recorded as `name` (`LoadResult.save`), from its
    meta's parameters and figures and its `techniques` and `timeline` frames."""
    saved = store.load(name, directory)
    spec = LoadSpec(**saved.meta["parameters"])
    spec = replace(spec, push_techniques=tuple(spec.push_techniques))
    figures = LoadFigures(**saved.meta["figures"])
    return report(spec, figures, saved.frames["techniques"], saved.frames["timeline"])


@dataclass(frozen=True)
class PhaseRecords:
    """One phase's records from the client processes (one per subscriber), each
    published seq's scheduled time (ms since the epoch) and the first seq of the
    measured window (those before it are the warm-up)."""

    name: str
    records: list[dict[str, Any]]
    due_ms: dict[int, float] = field(default_factory=dict)
    measured_from: int = 0


def _delivery_rows(phase: PhaseRecords, record: dict[str, Any]) -> pd.DataFrame:
    """One subscriber's deliveries: latency from each message's scheduled publish
    time (its receive time minus its due time) and from the server's stamp."""
    seqs = pd.Series(record["seqs"], dtype="int64")
    due = seqs.map(phase.due_ms).astype("float64")
    n = len(seqs)
    return pd.DataFrame(
        {
            "phase": [phase.name] * n,
            "technique": [record["technique"]] * n,
            "client": pd.Series([record["client"]] * n, dtype="int64"),
            "seq": seqs,
            "latency_ms": pd.Series(record["received"], dtype="float64") - due,
            "stamped_ms": pd.Series(record["latencies"], dtype="float64"),
            "warmup": seqs < phase.measured_from,
        }
    )


def frames(
    phases: Sequence[PhaseRecords], expected: dict[str, int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The deliveries and clients frames from every phase's records."""
    parts = []
    rows = []
    for phase in phases:
        for record in phase.records:
            parts.append(_delivery_rows(phase, record))
            rows.append(
                {k: v for k, v in record.items() if k not in ("seqs", "latencies", "received")}
            )
    deliveries = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=DELIVERY_COLUMNS)
    )
    for column in ("phase", "technique"):
        deliveries[column] = deliveries[column].astype("category")
    clients = pd.DataFrame(rows)
    clients["expected"] = clients["phase"].map(expected)
    return deliveries[DELIVERY_COLUMNS], clients[CLIENT_COLUMNS]


def summary(
    deliveries: pd.DataFrame, clients: pd.DataFrame, techniques: Sequence[str]
) -> pd.DataFrame:
    keys = ["phase", "technique"]
    per = clients.groupby(keys, sort=False, observed=True)
    table = per.agg(
        clients=("client", "size"),
        expected=("expected", "sum"),
        delivered=("delivered", "sum"),
        duplicates=("duplicates", "sum"),
        gaps=("gaps", "sum"),
        out_of_order=("in_order", lambda s: int((~s.astype(bool)).sum())),
        reconnects=("reconnects", "sum"),
        errors=("errors", "sum"),
        requests=("requests", "sum"),
        connect_p50_ms=("connect_ms", "median"),
        connect_max_ms=("connect_ms", "max"),
    )
    table["losses"] = table["expected"] - table["delivered"]
    measured = deliveries[~deliveries["warmup"].astype(bool)]
    latency = measured.groupby(keys, sort=False, observed=True)["latency_ms"]
    table["latency_n"] = latency.count().reindex(table.index, fill_value=0).astype("int64")
    table["p50_ms"] = latency.median()
    table["p90_ms"] = latency.quantile(0.9)
    table["p99_ms"] = latency.quantile(0.99).where(table["latency_n"] >= stats.MIN_P99_SAMPLES)
    table["max_ms"] = latency.max()
    table = table.reset_index()
    base = table[table["phase"] == "baseline"].set_index("technique")
    for p in ("p50", "p99"):
        table[f"{p}_ratio"] = table[f"{p}_ms"] / table["technique"].map(base[f"{p}_ms"])
    order = {name: i for i, name in enumerate(("baseline", "load", *techniques))}
    table = table.sort_values(["phase", "technique"], key=lambda column: column.map(order))
    return table[SUMMARY_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class Usage:
    """What the server and the client processes used over the load phase's
    measured window (CPU in seconds, RSS in bytes)."""

    window_s: float
    server_cpu_s: float
    client_cpu_s: float
    other_cpu_s: float
    rss_connected: int  # the server's, every subscriber connected, before the flow
    rss_loaded: int  # the server's, at the end of the flow


@dataclass(frozen=True)
class Ramp:
    """The load phase's ramp-up and flow as the publisher saw them."""

    server_open: int
    connect_s: float
    ack_ms: float


def headline_figures(
    spec: LoadSpec,
    summary: pd.DataFrame,
    clients: pd.DataFrame,
    deliveries: pd.DataFrame,
    usage: Usage,
    ramp: Ramp,
    *,
    envelope_bytes: int,
    rss_idle: int,
    rss_peak: int,
) -> LoadFigures:
    """The headline numbers of the load phase."""
    load_clients = clients[clients["phase"] == "load"]
    rows = summary[summary["phase"] == "load"]
    subscribers = sum(spec.counts().values())
    per_kb = 1024.0 * subscribers
    window = usage.window_s
    return LoadFigures(
        subscribers=subscribers,
        server_open=ramp.server_open,
        messages=spec.messages,
        envelope_bytes=envelope_bytes,
        connect_s=ramp.connect_s,
        connect_p50_ms=stats.median(load_clients["connect_ms"]),
        connect_p99_ms=stats.percentile(load_clients["connect_ms"], 99),
        window_s=window,
        server_cpu_s=usage.server_cpu_s,
        server_cpu_pct=100 * usage.server_cpu_s / window,
        client_cpu_s=usage.client_cpu_s,
        client_cpu_pct=100 * usage.client_cpu_s / window,
        other_cpu_pct=100 * usage.other_cpu_s / window,
        rss_idle_mb=rss_idle / 2**20,
        rss_connected_mb=usage.rss_connected / 2**20,
        rss_loaded_mb=usage.rss_loaded / 2**20,
        rss_peak_mb=rss_peak / 2**20,
        kb_per_connection=(usage.rss_loaded - rss_idle) / per_kb,
        kb_per_connection_idle=(usage.rss_connected - rss_idle) / per_kb,
        publish_ack_max_ms=ramp.ack_ms,
        warmup_s=spec.warmup_messages / spec.rate,
        **{column: int(rows[column].sum()) for column in COUNT_COLUMNS},
        **_latency_figures(deliveries),
    )


class _Latency(TypedDict):
    publish_lag_p50_ms: float
    publish_lag_max_ms: float
    latency_p50_ms: float
    latency_p99_ms: float
    stamped_p99_ms: float


def _latency_figures(deliveries: pd.DataFrame) -> _Latency:
    """The load window's latency from the scheduled time and from the server's stamp,
    and the publish lag between the two (per message: the median over its deliveries)."""
    window = deliveries[(deliveries["phase"] == "load") & ~deliveries["warmup"].astype(bool)]
    lag = (window["latency_ms"] - window["stamped_ms"]).groupby(window["seq"]).median()
    return _Latency(
        publish_lag_p50_ms=stats.median(lag),
        publish_lag_max_ms=float(lag.max()) if len(lag) else math.nan,
        latency_p50_ms=stats.median(window["latency_ms"]),
        latency_p99_ms=stats.p99(window["latency_ms"]),
        stamped_p99_ms=stats.p99(window["stamped_ms"]),
    )
