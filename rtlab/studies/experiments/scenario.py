"""What one run measures: a technique under one set of conditions (`Scenario`),
and the lists of them the lab runs (`vary`, `standard_comparison`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from rtlab.profiles import PROFILES
from rtlab.techniques import TECHNIQUES

__all__ = ["Scenario", "standard_comparison", "vary"]


@dataclass(frozen=True)
class Scenario:
    """One technique under one set of conditions. Times in seconds."""

    technique: str
    clients: int = 1
    topics: int = 1
    rate: float = 20.0  # publish events per second, per topic
    burst: int = 1  # messages per publish event
    message_size: int = 64  # characters of the data string
    duration: float = 3.0  # seconds of publishing
    poll_interval: float = 1.0
    longpoll_timeout: float = 25.0
    network: str = "loopback"
    delay_ms: float | None = None  # one-way delay overriding the profile's
    server: str = "thread"  # "thread": a Lab in this process; "process": its own process
    heartbeat: float = 15.0  # server heartbeat (SSE comments, stream lines, WebSocket pings)
    idle_timeout: float | None = None  # the link kills connections silent this long
    proxy_buffer: int = 0  # the link holds responses until this many bytes, like a proxy
    seed: int = 0
    label: str = ""
    poll_keepalive: bool = True  # polls reuse one TCP connection (False: a new one each request)
    stagger: float = 0.0  # clients start evenly spread over this long (polls at varied phases)

    def __post_init__(self) -> None:
        problems = []
        if self.technique not in TECHNIQUES:
            problems.append(f"technique must be one of {', '.join(TECHNIQUES)}")
        if self.network not in PROFILES:
            problems.append(f"network must be one of {', '.join(PROFILES)}")
        for name in ("clients", "topics", "burst"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        for name in ("rate", "duration", "poll_interval", "longpoll_timeout"):
            if not getattr(self, name) > 0:
                problems.append(f"{name} must be > 0")
        if not self.stagger >= 0:
            problems.append("stagger must be >= 0")
        if self.delay_ms is not None and self.delay_ms < 0:
            problems.append("delay_ms must be >= 0")
        if self.server not in ("thread", "process"):
            problems.append("server must be 'thread' or 'process'")
        if self.message_size < 0:
            problems.append("message_size must be >= 0")
        if problems:
            raise ValueError(f"invalid scenario {self.technique!r}: " + "; ".join(problems))

    @property
    def name(self) -> str:
        return self.label or f"{self.technique}-{self.network}"

    def row(self) -> dict[str, Any]:
        """The scenario's columns of a run row, in `rtlab.runs.rows.RUN_COLUMNS` order."""
        knobs = ("clients", "topics", "rate", "burst", "message_size", "duration", "poll_interval")
        labels = {"scenario": self.name, "technique": self.technique, "network": self.network}
        return labels | {knob: getattr(self, knob) for knob in knobs}

    @property
    def messages_per_topic(self) -> int:
        return max(1, round(self.rate * self.duration)) * self.burst


def vary(base: Scenario, **values: Sequence[Any]) -> list[Scenario]:
    """The scenarios obtained by setting one knob of `base` to each value given."""
    ((knob, options),) = values.items()
    return [
        replace(base, **{knob: value}, label=f"{base.name}-{knob}={value}") for value in options
    ]


def standard_comparison(quick: bool = True) -> list[Scenario]:
    """Every technique under three conditions: the comparison `rtlab run` makes.

    - loopback, 20 messages/s: the techniques' own costs, no network;
    - 4G (60 ms RTT), 20 messages/s: what a real last mile adds;
    - 4G, 100 messages/s: publishes closer together than a round trip, where
      long polling must batch and pays an extra round trip.
    Short polling uses a 0.5 s interval. `quick` keeps each run to ~1.5 s of
    publishing (the whole comparison well under a minute on 2 cores).
    """
    duration = 1.5 if quick else 10.0
    conditions = [("loopback", 20.0), ("4g", 20.0), ("4g", 100.0)]
    return [
        Scenario(
            technique,
            rate=rate,
            duration=duration,
            network=network,
            poll_interval=0.5,
            label=f"{technique}/{network}/{rate:g}ps",
        )
        for network, rate in conditions
        for technique in TECHNIQUES
    ]
