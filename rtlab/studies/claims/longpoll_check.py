"""Seed 002: a long-poll server can check for new data once a second (and
still answer as soon as data arrives). Measured as the long-poll latency on 4G
of a server that checks every CHECK_INTERVAL against rtlab's event-driven
wait, with messages at random times.

The publishes come at random gaps (uniform, around the mean rate), not on a
`rtlab.runs.schedule.Schedule`: the claim is about a message arriving at any
moment between two checks, which a fixed-rate schedule would not sample.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence

from rtlab.clients import LongPollClient
from rtlab.lab import Lab
from rtlab.netem import Relay
from rtlab.runs.record import recording
from rtlab.runs.stats import median, percentile
from rtlab.studies.claims.base import Measurement, num
from rtlab.studies.claims.harness import link, until

__all__ = ["CHECK_INTERVAL", "measure_longpoll_check", "rule_longpoll_check"]

CHECK_INTERVAL = 1.0  # s: seed 002's setTimeout(checkData, 1000)
CHECK_HOLDS_MS = 50.0  # extra median latency at most this (or 10 % of the interval): holds
CHECK_FAILS_SHARE = 0.25  # extra median latency of a quarter interval or more: does not hold


async def _latencies(labs: Sequence[Lab], gaps: Sequence[float]) -> list[list[float]]:
    """A long-poll client per lab through a 4G relay, one message per gap
    published to every lab; each client's latencies."""
    async with (
        Relay.for_url(labs[0].url, link()) as first,
        Relay.for_url(labs[1].url, link()) as second,
    ):
        clients = [LongPollClient(relay.url, "check", after=0) for relay in (first, second)]
        async with recording(clients) as collectors:
            # A long poll is answered only when data comes: ready once both are held.
            await until(
                lambda: all(lab.metrics()["longpoll"]["open"] >= 1 for lab in labs),
                10,
                "held long polls",
            )
            for index, gap in enumerate(gaps):
                await asyncio.sleep(gap)
                await asyncio.gather(*(lab.apublish("check", index) for lab in labs))
            await until(
                lambda: all(len(c.seqs) >= len(gaps) for c in collectors),
                CHECK_INTERVAL + 10,
                "long-poll deliveries",
            )
            return [collector.latencies for collector in collectors]


async def measure_longpoll_check(quick: bool) -> Measurement:
    """Both servers get the same messages at the same random times."""
    rate, count = (3.0, 15) if quick else (1.0, 20)
    rng = random.Random(0)
    gaps = [rng.uniform(0.5, 1.5) / rate for _ in range(count)]
    async with Lab() as event_lab, Lab(longpoll_check_interval=CHECK_INTERVAL) as check_lab:
        event, check = await _latencies([event_lab, check_lab], gaps)
    measured = {
        "event_p50_ms": median(event),
        "check_p50_ms": median(check),
        "event_p99_ms": percentile(event, 99),
        "check_p99_ms": percentile(check, 99),
        "interval_s": CHECK_INTERVAL,
        "messages": float(count),
        "rate_per_s": rate,
    }
    return Measurement(measured, {"event_latency_ms": event, "check_latency_ms": check})


def rule_longpoll_check(figures: Mapping[str, float]) -> tuple[str, str]:
    """The claim, as seed 002 states it, is that such a server still answers as
    soon as data arrives. Holds if checking adds at most CHECK_HOLDS_MS (or 10 %
    of the interval) to the median latency; does not hold if it adds a quarter
    of the interval or more; depends in between."""
    interval_ms = figures["interval_s"] * 1000
    extra = figures["check_p50_ms"] - figures["event_p50_ms"]
    if extra <= max(CHECK_HOLDS_MS, 0.1 * interval_ms):
        verdict = "holds"
    elif extra >= CHECK_FAILS_SHARE * interval_ms:
        verdict = "does not hold"
    else:
        verdict = "depends"
    evidence = (
        f"Checking every {num(figures['interval_s'])} s, the median latency was "
        f"{num(figures['check_p50_ms'])} ms (p99 {num(figures['check_p99_ms'])}) against "
        f"{num(figures['event_p50_ms'])} ms (p99 {num(figures['event_p99_ms'])}) for the "
        f"event-driven wait: {num(extra)} ms more, since a message waits for the next check "
        f"(half the interval on average; {num(figures['messages'])} messages on 4G)."
    )
    return verdict, evidence
