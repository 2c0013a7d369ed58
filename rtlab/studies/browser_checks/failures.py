"""Does a plain EventSource come back by itself after a failure? A plain
`new EventSource(url)`, with no reconnect code in the page, in two cases at
once, each on its own lab:

- `cut`: the server cuts the connection after message `cut_after` (the lab's
  `drop_every`; at 20 msg/s, 1 s into the stream, and again at every further
  multiple);
- `error`: the same cut, and the reconnect that follows is answered `503`
  with a JSON error (the lab's `reject_resumes=1`: only the first reconnect is
  refused, so a browser that tried again would get the stream back).

Messages are published at `rate` per second from the start for
`cut_after / rate + wait` seconds, so each case has `wait` seconds after the
cut to recover.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from rtlab.lab import Lab
from rtlab.runs.schedule import Schedule
from rtlab.server.sse import REJECTIONS
from rtlab.studies.browser_checks.probe import CheckResult, fresh_topic, probe_page, rows

if TYPE_CHECKING:
    from playwright.async_api import Browser

__all__ = ["FAILURE_CASES", "eventsource_failures"]

#: The cases, with the lab settings (beside `drop_every`) that make each.
FAILURE_CASES: dict[str, dict[str, Any]] = {"cut": {}, "error": {"reject_resumes": 1}}
READY_STATES = {0: "CONNECTING", 1: "OPEN", 2: "CLOSED"}


async def eventsource_failures(
    browser: Browser,
    *,
    rate: float = 20.0,
    cut_after: int = 20,
    wait: float = 10.0,
    retry_ms: int = 1000,
) -> CheckResult:
    """Both cases at once (see the module). Figures, per case as `CASE_NAME`:
    `published`, `received` (distinct seqs), `received_after_cut` (distinct
    seqs past `cut_after`), `recovered` (1.0 when anything published after
    the cut arrived, else 0.0), `errors`, `reconnects` (open events after the
    first), `ready_state` at the end (0 CONNECTING, 1 OPEN, 2 CLOSED),
    `server_requests` (SSE requests the lab received), `server_rejected`
    (those answered 503) and `recovered_after_ms` (the cut's error to the
    first message after it, None when none came); and the settings:
    `rate`, `cut_after`, `wait_s`, `retry_ms`. The table has one row per
    event the page logged, with its `case`."""
    results = await asyncio.gather(
        *(
            _one_case(browser, case, extra, rate, cut_after, wait, retry_ms)
            for case, extra in FAILURE_CASES.items()
        )
    )
    figures: dict[str, Any] = {"rate": rate, "cut_after": cut_after, "wait_s": wait}
    figures["retry_ms"] = retry_ms
    tables = []
    for case, (case_figures, table) in zip(FAILURE_CASES, results, strict=True):
        figures |= {f"{case}_{name}": value for name, value in case_figures.items()}
        tables.append(table)
    table = pd.concat(tables, ignore_index=True).sort_values("t", kind="stable", ignore_index=True)
    return CheckResult("eventsource_failures", figures, table)


async def _one_case(
    browser: Browser,
    case: str,
    extra: dict[str, Any],
    rate: float,
    cut_after: int,
    wait: float,
    retry_ms: int,
) -> tuple[dict[str, Any], pd.DataFrame]:
    topic = fresh_topic(f"browser-{case}")
    async with Lab(drop_every=cut_after, retry_ms=retry_ms, **extra) as lab:
        async with probe_page(browser, lab) as probe:
            await probe.call("eventSource", "es", f"/sse/{topic}")
            await probe.wait_count(["es"], "open", 1, f"the EventSource ({case})")
            published = 0
            async for tick in Schedule.lasting(rate, cut_after / rate + wait):
                await lab.apublish(topic, {"i": tick.index})
                published += 1
            await asyncio.sleep(0.2)  # the last message crosses loopback
            log = await probe.log("es")
            state = int(await probe.call("state", "es"))
            t0 = probe.t0
        sse = lab.metrics()["sse"]
        rejected = lab.app[REJECTIONS].count if lab.app is not None else 0
    figures = _case_figures(log, published, cut_after, state)
    figures |= {"server_requests": sse["requests"], "server_rejected": rejected}
    return figures, pd.DataFrame(rows(log, t0, case=case))


def _case_figures(
    log: list[dict[str, Any]], published: int, cut_after: int, state: int
) -> dict[str, Any]:
    messages = [r for r in log if r["kind"] == "message"]
    seqs = {int(json.loads(r["data"])["seq"]) for r in messages}
    after = [r for r in messages if int(json.loads(r["data"])["seq"]) > cut_after]
    errors = [r for r in log if r["kind"] == "error"]
    recovered_after = round(after[0]["t"] - errors[0]["t"], 1) if after and errors else None
    return {
        "published": published,
        "received": len(seqs),
        "received_after_cut": len({s for s in seqs if s > cut_after}),
        "recovered": float(bool(after)),
        "errors": len(errors),
        "reconnects": sum(r["kind"] == "open" for r in log) - 1,
        "ready_state": state,
        "ready_state_name": READY_STATES.get(state, str(state)),
        "recovered_after_ms": recovered_after,
    }
