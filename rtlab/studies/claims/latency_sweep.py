"""What the two latency claims share (`poll_latency_interval`, `longpoll_latency`): a
sweep of 4G runs, one per (technique, publish rate, poll interval), each with
the server in its own process, and each run's median latency, sample count and
requests per delivered message as flat figures.

Each run publishes a few messages at its rate and has enough clients on the
one topic that messages x clients gives the wanted number of latency samples
(every client receives every message), so a slow rate does not need minutes of
publishing. Short-polling clients start evenly spread over one poll interval
(`Scenario.stagger`): a poll's phase against the publish schedule is then
spread evenly, as it is for users who opened the page at different moments,
instead of every client's polls falling at the same point of every publish
period (at 1 msg/s and a 1 s interval, one fixed phase would decide every
sample).

Latency is from the server's publish time; publishes are on an open-loop
schedule (`rtlab.runs.schedule`), so that is the scheduled time plus the
publish's own loopback request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rtlab.studies.experiments import Scenario, arun_many

__all__ = ["MEASURES", "Point", "plan", "sweep", "swept"]

MEASURES = ("p50_ms", "latency_n", "requests_per_msg", "losses")


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


async def sweep(points: Sequence[Point], seconds: float, samples: int) -> dict[str, float]:
    """Each point as a 4G run (server in its own process); its MEASURES as
    `{f"{point.key}_{measure}": value}`, with its `_messages` and `_clients`."""
    scenarios, figures = [], {}
    for point in points:
        messages, clients = plan(point.rate, seconds, samples)
        scenarios.append(
            Scenario(
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
        )
        figures[f"{point.key}_messages"] = float(messages)
        figures[f"{point.key}_clients"] = float(clients)
    summary = (await arun_many(scenarios, progress=False)).summary().set_index("scenario")
    for point in points:
        for measure in MEASURES:
            figures[f"{point.key}_{measure}"] = float(summary.at[point.key, measure])
    return figures


def swept(figures: Mapping[str, float], technique: str) -> list[float]:
    """The rates (or, for short polling, the intervals) swept for `technique`,
    from its `TECHNIQUE@X_p50_ms` keys, in increasing order."""
    prefix, suffix = f"{technique}@", "_p50_ms"
    return sorted(
        float(k.removeprefix(prefix).removesuffix(suffix))
        for k in figures
        if k.startswith(prefix) and k.endswith(suffix)
    )
