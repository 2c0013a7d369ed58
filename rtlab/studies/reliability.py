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

`save_figures()` / `load_figures()` keep results in `data/` as gzip CSV with
a JSON file of the plan, versions and machine, as `experiments.Result` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import random
import socket
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pandas as pd

from rtlab.aio import run_sync
from rtlab.clients import CLIENTS, Client, LongPollClient, PollClient
from rtlab.lab import Lab
from rtlab.message import Gap, Message, Restart, now_ms
from rtlab.netem import LinkSettings, Relay
from rtlab.runs.hosts import ProcessServer
from rtlab.runs.progress import progress_bar
from rtlab.runs.stats import percentile
from rtlab.runs.store import DATA_DIR, environment
from rtlab.techniques import PUSH, TECHNIQUES

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
    "load_figures",
    "save_figures",
    "slow_consumer",
]

TOPIC = "reliability"


def _client(technique: str, url: str, topic: str, *, poll_interval: float, **kw: Any) -> Client:
    cls = CLIENTS[technique]
    if cls is PollClient:
        return PollClient(url, topic, interval=poll_interval, **kw)
    if cls is LongPollClient:
        return LongPollClient(url, topic, timeout=25.0, **kw)
    return cls(url, topic, **kw)


@dataclass
class _Log:
    """What one client delivered, in order, with local receive times (ms)."""

    client: Client
    items: list[tuple[float, Message | Gap | Restart]] = field(default_factory=list)

    def messages(self) -> list[Message]:
        return [item for _, item in self.items if isinstance(item, Message)]


async def _follow(log: _Log, done: asyncio.Event) -> None:
    """Record everything the client delivers until `done` is set (or cancelled)."""
    async with contextlib.aclosing(aiter(log.client)) as items:
        async for item in items:
            log.items.append((now_ms(), item))
            if done.is_set():
                return


async def _stop_following(
    done: asyncio.Event, followers: Sequence[asyncio.Task[None]], logs: Iterable[_Log]
) -> None:
    """End the recording tasks, then close their clients."""
    done.set()
    for task in followers:
        task.cancel()
    await asyncio.gather(*followers, return_exceptions=True)
    for log in logs:
        await log.client.aclose()


