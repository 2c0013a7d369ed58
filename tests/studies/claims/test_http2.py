"""The HTTP/2 claim (sse_http2): each verdict of its rule on synthetic figures,
"depends" naming what is missing, its plot, and the quick measurement through a
real nginx in Chromium (skips, naming the package, without either)."""

from __future__ import annotations

import pytest

from rtlab.runs.nginx import NginxUnavailable, nginx_path
from rtlab.studies.browser import BrowserUnavailable, chromium_path
from rtlab.studies.claims import ClaimResult, http2
from rtlab.views.claim_plots import DRAWERS
from tests.studies.claims.helpers import assert_readable, measured

MISSING = []
for find in (nginx_path, chromium_path):
    try:
        find()
    except (NginxUnavailable, BrowserUnavailable) as exc:  # pragma: no cover - the machine
        MISSING.append(str(exc))


def run(prefix: str, count: int, opened: float, **extra: float) -> dict[str, float]:
    closed = min(10.0, opened, count - opened)
    return {
        f"{prefix}_open@{count}": opened,
        f"{prefix}_delivered@{count}": opened,
        f"{prefix}_errors@{count}": 0.0,
        f"{prefix}_closed@{count}": closed,
        f"{prefix}_opened_after_close@{count}": closed,
        f"{prefix}_negotiated": 1.0,
    } | extra


def full(few: float = 12.0, many: float = 100.0, default: float = 120.0) -> dict[str, float]:
    return (
        {"nginx_available": 1.0, "chromium_available": 1.0, "hold_ms": 750.0}
        | {"max_concurrent_streams": 100.0, "default_max_concurrent_streams": 128.0}
        | run("http1", 12, 6.0)
        | run("http1", 120, 6.0)
        | run("h2", 12, few)
        | run("h2", 120, many)
        | run("h2_default", 120, default)
    )


def quick(few: float = 12.0) -> dict[str, float]:
    keep = ("available", "max_concurrent_streams", "hold_ms", "@12", "negotiated")
    return {k: v for k, v in full(few).items() if k.endswith(keep) and "default" not in k}


def test_holds_when_12_deliver_and_120_stop_at_the_server_s_max_streams() -> None:
    verdict, evidence = http2.rule_sse_http2(full())
    assert verdict == "holds"
    assert evidence == (
        "Through nginx announcing SETTINGS_MAX_CONCURRENT_STREAMS 100, a Chromium page over "
        "HTTP/2 (nextHopProtocol h2) had 12 of 12 EventSources to its origin delivering at "
        "once; of 120, 100 open at once with nginx announcing 100 (the 20 others waiting: 10 "
        "opened when the page closed 10) and 120 open at once with nginx announcing 128; the "
        "same page over HTTP/1.1 through the same nginx had 6 of 12 and 6 of 120 delivering "
        "at once."
    )


def test_holds_within_one_of_the_max_streams() -> None:
    assert http2.rule_sse_http2(full(many=99.0))[0] == "holds"
    assert http2.rule_sse_http2(full(many=101.0, default=119.0))[0] == "holds"


def test_the_quick_run_holds_on_12_and_says_120_were_not_opened() -> None:
    verdict, evidence = http2.rule_sse_http2(quick())
    assert verdict == "holds"
    assert "had 12 of 12 EventSources to its origin delivering at once; 120 not opened " in (
        evidence
    )
    assert evidence.endswith("over HTTP/1.1 through the same nginx had 6 of 12 delivering at once.")


def test_does_not_hold_when_only_6_deliver_at_once_over_http2() -> None:
    verdict, evidence = http2.rule_sse_http2(full(few=6.0, many=6.0, default=6.0))
    assert verdict == "does not hold"
    assert "over HTTP/2 (nextHopProtocol h2) had 6 of 12 EventSources" in evidence
    assert "of 120, 6 open at once with nginx announcing 100 (the 114 others waiting" in evidence


def test_depends_when_120_stop_at_a_limit_other_than_the_server_s() -> None:
    verdict, evidence = http2.rule_sse_http2(full(many=50.0))
    assert verdict == "depends"
    assert "of 120, 50 open at once with nginx announcing 100 (the 70 others waiting" in evidence
    assert http2.rule_sse_http2(full(default=100.0))[0] == "depends"


def test_depends_when_some_but_not_all_12_deliver() -> None:
    verdict, evidence = http2.rule_sse_http2(quick(few=9.0))
    assert verdict == "depends"
    assert "had 9 of 12 EventSources to its origin delivering at once" in evidence


def test_depends_naming_what_is_missing() -> None:
    verdict, evidence = http2.rule_sse_http2({"nginx_available": 0.0, "chromium_available": 1.0})
    assert verdict == "depends"
    assert evidence.startswith(
        "Not measured: the HTTP/2 check needs nginx (Debian package nginx), which this "
        "machine lacks;"
    )
    both = http2.rule_sse_http2({"nginx_available": 0.0, "chromium_available": 0.0})
    assert "needs nginx (Debian package nginx) and Chromium (Debian package chromium)," in both[1]


def test_depends_when_the_page_did_not_go_over_h2() -> None:
    verdict, evidence = http2.rule_sse_http2(full() | {"h2_negotiated": 0.0})
    assert verdict == "depends"
    assert "did not go over h2 (performance nextHopProtocol)" in evidence


def test_the_plot_has_bars_per_protocol_for_12_and_120() -> None:
    figures = full()
    result = ClaimResult("sse_http2", "claim", "seed 002", *http2.rule_sse_http2(figures), figures)
    shown = DRAWERS["sse_http2"](result)
    assert_readable(shown)
    bars = {trace.name: list(trace.y) for trace in shown.data if trace.type == "bar"}
    assert bars["HTTP/1.1"] == [6.0, 6.0]
    assert bars["HTTP/2, max streams 100"] == [12.0, 100.0]
    assert bars["HTTP/2, max streams 128"][1] == 120.0


@pytest.mark.skipif(bool(MISSING), reason="; ".join(MISSING))
def test_the_quick_measurement_through_nginx_in_chromium() -> None:
    result = measured("sse_http2")
    figures = result.measured
    assert figures["max_concurrent_streams"] == http2.MAX_STREAMS
    assert figures["h2_negotiated"] == figures["http1_negotiated"] == 1.0
    assert figures["http1_open@12"] == figures["http1_delivered@12"] == 6.0
    assert figures["http1_opened_after_close@12"] == figures["http1_closed@12"] == 6.0
    assert figures["h2_open@12"] == figures["h2_delivered@12"] == 12.0
    assert figures["h2_errors@12"] == figures["http1_errors@12"] == 0.0
    assert "h2_open@120" not in figures
    assert result.verdict == "holds"
