"""The measurement claims of the lab, checked on this machine. Prints figures.

1. Short polling at interval T: mean latency is near T/2 (publishes land at
   random phases of the polling cycle), and the fraction of empty responses
   follows from T and the publish rate r: with one message every 1/r seconds,
   an interval holds rT messages on average, so max(0, 1 - rT) of the polls
   come back empty.
2. With 50 ms one-way delay: SSE, WebSocket and the NDJSON stream deliver in
   about 50 ms; long polling matches them when messages are further apart than
   a round trip (2/s), and once they come faster than one per RTT (20/s, 200/s)
   a message usually waits for the next request to arrive, up to one more
   round trip, while each response batches several messages.

    python bench/measure.py            # about 2 minutes

Asserts nothing; compare the "ratio" columns with 1.0.
"""

from __future__ import annotations

import time

from rtlab.studies.experiments import Scenario, run


def short_poll() -> None:
    rate = 3.7  # not a multiple of any interval, so phases spread evenly
    print(f"1. short polling, loopback, {rate} msg/s")
    print(
        f"{'T s':>5} {'msgs':>5} {'mean ms':>8} {'T/2 ms':>7} {'ratio':>6} "
        f"{'empty':>6} {'pred.':>6}"
    )
    for interval in (0.1, 0.25, 0.5, 1.0, 2.0):
        scenario = Scenario(
            "poll",
            rate=rate,
            duration=max(6.0, 12 * interval),
            poll_interval=interval,
            label=f"poll-T{interval}",
        )
        result = run(scenario, progress=False)
        mean = result.deliveries["latency_ms"].mean()
        row = result.runs.iloc[0]
        # the first poll always precedes the first publish: leave it out
        empty = (row["empty_responses"] - 1) / (row["requests"] - 1)
        predicted = max(0.0, 1 - rate * interval)
        print(
            f"{interval:>5g} {len(result.deliveries):>5} {mean:>8.1f} {interval * 500:>7.0f} "
            f"{mean / (interval * 500):>6.2f} {empty:>6.2f} {predicted:>6.2f}"
        )


def with_delay() -> None:
    print("\n2. 50 ms one-way delay (100 ms RTT), unlimited bandwidth")
    print(
        f"{'technique':<9} {'msg/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'p50/50ms':>8} "
        f"{'msgs/request':>12}"
    )
    scenarios = [
        Scenario(t, rate=20, duration=3, delay_ms=50, label=f"{t}-20")
        for t in ("sse", "ws", "stream", "longpoll")
    ]
    scenarios += [
        Scenario("longpoll", rate=2, duration=8, delay_ms=50, label="longpoll-2"),
        Scenario("longpoll", rate=200, duration=3, delay_ms=50, label="longpoll-200"),
    ]
    result = run(scenarios, progress=False)
    summary = result.summary()
    for _, row in summary.iterrows():
        print(
            f"{row['technique']:<9} {row['scenario'].split('-')[-1]:>6} {row['p50_ms']:>7.1f} "
            f"{row['p99_ms']:>7.1f} {row['p50_ms'] / 50:>8.2f} "
            f"{row['delivered'] / row['requests']:>12.1f}"
        )


if __name__ == "__main__":
    started = time.perf_counter()
    short_poll()
    with_delay()
    print(f"\n({time.perf_counter() - started:.0f} s)")
