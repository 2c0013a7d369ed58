"""Scenario -> run -> Result: measured comparisons, as tidy pandas frames.

The modules follow that flow: `scenario`, `runner`, `result`.

A `Scenario` fixes one technique and its knobs (clients, topics, publish rate
and bursts, message size, duration, poll interval, long-poll timeout, network
profile, seed). `run()` starts a Lab, puts the netem relay in front of it with
the scenario's network profile, connects the clients through the relay,
publishes on a fixed schedule, and returns a `Result`:

- `deliveries`: one row per delivered message per client (technique, client,
  topic, seq, publish ts, receive time, latency in ms, envelope bytes);
- `runs`: one row per run (requests, empty responses, wire bytes up and down
  as counted by the relay, messages expected/delivered, duplicates, losses,
  gaps, server CPU seconds, peak RSS, reconnects, and `client_kind`:
  "python" here, "browser" for `rtlab.studies.browser.arun_browser`, whose results
  have the same frames and add to these with `+`).

Latency is the client's receive time minus the server's publish time (both
this machine's clock), so it contains the downstream network delay and the
technique's own waiting, not the publisher's upload.

`Result.save()` writes the frames (gzip CSV) with a JSON file of the
scenarios, package versions, machine and git commit; `load()` reads them back.
"""

from rtlab.studies.experiments.result import (
    CPU_MIN_TICKS,
    CPU_TICK_S,
    SETUP_TOTALS,
    TABLE_COLUMNS,
    Result,
    compare,
    due_latency,
    headline,
    load,
    resolved_cpu,
)
from rtlab.studies.experiments.runner import arun, arun_many, run, run_many
from rtlab.studies.experiments.scenario import Scenario, standard_comparison, vary
from rtlab.techniques import TECHNIQUES

__all__ = [
    "CPU_MIN_TICKS",
    "CPU_TICK_S",
    "SETUP_TOTALS",
    "TABLE_COLUMNS",
    "TECHNIQUES",
    "Result",
    "Scenario",
    "arun",
    "arun_many",
    "compare",
    "due_latency",
    "headline",
    "load",
    "resolved_cpu",
    "run",
    "run_many",
    "standard_comparison",
    "vary",
]
