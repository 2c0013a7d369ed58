"""The browser-support claims, read from MDN's browser-compat-data (the npm package
`@mdn/browser-compat-data`, installed by `make bcd` into .venv/mdn-bcd; RTLAB_BCD
may name its data.json or its folder instead).

Figures, all floats: for each feature (`xhr` = XMLHttpRequest, both pollings; `sse` =
EventSource; `ws` = WebSocket) and browser, `{feature}_{browser}_version` (the first
version supporting it, NaN for never) and `{feature}_{browser}_year` (that version's
release date as a fractional year, NaN if never or undated); `{browser}_first_version`
(the browser's earliest recorded release); `bcd_available` (1/0) and
`bcd_version_major/minor/patch` (the package's version).

Reading `version_added` (hand-written: the package ships only JSON, no Python reader):
a list of statements is read at its first statement without `flags`, `prefix` or
`alternative_name` (the standard, unprefixed one; e.g. Firefox's WebSocket is 11, not
the prefixed MozWebSocket 7); "≤18" is read as 18 (the data says "18 or earlier");
"preview", false and null as never (NaN); true (supported, version unknown) as 0.

Rules:
- compat_order: a step A > B fails if in some browser B's first version is earlier than
  A's (or A never comes), and is strict if in some browser A's is earlier than B's (or B
  never comes); short > long polling ties (both XMLHttpRequest) and passes. holds if no
  step fails and long polling > SSE > WebSocket are strict; does not hold if a step
  fails; depends otherwise.
- sse_old_browsers: holds if Internet Explorer never has EventSource and Chrome, Edge,
  Firefox, Safari and Opera each add it after their first version; does not hold if
  some IE version has it; depends otherwise.
- ws_sse_support_similar: a browser differs if its first EventSource and first
  WebSocket versions are released more than 2 years apart, or only one is ever
  supported. holds if at most one browser differs; does not hold if three or more do;
  depends on two.
- safari_versions: the claimed versions are Safari 5 (SSE), iOS 4 (SSE), Safari 6
  (WebSocket); a version is within one major version if it is at most 1.0 away. holds
  if all three are; does not hold if two or more are not; depends on one.
- android_versions: holds if both EventSource and WebSocket are recorded in Android's
  WebView (the default browser) from 4.4 exactly; does not hold if neither is; depends
  if one is.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rtlab.studies.claims.base import Measurement, num

__all__ = [
    "BROWSERS",
    "FEATURES",
    "INSTALL_HINT",
    "bcd_path",
    "load_bcd",
    "measure_android_versions",
    "measure_compat_order",
    "measure_safari_versions",
    "measure_sse_old_browsers",
    "measure_ws_sse_support_similar",
    "rule_android_versions",
    "rule_compat_order",
    "rule_safari_versions",
    "rule_sse_old_browsers",
    "rule_ws_sse_support_similar",
    "version_added",
]

FEATURES = {"xhr": "XMLHttpRequest", "sse": "EventSource", "ws": "WebSocket"}
BROWSERS = {
    "chrome": "Chrome",
    "edge": "Edge",
    "firefox": "Firefox",
    "safari": "Safari",
    "opera": "Opera",
    "ie": "Internet Explorer",
    "chrome_android": "Chrome Android",
    "firefox_android": "Firefox Android",
    "safari_ios": "iOS Safari",
    "opera_android": "Opera Android",
    "webview_android": "Android WebView",
    "samsunginternet_android": "Samsung Internet",
}
INSTALL_HINT = (
    "`make bcd` (npm install --prefix .venv/mdn-bcd @mdn/browser-compat-data@8.1.9) "
    "or set RTLAB_BCD"
)
_PACKAGE = Path(".venv/mdn-bcd/node_modules/@mdn/browser-compat-data")
NEVER = math.nan


def bcd_path() -> Path:
    """Where data.json should be: RTLAB_BCD (the file or its folder), else the project's
    .venv/mdn-bcd install."""
    given = os.environ.get("RTLAB_BCD")
    if given:
        path = Path(given)
        return path / "data.json" if path.is_dir() else path
    return Path(__file__).resolve().parents[3] / _PACKAGE / "data.json"


def load_bcd(path: Path | None = None) -> tuple[dict[str, Any], str] | None:
    """The data and the package's version ("8.1.9"), or None when absent (read once
    per file; absence is not cached, so a later `make bcd` is seen)."""
    data_file = path or bcd_path()
    if not data_file.is_file():
        return None
    return _read(data_file)


@functools.cache
def _read(data_file: Path) -> tuple[dict[str, Any], str]:
    data = json.loads(data_file.read_text(encoding="utf-8"))
    package = data_file.parent / "package.json"
    version = (
        json.loads(package.read_text(encoding="utf-8")).get("version")
        if package.is_file()
        else data.get("__meta", {}).get("version", "0.0.0")
    )
    return data, str(version)


def _as_float(version: str) -> float:
    parts = version.lstrip("≤").split(".")
    return float(".".join(parts[:2]))


def version_added(statement: Any) -> tuple[float, str | None]:
    """A support statement's first version as a float (NaN never, 0 unknown) and the
    raw version string for the release date look-up."""
    if isinstance(statement, list):
        plain = [
            s
            for s in statement
            if not ({"flags", "prefix", "alternative_name"} & set(s)) and "version_removed" not in s
        ]
        statement = plain[0] if plain else {"version_added": False}
    added = statement.get("version_added") if isinstance(statement, dict) else None
    if added is True:
        return 0.0, None
    if not isinstance(added, str) or added == "preview":
        return NEVER, None
    return _as_float(added), added.lstrip("≤")


def _year(date: str | None) -> float:
    if not date:
        return NEVER
    day = dt.date.fromisoformat(date)
    start = dt.date(day.year, 1, 1)
    return day.year + (day - start).days / 365.25


def _figures() -> dict[str, float]:
    loaded = load_bcd(bcd_path())
    if loaded is None:
        return {"bcd_available": 0.0}
    data, version = loaded
    major, minor, patch = ([*map(float, version.split(".")[:3]), 0.0, 0.0])[:3]
    figures = {
        "bcd_available": 1.0,
        "bcd_version_major": major,
        "bcd_version_minor": minor,
        "bcd_version_patch": patch,
    }
    for browser in BROWSERS:
        releases = data["browsers"][browser]["releases"]
        figures[f"{browser}_first_version"] = min(
            (_as_float(v) for v in releases if v[0].isdigit()), default=NEVER
        )
        for short, feature in FEATURES.items():
            support = data["api"][feature]["__compat"]["support"].get(browser)
            first, raw = version_added(support)
            date = releases.get(raw, {}).get("release_date") if raw else None
            figures[f"{short}_{browser}_version"] = first
            figures[f"{short}_{browser}_year"] = _year(date)
    return figures


def _measurement() -> Measurement:
    figures = _figures()
    series: dict[str, list[float]] = {}
    return Measurement(figures, series)


def _absent(figures: Mapping[str, float]) -> tuple[str, str] | None:
    if figures.get("bcd_available", 0.0) != 1.0:
        return "not testable here", f"MDN browser-compat-data is not installed: run {INSTALL_HINT}."
    return None


def _source(figures: Mapping[str, float]) -> str:
    version = ".".join(
        num(figures.get(f"bcd_version_{p}", NEVER)) for p in ("major", "minor", "patch")
    )
    return f"(browser-compat-data {version})"


def _v(figures: Mapping[str, float], short: str, browser: str) -> float:
    value = figures.get(f"{short}_{browser}_version", NEVER)
    return math.inf if math.isnan(value) else value


def _browsers(figures: Mapping[str, float]) -> list[str]:
    return [b for b in BROWSERS if f"sse_{b}_version" in figures]


async def measure_compat_order(quick: bool) -> Measurement:
    return _measurement()


def rule_compat_order(figures: Mapping[str, float]) -> tuple[str, str]:
    absent = _absent(figures)
    if absent:
        return absent
    steps = (("xhr", "sse", "long polling > SSE"), ("sse", "ws", "SSE > WebSocket"))
    failed: list[str] = []
    tied: list[str] = []
    for a, b, label in steps:
        fails = [BROWSERS[x] for x in _browsers(figures) if _v(figures, b, x) < _v(figures, a, x)]
        strict = [BROWSERS[x] for x in _browsers(figures) if _v(figures, a, x) < _v(figures, b, x)]
        if fails:
            failed.append(f"{label} fails in {', '.join(fails)}")
        elif not strict:
            tied.append(f"{label} ties in every browser")
    ie = (
        f"Internet Explorer: XMLHttpRequest {num(figures.get('xhr_ie_version', NEVER))}, "
        f"EventSource {num(figures.get('sse_ie_version', NEVER))}, "
        f"WebSocket {num(figures.get('ws_ie_version', NEVER))} {_source(figures)}"
    )
    if failed:
        return "does not hold", f"{'; '.join(failed)}; {ie}."
    if tied:
        return "depends", f"No step fails but {'; '.join(tied)}; {ie}."
    return "holds", f"Every step holds and is strict in some browser; {ie}."


async def measure_sse_old_browsers(quick: bool) -> Measurement:
    return _measurement()


DESKTOP = ("chrome", "edge", "firefox", "safari", "opera")


def rule_sse_old_browsers(figures: Mapping[str, float]) -> tuple[str, str]:
    absent = _absent(figures)
    if absent:
        return absent
    ie = figures.get("sse_ie_version", NEVER)
    added = ", ".join(
        f"{BROWSERS[b]} {num(figures.get(f'sse_{b}_version', NEVER))} "
        f"(first {num(figures.get(f'{b}_first_version', NEVER))})"
        for b in DESKTOP
    )
    text = f"EventSource in Internet Explorer: {num(ie)}; {added} {_source(figures)}."
    if not math.isnan(ie):
        return "does not hold", text
    later = all(
        _v(figures, "sse", b) > figures.get(f"{b}_first_version", math.inf) for b in DESKTOP
    )
    return ("holds" if later else "depends"), text


def _when(year: float) -> str:
    return "never" if math.isnan(year) else f"{year:.1f}"


async def measure_ws_sse_support_similar(quick: bool) -> Measurement:
    return _measurement()


SIMILAR_YEARS = 2.0


def rule_ws_sse_support_similar(figures: Mapping[str, float]) -> tuple[str, str]:
    absent = _absent(figures)
    if absent:
        return absent
    differ: list[str] = []
    for b in _browsers(figures):
        sse, ws = figures.get(f"sse_{b}_year", NEVER), figures.get(f"ws_{b}_year", NEVER)
        if math.isnan(sse) and math.isnan(ws):
            continue
        if math.isnan(sse) or math.isnan(ws) or abs(sse - ws) > SIMILAR_YEARS:
            differ.append(f"{BROWSERS[b]} (EventSource {_when(sse)}, WebSocket {_when(ws)})")
    count = len(differ)
    verdict = "holds" if count <= 1 else "does not hold" if count >= 3 else "depends"
    return verdict, (
        f"{count} browsers got EventSource and WebSocket more than {num(SIMILAR_YEARS)} "
        f"years apart or only one of them: {', '.join(differ) or 'none'} {_source(figures)}."
    )


async def measure_safari_versions(quick: bool) -> Measurement:
    return _measurement()


SAFARI_CLAIMED = (
    ("sse", "safari", 5.0, "Safari EventSource"),
    ("sse", "safari_ios", 4.0, "iOS Safari EventSource"),
    ("ws", "safari", 6.0, "Safari WebSocket"),
)


def rule_safari_versions(figures: Mapping[str, float]) -> tuple[str, str]:
    absent = _absent(figures)
    if absent:
        return absent
    off = 0
    parts = []
    for short, browser, claimed, label in SAFARI_CLAIMED:
        got = _v(figures, short, browser)
        off += not abs(got - claimed) <= 1.0
        parts.append(
            f"{label} {num(figures.get(f'{short}_{browser}_version', NEVER))} "
            f"(claimed {num(claimed)})"
        )
    verdict = "holds" if off == 0 else "depends" if off == 1 else "does not hold"
    return verdict, f"{'; '.join(parts)}: {off} off by more than one version {_source(figures)}."


async def measure_android_versions(quick: bool) -> Measurement:
    return _measurement()


ANDROID_CLAIMED = 4.4


def rule_android_versions(figures: Mapping[str, float]) -> tuple[str, str]:
    absent = _absent(figures)
    if absent:
        return absent
    sse = figures.get("sse_webview_android_version", NEVER)
    ws = figures.get("ws_webview_android_version", NEVER)
    exact = sum(v == ANDROID_CLAIMED for v in (sse, ws))
    verdict = "holds" if exact == 2 else "does not hold" if exact == 0 else "depends"
    return verdict, (
        f"Android WebView: EventSource from {num(sse)}, WebSocket from {num(ws)} "
        f"(claimed {num(ANDROID_CLAIMED)} for both) {_source(figures)}."
    )
