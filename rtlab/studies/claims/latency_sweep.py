"""What the two latency claims share (`poll_latency_interval`, `longpoll_latency`): a
sweep of 4G runs, one per (technique, publish rate, poll interval), each with
the server in its own process, and each run's median latency, sample count,
requests per delivered message and losses as flat figures.

A run's `Size` is its seconds of publishing (at least a few messages) and
either a fixed number of clients on the one topic or enough clients that
messages x clients gives the wanted number of latency samples (every client
receives every message), so a slow rate does not need minutes of publishing.
A sweep across rates should fix the clients: how many responses a message fans
out to changes its latency too (in one full run, 75 clients at 0.2 msg/s put
~7 ms on SSE's and WebSocket's medians and ~27 ms on long polling's, next to 5
clients at 5 msg/s).

Short-polling clients start evenly spread over one poll interval
(`Scenario.stagger`): a poll's phase against the publish schedule is then
spread evenly, as it is for users who opened the page at different moments,
instead of every client's polls falling at the same point of every publish
period (at 1 msg/s and a 1 s interval, one fixed phase would decide every
sample).

Latency is from each message's *scheduled* publish time (`Result.published`,
the open-loop schedule's due times, `rtlab.runs.schedule`) to the client's
receive time, first delivery of each (client, seq): a publish that fires late
counts against the technique. `_stamped_ms` keeps the median from the
server's publish stamp (`Result.summary`'s `p50_ms`) beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rtlab.studies.experiments import Scenario, arun, due_latency

__all__ = ["MEASURES", "Point", "Size", "plan", "scenario", "sweep", "swept"]

#: Each run's figures from its summary row, under `f"{key}_{name}"`.
MEASURES = {"stamped_ms": "p50_ms", "requests_per_msg": "requests_per_msg", "losses": "losses"}


@dataclass(frozen=True)
class Point:
    """One run of a sweep: a technique at a publish rate (messages/s) and, for
    short polling, a poll interval (s). `key` names its figures."""

    technique: str
    rate: float
    poll_interval: float = 1.0

    @property
    def key(self) -> str:
        at = self.poll_interval if self.technique == "poll" else self.rate
        return f"{self.technique}@{at:g}"


@dataclass(frozen=True)
class Size:
    """How big each run is: `seconds` of publishing (at least `least` messages)
    to `clients` clients, or (None) to enough clients for `samples` deliveries."""

    seconds: float
    samples: int = 0
    clients: int | None = None
    least: int = 2


def plan(rate: float, size: Size) -> tuple[int, int]:
    """(messages, clients) for a run at `rate` (see `Size`)."""
    messages = max(size.least, round(rate * size.seconds))
    return messages, size.clients or max(1, math.ceil(size.samples / messages))


def scenario(point: Point, size: Size) -> Scenario:
    """The 4G run of `point` (server in its own process), sized by `plan`."""
    messages, clients = plan(point.rate, size)
    return Scenario(
        point.technique,
        clients=clients,
        rate=point.rate,
        duration=messages / point.rate,
        poll_interval=point.poll_interval,
        stagger=point.poll_interval if point.technique == "poll" else 0.0,
        network="4g",
        server="process",
        label=point.key,
    )


async def sweep(points: Sequence[Point], size: Size) -> dict[str, float]:
    """Each point as a run; as `{f"{point.key}_{name}": value}` its median latency
    from the scheduled time (`_p50_ms`) and sample count (`_latency_n`), its
    MEASURES, requests per second per client (`_requests_per_s`: requests per
    delivered message x publish rate, so the polls before the first publish and
    after the last count too: a little high for a short run), `_messages` and
    `_clients`."""
    figures: dict[str, float] = {}
    for point in points:
        run = scenario(point, size)
        result = (await arun(run, progress=False)).numbered(0)
        latency, row = due_latency(result), result.summary().iloc[0]
        key = point.key
        figures[f"{key}_p50_ms"] = float(latency.median()) if len(latency) else math.nan
        figures[f"{key}_latency_n"] = float(len(latency))
        figures |= {f"{key}_{name}": float(row[column]) for name, column in MEASURES.items()}
        figures[f"{key}_requests_per_s"] = figures[f"{key}_requests_per_msg"] * point.rate
        figures[f"{key}_messages"] = float(run.messages_per_topic)
        figures[f"{key}_clients"] = float(run.clients)
    return figures


def swept(figures: Mapping[str, float], technique: str) -> list[float]:
    """The rates (or, for short polling, the intervals) swept for `technique`,
    from its `TECHNIQUE@X_p50_ms` keys, in increasing order."""
    prefix, suffix = f"{technique}@", "_p50_ms"
    return sorted(
        float(at)
        for k in figures
        if k.startswith(prefix) and k.endswith(suffix)
        for at in [k.removeprefix(prefix).removesuffix(suffix)]
        if "_" not in at
    )
