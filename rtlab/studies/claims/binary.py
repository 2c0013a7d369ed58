"""Seeds 002 and 003: SSE only carries text; binary data must be encoded,
which makes it bigger. Measured by putting raw random bytes through an SSE
decoder, and by the wire bytes per payload byte of base64 over SSE, of the same
base64 as WebSocket text, and of raw WebSocket binary frames."""

from __future__ import annotations

import base64
import contextlib
import random
from collections.abc import AsyncIterator, Mapping

import aiohttp
from aiohttp import WSMsgType, web

from rtlab.clients import Client, SSEClient, WSClient
from rtlab.env import timeout_factor
from rtlab.lab import Lab
from rtlab.netem import Relay
from rtlab.runs.record import recording
from rtlab.studies.claims.base import Measured, Measurement, num
from rtlab.studies.claims.harness import connected, until
from rtlab.wire.sse import SSEDecoder

__all__ = ["BASE64_FACTOR", "BINARY_SIZES", "measure_sse_binary", "rule_sse_binary"]

BINARY_SIZES = (64, 1024, 16384)
BASE64_FACTOR = 4 / 3


@contextlib.asynccontextmanager
async def _binary_ws_server() -> AsyncIterator[str]:
    """A minimal WebSocket endpoint that answers `"SIZE COUNT SEED"` with COUNT
    binary frames of random bytes. rtlab's own protocol is JSON text only, so
    the binary frame a WebSocket could use instead of base64 needs its own
    server; the path starts with /ws/ so the relay counts it as WebSocket."""

    async def handler(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(compress=False)
        await socket.prepare(request)
        async for frame in socket:
            if frame.type == WSMsgType.TEXT:
                size, count, seed = map(int, frame.data.split())
                rng = random.Random(seed)
                for _ in range(count):
                    await socket.send_bytes(rng.randbytes(size))
        return socket

    app = web.Application()
    app.router.add_get("/ws/binary", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def _raw_bytes_survive_sse(payload: bytes) -> bool:
    """Whether raw bytes put in an SSE data field come out of a spec decoder unchanged."""
    events = SSEDecoder().feed(b"data: " + payload + b"\n\n")
    return len(events) == 1 and events[0].data.encode() == payload


async def _binary_frames_cost(url: str, relay: Relay, size: int, count: int) -> float:
    """Downstream wire bytes for `count` binary frames of `size` random bytes."""
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(url.replace("http", "ws", 1) + "/ws/binary") as socket,
    ):
        relay.reset_counters()  # leave the handshake out
        await socket.send_str(f"{size} {count} {size}")
        rng = random.Random(size)
        for _ in range(count):
            frame = await socket.receive(timeout=10 * timeout_factor())
            if frame.type != WSMsgType.BINARY or frame.data != rng.randbytes(size):
                raise RuntimeError(f"binary frame corrupted or missing: {frame.type}")
        return float(relay.totals()["ws"]["bytes_down"])


async def _base64_cost(lab: Lab, relay: Relay, payloads: list[bytes], topic: str) -> Measured:
    """Downstream wire bytes of `payloads` sent base64-encoded to an SSE and a
    WebSocket client (each checked to decode back to the payloads)."""
    clients: list[Client] = [
        SSEClient(relay.url, topic, after=0),
        WSClient(relay.url, topic, after=0),
    ]
    async with recording(clients) as collectors:
        await connected(clients)
        relay.reset_counters()  # count the messages, not the handshakes
        for payload in payloads:
            await lab.apublish(topic, base64.b64encode(payload).decode("ascii"))
        count = len(payloads)
        await until(
            lambda: all(len(c.messages()) >= count for c in collectors), 10, "base64 copies"
        )
        for collector in collectors:
            decoded = [base64.b64decode(m.data) for m in collector.messages()]
            if decoded != payloads:
                raise RuntimeError("a base64 payload did not survive the round trip")
    wire = relay.totals()
    return {"sse": float(wire["sse"]["bytes_down"]), "ws": float(wire["ws"]["bytes_down"])}


async def measure_sse_binary(quick: bool) -> Measurement:
    """Each of BINARY_SIZES: the three ways' wire bytes per payload byte, and
    how often raw random bytes survive an SSE data field."""
    count = 3 if quick else 20
    rng = random.Random(0)
    measured: Measured = {}
    intact = tries = 0
    async with (
        Lab() as lab,
        Relay.for_url(lab.url) as relay,
        _binary_ws_server() as binary_url,
        Relay.for_url(binary_url) as binary_relay,
    ):
        for size in BINARY_SIZES:
            payloads = [rng.randbytes(size) for _ in range(count)]
            wire = await _base64_cost(lab, relay, payloads, f"binary-{size}")
            sent = count * size
            measured[f"sse_per_byte_{size}"] = wire["sse"] / sent
            measured[f"ws_text_per_byte_{size}"] = wire["ws"] / sent
            binary = await _binary_frames_cost(binary_relay.url, binary_relay, size, count)
            measured[f"ws_binary_per_byte_{size}"] = binary / sent
            for payload in payloads:
                tries += 1
                intact += _raw_bytes_survive_sse(payload)
    measured["raw_sse_intact"] = intact / tries
    measured["raw_sse_tries"] = float(tries)
    return Measurement(measured)


def rule_sse_binary(figures: Mapping[str, float]) -> tuple[str, str]:
    """Holds if raw random bytes never survive an SSE data field (so binary
    must be encoded) and the encoded payload costs at least base64's 4/3 on
    the SSE wire at every size; does not hold otherwise."""
    sse = [figures[f"sse_per_byte_{size}"] for size in BINARY_SIZES]
    text = [figures[f"ws_text_per_byte_{size}"] for size in BINARY_SIZES]
    binary = [figures[f"ws_binary_per_byte_{size}"] for size in BINARY_SIZES]
    holds = figures["raw_sse_intact"] == 0 and min(sse) >= BASE64_FACTOR * 0.999
    sizes = "/".join(f"{s:,}" for s in BINARY_SIZES)
    evidence = (
        f"Raw random bytes in an SSE data field came out intact in "
        f"{figures['raw_sse_intact']:.0%} of {figures['raw_sse_tries']:.0f} tries (UTF-8 decoding "
        f"and CR/LF alter them), so binary must be encoded: as base64 in rtlab's JSON envelope, "
        f"payloads of {sizes} B cost {' / '.join(map(num, sse))} wire bytes per payload byte "
        f"over SSE (base64 alone is 1.33), {' / '.join(map(num, text))} as WebSocket text, "
        f"and {' / '.join(map(num, binary))} as raw WebSocket binary frames."
    )
    return ("holds" if holds else "does not hold"), evidence
