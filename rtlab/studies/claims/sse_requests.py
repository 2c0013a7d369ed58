"""Seed 001: once SSE is connected, the browser keeps asking the server
periodically. Measured, while messages flow, against rtlab's server (the
response stays open) and against one that ends the response after each event
(seed 001's example, `Lab(drop_every=1)`), with two clients:

- the browser the claim is about: a plain EventSource in headless Chromium,
  its SSE requests counted by the server (`browser_checks.eventsource_push`);
- rtlab's Python `SSEClient` through the 4G relay, whose requests,
  connections and upstream bytes the relay counts (the protocol side).

The rule (thresholds in `rule_sse_periodic_requests`) judges the browser;
without Chromium the claim is "not testable here" and the evidence gives the
Python client's figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from rtlab.clients import SSEClient
from rtlab.lab import Lab
from rtlab.netem import Relay
from rtlab.runs.record import recording
from rtlab.runs.schedule import Schedule
from rtlab.studies.claims.base import Measured, Measurement, Series, num
from rtlab.studies.claims.harness import connected, link, until
from rtlab.studies.claims.in_browser import NEEDS_CHROMIUM, browser_check

__all__ = ["measure_sse_periodic_requests", "rule_sse_periodic_requests"]


async def _sse_requests_over_time(lab: Lab, seconds: float, rate: float) -> tuple[Measured, Series]:
    """One SSE client through a 4G relay while messages flow at `rate` for
    `seconds`; its request count sampled at each publish. Returns its figures
    and the samples (`t_s`: seconds since connected, `requests`)."""
    async with Relay.for_url(lab.url, link()) as relay:
        client = SSEClient(relay.url, "periodic", after=0)
        async with recording([client]) as (collector,):
            await connected([client])
            await until(lambda: relay.totals().get("sse") is not None, 10, "the SSE connection")
            first_request_bytes = relay.totals()["sse"]["bytes_up"]
            loop = asyncio.get_running_loop()
            start, published = loop.time(), 0
            samples: Series = {"t_s": [0.0], "requests": [float(client.stats.requests)]}

            def sample() -> None:
                samples["t_s"].append(loop.time() - start)
                samples["requests"].append(float(client.stats.requests))

            async for tick in Schedule.lasting(rate, seconds):
                await lab.apublish("periodic", tick.index)
                published += 1
                sample()
            await asyncio.sleep(0.2)  # the last messages cross the link
            sample()
            sse = relay.totals()["sse"]
            measured = {
                "requests": float(client.stats.requests),
                "bytes_up_after_first": float(sse["bytes_up"] - first_request_bytes),
                "connections": float(sse["connections"]),
                "delivered": float(len(collector.seqs)),
                "published": float(published),
            }
    return measured, samples


PERIODIC_PER_S = 0.1  # holds from more than one further request per 10 s
BROWSER = ("published", "received", "requests_while_flowing", "errors", "seconds", "rate")
# A server that ends the response after each event delivers one event per
# reconnect (retry 250 ms), so the browser is given 2 msg/s there to keep up.
CLOSING: dict[str, Any] = {"drop_every": 1, "retry_ms": 250}
CLOSING_RATE = 2.0


async def _browser(seconds: float, rate: float) -> Measured:
    """The EventSource on both servers, as `browser_*` and `browser_closing_*`
    figures (none without Chromium)."""
    measured: Measured = {}
    cases: tuple[tuple[str, float, dict[str, Any]], ...] = (
        ("browser", rate, {}),
        ("browser_closing", CLOSING_RATE, CLOSING),
    )
    for prefix, at, options in cases:
        figures = await browser_check(
            "eventsource_push", messages=round(seconds * at), rate=at, lab_options=options
        )
        if figures is not None:
            measured |= {f"{prefix}_{name}": float(figures[name]) for name in BROWSER}
    return measured


async def measure_sse_periodic_requests(quick: bool) -> Measurement:
    """Both servers at once for the Python client, each its own relay; then
    the browser on each."""
    seconds, rate = (3.0, 10.0) if quick else (15.0, 10.0)
    async with Lab() as lab, Lab(drop_every=1, retry_ms=500) as closing_lab:
        (measured, samples), (closing, closing_samples) = await asyncio.gather(
            _sse_requests_over_time(lab, seconds, rate),
            _sse_requests_over_time(closing_lab, seconds, rate),
        )
    measured |= {
        "closing_server_requests": closing["requests"],
        "seconds": seconds,
        "rate_per_s": rate,
    }
    measured |= await _browser(seconds, rate)
    series = {f"open_{k}": v for k, v in samples.items()}
    series |= {f"closing_{k}": v for k, v in closing_samples.items()}
    return Measurement(measured, series)


def _python_text(figures: Mapping[str, float]) -> str:
    return (
        f"rtlab's Python SSE client made {num(figures['requests'])} request(s) on "
        f"{num(figures['connections'])} connection(s) and sent "
        f"{num(figures['bytes_up_after_first'])} bytes upstream after its first request, "
        f"and {num(figures['closing_server_requests'])} requests against a server that "
        f"closes after each event (seed 001's example)."
    )


def rule_sse_periodic_requests(figures: Mapping[str, float]) -> tuple[str, str]:
    """Judges Chromium's EventSource on rtlab's server (the response stays
    open): does not hold if it made no further request while messages flowed;
    holds if it made more than one per 10 s (PERIODIC_PER_S) on its own;
    depends otherwise. Not testable here without Chromium."""
    flowing = f"with {num(figures['rate_per_s'])} messages/s flowing"
    if "browser_requests_while_flowing" not in figures:
        return NEEDS_CHROMIUM[0], (
            f"{NEEDS_CHROMIUM[1]} Over {num(figures['seconds'])} s {flowing}, "
            + _python_text(figures)
        )
    further = figures["browser_requests_while_flowing"]
    if further == 0:
        verdict = "does not hold"
    elif further > PERIODIC_PER_S * figures["browser_seconds"]:
        verdict = "holds"
    else:
        verdict = "depends"
    evidence = (
        f"In Chromium, a plain EventSource on rtlab's server (the response stays open) "
        f"made {num(further)} further SSE request(s) in {num(figures['browser_seconds'])} s "
        f"{flowing} and got {num(figures['browser_received'])} of "
        f"{num(figures['browser_published'])} messages; against a server that ends the "
        f"response after each event it made "
        f"{num(figures['browser_closing_requests_while_flowing'])} in "
        f"{num(figures['browser_closing_seconds'])} s at "
        f"{num(figures['browser_closing_rate'])} messages/s (got "
        f"{num(figures['browser_closing_received'])} of "
        f"{num(figures['browser_closing_published'])}), so repeated requests "
        f"come from the server ending the response, not from EventSource. " + _python_text(figures)
    )
    return verdict, evidence
