"""The list of claims and running it: evaluate and evaluate_all with instant
fake claims, then every real claim measured in quick mode (once per claim,
~50 s in all), checked for sane figures and a readable plot.

Rules and measurements are separate functions so that a verdict can be tested
without timing noise: each claim's own test module feeds its rule synthetic
figures chosen to sit clearly on one side of each stated threshold.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from rtlab.studies import claims
from rtlab.studies.claims import VERDICTS, Measurement, registry
from rtlab.views import claims as claim_views
from tests.conftest import RecordedBar
from tests.studies.claims.helpers import assert_readable, install_fake_claims, measured

# -- evaluate and evaluate_all without measuring -------------------------------------


@pytest.fixture
def fake_claims(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    return install_fake_claims(monkeypatch)


def test_evaluate_all_reads_quick_mode_from_the_environment(
    fake_claims: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RTLAB_QUICK", "1")
    results = claims.evaluate_all()
    assert [r.key for r in results] == ["a", "b"]
    monkeypatch.setenv("RTLAB_QUICK", "")
    claims.evaluate_all()
    claims.evaluate_all(quick=True)
    assert fake_claims == [True, True, False, False, True, True]


def test_evaluate_all_steps_a_bar_once_per_claim_named_while_it_runs(
    fake_claims: list[bool], bars: list[RecordedBar]
) -> None:
    claims.evaluate_all(quick=True)
    (bar,) = bars
    assert (bar.desc, bar.unit, bar.shown) == ("claims", "claim", True)
    assert bar.n == bar.total == 2
    assert bar.postfixes == ["a", "b", ""]  # the running claim, then nothing once complete


def test_evaluate_all_progress_can_be_turned_off(
    fake_claims: list[bool], bars: list[RecordedBar]
) -> None:
    assert [r.key for r in claims.evaluate_all(quick=True, progress=False)] == ["a", "b"]
    (bar,) = bars
    assert bar.shown is False


def test_a_failing_claim_leaves_the_bar_short_of_complete(
    monkeypatch: pytest.MonkeyPatch, bars: list[RecordedBar]
) -> None:
    async def fails(quick: bool) -> Measurement:
        raise RuntimeError("the lab broke")

    broken = claims.Claim("broken", "claim", "seed 00X", fails, lambda f: ("holds", "."))
    monkeypatch.setattr(registry, "CLAIMS", {"broken": broken})
    with pytest.raises(RuntimeError, match="the lab broke"):
        claims.evaluate_all(quick=True)
    (bar,) = bars
    assert (bar.n, bar.total) == (0, 1)


async def test_evaluate_all_works_inside_a_running_loop(
    fake_claims: list[bool], bars: list[RecordedBar]
) -> None:
    """As in a notebook cell: the kernel's loop is running in this thread."""
    assert [r.key for r in claims.evaluate_all(quick=True)] == ["a", "b"]
    assert bars[0].n == bars[0].total == 2


def test_unknown_claim_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown claim 'nope'"):
        claims.evaluate("nope", quick=True)


