"""The live run behind the dashboard: techniques side by side, knobs applied live.

A `LiveRun` publishes one stream to one topic per technique, through one
netem relay to every technique's clients, and keeps per-technique `Track`s
(deliveries, fixed-memory latency percentiles, a rolling median, request
rate, errors) that a view reads. It has no widgets: a notebook view sets its
`LiveKnobs` from sliders and draws its state; a test or script drives it
directly.

    run = LiveRun(lab, LiveKnobs(techniques=("sse", "ws"), rate=50))
    table = await run.run_for(5)        # or: await run.start(); ...; await run.stop()

While running, `set_rate` and `set_delay` apply at once; the techniques,
clients per technique and poll interval are fixed for the run. Every
`refresh` seconds the run appends one point per track (`Track.times`,
`medians`, `request_rates`) and calls each of `listeners` with itself; the
listeners are also called once when publishing begins and once after the
run stopped, so a view that draws on each call shows the start and the end.

Publishing is open-loop (`rtlab.runs.schedule.Schedule`): message i is due
at a fixed time whatever happened before, and a publish that falls behind
fires late instead of pushing every later one back; how late each fired is
kept in `publish_lateness`. A rate change plans a new schedule whose first
event is one new interval after the last one that was due.

Why asyncio tasks. A Jupyter kernel runs one asyncio loop and executes cells
on it, so the clients, the publisher and the sampler are tasks on the
running loop: a cell can execute while the run goes on. The lab's server has
its own thread (see `rtlab.lab`), so nothing here competes with it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, cast

import pandas as pd

from rtlab.clients import Client
from rtlab.lab import Lab
from rtlab.message import Message
from rtlab.netem import LinkSettings, Relay
from rtlab.runs.clients import ClientKnobs, make_client
from rtlab.runs.histogram import LatencyHistogram
from rtlab.runs.schedule import Schedule, Tick
from rtlab.runs.stats import median
from rtlab.techniques import TECHNIQUES

__all__ = ["TECHNIQUES", "TRACK_COLUMNS", "LiveKnobs", "LiveRun", "Track", "check_sampling"]

log = logging.getLogger("rtlab.runs.live")


#: The columns of `LiveRun.stats()`: one row per technique.
TRACK_COLUMNS = ("technique", "delivered", "p50_ms", "p99_ms", "requests", "gaps", "duplicates")


@dataclass(frozen=True)
class LiveKnobs:
    """What a live run is asked to do. `rate` (msg/s per topic) and `delay_ms`
    (the relay's one-way delay) can change while it runs; the others are
    fixed when it starts."""

    techniques: tuple[str, ...] = TECHNIQUES
    clients: int = 1  # per technique
    rate: float = 20.0
    delay_ms: int = 0
    poll_interval: float = 0.5  # seconds between short polls

    def __post_init__(self) -> None:
        unknown = [t for t in self.techniques if t not in TECHNIQUES]
        if unknown:
            raise ValueError(f"unknown techniques {unknown}; choose from {', '.join(TECHNIQUES)}")
        if self.clients < 1 or self.delay_ms < 0:
            raise ValueError("a live run needs 1 or more clients and a delay of 0 ms or more")
        if not (self.rate > 0 and math.isfinite(self.rate)) or self.poll_interval <= 0:
            raise ValueError("a live run's rate and poll interval must be > 0")

    def fixed(self) -> tuple[Any, ...]:
        """The knobs fixed for a run: a change applies on the next one."""
        return (self.techniques, self.clients, self.poll_interval)


@dataclass
class Track:
    """One technique in a live run: its clients and what they delivered."""

    technique: str
    topic: str
    clients: list[Client]
    delivered: int = 0
    histogram: LatencyHistogram = field(default_factory=LatencyHistogram)
    recent: deque[tuple[float, float]] = field(default_factory=deque)  # (monotonic s, ms)
    errors: int = 0
    last_error: str = ""
    times: list[float] = field(default_factory=list)  # seconds since the run started
    medians: list[float | None] = field(default_factory=list)  # ms, rolling
    request_rates: list[float | None] = field(default_factory=list)  # requests/s
    last_requests: int = 0

    def record(self, latency_ms: float, now: float) -> None:
        self.delivered += 1
        self.histogram.add(latency_ms)
        self.recent.append((now, latency_ms))

    def rolling_median(self, now: float, window: float) -> float | None:
        """The median latency of the last `window` seconds (None: nothing delivered)."""
        while self.recent and self.recent[0][0] < now - window:
            self.recent.popleft()
        if not self.recent:
            return None
        return median(latency for _, latency in self.recent)

    def sample(self, elapsed: float, now: float, window: float, max_points: int) -> None:
        """Append one point: rolling median and request rate since the last point."""
        previous = self.times[-1] if self.times else 0.0
        requests = self.requests
        span = elapsed - previous
        self.times.append(elapsed)
        self.medians.append(self.rolling_median(now, window))
        self.request_rates.append((requests - self.last_requests) / span if span > 0 else None)
        self.last_requests = requests
        for series in (self.times, self.medians, self.request_rates):
            del series[:-max_points]

    @property
    def requests(self) -> int:
        return sum(client.stats.requests for client in self.clients)

    def row(self) -> dict[str, Any]:
        """This track's row of `LiveRun.stats()` (the columns of `TRACK_COLUMNS`)."""
        return {
            "technique": self.technique,
            "delivered": self.delivered,
            # the histogram's buckets are a few % wide: more decimals would be noise
            "p50_ms": round(self.histogram.quantile(0.5), 2),
            "p99_ms": round(self.histogram.quantile(0.99), 2),
            "requests": self.requests,
            "gaps": sum(c.stats.gaps + c.stats.holes for c in self.clients),
            "duplicates": sum(c.stats.duplicates for c in self.clients),
        }


def check_sampling(window: float, refresh: float) -> None:
    """Refuse a rolling-median `window` or a sampling period `refresh` that is not > 0 s."""
    if window <= 0 or refresh <= 0:
        raise ValueError("window and refresh must be > 0 seconds")


class LiveRun:
    """One live run on `lab` (started first if it is stopped, and left running).

    `run()` is the whole run, until `stop()`; `start()` runs it as a task and
    returns once publishing began. A failing publisher, sampler or listener
    ends the run with its exception in `error` (logged, not raised); one
    client that fails is counted in its track's `errors` and the others go on.
    """

    def __init__(
        self,
        lab: Lab,
        knobs: LiveKnobs,
        *,
        window: float = 2.0,
        refresh: float = 0.5,
        max_points: int = 600,
    ) -> None:
        if not knobs.techniques:
            raise ValueError("choose at least one technique before starting")
        check_sampling(window, refresh)
        self.lab = lab
        self.knobs = knobs
        self.window = window
        self.refresh = refresh
        self.max_points = max_points
        self.tracks: dict[str, Track] = {}
        self.listeners: list[Callable[[LiveRun], None]] = []
        self.relay: Relay | None = None  # in front of the lab while running
        self.error: BaseException | None = None
        self.published = 0  # messages per topic
        self.publish_lateness = LatencyHistogram()  # ms each publish fired after its due time
        self.ready = asyncio.Event()  # set when publishing begins (or the start failed)
        self.started_at: float | None = None  # time.monotonic()
        self.stopped_at: float | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._rate_changed = False
        self._waiting: asyncio.Timeout | None = None  # the publisher's wait for its next tick

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<LiveRun {state} {', '.join(self.knobs.techniques)} at {self.knobs.rate:g} msg/s>"

    # -- state ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Between the start of `run()` and the end of its clean-up."""
        return self.started_at is not None and self.stopped_at is None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def elapsed(self) -> float:
        """Seconds since publishing began, up to now or to the stop: the charts' x axis."""
        if self.started_at is None:
            return 0.0
        end = self.stopped_at if self.stopped_at is not None else time.monotonic()
        return end - self.started_at

    @property
    def client_errors(self) -> int:
        return sum(track.errors for track in self.tracks.values())

    def stats(self) -> pd.DataFrame:
        """One row per technique (the columns of `TRACK_COLUMNS`)."""
        return pd.DataFrame([t.row() for t in self.tracks.values()], columns=list(TRACK_COLUMNS))

    # -- knobs ---------------------------------------------------------------------

    def set_rate(self, rate: float) -> None:
        """Publish at `rate` msg/s from now: a wait for the next publish is re-planned at once."""
        self.knobs = replace(self.knobs, rate=float(rate))
        self._rate_changed = True
        waiting = self._waiting
        if waiting is not None and not waiting.expired():
            waiting.reschedule(asyncio.get_running_loop().time())

    def set_delay(self, delay_ms: int) -> None:
        """The relay's one-way delay, from the next byte it forwards."""
        self.knobs = replace(self.knobs, delay_ms=int(delay_ms))
        if self.relay is not None:
            self.relay.settings.delay = self.knobs.delay_ms / 1000

    # -- control -------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the run to stop (returns at once; call it on the run's loop)."""
        self._stop.set()

    async def start(self) -> None:
        """Run in a task; return once publishing began (RuntimeError if it could not)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run(), name="rtlab-live")
        await self.ready.wait()
        if self.error is not None:
            raise RuntimeError(f"the live run failed to start: {self.error!r}") from self.error

    async def astop(self) -> None:
        """Stop and wait until every task is finished and every client closed."""
        self.stop()
        if self._task is not None:
            await asyncio.shield(self._task)

    async def run_for(self, seconds: float) -> pd.DataFrame:
        """Start, run `seconds`, stop, and return `stats()` (RuntimeError if the run failed)."""
        await self.start()
        try:
            await asyncio.sleep(seconds)
        finally:
            await self.astop()
        if self.error is not None:
            raise RuntimeError(f"the live run failed: {self.error!r}") from self.error
        return self.stats()

    # -- the run -------------------------------------------------------------------

    async def run(self) -> None:
        """The whole run: relay, clients, publisher and sampler until `stop()`, then
        clean-up (every task ended, every client closed, the relay stopped)."""
        try:
            url = await self._lab_url()
            relay = Relay.for_url(url, LinkSettings(delay=self.knobs.delay_ms / 1000))
            await relay.start()
            try:
                self.relay = relay
                await self._run_clients(relay.url)
            finally:
                self.relay = None
                await relay.stop()
        except Exception as exc:
            self.error = exc
            log.exception("the live run failed")
        finally:
            self.ready.set()

    async def _lab_url(self) -> str:
        """The lab's URL, starting the lab first if it is not running: a notebook run
        top to bottom ends with `lab.stop()`, and its dashboard's Start must still work."""
        if not self.lab.running:
            await self.lab.astart()
        return self.lab.url

    async def _make_tracks(self, url: str) -> dict[str, Track]:
        tracks: dict[str, Track] = {}
        knobs = ClientKnobs(poll_interval=self.knobs.poll_interval)
        for technique in self.knobs.techniques:
            topic = f"dashboard-{technique}"
            # Clients resume from this marker: nothing published from now on
            # can be missed while they connect.
            marker = await self.lab.apublish(topic, {"start": True})
            clients = [
                make_client(technique, url, topic, knobs, after=marker)
                for _ in range(self.knobs.clients)
            ]
            tracks[technique] = Track(technique, topic, clients)
        return tracks

    async def _run_clients(self, url: str) -> None:
        loop = asyncio.get_running_loop()
        self.tracks = tracks = await self._make_tracks(url)
        self.started_at = time.monotonic()
        tasks = [
            loop.create_task(self._consume(track, client))
            for track in tracks.values()
            for client in track.clients
        ]
        try:
            tasks.append(loop.create_task(self._guard(self._publish())))
            tasks.append(loop.create_task(self._guard(self._sample_every())))
            self._notify()
            self.ready.set()
            await self._stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            try:
                for track in tracks.values():
                    for client in track.clients:
                        await client.aclose()
                self._sample()
            finally:
                self.stopped_at = time.monotonic()
            self._notify()

    async def _guard(self, work: Awaitable[None]) -> None:
        """A failing publisher or sampler ends the run with its error, rather than
        dying silently while the rest keeps going."""
        try:
            await work
        except Exception as exc:
            self.error = exc
            log.exception("a live-run task failed")
            self._stop.set()

    async def _consume(self, track: Track, client: Client) -> None:
        # Not a Recorder: a live run has no end, so it folds each latency into
        # the track's fixed-memory histogram instead of keeping the messages.
        try:
            async for item in client:
                if isinstance(item, Message) and item.latency_ms is not None:
                    track.record(item.latency_ms, time.monotonic())
        except Exception as exc:  # one broken client is reported, the others go on
            track.errors += 1
            track.last_error = repr(exc)
            log.warning("%s client stopped: %r", track.technique, exc)

    async def _publish(self) -> None:
        """One message `{"n": i}` per tick to every technique's topic, on an open-loop
        schedule at the current rate, planned again whenever the rate changes."""
        topics = [track.topic for track in self.tracks.values()]
        last_due = -math.inf
        while True:
            self._rate_changed = False
            delay = max(0.0, last_due + 1 / self.knobs.rate - time.time())
            schedule = Schedule(self.knobs.rate, delay=delay)
            ticks = cast(AsyncGenerator[Tick, None], schedule.__aiter__())
            try:
                while not self._rate_changed:
                    tick = await self._next_tick(ticks)
                    if tick is None:
                        break
                    schedule.ticks.clear()  # memory stays fixed: lateness goes to the histogram
                    self.publish_lateness.add(tick.late * 1000)
                    self.published += 1
                    data = {"n": self.published}
                    await asyncio.gather(*(self.lab.apublish(topic, data) for topic in topics))
                    last_due = tick.due
            finally:
                await ticks.aclose()

    async def _next_tick(self, ticks: AsyncGenerator[Tick, None]) -> Tick | None:
        """The schedule's next tick, or None when `set_rate` cut the wait short."""
        try:
            async with asyncio.timeout(None) as self._waiting:
                return await anext(ticks)
        except TimeoutError:
            return None
        finally:
            self._waiting = None

    async def _sample_every(self) -> None:
        while True:
            await asyncio.sleep(self.refresh)
            self._sample()
            self._notify()

    def _sample(self) -> None:
        if self.started_at is None:
            return
        now = time.monotonic()
        for track in self.tracks.values():
            track.sample(now - self.started_at, now, self.window, self.max_points)

    def _notify(self) -> None:
        for listener in self.listeners:
            listener(self)