async def _wait_until(check: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    """Look at `check()` (local state, no I/O) every `step` s until it holds or
    `timeout` s pass; whether it held."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if check():
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(step)


# -- 1. cuts and a restart ---------------------------------------------------------------


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
    """Run the fault experiment; one row per technique (see the module docstring)."""
    plan = plan or FaultPlan()
    # history holds the whole run, so only the restart (never history) loses messages
    lab = await Lab(history=plan.messages + 10, heartbeat=1.0, retry_ms=plan.retry_ms).astart()
    relays = {t: await Relay.for_url(lab.url).start() for t in plan.techniques}
    logs = {
        t: _Log(_client(t, relays[t].url, TOPIC, poll_interval=plan.poll_interval, after=0))
        for t in plan.techniques
    }
    done = asyncio.Event()
    followers = [asyncio.create_task(_follow(log, done)) for log in logs.values()]
    published: list[tuple[str, int, float]] = []  # per data index: epoch, seq, ts (ms)
    cut_log: dict[str, list[tuple[float, int]]] = {t: [] for t in plan.techniques}
    restart: dict[str, float] = {}
    loop = asyncio.get_running_loop()

    async def cutter(technique: str) -> None:
        rng = random.Random(f"{plan.seed}:{technique}")
        instants = sorted(rng.uniform(0.02, 0.98) * plan.seconds for _ in range(plan.cuts))
        for at in instants:
            await asyncio.sleep(max(0.0, start + at - loop.time()))
            cut_log[technique].append((now_ms(), relays[technique].cut_all()))

    try:
        await asyncio.sleep(0.3)  # clients connect
        start = loop.time()
        cutters = [asyncio.create_task(cutter(t)) for t in plan.techniques]
        restart_index = int(plan.messages * plan.restart_at)
        interval = plan.seconds / plan.messages
        with progress_bar(
            total=plan.messages, desc="faults", unit="msg", disable=not progress, leave=False
        ) as bar:
            for i in range(plan.messages):
                await asyncio.sleep(max(0.0, start + i * interval - loop.time()))
                if i == restart_index:
                    restart["old_epoch_last_seq"] = published[-1][1] if published else 0
                    restart["started"] = now_ms()
                    await lab.arestart()
                    restart["finished"] = now_ms()
                seq = await lab.apublish(TOPIC, {"i": i})
                published.append((lab.hub.epoch, seq, now_ms()))
                bar.update(1)
        await asyncio.gather(*cutters)
        # Drain: every client should reach the last message soon after the last cut.
        final = plan.messages - 1

        def caught_up(log: _Log) -> bool:
            messages = log.messages()
            return bool(messages) and messages[-1].data.get("i") == final

        await _wait_until(
            lambda: all(caught_up(log) for log in logs.values()),
            10 + 4 * plan.poll_interval + plan.retry_ms / 1000,
        )
    finally:
        await _stop_following(done, followers, logs.values())
        for relay in relays.values():
            await relay.stop()
        await lab.astop()
    rows = [_fault_row(t, logs[t], published, cut_log[t], restart) for t in plan.techniques]
    return pd.DataFrame(rows)


def _fault_row(
    technique: str,
    log: _Log,
    published: list[tuple[str, int, float]],
    cuts: list[tuple[float, int]],
    restart: dict[str, float],
) -> dict[str, Any]:
    by_key = {(epoch, seq): i for i, (epoch, seq, _) in enumerate(published)}
    first_epoch = published[0][0]
    delivered: list[int] = []
    explained: set[int] = set()
    epoch = first_epoch
    latencies: list[float] = []
    for received, item in log.items:
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
    receive_times = [received for received, item in log.items if isinstance(item, Message)]
    for at, hit in cuts:
        if hit:
            later = [t for t in receive_times if t > at]
            if later:
                recovered.append(later[0] - at)
    after_restart = [
        t
        for t, item in log.items
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
        "restart_notices": sum(isinstance(item, Restart) for _, item in log.items),
        "gaps": sum(isinstance(item, Gap) for _, item in log.items),
        "cuts": len(cuts),
        "cuts_hit": sum(1 for _, hit in cuts if hit),
        "reconnects": log.client.stats.reconnects,
        "errors": log.client.stats.errors,
        "recover_p50_ms": percentile(recovered, 50),
        "recover_max_ms": max(recovered, default=float("nan")),
        "restart_recover_ms": (
            after_restart[0] - restart["started"] if after_restart else float("nan")
        ),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p99_ms": percentile(latencies, 99),
    }


def faults(plan: FaultPlan | None = None, progress: bool = True) -> pd.DataFrame:
    """`afaults` from synchronous code (a script or a notebook cell)."""
    return run_sync(afaults(plan, progress))


# -- 2. idle timeouts ----------------------------------------------------------------------


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
        key: _Log(_client(key[1], relay.url, TOPIC, poll_interval=1.0, after=0))
        for key, relay in relays.items()
    }
    done = asyncio.Event()
    followers = [asyncio.create_task(_follow(log, done)) for log in logs.values()]
    loop = asyncio.get_running_loop()
    try:
        await asyncio.sleep(0.3)
        start = loop.time()
        with progress_bar(
            total=plan.messages, desc="idle", unit="msg", disable=not progress, leave=False
        ) as bar:
            for i in range(plan.messages):
                await asyncio.sleep(max(0.0, start + (i + 1) * plan.message_every - loop.time()))
                for lab in labs.values():
                    await lab.apublish(TOPIC, {"i": i})
                bar.update(1)
        await _wait_until(
            lambda: all(len(log.messages()) >= plan.messages for log in logs.values()),
            5 + plan.retry_ms / 1000,
        )
    finally:
        await _stop_following(done, followers, logs.values())
        totals = {key: relay.totals() for key, relay in relays.items()}
        for relay in relays.values():
            await relay.stop()
        for lab in labs.values():
            await lab.astop()
    rows = []
    for (name, technique), log in logs.items():
        wire = totals[(name, technique)].get(technique, {})
        data = [int(m.data["i"]) for m in log.messages()]
        latencies = [m.latency_ms or 0.0 for m in log.messages()]
        rows.append(
            {
                "technique": technique,
                "heartbeat": name,
                "heartbeat_s": conditions[name] if name == "on" else None,
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
        )
    return pd.DataFrame(rows)


def idle(plan: IdlePlan | None = None, progress: bool = True) -> pd.DataFrame:
    """`aidle` from synchronous code."""
    return run_sync(aidle(plan, progress))


# -- 3. a slow consumer --------------------------------------------------------------------


@dataclass(frozen=True)
class SlowPlan:
    """Parameters of `slow_consumer()`: `megabytes` of ~`message_size`-byte messages
    at `rate` per second to `fast` clients per technique, with and without one
    stalled client per technique; the server's send limit is `send_limit` bytes."""

    megabytes: float = 10.0
    message_size: int = 1000
    rate: float = 500.0
    fast: int = 2
    send_limit: int = 1024 * 1024
    # The stalled clients read again only once all is published: a grace long
    # enough that the end reason is still queued for them then (else: a reset).
    send_grace: float = 120.0
    techniques: tuple[str, ...] = PUSH

    @classmethod
    def quick(cls) -> SlowPlan:
        return cls(megabytes=6.0, rate=2000.0, fast=1, send_limit=256 * 1024)

    @property
    def messages(self) -> int:
        return max(1, round(self.megabytes * 1_000_000 / self.message_size))


async def _slow_run(
    plan: SlowPlan, stalled: bool, progress: bool
) -> tuple[list[dict[str, Any]], float]:
    server = await asyncio.to_thread(
        ProcessServer,
        plan.messages + 10,
        15.0,
        ["--send-limit", str(plan.send_limit), "--send-grace", str(plan.send_grace)],
    )
    rows: list[dict[str, Any]] = []
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        await server.apublish(TOPIC, "start")
        fast = [
            _Log(_client(t, server.url, TOPIC, poll_interval=1.0, after=1))
            for t in plan.techniques
            for _ in range(plan.fast)
        ]
        followers = [asyncio.create_task(_follow(log, done)) for log in fast]
        narrow = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, socket_factory=_narrow_socket)
        )
        slow = {t: CLIENTS[t](server.url, TOPIC, after=0, session=narrow) for t in plan.techniques}
        slow_iters = {t: aiter(c) for t, c in slow.items()}
        if stalled:  # each reads the start message, then stops reading
            for iterator in slow_iters.values():
                await asyncio.wait_for(anext(iterator), 10)
        await asyncio.sleep(0.3)
        peak = baseline_rss = server.rss_bytes()
        pad = "x" * max(0, plan.message_size - 80)
        start = loop.time()
        with progress_bar(
            total=plan.messages,
            desc="slow consumer" if stalled else "baseline",
            unit="msg",
            disable=not progress,
            leave=False,
        ) as bar:
            for i in range(plan.messages):
                await asyncio.sleep(max(0.0, start + i / plan.rate - loop.time()))
                await server.apublish(TOPIC, {"i": i, "pad": pad})
                bar.update(1)  # cheap: the bar redraws at most once a second
                if i % 200 == 0:
                    peak = max(peak, server.rss_bytes())
        last = plan.messages + 1
        deadline = loop.time() + 30
        while loop.time() < deadline and any(log.client.last_seq != last for log in fast):
            await asyncio.sleep(0.05)
            peak = max(peak, server.rss_bytes())
        done.set()
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        for technique in plan.techniques:
            logs = [log for log in fast if log.client.technique == technique]
            latencies = [m.latency_ms or 0.0 for log in logs for m in log.messages()]
            row: dict[str, Any] = {
                "technique": technique,
                "stalled_client": stalled,
                "messages": plan.messages,
                "megabytes": plan.megabytes,
                "fast_clients": len(logs),
                "fast_delivered": sum(len({m.seq for m in log.messages()}) for log in logs),
                "fast_p50_ms": percentile(latencies, 50),
                "fast_p99_ms": percentile(latencies, 99),
            }
            if stalled:
                row |= await _resume(slow[technique], slow_iters[technique], last)
            rows.append(row)
        for log in fast:
            await log.client.aclose()
        for iterator in slow_iters.values():
            with contextlib.suppress(Exception):
                await iterator.aclose()
        for client in slow.values():
            await client.aclose()
        await narrow.close()
    finally:
        done.set()
        await server.aclose()
    return rows, (peak - baseline_rss) / 2**20


