"""What each technique survives, measured: cuts and a restart, idle timeouts,
a slow consumer.

Three experiments, each returning tidy pandas frames (one row per technique
or condition) and taking a plan of plain parameters, with a `quick()` version
for CI and notebooks in quick mode:

- `faults(FaultPlan())`: one lab, one client per technique, each behind its
  own netem relay; `messages` messages published evenly over `seconds`, with
  `cuts` connection cuts per technique at random instants (seeded) and a
  server restart (`Lab.restart`: same port, new history, new epoch) at
  `restart_at` of the run. Every message must be delivered exactly once and
  in order, or be covered by what the client was told: a gap, or the
  `restart` notice (what the old server published after the client's cursor
  and never delivered is lost, and the client knows). `unexplained` counts
  the rest and must be 0.
- `idle(IdlePlan())`: the four push techniques behind a relay that closes
  connections idle for `idle_timeout` seconds, with messages sparser than
  that, once with server heartbeats more frequent than the timeout and once
  without: with them the connection stays up; without, it is dropped and the
  client resumes without loss.
- `slow_consumer(SlowPlan())`: fast clients of each push technique receive
  `megabytes` of messages, once alone (the baseline) and once beside one
  stalled client per technique that stops reading (its socket's receive
  buffer is set to 16 KiB, a slow link's window); the server runs
  in its own process so its memory is its own. On Linux the server's kernel
  send buffer autotunes up to `net.ipv4.tcp_wmem`'s maximum (4 MiB) for a
  stalled connection before the server's own writes wait at all (3.4 MB
  measured on loopback), so the stall must outlast that to reach the limit.
  The stalled clients are ended by the send limit (see `rtlab.server.flow`)
  with a reason, then resume and must end with every message. Reported: the
  fast clients' p50/p99 latency in both runs and their ratio, the server's
  memory growth in both, and what the stalled clients saw.

`save(NAME, frame, plan)` / `load(NAME)` keep a result in `data/` in the
layout of every recorded result (`rtlab.runs.store`): the frame as
`NAME.summary.csv.gz`, the plan, versions, machine and commit in
`NAME.meta.json`.

A package, one module per experiment (`cuts`, `heartbeats`, `stalls`) over
what they share (`common`: the techniques, a client per technique, the log of
what a client delivered).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from rtlab.runs import store
from rtlab.studies.reliability.common import PUSH, TECHNIQUES
from rtlab.studies.reliability.cuts import FaultPlan, afaults, faults
from rtlab.studies.reliability.heartbeats import IdlePlan, aidle, idle
from rtlab.studies.reliability.stalls import SlowPlan, aslow_consumer, slow_consumer

__all__ = [
    "PUSH",
    "TECHNIQUES",
    "FaultPlan",
    "IdlePlan",
    "SlowPlan",
    "afaults",
    "aidle",
    "aslow_consumer",
    "faults",
    "idle",
    "load",
    "save",
    "slow_consumer",
]

#: The one frame of a recorded reliability result: a row per technique (or
#: per technique and condition).
FRAME = "summary"


def save(name: str, frame: pd.DataFrame, plan: Any, directory: str | Path = store.DATA_DIR) -> Path:
    """Record `frame` as `NAME` (`rtlab.runs.store`): `NAME.summary.csv.gz` and
    `NAME.meta.json` (the plan, versions, machine, commit); the meta file's path."""
    return store.save(name, {FRAME: frame}, {"plan": asdict(plan)}, directory)


def load(name: str, directory: str | Path = store.DATA_DIR) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A recorded frame and its metadata (what `save(NAME, ...)` wrote)."""
    recorded = store.load(name, directory)
    return recorded.frames[FRAME], recorded.meta
