"""Seed 000: "需要不断的建立http连接" (short polling keeps opening new HTTP
connections); seed 002: "短轮询不会保持持久连接"; seed 004: the server closes
the TCP connection after each response, "进行三次握手，四次挥手".

Measured in headless Chromium (`rtlab.studies.browser_checks.poll_connections`):
POLLS `fetch()` polls on a setInterval of INTERVAL_S (QUICK_POLLS at
QUICK_INTERVAL_S in quick mode) against the lab's keep-alive HTTP/1.1 server
on loopback, under a loopback packet capture: the new TCP connections the
polls opened (SYN + SYN-ACK pairs in the polling window), and Chromium's own
Resource Timing view of which polls made a connect. Without a capture (no
tcpdump, or not root) the new connections are those Resource Timing shows
(`capture_available` 0), and the evidence says so.

Rule (thresholds are the constants below):
- holds if at least HOLDS_SHARE (90 %) of the polls open a new connection;
- does not hold if at most REUSE_SHARE (10 %) do (one keep-alive connection);
- depends in between, naming what closed the connections.
Without Chromium: "not testable here".
"""

from __future__ import annotations

from collections.abc import Mapping

from rtlab.studies.claims.base import Measurement, num
from rtlab.studies.claims.in_browser import NEEDS_CHROMIUM, browser_check

__all__ = ["measure_poll_new_connection", "rule_poll_new_connection"]

POLLS = 20
INTERVAL_S = 1.0
QUICK_POLLS = 6
QUICK_INTERVAL_S = 0.5
HOLDS_SHARE = 0.9  # new connections per poll at least this: holds
REUSE_SHARE = 0.1  # at most this: does not hold
FIGURES = (
    "polls",
    "interval_s",
    "capture_available",
    "syns",
    "new_connections",
    "share",
    "browser_new_connections",
    "packets",
)


async def measure_poll_new_connection(quick: bool) -> Measurement:
    """The polls in Chromium under a capture; no figures without Chromium."""
    polls, interval = (QUICK_POLLS, QUICK_INTERVAL_S) if quick else (POLLS, INTERVAL_S)
    figures = await browser_check("poll_connections", polls=polls, interval=interval)
    if figures is None:
        return Measurement({})
    return Measurement({name: float(figures[name]) for name in FIGURES})


def rule_poll_new_connection(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    if not figures:
        return NEEDS_CHROMIUM
    share = figures["share"]
    if share >= HOLDS_SHARE:
        verdict, why = "holds", "each poll paid a three-way handshake"
    elif share <= REUSE_SHARE:
        verdict, why = "does not hold", "the polls reused one keep-alive connection"
    else:
        verdict = "depends"
        why = (
            "some connections were closed between polls (by the server or the browser's "
            "idle-socket timeout, not by polling itself)"
        )
    if figures.get("capture_available", 1.0):
        counted = (
            f"{num(figures['syns'])} SYN/SYN-ACK segments among the "
            f"{num(figures['packets'])} captured"
        )
    else:
        counted = "counted from Resource Timing, no packet capture here"
    evidence = (
        f"In Chromium on loopback, {num(figures['polls'])} fetch() polls every "
        f"{num(figures['interval_s'])} s to a keep-alive HTTP/1.1 server opened "
        f"{num(figures['new_connections'])} new TCP connections ({counted}; "
        f"{num(100 * share)} % of polls); Chromium's Resource Timing shows a connect on "
        f"{num(figures['browser_new_connections'])} of them: {why}."
    )
    return verdict, evidence
