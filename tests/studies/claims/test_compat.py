"""The browser-support claims read from MDN's browser-compat-data: each rule gives
each of its verdicts on synthetic figures, "not testable here" without the data, and
the real data (installed by `make bcd`) gives float figures for every browser."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import pytest

from rtlab.studies.claims import compat
from rtlab.studies.claims.base import Rule

NAN = math.nan
ABSENT = {"bcd_available": 0.0}
FIRSTS = (("xhr", 1.0, 2000.0), ("sse", 6.0, 2010.0), ("ws", 7.0, 2011.0))


def data(**versions: float) -> dict[str, float]:
    """Figures for every browser: XMLHttpRequest from 1, EventSource from 6 and WebSocket
    from 7 (released 2000, 2010, 2011), each browser first released as version 1;
    `versions` overrides, e.g. sse_ie_version=NAN."""
    figures = {
        "bcd_available": 1.0,
        "bcd_version_major": 8.0,
        "bcd_version_minor": 1.0,
        "bcd_version_patch": 9.0,
    }
    for b in compat.BROWSERS:
        figures[f"{b}_first_version"] = 1.0
        for short, version, year in (
            ("xhr", 1.0, 2000.0),
            ("sse", 6.0, 2010.0),
            ("ws", 7.0, 2011.0),
        ):
            figures[f"{short}_{b}_version"] = version
            figures[f"{short}_{b}_year"] = year
    figures.update(versions)
    return figures


@pytest.mark.parametrize(
    "rule",
    [
        compat.rule_compat_order,
        compat.rule_sse_old_browsers,
        compat.rule_ws_sse_support_similar,
        compat.rule_safari_versions,
        compat.rule_android_versions,
    ],
)
def test_without_the_data_each_rule_is_not_testable_here(rule: Rule) -> None:
    verdict, evidence = rule(ABSENT)
    assert verdict == "not testable here"
    assert "make bcd" in evidence and "@mdn/browser-compat-data@8.1.9" in evidence


# -- compat_order ----------------------------------------------------------------------


def test_compat_order_holds_when_each_technique_comes_later() -> None:
    verdict, evidence = compat.rule_compat_order(data())
    assert verdict == "holds"
    assert "XMLHttpRequest 1, EventSource 6, WebSocket 7 (browser-compat-data 8.1.9)." in evidence


def test_compat_order_does_not_hold_with_websocket_but_no_eventsource() -> None:
    verdict, evidence = compat.rule_compat_order(data(sse_ie_version=NAN, ws_ie_version=10.0))
    assert verdict == "does not hold"
    assert "SSE > WebSocket fails in Internet Explorer" in evidence
    assert "EventSource never, WebSocket 10" in evidence


def test_compat_order_depends_on_a_tie() -> None:
    ties = {f"ws_{b}_version": 6.0 for b in compat.BROWSERS}
    verdict, evidence = compat.rule_compat_order(data(**ties))
    assert verdict == "depends"
    assert "SSE > WebSocket ties in every browser" in evidence


# -- sse_old_browsers ------------------------------------------------------------------


def test_sse_old_browsers_holds_when_ie_never_and_others_later() -> None:
    verdict, evidence = compat.rule_sse_old_browsers(data(sse_ie_version=NAN))
    assert verdict == "holds"
    assert "Internet Explorer: never; Chrome 6 (first 1)" in evidence


def test_sse_old_browsers_does_not_hold_when_ie_has_it() -> None:
    verdict, evidence = compat.rule_sse_old_browsers(data(sse_ie_version=10.0))
    assert verdict == "does not hold"
    assert "Internet Explorer: 10" in evidence


def test_sse_old_browsers_depends_when_a_browser_had_it_from_the_start() -> None:
    verdict, evidence = compat.rule_sse_old_browsers(
        data(sse_ie_version=NAN, sse_edge_version=12.0, edge_first_version=12.0)
    )
    assert verdict == "depends"
    assert "Edge 12 (first 12)" in evidence


# -- ws_sse_support_similar ------------------------------------------------------------


def test_ws_sse_similar_holds_with_one_browser_apart() -> None:
    verdict, evidence = compat.rule_ws_sse_support_similar(
        data(sse_ie_version=NAN, sse_ie_year=NAN)
    )
    assert verdict == "holds"
    assert (
        "1 browsers" in evidence
        and "Internet Explorer (EventSource never, WebSocket 2011.0)" in evidence
    )


def test_ws_sse_similar_depends_with_two_browsers_apart() -> None:
    verdict, evidence = compat.rule_ws_sse_support_similar(
        data(sse_ie_year=NAN, sse_edge_year=2020.0)
    )
    assert verdict == "depends"
    assert "Edge (EventSource 2020.0, WebSocket 2011.0)" in evidence


def test_ws_sse_similar_does_not_hold_with_three_browsers_apart() -> None:
    verdict, evidence = compat.rule_ws_sse_support_similar(
        data(sse_ie_year=NAN, sse_edge_year=2020.0, ws_firefox_year=2013.5)
    )
    assert verdict == "does not hold"
    assert evidence.startswith("3 browsers")


def test_ws_sse_similar_counts_no_browser_that_has_neither() -> None:
    verdict, _ = compat.rule_ws_sse_support_similar(
        data(sse_ie_year=NAN, ws_ie_year=NAN, sse_edge_year=NAN, ws_edge_year=NAN)
    )
    assert verdict == "holds"


# -- safari_versions -------------------------------------------------------------------


def safari(sse: float, ios: float, ws: float) -> dict[str, float]:
    return data(sse_safari_version=sse, sse_safari_ios_version=ios, ws_safari_version=ws)


def test_safari_versions_hold_within_one_version() -> None:
    verdict, evidence = compat.rule_safari_versions(safari(5.0, 5.0, 5.0))
    assert verdict == "holds"
    assert "iOS Safari EventSource 5 (claimed 4)" in evidence


def test_safari_versions_depend_with_one_off() -> None:
    verdict, evidence = compat.rule_safari_versions(safari(5.0, 4.2, 8.0))
    assert verdict == "depends"
    assert "Safari WebSocket 8 (claimed 6): 1 off" in evidence


def test_safari_versions_do_not_hold_with_two_off() -> None:
    verdict, evidence = compat.rule_safari_versions(safari(3.1, 4.0, NAN))
    assert verdict == "does not hold"
    assert "Safari WebSocket never" in evidence and "2 off" in evidence


# -- android_versions ------------------------------------------------------------------


def android(sse: float, ws: float) -> dict[str, float]:
    return data(sse_webview_android_version=sse, ws_webview_android_version=ws)


def test_android_versions_hold_when_both_from_4_4() -> None:
    verdict, evidence = compat.rule_android_versions(android(4.4, 4.4))
    assert verdict == "holds"
    assert "EventSource from 4.4, WebSocket from 4.4" in evidence


def test_android_versions_depend_when_one_is_from_4_4() -> None:
    verdict, evidence = compat.rule_android_versions(android(4.4, 37.0))
    assert verdict == "depends"
    assert "WebSocket from 37" in evidence


def test_android_versions_do_not_hold_when_neither_is() -> None:
    verdict, evidence = compat.rule_android_versions(android(NAN, 3.0))
    assert verdict == "does not hold"
    assert "EventSource from never" in evidence


# -- reading the data ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"version_added": "6"}, (6.0, "6")),
        ({"version_added": "12.1"}, (12.1, "12.1")),
        ({"version_added": "≤18"}, (18.0, "18")),
        ({"version_added": "preview"}, (NAN, None)),
        ({"version_added": False}, (NAN, None)),
        ({"version_added": None}, (NAN, None)),
        ({"version_added": True}, (0.0, None)),
        (None, (NAN, None)),
        (
            [
                {"version_added": "11"},
                {"prefix": "Moz", "version_added": "7", "version_removed": "11"},
            ],
            (11.0, "11"),
        ),
        (
            [
                {"version_added": "20", "flags": [{"type": "preference"}]},
                {"version_added": "25"},
            ],
            (25.0, "25"),
        ),
    ],
)
def test_version_added_reads_the_first_plain_statement(
    statement: object, expected: tuple[float, str | None]
) -> None:
    got = compat.version_added(statement)
    assert got[1] == expected[1]
    assert got[0] == expected[0] or (math.isnan(got[0]) and math.isnan(expected[0]))


def test_the_loader_says_absent_data_is_absent(tmp_path: Path) -> None:
    assert compat.load_bcd(tmp_path / "data.json") is None


def test_the_loader_reads_a_small_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    support = {"chrome": {"version_added": "6"}}
    api = {f: {"__compat": {"support": support}} for f in compat.FEATURES.values()}
    browsers = {
        b: {"releases": {"6": {"release_date": "2010-07-02"}, "1": {}}} for b in compat.BROWSERS
    }
    (tmp_path / "data.json").write_text(json.dumps({"api": api, "browsers": browsers}))
    (tmp_path / "package.json").write_text(json.dumps({"version": "9.2.3"}))
    monkeypatch.setenv("RTLAB_BCD", str(tmp_path))
    figures = asyncio.run(compat.measure_android_versions(True)).measured
    assert figures["bcd_version_major"] == 9.0 and figures["bcd_version_patch"] == 3.0
    assert figures["sse_chrome_version"] == 6.0 and figures["chrome_first_version"] == 1.0
    assert 2010.4 < figures["sse_chrome_year"] < 2010.6
    assert math.isnan(figures["ws_ie_version"]) and math.isnan(figures["ws_ie_year"])


def test_the_real_data_gives_float_figures_for_every_browser() -> None:
    if compat.load_bcd(compat.bcd_path()) is None:
        pytest.skip(f"MDN browser-compat-data not installed at {compat.bcd_path()}: run `make bcd`")
    figures = asyncio.run(compat.measure_compat_order(True)).measured
    assert figures["bcd_available"] == 1.0 and figures["bcd_version_major"] >= 5.0
    assert all(isinstance(v, float) for v in figures.values())
    assert figures["xhr_chrome_version"] == 1.0
    assert figures["ws_ie_version"] == 10.0
    assert 2000.0 < figures["sse_safari_year"] < 2015.0
    for key in ("compat_order", "sse_old_browsers", "ws_sse_support_similar"):
        verdict, evidence = getattr(compat, f"rule_{key}")(figures)
        assert (
            verdict in ("holds", "does not hold", "depends") and "browser-compat-data" in evidence
        )