def test_a_rule_cannot_invent_a_verdict(
    fake_claims: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = registry.CLAIMS["a"]
    bad = claims.Claim("a", fake.claim, fake.source, fake.measure, lambda f: ("maybe", ""))
    monkeypatch.setitem(registry.CLAIMS, "a", bad)
    with pytest.raises(RuntimeError, match="maybe"):
        claims.evaluate("a", quick=True)


def test_a_result_carries_the_measured_figures_and_series(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def measure(quick: bool) -> Measurement:
        return Measurement({"x": 2.0}, {"t_s": [0.0, 0.5]})

    def rule(figures: Mapping[str, float]) -> tuple[str, str]:
        return "depends", f"x was {figures['x']}"

    claim = claims.Claim("c", "claim c", "seed 00X", measure, rule)
    monkeypatch.setattr(registry, "CLAIMS", {"c": claim})
    result = claims.evaluate("c", quick=True)
    assert (result.verdict, result.evidence) == ("depends", "x was 2.0")
    assert result.measured == {"x": 2.0} and result.series == {"t_s": [0.0, 0.5]}


# -- every claim measured (quick mode) -----------------------------------------------

EXPECTED_KEYS = {
    "ranking": {f"{t}_{m}" for t in claims.ranking.RANKED for m in ("p50_ms", "bytes_per_msg")},
    "sse_binary": {
        f"{p}_{s}"
        for p in ("sse_per_byte", "sse_plain_per_byte", "ws_text_per_byte", "ws_binary_per_byte")
        for s in claims.binary.BINARY_SIZES
    }
    | {"raw_sse_intact"},
    "sse_reconnect": {
        f"{v}_{m}" for v in ("sse", "ws", "ws_plain") for m in ("lost", "recover_ms", "reconnects")
    },
    "ws_idle": {
        f"{c}_{m}" for c in ("no_hb", "hb", "direct") for m in ("idle_closes", "reconnects")
    }
    | {"idle_timeout_s", "heartbeat_s"},
    "upstream_rate": {
        f"{d}_{m}@{r:g}"
        for d in ("ws", "post")
        for m in ("bytes", "p50_ms", "connections_per_msg")
        for r in claims.upstream.UPSTREAM_RATES_QUICK
    }
    | {"post_cold_ms", "keepalive_s"},
    "sse_vs_ws_text": {
        f"{t}_{m}" for t in ("sse", "ws") for m in ("p50_ms", "p99_ms", "bytes_per_msg")
    }
    | {"sse_server_cpu_s", "ws_server_cpu_s"}
    | {f"{t}_bytes_per_msg@{s}" for t in ("sse", "ws") for s in claims.text.TEXT_SIZES},
    "longpoll_check": {"event_p50_ms", "check_p50_ms", "interval_s"},
    "sse_periodic_requests": {"requests", "bytes_up_after_first", "connections"},
    "tcp_setup": {
        f"{w}_{m}"
        for w in ("keepalive", "fresh")
        for m in ("requests", "connections_per_request", "cpu_us_per_request", "delivered")
    },
    "sse_worker": {
        "workers",
        "streams",
        "pool_served",
        "pool_poll_answered",
        "aiohttp_served",
        "aiohttp_poll_answered",
    },
    "sse_no_cors": {
        f"{case}_{name}"
        for case in ("refused", "allowed")
        for name in ("es_messages", "es_errors", "es_opened", "server_sse_messages_sent")
    },
    "sse_six_connections": {
        "streams",
        "opened_at_once",
        "waited_for_close",
        "websockets",
        "websockets_open_with_six_streams",
    },
}
EXPECTED_KEYS["ws_low_overhead"] = {
    f"{t}_{m}@{r}"
    for t in ("ws", "poll", "longpoll")
    for m in ("ip_bytes_per_msg", "p50_ms")
    for r in (1, 20)
}
EXPECTED_KEYS["longpoll_hold_waste"] = {"idle_s"} | {
    f"aiohttp_{m}@100" for m in ("held", "baseline_rss_mib", "kib_per_request", "cpu_pct")
}
EXPECTED_KEYS["post_overhead_small"] = {
    f"{d}_{m}" for d in ("ws", "post") for m in ("bytes_per_msg", "cpu_us_per_msg", "p50_ms")
}
CODE_SIZE_KEYS = {
    f"{side}_{case}_lines" for side in ("ws", "sse") for case in ("with", "without")
} | {"ratio_with", "ratio_without", "lines_rtlab_server_ws", "lines_rtlab_server_sse"}
EXPECTED_KEYS["ws_full_duplex"] = {
    f"{run}_{direction}_{m}"
    for run, direction in (("down", "down"), ("up", "up"), ("both", "down"), ("both", "up"))
    for m in ("p50_ms", "delivered")
} | {"rate", "count"}
EXPECTED_KEYS["ws_server_complex"] = EXPECTED_KEYS["ws_server_easy"] = CODE_SIZE_KEYS
#: Claims read from MDN's browser-compat-data: without it, "not testable here".
COMPAT_CLAIMS = (
    "compat_order",
    "sse_old_browsers",
    "ws_sse_support_similar",
    "safari_versions",
    "android_versions",
)
EXPECTED_KEYS |= {
    key: {"bcd_available", "bcd_version_major", "bcd_version_minor", "bcd_version_patch"}
    | {f"{b}_first_version" for b in claims.compat.BROWSERS}
    | {
        f"{f}_{b}_{m}"
        for f in claims.compat.FEATURES
        for b in claims.compat.BROWSERS
        for m in ("version", "year")
    }
    for key in COMPAT_CLAIMS
}
EXPECTED_KEYS["longpoll_vs_poll"] = {
    f"ratio_{m}@{r}"
    for m in ("requests_per_msg", "steady_bytes_per_msg", "server_cpu_us_per_msg")
    for r in (1, 20)
}
EXPECTED_KEYS["poll_waste"] = {
    f"ratio_{m}_{o}@{n}"
    for m in ("server_cpu_per_s", "steady_bytes_per_msg")
    for o in ("sse", "ws")
    for n in (5, 25)
} | {f"{t}_cpu_slope" for t in ("poll", "sse", "ws")}
EXPECTED_KEYS["sse_saves_resources"] = {
    f"ratio_{m}_{p}@{r}"
    for m in ("steady_bytes_per_msg", "server_cpu_us_per_msg")
    for p in ("poll", "longpoll")
    for r in (1, 20)
}
EXPECTED_KEYS["sse_client_must_reconnect"] = {
    f"{case}_{m}" for case in ("cut", "error") for m in ("recovered", "reconnects", "ready_state")
}
EXPECTED_KEYS["sse_no_cache"] = {
    f"{case}_{m}" for case in ("with", "without") for m in ("latency_p50_ms", "missed")
}
EXPECTED_KEYS["sse_push_no_request"] = {
    "python_requests",
    "python_bytes_up_after_connect",
    "python_p50_ms",
    "one_way_ms",
}
EXPECTED_KEYS["iframe_loading"] = {
    "messages_received",
    "load_fired_while_open",
    "load_after_first_ms",
    "load_after_end_ms",
    "iframe_loading_share",
}
EXPECTED_KEYS["sse_http2"] = {"max_concurrent_streams", "h2_negotiated", "http1_negotiated"} | {
    f"{p}_{m}@12" for p in ("http1", "h2") for m in ("open", "delivered", "errors")
}
EXPECTED_KEYS["ws_no_same_origin"] = EXPECTED_KEYS["ws_same_origin"] = {
    f"{case}_{m}"
    for case in ("any", "checked")
    for m in ("opened", "messages", "handshake_status", "origin_is_page")
} | {"published", "fetch_read", "fetch_server_requests"}
EXPECTED_KEYS["poll_latency_interval"] = {
    f"{k}_{m}"
    for k in ("poll@0.1", "poll@0.5", "poll@1", "longpoll@1", "ws@1")
    for m in ("p50_ms", "latency_n", "requests_per_s")
}
EXPECTED_KEYS["longpoll_latency"] = {
    f"{t}@{r}_{m}"
    for t in ("longpoll", "sse", "ws")
    for r in (1, 20)
    for m in ("p50_ms", "latency_n")
}
EXPECTED_KEYS["poll_new_connection"] = {"polls", "syns", "new_connections", "share", "packets"}
#: Claims measured in Chromium: without it they are "not testable here" with no figures.
BROWSER_CLAIMS = {
    "sse_no_cors",
    "sse_six_connections",
    "ws_low_overhead",
    "sse_client_must_reconnect",
    "sse_no_cache",
    "iframe_loading",
    "sse_http2",
    "ws_no_same_origin",
    "ws_same_origin",
    "poll_new_connection",
}


@pytest.mark.parametrize("key", list(registry.CLAIMS))
def test_each_claim_measures_and_judges(key: str) -> None:
    result = measured(key)
    assert result.key == key and result.claim and result.source.startswith("seed 00")
    assert result.verdict in VERDICTS
    if key in BROWSER_CLAIMS and not result.measured:
        assert result.verdict == "not testable here"
        pytest.skip("no Chromium: the claim says it is not testable here")
    if key == "sse_http2" and 0.0 in (
        result.measured["nginx_available"],
        result.measured["chromium_available"],
    ):
        assert result.verdict == "depends"
        pytest.skip("no nginx or Chromium: the HTTP/2 claim depends, naming what is missing")
    if key in COMPAT_CLAIMS and result.measured.get("bcd_available") == 0.0:
        assert result.verdict == "not testable here"
        pytest.skip("no MDN browser-compat-data (make bcd): the claim is not testable here")
    assert EXPECTED_KEYS[key] <= set(result.measured)
    assert all(isinstance(v, float) for v in result.measured.values())
    assert result.evidence.endswith(".")
    figure = claim_views.figure(result)
    assert figure is not None
    assert_readable(figure)


def test_every_claim_has_expected_figures() -> None:
    assert set(EXPECTED_KEYS) == set(registry.CLAIMS)
