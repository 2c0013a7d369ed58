"""What a load run is asked to do (`LoadSpec`) and the columns of its frames."""

from __future__ import annotations

import contextlib
import random
import resource
import string
from dataclasses import dataclass
from typing import Any

from rtlab.message import dumps
from rtlab.techniques import PUSH

#: `latency_ms` is from the message's scheduled publish time (open loop),
#: `stamped_ms` from the server's publish stamp; `warmup` marks the messages
#: published before the measured window.
DELIVERY_COLUMNS = ["phase", "technique", "client", "seq", "latency_ms", "stamped_ms", "warmup"]
CLIENT_COLUMNS = [
    "phase",
    "technique",
    "client",
    "process",
    "connect_ms",
    "delivered",
    "in_order",
    "duplicates",
    "gaps",
    "reconnects",
    "errors",
    "requests",
    "last_error",
    "expected",
]
#: Delivery counts: summed per phase and technique in the summary, and over the
#: load phase in the figures.
COUNT_COLUMNS = [
    "expected",
    "delivered",
    "losses",
    "duplicates",
    "gaps",
    "out_of_order",
    "reconnects",
    "errors",
]
SUMMARY_COLUMNS = [
    "phase",
    "technique",
    "clients",
    *COUNT_COLUMNS,
    "requests",
    "latency_n",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "max_ms",
    "p50_ratio",
    "p99_ratio",
    "connect_p50_ms",
    "connect_max_ms",
]
TIMELINE_COLUMNS = ["from_s", "technique", "p50_ms", "p99_ms"]
SAMPLE_COLUMNS = ["t", "phase", "server_cpu_s", "server_rss_mb", "client_cpu_s", "other_cpu_s"]


def raise_fd_limit() -> int:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit; returns the new soft limit.

    Each connection is a file descriptor (one in the client, one in the server),
    and a default soft limit of 1024 stops a few thousand connections short.
    Children inherit the raised limit.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass(frozen=True)
class LoadSpec:
    """What to run. Times in seconds; `message_bytes` is the size of the data's JSON."""

    push: int = 2000
    longpoll: int = 500
    seconds: float = 60.0
    rate: float = 10.0
    message_bytes: int = 100
    baseline_seconds: float = 10.0
    push_techniques: tuple[str, ...] = ("sse", "stream", "ws")
    client_processes: int = 2
    concurrency: int = 50  # connects in flight per client process during the ramp-up
    settle: float = 2.0  # pause between the ramp-up and the flow
    warmup_seconds: float = 5.0  # the flow's first seconds, published but not measured
    longpoll_timeout: float = 30.0
    connect_timeout: float = 180.0
    drain_timeout: float = 60.0
    topic: str = "load"
    seed: int = 0

    def __post_init__(self) -> None:
        problems = []
        if self.push < 0 or self.longpoll < 0 or self.push + self.longpoll < 1:
            problems.append("push and longpoll must be >= 0, and at least one subscriber")
        for name in ("seconds", "rate", "baseline_seconds", "connect_timeout", "drain_timeout"):
            if not getattr(self, name) > 0:
                problems.append(f"{name} must be > 0")
        if self.warmup_seconds < 0:
            problems.append("warmup_seconds must be >= 0")
        if self.client_processes < 1 or self.concurrency < 1:
            problems.append("client_processes and concurrency must be at least 1")
        unknown = [t for t in self.push_techniques if t not in PUSH]
        if unknown or not self.push_techniques:
            problems.append(f"push_techniques must be push clients, not {unknown}")
        if self.message_bytes < 20:
            problems.append("message_bytes must be at least 20")
        if problems:
            raise ValueError("invalid load spec: " + "; ".join(problems))

    @property
    def messages(self) -> int:
        """Messages published in the measured flow."""
        return max(1, round(self.rate * self.seconds))

    @property
    def warmup_messages(self) -> int:
        """Messages published before the measured flow, at the same rate, not measured."""
        return round(self.rate * self.warmup_seconds)

    @property
    def baseline_messages(self) -> int:
        return max(1, round(self.rate * self.baseline_seconds))

    def counts(self) -> dict[str, int]:
        """Subscribers per technique in the load phase."""
        share, extra = divmod(self.push, len(self.push_techniques))
        counts = {t: share + (i < extra) for i, t in enumerate(self.push_techniques)}
        if self.longpoll:
            counts["longpoll"] = self.longpoll
        return {t: n for t, n in counts.items() if n}


def payload(index: int, size: int, rng: random.Random) -> dict[str, Any]:
    """A JSON object whose compact encoding is `size` bytes."""
    bare = len(dumps({"n": index, "text": ""}))
    return {"n": index, "text": "".join(rng.choices(string.ascii_letters, k=max(0, size - bare)))}


def counts_text(counts: dict[str, int]) -> str:
    """`{"sse": 2, "ws": 1}` as "2 sse, 1 ws"."""
    return ", ".join(f"{n} {t}" for t, n in counts.items())
