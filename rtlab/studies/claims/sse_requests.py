"""Seed 001: once SSE is connected, the browser keeps asking the server
periodically. Measured as the HTTP requests and upstream bytes of rtlab's SSE
client while messages flow, against rtlab's server (the response stays open)
and against one that ends the response after each event (seed 001's example).

The client is rtlab's Python `SSEClient` (aiohttp), not a browser's
`EventSource`: the verdict says what the protocol and that client do, and
the evidence says so. What a browser's EventSource sends while connected is
not measured yet (a later step, in headless Chromium).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from rtlab.clients import SSEClient
from rtlab.lab import Lab
from rtlab.netem import Relay
from rtlab.runs.record import recording
from rtlab.runs.schedule import Schedule
from rtlab.studies.claims.base import Measured, Measurement, Series, num
from rtlab.studies.claims.harness import connected, link, until

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


async def measure_sse_periodic_requests(quick: bool) -> Measurement:
    """Both servers at once, each its own relay and client."""
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
    series = {f"open_{k}": v for k, v in samples.items()}
    series |= {f"closing_{k}": v for k, v in closing_samples.items()}
    return Measurement(measured, series)


def rule_sse_periodic_requests(figures: Mapping[str, float]) -> tuple[str, str]:
    """Judges the client measured (rtlab's Python SSE client, see the module):
    does not hold if it made one request, on one connection, and sent nothing
    more upstream while messages flowed; holds if it sent further requests
    (more than one per 10 s) on its own; depends otherwise."""
    requests, up, connections = (
        figures["requests"],
        figures["bytes_up_after_first"],
        figures["connections"],
    )
    if requests == 1 and up == 0 and connections == 1:
        verdict = "does not hold"
    elif requests - 1 > figures["seconds"] / 10 and up > 0:
        verdict = "holds"
    else:
        verdict = "depends"
    evidence = (
        f"Over {num(figures['seconds'])} s with {num(figures['rate_per_s'])} messages/s flowing, "
        f"rtlab's Python SSE client made {num(requests)} request(s) on {num(connections)} "
        f"connection(s) and sent {num(up)} bytes upstream after its first request; repeated "
        f"requests appear only when the server ends the response "
        f"({num(figures['closing_server_requests'])} requests against a server that closes "
        f"after each event, like seed 001's example). "
        f"The client is rtlab's Python SSE client, not a browser's EventSource; what a "
        f"browser sends is not measured here yet."
    )
    return verdict, evidence
