"""What the two latency claims share (`poll_latency_interval`, `longpoll_latency`): a
sweep of 4G runs, one per (technique, publish rate, poll interval), each with
the server in its own process, and each run's median latency, sample count,
requests per delivered message and losses as flat figures.

Each run publishes a few messages at its rate and has enough clients on the
one topic that messages x clients gives the wanted number of latency samples
(every client receives every message), so a slow rate does not need minutes of
publishing. Short-polling clients start evenly spread over one poll interval
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

import pandas as pd

from rtlab.studies.experiments import Result, Scenario, arun

__all__ = ["MEASURES", "Point", "due_latency", "plan", "scenario", "sweep", "swept"]

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


def plan(rate: float, seconds: float, samples: int) -> tuple[int, int]:
    """(messages, clients) for a run at `rate`: the messages `seconds` of
    publishing gives (at least 2), and enough clients for `samples` deliveries."""
    messages = max(2, round(rate * seconds))
    return messages, math.ceil(samples / messages)


def scenario(point: Point, seconds: float, samples: int) -> Scenario:
    """The 4G run of `point` (server in its own process), sized by `plan`."""
    messages, clients = plan(point.rate, seconds, samples)
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


def due_latency(result: Result) -> pd.Series:
    """Each (client, seq)'s first delivery, in ms from when its publish was due
    (NaN for a message the run did not schedule)."""
    first = result.deliveries.drop_duplicates(["client", "seq"])
    pairs = zip(first["topic"], first["seq"], strict=True)
    due = [result.published.due_for(topic, seq) * 1000 for topic, seq in pairs]
    return (first["received"] - pd.Series(due, index=first.index)).dropna()


async def sweep(points: Sequence[Point], seconds: float, samples: int) -> dict[str, float]:
    """Each point as a run; as `{f"{point.key}_{name}": value}` its median latency
    from the scheduled time (`_p50_ms`) and sample count (`_latency_n`), its
    MEASURES, requests per second per client (`_requests_per_s`: requests per
    delivered message x publish rate, so the polls before the first publish and
    after the last count too: a little high for a short run), `_messages` and
    `_clients`."""
    figures: dict[str, float] = {}
    for point in points:
        run = scenario(point, seconds, samples)
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
