"""Cuts and a restart: one lab, one client per technique, each behind its own
netem relay, connection cuts at random instants and a server restart midway
(see `rtlab.studies.reliability`)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rtlab.aio import run_sync
from rtlab.lab import Lab
from rtlab.message import Gap, Message, Restart, now_ms
from rtlab.netem import Relay
from rtlab.runs.progress import progress_bar
from rtlab.runs.record import Recorder
from rtlab.runs.schedule import Schedule
from rtlab.runs.stats import p99, percentile
from rtlab.runs.wait import holds
from rtlab.studies.reliability.common import TECHNIQUES, TOPIC, client

__all__ = ["FaultPlan", "afaults", "faults"]

Published = list[tuple[str, int, float]]  # per data index: epoch, seq, ts (ms)


@dataclass(frozen=True)
class FaultPlan:
    """Parameters of `faults()`. Defaults: the issue's 60 s, 1,000 messages, 100 cuts."""

    messages: int = 1000
    seconds: float = 60.0
    cuts: int = 100  # per technique, at uniformly random instants
    restart_at: float = 0.5  # fraction of the run at which the server restarts
    poll_interval: float = 0.25  # the short-poll client's interval (s)
    retry_ms: int = 250  # the SSE retry the server announces
    seed: int = 1
    techniques: tuple[str, ...] = TECHNIQUES

    @classmethod
    def quick(cls) -> FaultPlan:
        return cls(messages=150, seconds=6.0, cuts=12)


async def afaults(plan: FaultPlan | None = None, progress: bool = True) -> pd.DataFrame:
    """Run the fault experiment; one row per technique (see `rtlab.studies.reliability`)."""
    plan = plan or FaultPlan()
    # history holds the whole run, so only the restart (never history) loses messages
    lab = await Lab(history=plan.messages + 10, heartbeat=1.0, retry_ms=plan.retry_ms).astart()
    relays = {t: await Relay.for_url(lab.url).start() for t in plan.techniques}
    logs = {
        t: Recorder(client(t, relays[t].url, TOPIC, poll_interval=plan.poll_interval, after=0))
        for t in plan.techniques
    }
    for log in logs.values():
        log.start()
    cut_log: dict[str, list[tuple[float, int]]] = {t: [] for t in plan.techniques}
    try:
        await asyncio.sleep(0.3)  # clients connect
        start = asyncio.get_running_loop().time()
        cutters = [
            asyncio.create_task(_cut(relays[t], plan, t, start, cut_log[t]))
            for t in plan.techniques
        ]
        published, restart = await _publish(lab, plan, progress)
        await asyncio.gather(*cutters)
        await _drain(list(logs.values()), plan)
    finally:
        await asyncio.gather(*(log.stop() for log in logs.values()))
        for relay in relays.values():
            await relay.stop()
        await lab.astop()
    rows = [_fault_row(t, logs[t], published, cut_log[t], restart) for t in plan.techniques]
    return pd.DataFrame(rows)


async def _cut(
    relay: Relay, plan: FaultPlan, technique: str, start: float, cuts: list[tuple[float, int]]
) -> None:
    """Cut the relay's connections `plan.cuts` times at seeded random instants after
    `start` (loop time); log when and how many connections each cut found."""
    rng = random.Random(f"{plan.seed}:{technique}")
    instants = sorted(rng.uniform(0.02, 0.98) * plan.seconds for _ in range(plan.cuts))
    loop = asyncio.get_running_loop()
    for at in instants:
        await asyncio.sleep(max(0.0, start + at - loop.time()))
        cuts.append((now_ms(), relay.cut_all()))


async def _publish(lab: Lab, plan: FaultPlan, progress: bool) -> tuple[Published, dict[str, float]]:
    """Publish `plan.messages` evenly over `plan.seconds` (open loop), restarting the
    server before message `restart_at` of them; what was published, and when the
    restart started and finished (ms)."""
    published: Published = []
    restart: dict[str, float] = {}
    restart_index = int(plan.messages * plan.restart_at)
    with progress_bar(
        total=plan.messages, desc="faults", unit="msg", disable=not progress, leave=False
    ) as bar:
        async for tick in Schedule(plan.messages / plan.seconds, plan.messages):
            if tick.index == restart_index:
                restart["old_epoch_last_seq"] = published[-1][1] if published else 0
                restart["started"] = now_ms()
                await lab.arestart()
                restart["finished"] = now_ms()
            seq = await lab.apublish(TOPIC, {"i": tick.index})
            published.append((lab.hub.epoch, seq, now_ms()))
            bar.update(1)
    return published, restart


async def _drain(logs: Sequence[Recorder], plan: FaultPlan) -> None:
    """Every client should reach the last message soon after the last cut."""
    final = plan.messages - 1

    def caught_up(log: Recorder) -> bool:
        messages = log.messages()
        return bool(messages) and messages[-1].data.get("i") == final

    await holds(
        lambda: all(caught_up(log) for log in logs),
        10 + 4 * plan.poll_interval + plan.retry_ms / 1000,
    )


def _fault_row(
    technique: str,
    log: Recorder,
    published: Published,
    cuts: list[tuple[float, int]],
    restart: dict[str, float],
) -> dict[str, Any]:
    by_key = {(epoch, seq): i for i, (epoch, seq, _) in enumerate(published)}
    first_epoch = published[0][0]
    delivered: list[int] = []
    explained: set[int] = set()
    epoch = first_epoch
    latencies: list[float] = []
    for received, item, _ in log.deliveries:
        if isinstance(item, Restart):
            # Everything the old run published after the client's cursor is lost to it.
            explained |= {
                i for (e, s), i in by_key.items() if e == item.previous_epoch and s > item.after
            }
            epoch = item.epoch
        elif isinstance(item, Gap):
            explained |= {by_key[(epoch, s)] for s in range(item.first, item.last + 1)}
        else:
            delivered.append(int(item.data["i"]))
            latencies.append(received - item.ts)
    unique = set(delivered)
    recovered: list[float] = []
    receive_times = [received for received, item, _ in log.deliveries if isinstance(item, Message)]
    for at, hit in cuts:
        if hit:
            later = [t for t in receive_times if t > at]
            if later:
                recovered.append(later[0] - at)
    after_restart = [
        t
        for t, item, _ in log.deliveries
        if isinstance(item, Message) and t > restart.get("finished", float("inf"))
    ]
    return {
        "technique": technique,
        "published": len(published),
        "delivered": len(unique),
        "duplicates": len(delivered) - len(unique),
        "in_order": delivered == sorted(delivered),
        "lost_at_restart_notified": len(explained - unique),
        "unexplained": len(set(range(len(published))) - unique - explained),
        "restart_notices": sum(isinstance(item, Restart) for _, item, _ in log.deliveries),
        "gaps": sum(isinstance(item, Gap) for _, item, _ in log.deliveries),
        "cuts": len(cuts),
        "cuts_hit": sum(1 for _, hit in cuts if hit),
        "reconnects": log.client.stats.reconnects,
        "errors": log.client.stats.errors,
        "recover_p50_ms": percentile(recovered, 50),
        "recover_max_ms": max(recovered, default=float("nan")),
        "restart_recover_ms": (
            after_restart[0] - restart["started"] if after_restart else float("nan")
        ),
        "latency_n": len(latencies),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p99_ms": p99(latencies),
    }


def faults(plan: FaultPlan | None = None, progress: bool = True) -> pd.DataFrame:
    """`afaults` from synchronous code (a script or a notebook cell)."""
    return run_sync(afaults(plan, progress))
