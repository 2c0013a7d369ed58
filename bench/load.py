"""Load: many subscribers on one server with messages flowing, next to a 1-per-technique baseline.

    python bench/load.py [--push 2000] [--longpoll 500] [--seconds 60] [--rate 10] \
                         [--warmup 10] [--out data] [--name load]

The push subscribers are split evenly over SSE, the NDJSON stream and
WebSocket; all subscribe to one topic and get every message (~100-byte JSON
data, a 173-byte envelope). The server runs in its own process and the
subscribers in `--processes` client processes (see `rtlab.studies.load`). Prints the
server's CPU and memory per connection, the connect time, deliveries and
losses, and p50/p99 latency per technique (from each message's scheduled
publish time, over the window after `--warmup` seconds of unmeasured
messages) with their ratio to the baseline, and the publish lag;
records the result as NAME.* in the folder `--out` (`rtlab.runs.store`'s
layout; `--out ''`: do not write). Asserts nothing.
"""

from __future__ import annotations

import argparse
import time

from rtlab.studies.load import LoadSpec, run_load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--push", type=int, default=2000, help="SSE + stream + WebSocket")
    parser.add_argument("--longpoll", type=int, default=500, help="long-pollers")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured flow")
    parser.add_argument("--rate", type=float, default=10.0, help="messages per second")
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument(
        "--warmup", type=float, default=10.0, help="seconds of messages before the window"
    )
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--out", default="data", help="folder to record the result in")
    parser.add_argument("--name", default="load", help="name of the recorded result")
    args = parser.parse_args()
    spec = LoadSpec(
        push=args.push,
        longpoll=args.longpoll,
        seconds=args.seconds,
        rate=args.rate,
        baseline_seconds=args.baseline_seconds,
        warmup_seconds=args.warmup,
        client_processes=args.processes,
    )
    started = time.perf_counter()
    result = run_load(spec, progress=True)
    print(result.report())
    print(f"\n({time.perf_counter() - started:.0f} s)")
    if args.out:
        print(f"saved to {result.save(args.name, args.out)}")


if __name__ == "__main__":  # required: the client processes are spawned
    main()
