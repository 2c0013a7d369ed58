"""The row schemas of recorded results, in one place.

A `Result` (see `rtlab.studies.experiments`) is two frames: `deliveries`, one
row per message a client delivered, and `runs`, one row per run. Their columns
are listed here, with types where a frame must keep them when it is empty (a
run that delivered nothing still concatenates and summarises like the others).
`data/schema.md` explains each column; a test checks that it names exactly
these.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["DELIVERY_COLUMNS", "DELIVERY_TYPES", "RUN_COLUMNS", "empty_deliveries"]

#: What a recorder writes for each delivered message, with its type.
DELIVERY_TYPES = {
    "client": "int64",  # client number within the run
    "topic": "str",
    "seq": "int64",
    "ts": "float64",  # server publish time, ms since the Unix epoch
    "received": "float64",  # client receive time, same clock
    "latency_ms": "float64",  # received - ts
    "bytes": "int64",  # length of the message's JSON envelope
}

#: A `Result.deliveries` frame's columns: the run's labels, then a recorder's.
DELIVERY_COLUMNS = ("run", "scenario", "technique", *DELIVERY_TYPES)

#: A `Result.runs` frame's columns, in the order they are written.
RUN_COLUMNS = (
    "run",
    "scenario",
    "technique",
    "network",
    "clients",
    "topics",
    "rate",
    "burst",
    "message_size",
    "duration",
    "poll_interval",
    "expected",
    "delivered",
    "losses",
    "duplicates",
    "gaps",
    "requests",
    "empty_responses",
    "reconnects",
    "errors",
    "last_error",
    "bytes_up",
    "bytes_down",
    "connections",
    "setup_bytes_up",
    "setup_bytes_down",
    "setup_connections",
    "server_cpu_s",
    "peak_rss_mb",
    "server",
    "completed",
    "client_kind",
)


def empty_deliveries() -> pd.DataFrame:
    """A deliveries frame with no rows and the recorder's column types."""
    return pd.DataFrame(columns=list(DELIVERY_TYPES)).astype(DELIVERY_TYPES)
