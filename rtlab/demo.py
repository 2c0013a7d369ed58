"""The short live demo: every technique's client on one topic, one publisher.

All six clients subscribe to the same topic before the publisher starts, so
they see the same messages at the same moments; the table compares what each
delivered, at what cost in requests and bytes, and how fast (latency =
receive time - publish time, per message). This runs on bare loopback, where
push techniques all look alike; `rtlab.studies.experiments` adds a network.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rtlab.clients import CLIENTS
from rtlab.lab import Lab
from rtlab.runs.clients import ClientKnobs, make_client
from rtlab.runs.progress import progress_bar
from rtlab.runs.record import Recorder, recording
from rtlab.runs.schedule import Schedule
from rtlab.runs.stats import p99, percentile

__all__ = ["DemoRow", "format_table", "live_demo", "run_demo"]


@dataclass(frozen=True)
class DemoRow:
    technique: str
    delivered: int
    in_order: bool
    duplicates: int
    gaps: int
    requests: int
    bytes_received: int
    p50_ms: float
    p99_ms: float

    @property
    def bytes_per_message(self) -> float:
        return self.bytes_received / self.delivered if self.delivered else float("nan")


async def live_demo(
    lab: Lab,
    messages: int = 200,
    rate: float = 100.0,
    poll_interval: float = 0.5,
    topic: str = "demo",
    progress: bool = True,
) -> list[DemoRow]:
    """Publish `messages` at `rate`/s to every technique's client; one row each."""
    start = await lab.apublish(topic, {"warmup": True})
    knobs = ClientKnobs(poll_interval=poll_interval)
    clients = [make_client(name, lab.url, topic, knobs, after=start) for name in CLIENTS]
    async with recording(clients, until=start + messages) as recorders:
        await asyncio.sleep(0.2)  # let every client connect before the first message
        with progress_bar(
            total=messages, desc="publishing", unit="msg", disable=not progress
        ) as bar:
            async for tick in Schedule(rate, messages):
                await lab.apublish(topic, {"i": tick.index, "text": f"message {tick.index}"})
                bar.update()
        await asyncio.gather(*(r.wait(60 + messages) for r in recorders))
    return [_row(recorder, range(start + 1, start + messages + 1)) for recorder in recorders]


def _row(recorder: Recorder, expected: range) -> DemoRow:
    client, got = recorder.client, recorder.messages()
    return DemoRow(
        technique=client.technique,
        delivered=len(got),
        in_order=[m.seq for m in got] == list(expected),
        duplicates=client.stats.duplicates,
        gaps=client.stats.gaps + client.stats.holes,
        requests=client.stats.requests,
        bytes_received=client.stats.bytes_received,
        p50_ms=percentile(recorder.latencies, 50),
        p99_ms=p99(recorder.latencies),
    )


def format_table(rows: list[DemoRow]) -> str:
    header = (
        f"{'technique':<10} {'delivered':>9} {'in order':>8} {'dups':>4} {'gaps':>4} "
        f"{'requests':>8} {'bytes in':>9} {'B/msg':>7} {'p50 ms':>8} {'p99 ms':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.technique:<10} {r.delivered:>9} {'yes' if r.in_order else 'NO':>8} "
            f"{r.duplicates:>4} {r.gaps:>4} {r.requests:>8} {r.bytes_received:>9} "
            f"{r.bytes_per_message:>7.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f}"
        )
    return "\n".join(lines)


def run_demo(messages: int = 200, rate: float = 100.0, poll_interval: float = 0.5) -> str:
    """Start a Lab, run the demo, stop it; return the printed table."""
    with Lab() as lab:
        print(f"rtlab server at {lab.url}")
        rows = asyncio.run(live_demo(lab, messages, rate, poll_interval))
    return format_table(rows)
