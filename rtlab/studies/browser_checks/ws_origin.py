"""WebSocket across origins: a page on one lab's origin opens a WebSocket to a
lab on another port (no CORS headers) that accepts any Origin, and one to a lab
with its default Origin check; and, as the contrast, a `fetch()` of the first
lab's `/poll` without CORS.

What the browser sent and got on each handshake (its `Origin` header, the
status) comes from Chromium's DevTools protocol (the `Network.webSocket*`
events): the lab keeps no record of request headers. What reached the server
comes from the labs' own counters (`Lab.metrics()`).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pandas as pd

from rtlab.lab import Lab
from rtlab.studies.browser_checks.probe import (
    CheckResult,
    Probe,
    fresh_topic,
    lab_or_new,
    probe_page,
    rows,
    ws_url,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser

__all__ = ["ws_origin"]

CASES = ("any", "checked")  # the lab accepting any Origin, the lab with its default check
_STATUS = re.compile(r"response code: (\d+)")


class Handshakes:
    """Each WebSocket handshake the page makes, by URL, from the DevTools events."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self.by_url: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []

    def record(self, kind: str, params: dict[str, Any]) -> None:
        request_id = params["requestId"]
        if kind == "webSocketCreated":
            self.urls[request_id] = params["url"]
            self.by_url[params["url"]] = {"origin": None, "status": 0, "error": ""}
            return
        url = self.urls.get(request_id)
        if url is None:
            return
        seen = self.by_url[url]
        if kind == "webSocketWillSendHandshakeRequest":
            headers = {k.lower(): v for k, v in params["request"]["headers"].items()}
            seen["origin"] = headers.get("origin")
        elif kind == "webSocketHandshakeResponseReceived":
            seen["status"] = int(params["response"]["status"])
        elif kind == "webSocketFrameError":
            seen["error"] = params["errorMessage"]
            found = _STATUS.search(params["errorMessage"])
            if found and not seen["status"]:
                seen["status"] = int(found.group(1))
        self.events.append({"kind": kind, "url": url, **seen})

    def get(self, url: str) -> dict[str, Any]:
        return self.by_url.get(url, {"origin": None, "status": 0, "error": ""})


@contextlib.asynccontextmanager
async def watched(probe: Probe) -> AsyncIterator[Handshakes]:
    """The page's WebSocket handshakes, as Chromium's DevTools report them."""
    handshakes = Handshakes()
    session = await probe.page.context.new_cdp_session(probe.page)
    for kind in (
        "webSocketCreated",
        "webSocketWillSendHandshakeRequest",
        "webSocketHandshakeResponseReceived",
        "webSocketFrameError",
    ):
        session.on(f"Network.{kind}", lambda params, kind=kind: handshakes.record(kind, params))
    await session.send("Network.enable")
    try:
        yield handshakes
    finally:
        with contextlib.suppress(Exception):  # the context may be closing already
            await session.detach()


def _socket_figures(
    case: str, log: list[dict[str, Any]], seen: dict[str, Any], lab: Lab, page_origin: str
) -> dict[str, Any]:
    closes = [r for r in log if r["kind"] == "close"]
    metrics = lab.metrics()["ws"]
    return {
        f"{case}_allowed_origins": sorted(lab.settings.allowed_origins),
        f"{case}_opened": float(any(r["kind"] == "open" for r in log)),
        f"{case}_messages": float(sum(r["kind"] == "message" for r in log)),
        f"{case}_errors": float(sum(r["kind"] == "error" for r in log)),
        f"{case}_close_code": float(closes[0]["code"]) if closes else 0.0,
        f"{case}_handshake_status": float(seen["status"]),
        f"{case}_handshake_error": seen["error"],
        f"{case}_origin_sent": seen["origin"] or "",
        f"{case}_origin_is_page": float(seen["origin"] == page_origin),
        f"{case}_server_ws_requests": float(metrics["requests"]),
        f"{case}_server_ws_open": float(metrics["open"]),
        f"{case}_server_ws_messages": float(metrics["messages"]),
    }


