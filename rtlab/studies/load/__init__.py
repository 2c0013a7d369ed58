"""Load: thousands of subscribers on one server, with messages flowing.

`run_load(LoadSpec(push=2000, longpoll=500, seconds=60, rate=10))` measures
what many connections cost the server and what they do to delivery latency:

- the server runs in its own process (`rtlab.runs.hosts.ProcessServer`), so its
  CPU time and resident memory (psutil) are its own;
- the subscribers are asyncio clients (`rtlab.clients`) spread over
  `client_processes` separate processes (multiprocessing, spawned), each with
  ONE `aiohttp.ClientSession` whose connector has no connection cap;
- this process publishes (HTTP `POST /publish`, like any outside publisher)
  and samples the server.

One topic, every subscriber on it, so each subscriber gets every message: the
push subscribers are split evenly over `push_techniques` (SSE, NDJSON stream,
WebSocket), plus `longpoll` long-pollers.

A run has two phases on the same server, with the same message flow:

1. `baseline`: one subscriber per technique for `baseline_seconds`, so that
   the loaded latencies have a reference measured in the same run, on the
   same machine (the `p50_ratio`/`p99_ratio` columns of the summary);
2. `load`: ramp-up, then the steady state. Each subscriber starts one message
   behind the topic's end, so it receives that message from history as soon
   as its subscription is live: that is its connect time, and `concurrency`
   subscribers per client process are connecting at any moment. Once every
   subscriber is live (and `settle` seconds later), `rate` messages per second
   are published for `seconds`; only those are measured: server CPU over
   exactly that window, latency per delivered message (client receive time -
   server publish `ts`, the same machine clock), and every subscriber's seqs
   (each message once, in order, none missing). Publishes go out on schedule
   whether or not the previous one was acknowledged, so a busy server does
   not lower the offered rate.

Reading the latencies: one publish wakes every subscriber, and the server
writes to them one after another on its single event loop, so under load a
message's latency is mostly its subscriber's place in that fan-out (about
half the fan-out time at the median), plus the client processes' own
queueing (they share the machine). Subscribers connect interleaved across
techniques (sse 0, stream 0, ws 0, longpoll 0, sse 1, ...) so that no
technique is always served first, and every client process holds an equal
share of each technique, so none waits behind a busier process; long-pollers
re-subscribe after every answer, which puts them at the end of the next
fan-out (and, under load, their answers batch several messages).

Memory per connection is the server's RSS at the end of the steady state
minus its idle RSS (after the baseline, with no subscriber connected),
divided by the subscribers; the same with the RSS once all are connected and
before messages flow is reported too.

Frames (`LoadResult`): `deliveries` (one row per delivered message per
subscriber), `clients` (one row per subscriber), `summary` (one row per phase
and technique) and `samples` (server and client CPU and RSS once a second);
`figures` holds the headline numbers. `LoadResult.save()` records the
summary, samples and timeline with `rtlab.runs.store` (no per-delivery rows;
`rtlab.runs.store.load("load")` reads it back); data/schema.md documents it.

The modules: `spec` (what to run, the frames' columns), `subscribers` (the
client processes), `run` (the phases and the publisher) and `result` (the
frames and figures from the records). A package rather than one module
because the client processes' code runs in other processes and shares
nothing with the publisher's side but the `Job` it is sent.

The client processes are spawned (multiprocessing), so a script that calls
`run_load` needs the `if __name__ == "__main__":` guard.
"""

from rtlab.studies.load.result import LoadFigures, LoadResult
from rtlab.studies.load.run import arun_load, run_load
from rtlab.studies.load.spec import (
    CLIENT_COLUMNS,
    DELIVERY_COLUMNS,
    SAMPLE_COLUMNS,
    SUMMARY_COLUMNS,
    TIMELINE_COLUMNS,
    LoadSpec,
    raise_fd_limit,
)

__all__ = [
    "CLIENT_COLUMNS",
    "DELIVERY_COLUMNS",
    "SAMPLE_COLUMNS",
    "SUMMARY_COLUMNS",
    "TIMELINE_COLUMNS",
    "LoadFigures",
    "LoadResult",
    "LoadSpec",
    "arun_load",
    "raise_fd_limit",
    "run_load",
]
