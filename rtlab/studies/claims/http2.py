"""Seed 002's "HTTP/2 可协商（默认 100）": over HTTP/2 the number of SSE streams
is negotiated (100 by default), lifting the browser's six connections per host.

Measured with a real nginx (`rtlab.runs.nginx`, Debian's 1.22) in front of a lab
on loopback, configured with `http2_max_concurrent_streams` `MAX_STREAMS` (100);
the SETTINGS_MAX_CONCURRENT_STREAMS it announces is read off the wire (its
first SETTINGS frame on a new HTTP/2 connection) into the figures. One Chromium
page (the probe page, loaded through nginx) opens `COUNTS` (12 and 120; quick:
12) EventSources to its own origin, each on a topic of its own, once over
HTTP/2 (TLS; the self-signed certificate is accepted in this check's browser
context only) and once over HTTP/1.1 through the same nginx. The page's
navigation entry says which protocol carried it (`nextHopProtocol`). When the
number open has not changed for `HOLD` s, one message is published to every
topic; an EventSource *delivers at once* when it has that message while the
others are still open (the count settles the same way). If some waited, the
page then closes up to `FREED` (10) open ones and counts the waiting ones that
take their place. The full run opens 120 over HTTP/2 once more through nginx
announcing its own default, `NGINX_DEFAULT` (128), to see the number follow the
server's setting. The HTTP/1.1 run is the control (`sse_six_connections`
measures its limit of 6 in detail).

Rule (thresholds as constants):
- holds if over HTTP/2 all `FEW` (12) deliver at once and, of `MANY` (120), the
  number open at once matches the server's max concurrent streams (100; and
  128 in the full run's second case: min(120, 128) = 120) within `TOLERANCE`
  (1) (the quick run opens only 12 and says so);
- does not hold if at most `SIX` (6) of the 12 deliver at once over HTTP/2;
- depends otherwise (between, or a limit other than the server's), giving the
  counts; and depends, with the reason, when nginx or Chromium is missing or
  the page did not go over h2.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING

from rtlab.env import timeout_factor
from rtlab.lab import Lab
from rtlab.runs.nginx import MAX_CONCURRENT_STREAMS, Nginx, NginxUnavailable, nginx_path
from rtlab.studies.browser_checks.probe import PROBE_PAGE, WAIT, Probe, fresh_topic
from rtlab.studies.claims.base import Measurement, num

if TYPE_CHECKING:
    from playwright.async_api import Browser

__all__ = ["measure_sse_http2", "rule_sse_http2"]

MAX_STREAMS = 100  # nginx's http2_max_concurrent_streams: the SETTINGS it announces
FEW, MANY = 12, 120
COUNTS = (FEW, MANY)
QUICK_COUNTS = (FEW,)
SIX = 6  # a browser's connections per host over HTTP/1.1
TOLERANCE = 1  # EventSources open at once against the server's max streams
FREED = 10  # open EventSources the page closes, to see waiting ones take their place
NGINX_DEFAULT = 128  # nginx's own http2_max_concurrent_streams, the full run's second case
HOLD = 0.75  # seconds a count must stay unchanged to be taken as settled
# figure prefix: the nextHopProtocol expected of the page
PROTOCOLS = {"http1": "http/1.1", "h2": "h2", "h2_default": "h2"}

_OPEN = "(names) => names.filter((n) => probe.count(n, 'open') >= 1).length"
_GOT = "(names) => names.filter((n) => probe.count(n, 'message') >= 1).length"
_ERRORS = "(names) => names.filter((n) => probe.count(n, 'error') >= 1).length"
_PROTOCOL = "() => performance.getEntriesByType('navigation')[0].nextHopProtocol"
_OPEN_ALL = "([names, urls]) => names.forEach((n, i) => probe.eventSource(n, urls[i]))"


async def measure_sse_http2(quick: bool) -> Measurement:
    """EventSources open and delivering at once over HTTP/1.1 and HTTP/2 through nginx
    announcing `MAX_STREAMS`; in the full run, 120 over HTTP/2 again through nginx
    announcing its default (`NGINX_DEFAULT`)."""
    from rtlab.studies import browser

    figures = {"nginx_available": 1.0, "chromium_available": 1.0}
    finders = (("nginx_available", nginx_path), ("chromium_available", browser.chromium_path))
    for key, find in finders:
        try:
            find()
        except (NginxUnavailable, browser.BrowserUnavailable):
            figures[key] = 0.0
    if 0.0 in figures.values():
        return Measurement(figures)
    figures["hold_ms"] = HOLD * 1000
    async with Lab() as lab, browser.launch() as chromium:
        async with Nginx([lab.url], max_concurrent_streams=MAX_STREAMS) as front:
            figures["max_concurrent_streams"] = await _announced(front)
            for protocol, url in (("http1", front.http1_url), ("h2", front.h2_url)):
                for count in QUICK_COUNTS if quick else COUNTS:
                    figures |= await _open_many(chromium, lab, url, protocol, count)
        if not quick:
            async with Nginx([lab.url], max_concurrent_streams=NGINX_DEFAULT) as front:
                figures["default_max_concurrent_streams"] = await _announced(front)
                figures |= await _open_many(chromium, lab, front.h2_url, "h2_default", MANY)
    return Measurement(figures)


async def _announced(front: Nginx) -> float:
    """SETTINGS_MAX_CONCURRENT_STREAMS as nginx sends it on a new connection (nan: absent)."""
    settings = await front.h2_settings()
    return float(settings.get(MAX_CONCURRENT_STREAMS, math.nan))


@contextlib.asynccontextmanager
async def _page(chromium: Browser, url: str) -> AsyncIterator[Probe]:
    """The probe page through nginx at `url`, in a context of its own that accepts
    nginx's self-signed certificate (this check only)."""
    context = await chromium.new_context(ignore_https_errors=True)
    try:
        page = await context.new_page()
        await page.goto(url + PROBE_PAGE)
        probe = Probe(page)
        probe.t0 = await probe.now()
        yield probe
    finally:
        await context.close()