STALLED_RCVBUF = 16 * 1024


def _narrow_socket(addr_info: Any) -> socket.socket:
    """A client socket with a small receive buffer (aiohttp's `socket_factory`)."""
    family, kind, proto, _, _ = addr_info
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, STALLED_RCVBUF)
    return sock


async def _resume(client: Client, items: AsyncGenerator[Any, None], last: int) -> dict[str, Any]:
    """Let a stalled client read again until it has everything; what it saw."""
    seqs: list[int] = []
    started = now_ms()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(60):
            while client.last_seq != last:
                item = await anext(items)
                if isinstance(item, Message):
                    seqs.append(item.seq)
    return {
        "slow_ends": client.stats.ends,
        "slow_end_reason": client.end_reason or "",
        "slow_resumed_complete": seqs == list(range(2, last + 1)),
        "slow_duplicates": client.stats.duplicates,
        "slow_errors": client.stats.errors,
        "slow_catch_up_s": (now_ms() - started) / 1000,
    }


async def aslow_consumer(plan: SlowPlan | None = None, progress: bool = True) -> pd.DataFrame:
    """Run the slow-consumer experiment: baseline, then with stalled clients."""
    plan = plan or SlowPlan()
    base, base_rss = await _slow_run(plan, stalled=False, progress=progress)
    slow, slow_rss = await _slow_run(plan, stalled=True, progress=progress)
    frame = pd.DataFrame(base + slow)
    frame["server_rss_growth_mb"] = [base_rss] * len(base) + [slow_rss] * len(slow)
    frame["send_limit"] = plan.send_limit
    p99 = frame.set_index(["technique", "stalled_client"])["fast_p99_ms"]
    frame["p99_ratio"] = [
        row.fast_p99_ms / p99[(row.technique, False)] for row in frame.itertuples()
    ]
    return frame


def slow_consumer(plan: SlowPlan | None = None, progress: bool = True) -> pd.DataFrame:
    """`aslow_consumer` from synchronous code."""
    return run_sync(aslow_consumer(plan, progress))


# -- recorded figures ----------------------------------------------------------------------


def save_figures(
    name: str, frame: pd.DataFrame, plan: Any, directory: str | Path = DATA_DIR
) -> Path:
    """`data/NAME.csv.gz` plus `data/NAME.json` (the plan, versions, machine, commit)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with gzip.open(directory / f"{name}.csv.gz", "wt", encoding="utf-8") as out:
        frame.to_csv(out, index=False)
    meta = {"plan": asdict(plan), **environment()}
    (directory / f"{name}.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    return directory / f"{name}.csv.gz"


def load_figures(
    name: str, directory: str | Path = DATA_DIR
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A recorded frame and its metadata."""
    directory = Path(directory)
    frame = pd.read_csv(directory / f"{name}.csv.gz")
    meta: dict[str, Any] = json.loads((directory / f"{name}.json").read_text())
    return frame, meta
