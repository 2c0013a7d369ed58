"""The load runner scaled down: 30 push subscribers and 10 long-pollers, 2.5 s of messages.

Asserts exact deliveries (every subscriber got every message once, in order),
the frames' columns against data/schema.md, and the recorded result; no timings.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from rtlab.runs import store
from rtlab.studies.load import (
    CLIENT_COLUMNS,
    DELIVERY_COLUMNS,
    SAMPLE_COLUMNS,
    SUMMARY_COLUMNS,
    TIMELINE_COLUMNS,
    LoadFigures,
    LoadResult,
    LoadSpec,
    raise_fd_limit,
    run_load,
)
from rtlab.studies.load.result import recorded

SPEC = LoadSpec(
    push=30, longpoll=10, seconds=2.5, rate=10, baseline_seconds=1, settle=0.2, warmup_seconds=0.5
)
SCHEMA = Path(__file__).resolve().parents[2] / "data" / "schema.md"


@pytest.fixture(scope="module")
def result() -> LoadResult:
    return run_load(SPEC)


def test_every_subscriber_gets_every_message_once_in_order(result: LoadResult) -> None:
    load = result.deliveries[result.deliveries["phase"] == "load"]
    per_client = load.groupby(["technique", "client"], observed=True)["seq"].apply(list)
    assert len(per_client) == 40
    first = min(load["seq"])
    published = list(range(first, first + SPEC.warmup_messages + SPEC.messages))
    assert (SPEC.warmup_messages, SPEC.messages) == (5, 25)
    for seqs in per_client:
        assert seqs == published
    # the warm-up's 5 messages are delivered, counted, and left out of the latencies
    warm = load[load["warmup"]]
    assert sorted(warm["seq"].unique()) == published[:5]
    assert len(warm) == 5 * 40


def test_latency_runs_from_the_scheduled_publish_time(result: LoadResult) -> None:
    load = result.deliveries[result.deliveries["phase"] == "load"]
    # a message is stamped by the server after it was due, never before
    lag = load["latency_ms"] - load["stamped_ms"]
    assert (lag > -5).all()  # ms: the two clocks are the same machine's
    f = result.figures
    assert f.warmup_s == 0.5
    assert 0 <= f.publish_lag_p50_ms <= f.publish_lag_max_ms
    assert f.latency_p50_ms > 0
    # 1,000 measured deliveries: enough for a p99 over the window, from either start
    assert f.latency_p99_ms >= f.latency_p50_ms and f.stamped_p99_ms > 0
    rows = result.summary.set_index(["phase", "technique"])
    assert rows.loc["load", "latency_n"].tolist() == [250] * 4
    assert rows.loc["load", "p99_ms"].notna().all()
    assert rows.loc["baseline", "latency_n"].tolist() == [10] * 4
    assert rows.loc["baseline", "p99_ms"].isna().all()  # a p99 of 10 samples is not given


def test_counts_and_no_losses(result: LoadResult) -> None:
    rows = result.summary.set_index(["phase", "technique"])
    clients = rows["clients"].to_dict()
    assert clients == {
        ("baseline", "sse"): 1,
        ("baseline", "stream"): 1,
        ("baseline", "ws"): 1,
        ("baseline", "longpoll"): 1,
        ("load", "sse"): 10,
        ("load", "stream"): 10,
        ("load", "ws"): 10,
        ("load", "longpoll"): 10,
    }
    assert (rows["delivered"] == rows["expected"]).all()
    assert rows.loc["load", "delivered"].tolist() == [300] * 4  # warm-up included
    assert rows.loc["baseline", "delivered"].tolist() == [10] * 4
    for column in ("losses", "duplicates", "gaps", "out_of_order"):
        assert (rows[column] == 0).all(), column
    assert (rows.loc["baseline", "p50_ratio"] == 1.0).all()
    assert result.clients["in_order"].all()

    figures = result.figures
    assert figures.subscribers == figures.server_open == 40
    assert (figures.expected, figures.delivered, figures.losses) == (1200, 1200, 0)
    assert figures.duplicates == figures.gaps == figures.out_of_order == 0
    assert figures.envelope_bytes > SPEC.message_bytes
    assert figures.server_cpu_s > 0
    assert 0 < figures.rss_idle_mb <= figures.rss_peak_mb
    assert 0.25 < figures.window_s < 25  # an order of magnitude either way of 2.5 s
    assert (result.deliveries["latency_ms"] >= 0).all()


def _documented(section: str) -> set[str]:
    """Column names in the first cells of the tables under `### section` in data/schema.md."""
    text = SCHEMA.read_text().split("\n## load\n", 1)[1].split("\n## ", 1)[0]
    body = re.split(r"^### ", text, flags=re.M)
    table = next(part for part in body if part.startswith(section))
    names: set[str] = set()
    for line in table.splitlines():
        cells = line.split("|")
        if len(cells) > 2 and cells[1].strip() not in ("field", "column", "---"):
            names.update(name.strip() for name in cells[1].split(","))
    return names


def test_frames_have_the_documented_columns(result: LoadResult) -> None:
    assert list(result.deliveries.columns) == DELIVERY_COLUMNS
    assert list(result.clients.columns) == CLIENT_COLUMNS
    assert list(result.summary.columns) == SUMMARY_COLUMNS
    assert list(result.samples.columns) == SAMPLE_COLUMNS
    assert _documented("techniques") == set(SUMMARY_COLUMNS)
    assert _documented("samples") == set(SAMPLE_COLUMNS)
    timeline = result.timeline(slice_s=1.0)
    assert list(timeline.columns) == TIMELINE_COLUMNS
    assert _documented("timeline") == set(TIMELINE_COLUMNS)
    # 5 warm-up and 25 measured messages at 10/s
    assert sorted(timeline["from_s"].unique()) == [-1.0, 0.0, 1.0, 2.0]
    assert _documented("figures") == {f.name for f in fields(LoadFigures)}


def test_saved_result(result: LoadResult, tmp_path: Path) -> None:
    meta_path = result.save("load", tmp_path)
    assert meta_path == tmp_path / "load.meta.json"
    saved = store.load("load", tmp_path)
    assert saved.meta["parameters"]["push"] == 30
    assert saved.meta["figures"]["losses"] == 0
    assert saved.frames["techniques"]["technique"].tolist()[:4] == [
        "sse",
        "stream",
        "ws",
        "longpoll",
    ]
    assert list(saved.frames) == ["techniques", "samples", "timeline"]
    assert list(saved.frames["samples"].columns) == SAMPLE_COLUMNS
    for key in (
        "fd_limit",
        "loadavg_before",
        "python",
        "packages",
        "machine",
        "git_commit",
    ):
        assert key in saved.meta
    assert "load" in result.report()
    assert recorded("load", tmp_path) == result.report()  # the README quotes it from data/


def test_spec_splits_push_subscribers_evenly() -> None:
    assert LoadSpec().counts() == {"sse": 667, "stream": 667, "ws": 666, "longpoll": 500}
    assert LoadSpec(push=0, longpoll=3).counts() == {"longpoll": 3}
    for bad in ({"push": 0, "longpoll": 0}, {"rate": 0}, {"push_techniques": ("poll",)}):
        with pytest.raises(ValueError):
            LoadSpec(**bad)  # type: ignore[arg-type]


def test_fd_limit_is_raised_to_the_hard_limit() -> None:
    import resource

    soft = raise_fd_limit()
    assert soft == resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= 1024
