"""Delivery latency per technique on loopback, against a raw TCP push baseline.

For each technique one client subscribes, then `--messages` messages are
published one at a time (`--gap` seconds apart, so each is delivered on its
own, not batched). Latency = client receive time - server publish time.

The baseline is the least a push can cost with the same layout: a bare
asyncio TCP server on its own thread (like the Lab), the publish hopping onto
its loop the same way, one JSON line per message, read by an asyncio client.
The ratio column is technique / baseline, from the same run on the same
machine. Short polling's figure is mostly its interval (`--poll-interval`):
it is listed for scale, not as a transport cost.

    python bench/latency.py [--messages 1000] [--gap 0.002] [--poll-interval 0.1]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import threading
from typing import Any

import aiohttp

from rtlab.clients import CLIENTS
from rtlab.lab import Lab
from rtlab.message import Message, now_ms
from rtlab.runs.stats import percentile


class RawPushServer:
    """A bare TCP push server on its own thread and loop: one JSON line per message."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.writers: list[asyncio.StreamWriter] = []
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._accept, "127.0.0.1", 0)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        self._ready.set()
        self.loop.run_forever()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)

    def __enter__(self) -> RawPushServer:
        self._thread.start()
        self._ready.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        async def close() -> None:
            for writer in self.writers:
                writer.close()
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()

    async def publish(self, seq: int) -> None:
        async def push() -> None:
            line = json.dumps({"seq": seq, "ts": now_ms()}).encode() + b"\n"
            for writer in self.writers:
                writer.write(line)

        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(push(), self.loop))


async def raw_baseline(messages: int, gap: float) -> list[float]:
    with RawPushServer() as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        await asyncio.sleep(0.1)
        latencies: list[float] = []

        async def read() -> None:
            while len(latencies) < messages:
                line = await reader.readline()
                latencies.append(now_ms() - json.loads(line)["ts"])

        reading = asyncio.create_task(read())
        for seq in range(1, messages + 1):
            await server.publish(seq)
            await asyncio.sleep(gap)
        await reading
        writer.close()
        await writer.wait_closed()
    return latencies


async def technique_latencies(
    lab: Lab, technique: str, messages: int, gap: float, poll_interval: float
) -> list[float]:
    topic = f"bench-{technique}"
    start = lab.publish(topic, "warmup")
    options: dict[str, Any] = {"interval": poll_interval} if technique == "poll" else {}
    async with aiohttp.ClientSession() as http:
        client = CLIENTS[technique](lab.url, topic, after=start, session=http, **options)
        collecting = asyncio.create_task(client.collect(start + messages, timeout=120))
        await asyncio.sleep(0.2)
        for i in range(messages):
            await lab.apublish(topic, {"i": i})
            await asyncio.sleep(gap)
        items = await collecting
        await client.aclose()
    return [m.latency_ms or 0.0 for m in items if isinstance(m, Message)]


async def main(messages: int, gap: float, poll_interval: float) -> None:
    print(
        f"python {platform.python_version()}, aiohttp {aiohttp.__version__}, "
        f"{messages} messages per technique, {gap * 1000:g} ms apart, loopback"
    )
    baseline = await raw_baseline(messages, gap)
    base50, base99 = percentile(baseline, 50), percentile(baseline, 99)
    rows = [("raw TCP push", len(baseline), base50, base99)]
    with Lab() as lab:
        for technique in CLIENTS:
            lat = await technique_latencies(lab, technique, messages, gap, poll_interval)
            rows.append((technique, len(lat), percentile(lat, 50), percentile(lat, 99)))
    print(
        f"{'technique':<13} {'n':>5} {'p50 ms':>9} {'p99 ms':>9} {'p50 ratio':>10} "
        f"{'p99 ratio':>10}"
    )
    for name, n, p50, p99 in rows:
        print(
            f"{name:<13} {n:>5} {p50:>9.3f} {p99:>9.3f} {p50 / base50:>10.1f} {p99 / base99:>10.1f}"
        )
    print(f"(short poll interval {poll_interval:g} s: its latency is ~interval/2 by design)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--gap", type=float, default=0.002, help="seconds between publishes")
    parser.add_argument("--poll-interval", type=float, default=0.1)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.gap, args.poll_interval))