def _fetch_figures(log: list[dict[str, Any]], lab: Lab) -> dict[str, Any]:
    outcome = log[-1]
    read = outcome["kind"] == "response"
    metrics = lab.metrics()["poll"]
    return {
        "fetch_read": float(read),
        "fetch_status": float(outcome["status"]) if read else 0.0,
        "fetch_messages_read": float(len(json.loads(outcome["body"])["messages"])) if read else 0.0,
        "fetch_error": "" if read else outcome["error"],
        "fetch_server_requests": float(metrics["requests"]),
        "fetch_server_messages_sent": float(metrics["messages"]),
    }


async def ws_origin(
    browser: Browser, page_lab: Lab | None = None, *, messages: int = 5
) -> CheckResult:
    """A page on `page_lab`'s origin (a new lab when None) opens a plain
    WebSocket to a lab accepting any Origin (`allowed_origins={"*"}`, case
    `any`) and to one with its default Origin check (`checked`); both have no
    `cors_origins`. Once the first opens and the second has closed, `messages`
    are published on each, then the page `fetch()`es `/poll/{topic}?after=0`
    of the `any` lab (no CORS headers).

    Figures, per case: `*_opened` (1.0/0.0), `*_messages` (received by the
    page), `*_close_code` (0: not closed), `*_handshake_status` (101, 403, 0:
    no answer), `*_handshake_error`, `*_origin_sent` and `*_origin_is_page`
    (the Origin header Chromium sent, and whether it is the page's origin),
    and from the target lab `*_server_ws_requests` (handshakes it received),
    `*_server_ws_open` (open at the end), `*_server_ws_messages` (frames it
    sent). For the fetch: `fetch_read` (1.0: the page read the response),
    `fetch_status`, `fetch_messages_read`, `fetch_error`, and from the lab
    `fetch_server_requests` and `fetch_server_messages_sent` (what it answered
    anyway: the browser, not the server, withholds a response without CORS).
    """
    async with (
        lab_or_new(page_lab) as page_origin,
        Lab(allowed_origins=frozenset({"*"})) as open_lab,
        Lab() as checked_lab,
        probe_page(browser, page_origin) as probe,
        watched(probe) as handshakes,
    ):
        topic = fresh_topic("origin")
        labs = {"any": open_lab, "checked": checked_lab}
        urls = {case: f"{ws_url(lab)}/ws/{topic}" for case, lab in labs.items()}
        for case, url in urls.items():
            await probe.call("webSocket", f"ws {case}", url)
        await probe.wait(
            "() => probe.count('ws any', 'open') + probe.count('ws any', 'close') >= 1 && "
            "probe.count('ws checked', 'open') + probe.count('ws checked', 'close') >= 1",
            None,
            "both WebSockets to open or close",
        )
        for lab in labs.values():
            for index in range(messages):
                await lab.apublish(topic, {"i": index})
        await probe.call("fetchText", "fetch", f"{open_lab.url}/poll/{topic}?after=0")
        if await probe.call("count", "ws any", "open"):
            with contextlib.suppress(TimeoutError):  # the figures then say how many came
                await probe.wait_count(["ws any"], "message", messages, "the messages")
        await probe.wait(
            "() => probe.count('fetch', 'response') + probe.count('fetch', 'failure') >= 1",
            None,
            "the fetch",
        )
        figures: dict[str, Any] = {"page_origin": page_origin.url, "published": float(messages)}
        records: list[dict[str, Any]] = []
        for case, lab in labs.items():
            log = await probe.log(f"ws {case}")
            seen = handshakes.get(urls[case])
            figures |= _socket_figures(case, log, seen, lab, page_origin.url)
            records += rows(log, probe.t0, case=case, api="WebSocket")
        fetch_log = await probe.log("fetch")
        figures |= _fetch_figures(fetch_log, open_lab)
        records += rows(fetch_log, probe.t0, case="any", api="fetch")
    table = pd.DataFrame(records).sort_values("t", kind="stable", ignore_index=True)
    return CheckResult("ws_origin", figures, table)