async def _open_many(
    chromium: Browser, lab: Lab, url: str, protocol: str, count: int
) -> dict[str, float]:
    """`count` EventSources from one page at `url`: how many opened and delivered at
    once, how many errored, whether the page went over the expected protocol, and,
    if some waited, how many of them opened when the page closed up to `FREED`."""
    async with _page(chromium, url) as probe:
        names = [f"es{i}" for i in range(count)]
        topics = [fresh_topic("h2") for _ in names]
        await probe.page.evaluate(_OPEN_ALL, [names, [f"/sse/{t}" for t in topics]])
        opened = await _settled(probe, _OPEN, names, count)
        for topic in topics:
            await lab.apublish(topic, "at once?")
        delivered = await _settled(probe, _GOT, names, opened)
        freed, after = await _free_some(probe, names)
        errors = await probe.page.evaluate(_ERRORS, names)
        negotiated = await probe.page.evaluate(_PROTOCOL)
    return {
        f"{protocol}_open@{count}": float(opened),
        f"{protocol}_delivered@{count}": float(delivered),
        f"{protocol}_errors@{count}": float(errors),
        f"{protocol}_closed@{count}": float(freed),
        f"{protocol}_opened_after_close@{count}": float(after),
        f"{protocol}_negotiated": float(negotiated == PROTOCOLS[protocol]),
    }


async def _free_some(probe: Probe, names: list[str]) -> tuple[int, int]:
    """Close up to `FREED` open EventSources (no more than are waiting); how many
    were closed, and how many waiting ones then opened."""
    states = await probe.page.evaluate("(names) => names.map((n) => probe.state(n))", names)
    open_now = [n for n, state in zip(names, states, strict=True) if state == 1]
    waiting = [n for n, state in zip(names, states, strict=True) if state == 0]
    freed = min(FREED, len(open_now), len(waiting))
    if not freed:
        return 0, 0
    for name in open_now[:freed]:
        await probe.call("close", name)
    return freed, await _settled(probe, _OPEN, waiting, freed)


