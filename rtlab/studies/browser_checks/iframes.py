"""The forever iframe: a hidden iframe calling `parent.fn(envelope)`, with
data that tries to break out of its `<script>`: every call, in order, intact."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from rtlab.lab import Lab
from rtlab.runs.schedule import Schedule
from rtlab.studies.browser_checks.probe import CheckResult, fresh_topic, lab_or_new, probe_page

if TYPE_CHECKING:
    from playwright.async_api import Browser

__all__ = ["IFRAME_DATA", "iframe_order"]

# Data for the forever iframe that would end its <script> element, open an HTML
# comment or end a JavaScript string in an old engine, were it written unescaped.
IFRAME_DATA: tuple[Any, ...] = (
    "</script><script>window.injected = true</script>",
    "<!-- <script>",
    "line\u2028separator\u2029paragraph",
    {"html": "<b>&amp;</b>", "nested": ["</SCRIPT >", "<!--", "-->"]},
    "quotes \" ' ` and a backslash \\",
    "é ✓ 😀",
)


async def iframe_order(
    browser: Browser,
    lab: Lab | None = None,
    *,
    messages: int = 12,
    interval: float = 0.01,
    callback: str = "probeCall",
) -> CheckResult:
    """A hidden iframe on `/iframe/{topic}?after=0&callback=CALLBACK`; the page
    defines `window[CALLBACK]` and records each call. `messages` are published
    every `interval` seconds, their data cycling through `IFRAME_DATA` (strings
    that would close the script element, open a comment or hold U+2028).

    Figures: `published`, `calls` (message envelopes received; heartbeats are
    left out), `in_order` (1 when the seqs are exactly 1..published in that
    order), `intact` (envelopes whose data equals what was published),
    `injected` (1 if a script inside the data ran: `window.injected` set).
    """
    async with lab_or_new(lab) as running, probe_page(browser, running) as probe:
        topic = fresh_topic("iframe")
        sent = [
            {"i": index, "text": IFRAME_DATA[index % len(IFRAME_DATA)]} for index in range(messages)
        ]
        await probe.call(
            "iframe", "frame", f"/iframe/{topic}?after=0&callback={callback}", callback
        )
        async for tick in Schedule.every(interval, len(sent)):
            await running.apublish(topic, sent[tick.index])
        await probe.wait(
            "([n]) => probe.log('frame').filter((r) => r.kind === 'call' && "
            "r.envelope.type === 'message').length >= n",
            [messages],
            "every iframe call",
        )
        log = await probe.log("frame")
        injected = await probe.page.evaluate("window.injected === true")
        await probe.call("close", "frame")
        t0 = probe.t0
    calls = [r for r in log if r["kind"] == "call" and r["envelope"]["type"] == "message"]
    seqs = [int(r["envelope"]["seq"]) for r in calls]
    intact = sum(
        0 < seq <= messages and r["envelope"]["data"] == sent[seq - 1]
        for seq, r in zip(seqs, calls, strict=True)
    )
    figures: dict[str, Any] = {
        "published": messages,
        "calls": len(calls),
        "in_order": int(seqs == list(range(1, messages + 1))),
        "intact": intact,
        "injected": int(injected),
    }
    table = pd.DataFrame(
        [
            {
                "t": r["t"] - t0,
                "seq": r["envelope"].get("seq"),
                "type": r["envelope"]["type"],
                "data": json.dumps(r["envelope"].get("data"), ensure_ascii=False),
            }
            for r in log
            if r["kind"] == "call"
        ]
    )
    return CheckResult("iframe_order", figures, table)
