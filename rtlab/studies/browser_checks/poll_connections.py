"""How many TCP connections a page's short polls use: a plain `fetch()` of
`/poll/{topic}?after=N` on a `setInterval`, as the seeds' code does, against
the lab's keep-alive HTTP/1.1 server on loopback, under a loopback packet
capture (`rtlab.studies.packets.capture`, tcpdump as root).

The capture's segments carry only their lengths: a connection's SYN and
SYN-ACK are the only segments without payload whose TCP header holds the
full set of SYN options (MSS, SACK-permitted, timestamps, window scale: a
60-byte IPv4 packet on Linux), where every later segment has timestamps
only (52 bytes). New connections = those 60-byte empty segments / 2, counted
only in the polling window (the page load before it is left out). Chromium's
own view is recorded too: per poll whether its Resource Timing entry shows
a connect (`connectEnd > connectStart`). Without a capture (no tcpdump, or
not root) the count falls back to that Resource Timing view, and the figure
`capture_available` is 0."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pandas as pd

from rtlab.lab import Lab
from rtlab.studies.browser_checks.probe import CheckResult, fresh_topic, probe_page
from rtlab.studies.packets import CaptureUnavailable, Packet, capture

if TYPE_CHECKING:
    from playwright.async_api import Browser

__all__ = ["poll_connections"]

SYN_IP_BYTES = 60  # IPv4 SYN / SYN-ACK with Linux's SYN options, no payload

_POLLS_JS = """async ([url, polls, intervalMs]) => {
  const done = [];
  await new Promise((resolve) => {
    let after = 0, sent = 0;
    const timer = setInterval(async () => {
      if (sent >= polls) return;
      sent += 1;
      const r = await fetch(url + '?after=' + after, {cache: 'no-store'});
      const body = await r.json();
      if (body.cursor !== undefined) after = body.cursor;
      done.push(1);
      if (done.length >= polls) { clearInterval(timer); resolve(); }
    }, intervalMs);
  });
  return performance.getEntriesByType('resource')
    .filter((e) => e.name.includes('/poll/'))
    .map((e) => ({connect_ms: e.connectEnd - e.connectStart,
                  new_connection: e.connectEnd > e.connectStart ? 1 : 0,
                  protocol: e.nextHopProtocol}));
}"""


async def poll_connections(
    browser: Browser, *, polls: int = 20, interval: float = 1.0
) -> CheckResult:
    """`polls` fetch() polls every `interval` s from one page. Figures: `polls`,
    `interval_s`, `syns` (connection-opening segments in the polling window,
    SYN and SYN-ACK), `new_connections` (syns / 2), `share` (new connections
    per poll), `browser_new_connections` (polls whose Resource Timing shows a
    connect; the count used when `capture_available` is 0)."""
    topic = fresh_topic("browser-pollconn")
    window: list[Packet] | None = None
    async with Lab() as lab, probe_page(browser, lab) as probe:
        assert lab.port is not None
        lab.publish(topic, {"i": 0})
        args = [f"/poll/{topic}", polls, int(interval * 1000)]
        try:
            async with capture(lab.port) as captured:
                start = time.time()
                entries = await probe.page.evaluate(_POLLS_JS, args)
                end = time.time()
            window = [p for p in captured.packets if start <= p.t <= end]
        except CaptureUnavailable:
            entries = await probe.page.evaluate(_POLLS_JS, args)
    in_browser = float(sum(e["new_connection"] for e in entries))
    if window is None:
        syns, new = 0.0, in_browser
    else:
        syns = float(sum(p.ip_bytes == SYN_IP_BYTES and p.payload_bytes == 0 for p in window))
        new = syns / 2
    figures = {
        "polls": float(polls),
        "interval_s": interval,
        "capture_available": 0.0 if window is None else 1.0,
        "syns": syns,
        "new_connections": new,
        "share": round(new / polls, 3),
        "browser_new_connections": in_browser,
        "packets": float(len(window or [])),
    }
    return CheckResult("poll_connections", figures, pd.DataFrame(entries))
