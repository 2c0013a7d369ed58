"""CORS: a page on one origin opens an EventSource and a `fetch()` to a lab
on another, without and with the page's origin in the lab's `cors_origins`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from rtlab.lab import Lab
from rtlab.studies.browser_checks.probe import (
    CheckResult,
    fresh_topic,
    lab_or_new,
    probe_page,
    rows,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser

__all__ = ["cors"]


async def cors(browser: Browser, page_lab: Lab | None = None, *, messages: int = 3) -> CheckResult:
    """A page on `page_lab`'s origin (a new lab when None) reads from two labs
    on other ports: one with no `cors_origins`, one whose `cors_origins` holds
    the page's origin. On each: an EventSource (then `messages` published), and
    a `fetch()` of `/poll/{topic}?after=0` once they are published.

    Figures, per case (`refused`: no allowance, `allowed`): `*_es_messages`,
    `*_es_errors`, `*_es_ready_state` (2 = CLOSED, for good), `*_es_opened`,
    `*_fetch` ("200 with N messages", or the page's error), and from the
    target lab's metrics `*_server_sse_requests` (1: the browser never
    retried) and `*_server_sse_messages_sent` (what the server wrote anyway:
    the browser, not the server, withholds a refused response).
    """
    async with (
        lab_or_new(page_lab) as page_origin,
        Lab() as refused,
        Lab(cors_origins=frozenset({page_origin.url})) as allowed,
        probe_page(browser, page_origin) as probe,
    ):
        topic = fresh_topic("cors")
        targets = {"refused": refused, "allowed": allowed}
        for case, lab in targets.items():
            await probe.call("eventSource", f"es {case}", f"{lab.url}/sse/{topic}")
        await probe.wait_count(["es allowed"], "open", 1, "the allowed EventSource")
        await probe.wait_count(["es refused"], "error", 1, "the refused EventSource's error")
        for lab in targets.values():
            for index in range(messages):
                await lab.apublish(topic, {"i": index})
        for case, lab in targets.items():
            await probe.call("fetchText", f"fetch {case}", f"{lab.url}/poll/{topic}?after=0")
        await probe.wait_count(["es allowed"], "message", messages, "the allowed messages")
        await probe.wait(
            "([names]) => names.every((n) => probe.count(n, 'response') + "
            "probe.count(n, 'failure') >= 1)",
            [["fetch refused", "fetch allowed"]],
            "both fetches",
        )
        figures: dict[str, Any] = {"page_origin": page_origin.url, "published": messages}
        records: list[dict[str, Any]] = []
        for case, lab in targets.items():
            es_log, fetch_log = await probe.log(f"es {case}"), await probe.log(f"fetch {case}")
            metrics = lab.metrics()["sse"]
            outcome = fetch_log[-1]
            if outcome["kind"] == "response":
                got = len(json.loads(outcome["body"])["messages"])
                fetched = f"{outcome['status']} with {got} messages"
            else:
                fetched = outcome["error"]
            figures |= {
                f"{case}_cors_origins": sorted(lab.settings.cors_origins),
                f"{case}_es_opened": sum(r["kind"] == "open" for r in es_log),
                f"{case}_es_messages": sum(r["kind"] == "message" for r in es_log),
                f"{case}_es_errors": sum(r["kind"] == "error" for r in es_log),
                f"{case}_es_ready_state": await probe.call("state", f"es {case}"),
                f"{case}_fetch": fetched,
                f"{case}_server_sse_requests": metrics["requests"],
                f"{case}_server_sse_messages_sent": metrics["messages"],
            }
            records += rows(es_log, probe.t0, case=case, api="EventSource")
            records += rows(fetch_log, probe.t0, case=case, api="fetch")
    table = pd.DataFrame(records).sort_values("t", kind="stable", ignore_index=True)
    return CheckResult("cors", figures, table)
