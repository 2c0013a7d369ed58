"""The experiment runner on small runs, and the save/load round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from rtlab.message import Message
from rtlab.profiles import PROFILES, get_profile
from rtlab.runs.rows import RUN_COLUMNS
from rtlab.studies.experiments import (
    TECHNIQUES,
    Result,
    Scenario,
    compare,
    headline,
    load,
    resolved_cpu,
    run,
    run_many,
    standard_comparison,
    vary,
)

DELIVERY_COLUMNS = [
    "run",
    "scenario",
    "technique",
    "client",
    "topic",
    "seq",
    "ts",
    "received",
    "latency_ms",
    "bytes",
]


@pytest.fixture(scope="module")
def small() -> Result:
    scenarios = [
        Scenario("sse", clients=2, topics=2, rate=20, duration=0.5),
        Scenario("poll", rate=20, duration=0.5, poll_interval=0.1, burst=2),
        Scenario("ws", rate=20, duration=0.5, network="lan", message_size=10),
    ]
    return run(scenarios, progress=False)


def test_one_row_per_delivered_message_per_client(small: Result) -> None:
    assert list(small.deliveries.columns) == DELIVERY_COLUMNS
    assert list(small.runs["technique"]) == ["sse", "poll", "ws"]
    per_run = small.deliveries.groupby("run").size().to_dict()
    # sse: 2 clients x 10 messages; poll: 10 events x burst 2; ws: 10
    assert per_run == {0: 20, 1: 20, 2: 10}
    assert list(small.runs["expected"]) == [20, 20, 10]
    assert list(small.runs["losses"]) == [0, 0, 0]
    assert list(small.runs["duplicates"]) == [0, 0, 0]
    sse = small.deliveries[small.deliveries["run"] == 0]
    assert sorted(sse["topic"].unique()) == ["sse-loopback-0", "sse-loopback-1"]
    assert (small.deliveries["latency_ms"] >= 0).all()


def test_envelope_bytes_follow_message_size(small: Result) -> None:
    ws = small.deliveries[small.deliveries["run"] == 2].iloc[0]
    empty = Message(ws["topic"], int(ws["seq"]), float(ws["ts"]), "")
    assert ws["bytes"] == len(empty.json) + 10  # message_size=10 ASCII letters
    sse = small.deliveries[small.deliveries["run"] == 0].iloc[0]
    empty = Message(sse["topic"], int(sse["seq"]), float(sse["ts"]), "")
    assert sse["bytes"] == len(empty.json) + 64


def test_wire_bytes_and_requests_are_counted(small: Result) -> None:
    runs = small.runs.set_index("technique")
    assert runs.loc["sse", "requests"] == 2  # one stream per client
    assert runs.loc["sse", "bytes_down"] > runs.loc["sse", "bytes_up"] > 0
    assert runs.loc["poll", "requests"] >= 5  # 0.5 s at 0.1 s intervals
    assert runs.loc["poll", "empty_responses"] >= 0
    assert runs.loc["ws", "connections"] == 1
    summary = small.summary()
    assert set(summary.columns) >= {"p50_ms", "p99_ms", "bytes_per_msg", "requests_per_msg"}


def test_save_and_load_round_trip(small: Result, tmp_path: Path) -> None:
    meta_path = small.save("unit", tmp_path)
    meta = json.loads(meta_path.read_text())
    assert [s["technique"] for s in meta["scenarios"]] == ["sse", "poll", "ws"]
    assert {"python", "packages", "machine", "git_commit", "recorded"} <= set(meta)
    assert meta["packages"]["aiohttp"]
    loaded = load("unit", tmp_path)
    pd.testing.assert_frame_equal(loaded.runs, small.runs, check_dtype=False)
    pd.testing.assert_frame_equal(loaded.deliveries, small.deliveries, check_dtype=False)
    assert loaded.meta == meta


def test_results_add_up_with_clashing_runs_renumbered(small: Result) -> None:
    both = small + small
    assert list(both.runs["run"]) == [0, 1, 2, 3, 4, 5]
    assert both.deliveries.groupby("run").size().to_dict() == {
        0: 20,
        1: 20,
        2: 10,
        3: 20,
        4: 20,
        5: 10,
    }
    assert list(both.summary()["technique"]) == ["sse", "poll", "ws"] * 2
    assert list(small.runs["run"]) == [0, 1, 2]  # the operands are left as they were


def test_runs_say_which_kind_of_client_measured_them(small: Result) -> None:
    assert list(small.runs["client_kind"]) == ["python"] * 3
    assert list(small.summary()["client_kind"]) == ["python"] * 3
    # recorded before the column existed: those runs were Python clients
    recorded = load("standard")
    assert set(recorded.runs["client_kind"]) == {"python"}


def test_load_missing_result_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no recorded result 'nope'"):
        load("nope", tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"technique": "carrier-pigeon"}, "technique must be one of"),
        ({"technique": "sse", "network": "moon"}, "network must be one of"),
        ({"technique": "sse", "clients": 0}, "clients must be at least 1"),
        ({"technique": "sse", "rate": 0}, "rate must be > 0"),
        ({"technique": "sse", "message_size": -1}, "message_size must be >= 0"),
    ],
)
def test_invalid_scenarios_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Scenario(**kwargs)  # type: ignore[arg-type]


def test_vary_sets_one_knob() -> None:
    scenarios = vary(Scenario("poll"), poll_interval=[0.1, 0.5])
    assert [s.poll_interval for s in scenarios] == [0.1, 0.5]
    assert [s.name for s in scenarios] == [
        "poll-loopback-poll_interval=0.1",
        "poll-loopback-poll_interval=0.5",
    ]


def test_profiles_are_documented_numbers() -> None:
    assert list(PROFILES) == ["loopback", "lan", "broadband", "4g", "slow-3g"]
    four_g = get_profile("4g")
    assert four_g.delay == pytest.approx(0.030)
    assert four_g.bandwidth == pytest.approx(1_500_000)
    settings = get_profile("broadband").link_settings(seed=3)
    assert (settings.delay, settings.bandwidth, settings.seed) == (0.01, 6_250_000, 3)
    with pytest.raises(ValueError, match="unknown network profile 'mars'"):
        get_profile("mars")


def test_standard_comparison_covers_every_technique_three_ways() -> None:
    scenarios = standard_comparison()
    assert len(scenarios) == 18
    assert {(s.network, s.rate) for s in scenarios} == {
        ("loopback", 20.0),
        ("4g", 20.0),
        ("4g", 100.0),
    }
    assert sorted({s.technique for s in scenarios}) == sorted(TECHNIQUES)
    assert len({s.name for s in scenarios}) == 18


def test_headline_table_has_one_line_per_run(small: Result) -> None:
    lines = headline(small).splitlines()
    assert lines[0].split() == [
        "scenario",
        "delivered",
        "lost",
        "n",
        "p50",
        "ms",
        "p99",
        "ms",
        "req/msg",
        "set-up",
        "B/conn",
        "steady",
        "B/msg",
        "srv",
        "CPU",
        "s",
    ]
    assert [line.split()[0] for line in lines[1:]] == [
        "sse-loopback",
        "poll-loopback",
        "ws-lan",
    ]
    assert [line.split()[1:3] for line in lines[1:]] == [["20", "0"], ["20", "0"], ["10", "0"]]


def test_server_in_its_own_process_measures_its_own_resources() -> None:
    result = run(Scenario("ws", server="process", rate=40, duration=0.5), progress=False)
    row = result.runs.iloc[0]
    assert (row["server"], row["delivered"], row["losses"]) == ("process", 20, 0)
    # a separate interpreter running aiohttp: tens of MB, not this test process
    assert 10 < row["peak_rss_mb"] < 1000
    assert row["server_cpu_s"] >= 0


def test_long_labels_still_make_valid_topics() -> None:
    scenario = Scenario("sse", rate=20, duration=0.2, label="x" * 70)  # topic names get cut
    result = run(scenario, progress=False)
    assert result.runs.iloc[0]["losses"] == 0
    assert result.runs.iloc[0]["last_error"] == ""


def made_up(p50s: list[float], cpu: list[float]) -> Result:
    """A Result built by hand: one delivery per run at the given latency."""
    runs = pd.DataFrame(
        {
            "run": range(len(p50s)),
            "scenario": [f"sse x{i}" for i in range(len(p50s))],
            "technique": "sse",
            "network": "loopback",
            "clients": 1,
            "delivered": 1,
            "losses": 0,
            "duplicates": 0,
            "gaps": 0,
            "requests": 1,
            "bytes_down": 220.7,
            "bytes_up": 0.0,
            "setup_bytes_up": 0,
            "setup_bytes_down": 20,
            "setup_connections": 1,
            "server_cpu_s": cpu,
            "peak_rss_mb": 76.860962,
        }
    )
    deliveries = pd.DataFrame({"run": range(len(p50s)), "latency_ms": p50s})
    return Result(deliveries, runs)


def test_server_cpu_is_kept_only_where_its_clock_resolves_it() -> None:
    seconds = pd.Series([0.01, 0.19, 0.2, 0.35, 0.0123456789, float("nan")])
    kept = resolved_cpu(seconds)
    assert kept.isna().tolist() == [True, True, False, False, False, True]
    assert kept[2:5].tolist() == [0.2, 0.35, 0.0123456789]


def test_summary_gives_cpu_per_message_and_peak_memory() -> None:
    summary = made_up([1.0, 2.0], cpu=[0.03, 0.000150]).summary()
    assert summary["server_cpu_us_per_msg"].isna().tolist() == [True, False]
    assert summary["server_cpu_us_per_msg"][1] == pytest.approx(150.0)
    assert summary["peak_rss_mb"].tolist() == [76.860962, 76.860962]


def test_table_shows_units_and_rounded_figures() -> None:
    table = made_up([1.237671, 31.5], cpu=[0.03, 0.000150]).table(
        ["clients", "p50_ms", "server_cpu_us_per_msg", "peak_rss_mb"]
    )
    assert list(table.columns) == ["clients", "p50 (ms)", "server CPU (µs/msg)", "peak RSS (MB)"]
    assert list(table.index) == ["sse x0", "sse x1"] and table.index.name == "scenario"
    assert table["p50 (ms)"].tolist() == [1.24, 31.5]
    assert table["server CPU (µs/msg)"].tolist() == [pd.NA, 150]
    assert table["peak RSS (MB)"].tolist() == [76.9, 76.9]
    default = made_up([1.0], cpu=[0.5]).table()
    assert list(default.columns) == [
        "delivered",
        "lost",
        "latency samples",
        "p50 (ms)",
        "p99 (ms)",
        "requests/msg",
        "set-up bytes/connection",
        "steady bytes/msg",
    ]
    assert default["set-up bytes/connection"].tolist() == [20]
    assert default["steady bytes/msg"].tolist() == [201]


def test_p99_needs_a_hundred_samples_and_says_how_many() -> None:
    runs = made_up([1.0, 1.0], cpu=[0.5, 0.5]).runs
    deliveries = pd.DataFrame(
        {"run": [0] * 99 + [1] * 100, "latency_ms": [*range(99), *range(100)]}
    )
    summary = Result(deliveries, runs).summary()
    assert summary["latency_n"].tolist() == [99, 100]
    assert summary["p99_ms"].isna().tolist() == [True, False]
    assert summary["p99_ms"][1] == pytest.approx(98.01)


def test_bytes_split_into_setup_per_connection_and_steady_per_message() -> None:
    runs = made_up([1.0], cpu=[0.5]).runs.assign(
        delivered=10,
        bytes_down=2500,
        bytes_up=100,
        setup_bytes_down=480,
        setup_bytes_up=120,
        setup_connections=2,
    )
    summary = Result(pd.DataFrame({"run": [0], "latency_ms": [1.0]}), runs).summary()
    assert summary["setup_bytes_per_conn"].tolist() == [300.0]  # (480 + 120) / 2
    assert summary["steady_bytes_per_msg"].tolist() == [200.0]  # (2600 - 600) / 10
    assert summary["bytes_per_msg"].tolist() == [260.0]
    older = runs.drop(columns=["setup_bytes_down", "setup_bytes_up", "setup_connections"])
    old = Result(pd.DataFrame({"run": [0], "latency_ms": [1.0]}), older).summary()
    assert old["steady_bytes_per_msg"].isna().all() and old["bytes_per_msg"].tolist() == [260.0]


def test_compare_puts_fresh_recorded_and_ratio_under_each_measure() -> None:
    table = compare(made_up([0.5, 60.123], [0.1, 0.1]), made_up([0.4, 60.0], [0.1, 0.1]))
    assert list(table.columns) == [
        (measure, kind)
        for measure in ("p50 (ms)", "p99 (ms)", "wire bytes/msg")
        for kind in ("fresh", "recorded", "fresh/recorded")
    ]
    assert list(table.index) == ["sse x0", "sse x1"] and table.index.name == "scenario"
    assert table[("p50 (ms)", "fresh")].tolist() == [0.5, 60.12]
    assert table[("p50 (ms)", "recorded")].tolist() == [0.4, 60.0]
    assert table[("p50 (ms)", "fresh/recorded")].tolist() == [1.25, 1.0]
    assert table[("wire bytes/msg", "fresh")].tolist() == [221, 221]


def test_run_many_without_scenarios_says_so() -> None:
    with pytest.raises(ValueError, match="run_many needs at least one scenario"):
        run_many([])


def test_a_fresh_run_has_exactly_the_run_columns_of_the_schema(small: Result) -> None:
    assert tuple(small.runs.columns) == RUN_COLUMNS
    knobs = small.runs[["scenario", "network", "topics", "burst", "message_size"]]
    assert knobs.values.tolist() == [
        ["sse-loopback", "loopback", 2, 1, 64],
        ["poll-loopback", "loopback", 1, 2, 64],
        ["ws-lan", "lan", 1, 1, 10],
    ]
