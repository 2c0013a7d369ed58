"""Idle timeouts: the push techniques behind a relay that closes idle
connections, with and without server heartbeats (see `rtlab.studies.reliability`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rtlab.aio import run_sync
from rtlab.lab import Lab
from rtlab.netem import LinkSettings, Relay
from rtlab.runs.progress import progress_bar
from rtlab.runs.record import Recorder
from rtlab.runs.schedule import Schedule
from rtlab.runs.wait import holds
from rtlab.studies.reliability import common
from rtlab.studies.reliability.common import PUSH, TOPIC

__all__ = ["IdlePlan", "aidle", "idle"]


@dataclass(frozen=True)
class IdlePlan:
    """Parameters of `idle()`: a relay that drops connections idle `idle_timeout` s."""

    idle_timeout: float = 5.0
    heartbeat: float = 2.0  # server heartbeat when on (SSE comments, NDJSON/iframe
    # heartbeat lines, WebSocket pings); "off" uses an hour
    message_every: float = 7.0  # seconds between messages: longer than the timeout
    messages: int = 6
    retry_ms: int = 250
    techniques: tuple[str, ...] = PUSH

    @classmethod
    def quick(cls) -> IdlePlan:
        return cls(idle_timeout=0.6, heartbeat=0.2, message_every=1.0, messages=4)


async def aidle(plan: IdlePlan | None = None, progress: bool = True) -> pd.DataFrame:
    """Run the idle-timeout experiment; one row per technique and heartbeat setting."""
    plan = plan or IdlePlan()
    conditions = {"on": plan.heartbeat, "off": 3600.0}
    labs = {
        name: await Lab(heartbeat=hb, retry_ms=plan.retry_ms).astart()
        for name, hb in conditions.items()
    }
    link = LinkSettings(idle_timeout=plan.idle_timeout)
    relays = {
        (name, t): await Relay.for_url(labs[name].url, link).start()
        for name in conditions
        for t in plan.techniques
    }
    logs = {
        key: Recorder(common.client(key[1], relay.url, TOPIC, poll_interval=1.0, after=0))
        for key, relay in relays.items()
    }
    for log in logs.values():
        log.start()
    try:
        await asyncio.sleep(0.3)
        await _publish(list(labs.values()), plan, progress)
        await holds(
            lambda: all(len(log.messages()) >= plan.messages for log in logs.values()),
            5 + plan.retry_ms / 1000,
        )
    finally:
        await asyncio.gather(*(log.stop() for log in logs.values()))
        totals = {key: relay.totals() for key, relay in relays.items()}
        for relay in relays.values():
            await relay.stop()
        for lab in labs.values():
            await lab.astop()
    return pd.DataFrame(
        [
            _idle_row(plan, technique, name, conditions[name], log, totals[(name, technique)])
            for (name, technique), log in logs.items()
        ]
    )


async def _publish(labs: Sequence[Lab], plan: IdlePlan, progress: bool) -> None:
    """A message every `message_every` seconds to every lab, the first one
    `message_every` seconds from now (open loop)."""
    with progress_bar(
        total=plan.messages, desc="idle", unit="msg", disable=not progress, leave=False
    ) as bar:
        schedule = Schedule.every(plan.message_every, plan.messages, delay=plan.message_every)
        async for tick in schedule:
            for lab in labs:
                await lab.apublish(TOPIC, {"i": tick.index})
            bar.update(1)


def _idle_row(
    plan: IdlePlan,
    technique: str,
    heartbeat: str,
    heartbeat_s: float,
    log: Recorder,
    totals: dict[str, dict[str, int]],
) -> dict[str, Any]:
    wire = totals.get(technique, {})
    data = [int(m.data["i"]) for m in log.messages()]
    latencies = [m.latency_ms or 0.0 for m in log.messages()]
    return {
        "technique": technique,
        "heartbeat": heartbeat,
        "heartbeat_s": heartbeat_s if heartbeat == "on" else None,
        "idle_timeout_s": plan.idle_timeout,
        "published": plan.messages,
        "delivered": len(set(data)),
        "losses": plan.messages - len(set(data)),
        "duplicates": len(data) - len(set(data)),
        "connections": wire.get("connections", 0),
        "idle_closes": wire.get("idle_closes", 0),
        "reconnects": log.client.stats.reconnects,
        "latency_max_ms": max(latencies, default=float("nan")),
    }


def idle(plan: IdlePlan | None = None, progress: bool = True) -> pd.DataFrame:
    """`aidle` from synchronous code."""
    return run_sync(aidle(plan, progress))
