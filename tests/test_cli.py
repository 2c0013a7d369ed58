"""The command line, run as a user would: a real subprocess."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import rtlab.studies.claims.registry
from rtlab.cli import _is_loopback, build_parser, main
from rtlab.lab import Lab
from rtlab.runs import store
from rtlab.studies import experiments
from rtlab.studies.claims import CLAIMS, VERDICTS, ClaimResult
from rtlab.studies.claims.catalogue import CATALOGUE
from tests.conftest import RecordedBar, scaled

FAST_CLAIM = "sse_binary"  # about 0.1 s in quick mode: no network run, only encodings
JSON_KEYS = ["id", "seed", "quote", "claim", "verdict", "rule", "evidence", "conditions"]


def test_serve_prints_url_serves_and_stops_cleanly_on_ctrl_c() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "rtlab", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(
            r"rtlab serving on (http://127\.0\.0\.1:\d+) \(Ctrl-C to stop\)\n", line
        )
        assert match, line
        url = match.group(1)
        request = urllib.request.Request(f"{url}/publish/cli", data=b'{"a": 1}', method="POST")
        with urllib.request.urlopen(request, timeout=scaled(5)) as response:
            assert response.status == 201
            assert json.load(response)["seq"] == 1
        with urllib.request.urlopen(f"{url}/poll/cli?after=0", timeout=scaled(5)) as response:
            assert json.load(response)["messages"][0]["data"] == {"a": 1}
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=scaled(15))
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert out == "rtlab stopped\n"
    assert "Traceback" not in err
    assert "warning" not in err  # loopback is the default: nothing to warn about


def test_demo_prints_a_row_per_technique_all_delivered_in_order() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rtlab",
            "demo",
            "--messages",
            "30",
            "--rate",
            "300",
            "--poll-interval",
            "0.05",
        ],
        capture_output=True,
        text=True,
        timeout=scaled(60),
        check=True,
    )
    rows = [line.split() for line in result.stdout.splitlines() if line[:1].islower()]
    techniques = [row[0] for row in rows if row[0] != "technique" and row[0] != "rtlab"]
    assert techniques == ["poll", "longpoll", "stream", "iframe", "sse", "ws"]
    for row in rows:
        if row[0] in techniques:
            assert row[1:5] == ["30", "yes", "0", "0"], row
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.10", False),
        ("example.org", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert _is_loopback(host) is loopback


def test_serve_warns_when_binding_beyond_loopback() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "rtlab", "serve", "--host", "0.0.0.0", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("rtlab serving on http://0.0.0.0:")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=scaled(15))
    finally:
        if proc.poll() is None:
            proc.kill()
    assert err == (
        "warning: binding 0.0.0.0 exposes the lab beyond this machine; "
        "publishing is open unless --token is set\n"
    )


def test_serve_binds_loopback_unless_told_otherwise() -> None:
    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1"
    assert Lab().host == "127.0.0.1"


def test_serve_cors_origins_reach_the_server() -> None:
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "rtlab", "serve", "--port", "0"),
            *("--cors-origin", "https://a.example", "--cors-origin", "http://b.example:8080"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[3]
        seen = {}
        for origin in ("https://a.example", "http://b.example:8080", "http://c.example"):
            request = urllib.request.Request(f"{url}/poll/cli", headers={"Origin": origin})
            with urllib.request.urlopen(request, timeout=scaled(5)) as response:
                seen[origin] = response.headers.get("Access-Control-Allow-Origin")
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=scaled(15))
    finally:
        if proc.poll() is None:
            proc.kill()
    assert seen == {
        "https://a.example": "https://a.example",
        "http://b.example:8080": "http://b.example:8080",
        "http://c.example": None,
    }


@pytest.mark.parametrize("origin", ["https://a.example/", "a.example", "null"])
def test_serve_refuses_a_cors_origin_a_browser_never_sends(
    origin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--cors-origin", origin])
    assert f"argument --cors-origin: not an origin: {origin!r}" in capsys.readouterr().err


def test_parser_requires_a_command() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([])


def test_serve_max_connections_is_passed_on() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "rtlab", "serve", "--port", "0", "--max-connections", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[3]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/sse/cli", timeout=scaled(5))
        with refused.value as answer:
            assert answer.code == 503
            assert answer.headers["Retry-After"] == "3"
            assert json.load(answer) == {
                "error": "too many open connections (the limit is 0); try again later"
            }
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=scaled(15))
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0


@pytest.mark.parametrize(("given", "limit"), [([], 10_000), (["7"], 7), (["none"], None)])
def test_max_connections_option(given: list[str], limit: int | None) -> None:
    option = ["--max-connections", *given] if given else []
    assert build_parser().parse_args(["serve", *option]).max_connections == limit


@pytest.mark.parametrize("value", ["-1", "x", "²", "1.5"])
def test_max_connections_option_refuses_junk(value: str) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--max-connections", value])


# -- rtlab claims -------------------------------------------------------------------


def test_claims_json_has_exactly_the_keys_with_their_types(tmp_path: Path) -> None:
    out = tmp_path / "claims.json"
    done = subprocess.run(
        [sys.executable, "-m", "rtlab", "claims", "--quick", "--only", FAST_CLAIM, "--json", out],
        capture_output=True,
        text=True,
        timeout=scaled(120),
    )
    assert done.returncode == 0, done.stderr
    assert f"{FAST_CLAIM} · " in done.stdout  # the verdict table, one block per claim
    assert "1 of 1 claims judged in " in done.stdout
    assert done.stdout.endswith(f"wrote {out}\n")
    assert "claims: 100%" in done.stderr  # the progress bar
    assert "Traceback" not in done.stderr
    (record,) = json.loads(out.read_text())
    assert list(record) == JSON_KEYS
    assert record["id"] == FAST_CLAIM
    (entry,) = [e for e in CATALOGUE if e.id == FAST_CLAIM]
    assert record["seed"] == entry.seed and record["seed"].startswith("003_")
    assert record["claim"] == CLAIMS[FAST_CLAIM].claim
    assert record["verdict"] in VERDICTS
    assert record["rule"] == entry.rule and "holds if" in record["rule"]
    assert record["quote"] == entry.quote
    assert record["conditions"] == entry.conditions
    evidence = record["evidence"]
    assert isinstance(evidence, dict) and evidence
    assert all(isinstance(v, float) or v is None for v in evidence.values())


def test_claims_unknown_id_exits_2_listing_the_known_ones() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rtlab", "claims", "--only", FAST_CLAIM, "nope"],
        capture_output=True,
        text=True,
        timeout=scaled(60),
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"rtlab claims: unknown claim id 'nope'; known: {', '.join(CLAIMS)}\n"


def test_claims_save_as_round_trips_through_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["claims", "--quick", "--only", FAST_CLAIM, "--quiet"]
    assert main([*argv, "--save-as", "rt", "--data-dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out.endswith(f"saved to {tmp_path}/rt.*\n")
    assert err == ""  # --quiet: no progress bar
    recorded = store.load("rt", tmp_path)
    claims, figures = recorded.frames["claims"], recorded.frames["figures"]
    assert list(claims.columns) == ["id", "seed", "claim", "verdict", "evidence"]
    assert claims["id"].tolist() == [FAST_CLAIM]
    assert claims.at[0, "verdict"] in VERDICTS
    assert claims.at[0, "claim"] == CLAIMS[FAST_CLAIM].claim
    assert list(figures.columns) == ["id", "figure", "value"]
    assert set(figures["id"]) == {FAST_CLAIM}
    assert figures["figure"].is_unique and len(figures) > 1
    assert recorded.meta["quick"] is True
    assert recorded.meta["ids"] == [FAST_CLAIM]
    assert recorded.meta["failed"] == {}
    assert recorded.meta["frames"] == ["claims", "figures", "series"]
    assert "git_commit" in recorded.meta and "packages" in recorded.meta  # the environment


def _fake_result(key: str) -> ClaimResult:
    claim = CLAIMS[key]
    return ClaimResult(key, claim.claim, claim.source, "holds", "made up", {"x": 1.0})


@pytest.mark.parametrize(
    ("flag", "env", "quick"), [([], "", False), (["--quick"], "", True), ([], "1", True)]
)
def test_claims_quick_from_the_flag_or_rtlab_quick(
    flag: list[str], env: str, quick: bool, monkeypatch: pytest.MonkeyPatch, bars: list[RecordedBar]
) -> None:
    asked: list[tuple[str, bool]] = []

    def evaluate(key: str, quick: bool) -> ClaimResult:
        asked.append((key, quick))
        return _fake_result(key)

    monkeypatch.setattr(rtlab.studies.claims.registry, "evaluate", evaluate)
    monkeypatch.setenv("RTLAB_QUICK", env)
    assert main(["claims", *flag, "--only", "ws_idle", FAST_CLAIM]) == 0
    assert asked == [("ws_idle", quick), (FAST_CLAIM, quick)]  # in the order given
    (bar,) = bars
    assert (bar.n, bar.total, bar.postfixes) == (2, 2, ["ws_idle", FAST_CLAIM])


def test_claims_all_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(
        rtlab.studies.claims.registry,
        "evaluate",
        lambda key, quick: asked.append(key) or _fake_result(key),
    )
    assert main(["claims", "--quiet"]) == 0
    assert asked == list(CLAIMS)


def test_claims_a_failed_measurement_exits_1_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def evaluate(key: str, quick: bool) -> ClaimResult:
        if key == "ws_idle":
            raise RuntimeError("the relay died")
        return _fake_result(key)

    monkeypatch.setattr(rtlab.studies.claims.registry, "evaluate", evaluate)
    assert main(["claims", "--quiet", "--only", "ws_idle", FAST_CLAIM]) == 1
    out, err = capsys.readouterr()
    assert f"{FAST_CLAIM} · " in out  # the other claim is still judged and shown
    assert "1 of 2 claims judged in " in out
    assert err == "rtlab claims: measuring 'ws_idle' failed: RuntimeError: the relay died\n"


# -- rtlab run saving ---------------------------------------------------------------


@pytest.fixture
def tiny_comparison(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """`rtlab run` with one short WebSocket run, in an empty current directory."""
    tiny = [experiments.Scenario("ws", rate=20.0, duration=0.3, label="ws/tiny")]
    monkeypatch.setattr(experiments, "standard_comparison", lambda quick: tiny)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_run_saves_under_results_by_default_and_says_where(
    tiny_comparison: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--quiet"]) == 0
    out = capsys.readouterr().out
    match = re.search(r"^saved to results/(standard-\d{8}-\d{6})\.\*$", out, re.MULTILINE)
    assert match, out
    saved = experiments.load(match.group(1), tiny_comparison / "results")
    assert saved.runs["scenario"].tolist() == ["ws/tiny"]
    assert sorted(p.name for p in (tiny_comparison / "results").iterdir()) == [
        f"{match.group(1)}.{part}" for part in ("deliveries.csv.gz", "meta.json", "runs.csv.gz")
    ]


def test_claims_update_replaces_only_the_claims_run_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save = ["--quick", "--quiet", "--save-as", "rt", "--data-dir", str(tmp_path)]
    assert main(["claims", "--only", "ws_server_easy", FAST_CLAIM, *save]) == 0
    first = store.load("rt", tmp_path).meta
    assert main(["claims", "--only", FAST_CLAIM, *save, "--update"]) == 0
    recorded = store.load("rt", tmp_path)
    order = [key for key in CLAIMS if key in ("ws_server_easy", FAST_CLAIM)]
    assert recorded.frames["claims"]["id"].tolist() == order
    assert recorded.meta["ids"] == order
    assert (recorded.meta["recorded"], recorded.meta["seconds"]) == (
        first["recorded"],
        first["seconds"],
    )
    (update,) = recorded.meta["updates"]
    assert update["ids"] == [FAST_CLAIM] and update["git_commit"] == store.GIT_COMMIT
    assert main(["claims", "--only", FAST_CLAIM, *save, "--update"]) == 0  # again
    assert len(store.load("rt", tmp_path).meta["updates"]) == 1  # only under its latest
    capsys.readouterr()
    assert main(["claims", "--only", FAST_CLAIM, *save[1:], "--update"]) == 2  # full over quick
    assert capsys.readouterr().err.endswith(
        "rtlab claims: rt is a quick run; a full run cannot update it\n"
    )
    assert len(store.load("rt", tmp_path).meta["updates"]) == 1  # left as it was


def test_run_save_as_writes_into_data_dir(
    tiny_comparison: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--quiet", "--save-as", "mine", "--data-dir", "elsewhere"]) == 0
    assert "saved to elsewhere/mine.*" in capsys.readouterr().out
    assert experiments.load("mine", tiny_comparison / "elsewhere").runs["technique"].tolist() == [
        "ws"
    ]
    assert not (tiny_comparison / "results").exists()


def test_run_no_save_writes_nothing(
    tiny_comparison: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--quiet", "--no-save"]) == 0
    assert "saved to" not in capsys.readouterr().out
    assert list(tiny_comparison.iterdir()) == []


def test_run_save_as_and_no_save_exclude_each_other() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--save-as", "x", "--no-save"])
