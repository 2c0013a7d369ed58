"""What a technique costs on the wire below HTTP: a packet capture on loopback.

The relay (`rtlab.netem`) counts the bytes of the TCP streams, the payload
each technique puts on the wire. Under that payload are the TCP/IP headers
of every segment, the handshakes (SYN, SYN-ACK, ACK), the ACKs and the
closes, which only a packet capture sees. `wire_overhead()` runs one client
per technique behind a relay and captures, with `tcpdump` on the loopback
interface, the leg between the relay and the lab (the relay forwards the
client's bytes unchanged, so that leg carries the same payload without the
emulated delay). Each technique's row gives, for the connection set-up
(everything before the first publish, once the client is connected) and for
the steady state (per delivered message): packets, IP bytes (headers
included) and TCP payload bytes, beside the relay's own count; and the
client's median latency (`p50_ms`).

`tcpdump` needs root (or CAP_NET_RAW) and the Debian package `tcpdump`;
without it `wire_overhead` raises `CaptureUnavailable` saying so. The pcap
file is read with dpkt (a well-kept pcap and TCP/IP parser).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dpkt
import pandas as pd

from rtlab.lab import Lab
from rtlab.netem import LinkSettings, Relay
from rtlab.profiles import get_profile
from rtlab.runs.clients import ClientKnobs, make_client
from rtlab.runs.record import recording
from rtlab.runs.schedule import Schedule
from rtlab.runs.stats import median
from rtlab.runs.wait import require
from rtlab.techniques import TECHNIQUES

__all__ = [
    "CaptureUnavailable",
    "Captured",
    "Packet",
    "awire_overhead",
    "capture",
    "read_packets",
    "wire_overhead",
]


class CaptureUnavailable(RuntimeError):
    """No way to capture packets here (no tcpdump, or not allowed to)."""


@dataclass(frozen=True, slots=True)
class Packet:
    """One captured IPv4 TCP segment: when (s, the capture's clock, which is
    the wall clock), its IP length (headers included) and its TCP payload."""

    t: float
    ip_bytes: int
    payload_bytes: int


def read_packets(path: str | Path) -> list[Packet]:
    """The IPv4 TCP segments of a pcap file written by tcpdump on loopback."""
    packets = []
    with open(path, "rb") as handle:
        reader = dpkt.pcap.Reader(handle)
        link = reader.datalink()
        for t, frame in reader:
            ip = _ip_of(link, frame)
            if isinstance(ip, dpkt.ip.IP) and isinstance(ip.data, dpkt.tcp.TCP):
                # from the headers' lengths: the capture keeps only each segment's start
                payload = ip.len - 4 * ip.hl - 4 * ip.data.off
                packets.append(Packet(float(t), int(ip.len), int(payload)))
    return packets


def _ip_of(link: int, frame: bytes) -> Any:
    """The IP packet inside a captured frame (Ethernet on Linux loopback)."""
    if link == dpkt.pcap.DLT_EN10MB:
        return dpkt.ethernet.Ethernet(frame).data
    if link == dpkt.pcap.DLT_LINUX_SLL:
        return dpkt.sll.SLL(frame).data
    return dpkt.ip.IP(frame)


@dataclass
class Captured:
    """The segments a `capture` saw; filled in when its block exits."""

    packets: list[Packet] = field(default_factory=list)


@contextlib.asynccontextmanager
async def capture(port: int) -> AsyncIterator[Captured]:
    """Capture loopback TCP traffic to and from `port` while the block runs;
    the `Captured` it yields holds the segments once the block has exited."""
    tcpdump = shutil.which("tcpdump", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/bin")
    if tcpdump is None:
        raise CaptureUnavailable("no tcpdump here (Debian package tcpdump)")
    captured = Captured()
    with tempfile.TemporaryDirectory(prefix="rtlab-pcap-") as folder:
        path = Path(folder) / "capture.pcap"
        process = await asyncio.create_subprocess_exec(
            *(tcpdump, "-i", "lo", "-U", "-n", "-s", "128", "-w", str(path), f"tcp port {port}"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await _listening(process)
            yield captured
            await asyncio.sleep(1.0)  # let the last segments reach the capture
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
            await process.wait()
        captured.packets = read_packets(path) if path.exists() else []


async def _listening(process: asyncio.subprocess.Process) -> None:
    """Until tcpdump says it is listening; CaptureUnavailable if it exits first."""
    assert process.stderr is not None
    lines = []
    while True:
        line = (await asyncio.wait_for(process.stderr.readline(), 10)).decode(errors="replace")
        lines.append(line.strip())
        if "listening on" in line:
            return
        if not line:
            await process.wait()
            raise CaptureUnavailable(f"tcpdump could not capture: {' '.join(lines)}")


async def _one(technique: str, messages: int, rate: float, link: LinkSettings) -> dict[str, Any]:
    """One client of `technique` behind a relay; the capture of the relay-lab leg."""
    async with Lab() as lab, Relay.for_url(lab.url, link) as relay:
        assert lab.port is not None
        start = await lab.apublish(technique, "start")
        knobs = ClientKnobs(poll_interval=0.5)
        client = make_client(technique, relay.url, technique, knobs, after=start)
        async with (
            capture(lab.port) as captured,
            recording([client], until=start + messages) as (recorder,),
        ):
            opened = lambda: relay.totals().get(technique, {}).get("connections", 0) >= 1  # noqa: E731
            await require(opened, 10, f"the {technique} client's connection")
            await asyncio.sleep(0.3 + 2 * link.delay)  # its set-up is all sent and answered
            split, setup = time.time(), relay.totals().get(technique, {})
            async for _ in Schedule(rate, messages):
                await lab.apublish(technique, "x" * 64)
            await recorder.wait(10)
            delivered = len({m.seq for m in recorder.messages()})
            p50_ms = median(recorder.latencies)
        wire = relay.totals().get(technique, {})
    return {**_row(technique, delivered, captured.packets, split, setup, wire), "p50_ms": p50_ms}


def _row(
    technique: str,
    delivered: int,
    packets: Sequence[Packet],
    split: float,
    setup_relay: dict[str, int],
    wire: dict[str, int],
) -> dict[str, Any]:
    """Set-up and steady-state figures of one capture, split at `split` (wall clock)."""
    setup = [p for p in packets if p.t < split]
    steady = [p for p in packets if p.t >= split]
    relay_setup = setup_relay.get("bytes_up", 0) + setup_relay.get("bytes_down", 0)
    relay_all = wire.get("bytes_up", 0) + wire.get("bytes_down", 0)
    per = max(delivered, 1)
    return {
        "technique": technique,
        "delivered": delivered,
        "connections": wire.get("connections", 0),
        "setup_packets": len(setup),
        "setup_ip_bytes": sum(p.ip_bytes for p in setup),
        "setup_payload_bytes": sum(p.payload_bytes for p in setup),
        "setup_relay_bytes": relay_setup,
        "steady_packets_per_msg": len(steady) / per,
        "steady_ip_bytes_per_msg": sum(p.ip_bytes for p in steady) / per,
        "steady_payload_bytes_per_msg": sum(p.payload_bytes for p in steady) / per,
        "steady_relay_bytes_per_msg": (relay_all - relay_setup) / per,
    }


def wire_overhead(
    techniques: Sequence[str] = TECHNIQUES,
    messages: int = 50,
    rate: float = 10.0,
    network: str = "4g",
) -> pd.DataFrame:
    """One row per technique: set-up and steady-state packets, IP bytes and TCP
    payload bytes from a loopback capture, beside the relay's byte count, for
    `messages` 64-character messages at `rate` per second on `network`."""
    from rtlab.aio import run_sync

    return run_sync(awire_overhead(techniques, messages, rate, network))


async def awire_overhead(
    techniques: Sequence[str] = TECHNIQUES,
    messages: int = 50,
    rate: float = 10.0,
    network: str = "4g",
) -> pd.DataFrame:
    """Awaitable form of `wire_overhead`."""
    link = get_profile(network).link_settings(seed=0)
    rows = [await _one(technique, messages, rate, link) for technique in techniques]
    frame = pd.DataFrame(rows).set_index("technique")
    frame["steady_tcpip_overhead_per_msg"] = (
        frame["steady_ip_bytes_per_msg"] - frame["steady_payload_bytes_per_msg"]
    )
    return frame