async def _settled(probe: Probe, count_js: str, names: list[str], target: int) -> int:
    """The count `count_js` gives once it reaches `target`, or once it is above 0
    and has not changed for `HOLD` s (at most `WAIT` s, scaled, in all)."""
    deadline = time.monotonic() + WAIT * timeout_factor()
    last, since = -1, time.monotonic()
    while True:
        value = int(await probe.page.evaluate(count_js, names))
        now = time.monotonic()
        if value != last:
            last, since = value, now
        if value >= target or (value > 0 and now - since >= HOLD) or now > deadline:
            return value
        await asyncio.sleep(0.02)


def _missing(figures: Mapping[str, float]) -> str:
    needs = [
        what
        for key, what in (
            ("nginx_available", "nginx (Debian package nginx)"),
            ("chromium_available", "Chromium (Debian package chromium)"),
        )
        if figures.get(key, 0.0) == 0.0
    ]
    return " and ".join(needs)


def rule_sse_http2(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    missing = _missing(figures)
    if missing:
        return "depends", (
            f"Not measured: the HTTP/2 check needs {missing}, which this machine lacks; "
            "without an HTTP/2 server in front of the lab a browser speaks only HTTP/1.1 to it."
        )
    if figures["h2_negotiated"] != 1.0:
        return "depends", (
            "Not measured: Chromium's page through nginx's TLS port did not go over h2 "
            "(performance nextHopProtocol), so the streams were not HTTP/2 streams."
        )
    few = figures[f"h2_delivered@{FEW}"]
    cases = _many_cases(figures)
    if few <= SIX:
        verdict = "does not hold"
    elif few == FEW and all(abs(o - min(MANY, lim)) <= TOLERANCE for lim, o, _ in cases):
        verdict = "holds"
    else:
        verdict = "depends"
    return verdict, _evidence(figures, few, cases)


def _many_cases(figures: Mapping[str, float]) -> list[tuple[float, float, str]]:
    """Each measured run of `MANY` over HTTP/2: the server's max concurrent streams,
    the number open at once, and its figures' prefix."""
    return [
        (figures[setting], figures[f"{prefix}_open@{MANY}"], prefix)
        for setting, prefix in (
            ("max_concurrent_streams", "h2"),
            ("default_max_concurrent_streams", "h2_default"),
        )
        if setting in figures and f"{prefix}_open@{MANY}" in figures
    ]


def _evidence(
    figures: Mapping[str, float], few: float, cases: list[tuple[float, float, str]]
) -> str:
    parts = []
    for limit, opened, prefix in cases:
        part = f"{num(opened)} open at once with nginx announcing {num(limit)}"
        if opened < MANY:
            after = figures[f"{prefix}_opened_after_close@{MANY}"]
            part += (
                f" (the {num(MANY - opened)} others waiting: {num(after)} opened when the page "
                f"closed {num(figures[f'{prefix}_closed@{MANY}'])})"
            )
        parts.append(part)
    many = f"of {MANY}, " + " and ".join(parts) if parts else f"{MANY} not opened (quick run)"
    http1 = f"{num(figures[f'http1_delivered@{FEW}'])} of {FEW}"
    if f"http1_delivered@{MANY}" in figures:
        http1 += f" and {num(figures[f'http1_delivered@{MANY}'])} of {MANY}"
    return (
        f"Through nginx announcing SETTINGS_MAX_CONCURRENT_STREAMS "
        f"{num(figures['max_concurrent_streams'])}, a Chromium page over HTTP/2 "
        f"(nextHopProtocol h2) had {num(few)} of {FEW} EventSources to its origin delivering "
        f"at once; {many}; the same page over HTTP/1.1 through the same "
        f"nginx had {http1} delivering at once."
    )
