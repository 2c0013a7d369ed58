"""Driving the probe page: a blank page served by the lab
(`/static/probe.html`, with the recorder in `/static/probe.js`), in a browser
context of its own; and what every check shares (`CheckResult`, a lab to run
on, fresh topics, rows of the page's log)."""

from __future__ import annotations

import contextlib
import math
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from rtlab.env import timeout_factor
from rtlab.lab import Lab

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

__all__ = [
    "PROBE_PAGE",
    "WAIT",
    "CheckResult",
    "Probe",
    "first",
    "fresh_topic",
    "lab_or_new",
    "probe_page",
    "rows",
    "ws_url",
]

PROBE_PAGE = "/static/probe.html"
WAIT = 10.0  # seconds any one expected browser event may take (scaled by RTLAB_TIMEOUT_FACTOR)


@dataclass(frozen=True)
class CheckResult:
    """A check's summary `figures` and its `table` (one row per event or connection)."""

    check: str
    figures: dict[str, Any]
    table: pd.DataFrame = field(compare=False)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.figures.items())
        return f"<CheckResult {self.check}: {shown}>"


class Probe:
    """The probe page of one lab, in its own browser context."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.t0 = 0.0

    async def call(self, function: str, *args: Any) -> Any:
        return await self.page.evaluate(f"(args) => probe.{function}(...args)", list(args))

    async def now(self) -> float:
        return float(await self.call("now"))

    async def log(self, name: str) -> list[dict[str, Any]]:
        return list(await self.call("log", name))

    async def wait(self, condition: str, arg: Any, what: str, timeout: float = WAIT) -> None:
        """Until the JavaScript `condition` (a function of `arg`) holds in the page."""
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        try:
            await self.page.wait_for_function(
                condition, arg=arg, timeout=timeout * timeout_factor() * 1000, polling=10
            )
        except PlaywrightTimeout:
            raise TimeoutError(f"timed out waiting for {what}") from None

    async def wait_count(self, names: Sequence[str], kind: str, n: int, what: str) -> None:
        """Until each of `names` has logged at least `n` records of `kind`."""
        await self.wait(
            "([names, kind, n]) => names.every((name) => probe.count(name, kind) >= n)",
            [list(names), kind, n],
            what,
        )


@contextlib.asynccontextmanager
async def probe_page(browser: Browser, lab: Lab) -> AsyncIterator[Probe]:
    """A fresh browser context (its own connection pools) on the lab's probe page."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(lab.url + PROBE_PAGE)
        probe = Probe(page)
        probe.t0 = await probe.now()
        yield probe
    finally:
        await context.close()


@contextlib.asynccontextmanager
async def lab_or_new(lab: Lab | None, **settings: Any) -> AsyncIterator[Lab]:
    """`lab` as given, or a new one with `settings` for the duration."""
    if lab is not None:
        yield lab
        return
    async with Lab(**settings) as started:
        yield started


def fresh_topic(prefix: str) -> str:
    """A fresh topic, so that a check can run on a lab that is already in use."""
    return f"{prefix}-{secrets.token_hex(4)}"


def ws_url(lab: Lab) -> str:
    return "ws" + lab.url.removeprefix("http")


def rows(log: Sequence[dict[str, Any]], t0: float, **columns: Any) -> list[dict[str, Any]]:
    return [{**columns, **record, "t": record["t"] - t0} for record in log]


def first(log: Sequence[dict[str, Any]], kind: str) -> float:
    """When the first record of `kind` was logged (nan: never)."""
    return next((float(r["t"]) for r in log if r["kind"] == kind), math.nan)
