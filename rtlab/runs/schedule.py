"""An open-loop publish schedule: event i is due at `start + i / rate`, whatever
happened before it, and each event remembers when it was due.

A loop that sleeps `1 / rate` after each publish drifts: every slow publish
pushes all later ones back, and since a message's timestamp is taken when it
is finally published, the delay never shows in the latency (coordinated
omission). Here the due times are fixed when the schedule starts; a publish
that fires late keeps its due time in `Tick.due`, so a study can count the
lateness (`Tick.late`) or measure latency from the due time
(`PublishLog.due_for`).

Events run in order, one after another (publishes of one topic must keep
their order); when publishing falls behind, the late events fire back to back
until the schedule is on time again, none is skipped.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

__all__ = ["PublishLog", "Schedule", "Tick"]


@dataclass(frozen=True, slots=True)
class Tick:
    """One scheduled event: its index, when it was due and how late it fired
    (both in seconds; `due` on the wall clock, `time.time()`)."""

    index: int
    due: float
    late: float


@dataclass
class Schedule:
    """`count` events at `rate` per second (None: until the caller stops), the
    first `delay` seconds after iteration starts; iterate it to get each `Tick`
    at its due time. `ticks` keeps every tick fired."""

    rate: float
    count: int | None = None
    delay: float = 0.0
    ticks: list[Tick] = field(default_factory=list, repr=False)
    clock: Callable[[], float] = field(default=time.time, repr=False)

    def __post_init__(self) -> None:
        if not (self.rate > 0 and math.isfinite(self.rate)):
            raise ValueError(
                f"a schedule's rate is a positive number of events per second, not {self.rate}"
            )
        if self.count is not None and self.count < 0:
            raise ValueError(f"a schedule's count is 0 or more, not {self.count}")

    @classmethod
    def lasting(cls, rate: float, duration: float, *, delay: float = 0.0) -> Schedule:
        """`rate` events per second for `duration` seconds (at least one event)."""
        return cls(rate, max(1, round(rate * duration)), delay)

    @classmethod
    def every(cls, interval: float, count: int | None = None, *, delay: float = 0.0) -> Schedule:
        """`count` events `interval` seconds apart."""
        if not (interval > 0 and math.isfinite(interval)):
            raise ValueError(
                f"a schedule's interval is a positive number of seconds, not {interval}"
            )
        return cls(1.0 / interval, count, delay)

    @property
    def interval(self) -> float:
        return 1.0 / self.rate

    async def __aiter__(self) -> AsyncIterator[Tick]:
        self.ticks.clear()
        start = self.clock() + self.delay
        index = 0
        while self.count is None or index < self.count:
            due = start + index * self.interval
            wait = due - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                await asyncio.sleep(0)  # late: fire now, but let others run
            tick = Tick(index, due, max(0.0, self.clock() - due))
            self.ticks.append(tick)
            yield tick
            index += 1

    def lateness(self) -> list[float]:
        """How late each fired tick was, in seconds."""
        return [tick.late for tick in self.ticks]


@dataclass
class PublishLog:
    """When each published message was due: `(topic, seq) -> Tick.due`."""

    due: dict[tuple[str, int], float] = field(default_factory=dict)

    def record(self, topic: str, seq: int, tick: Tick) -> None:
        self.due[(topic, seq)] = tick.due

    def due_for(self, topic: str, seq: int) -> float:
        """The wall-clock time the message was due (NaN if it was not scheduled)."""
        return self.due.get((topic, seq), math.nan)
