"""Seeds 002 and 003: SSE only carries text; binary data must be encoded,
which makes it bigger. Measured by putting raw random bytes through an SSE
decoder, and, at each payload size of BINARY_SIZES, by the steady-state wire
bytes per message (handshakes left out) of: the payload base64-encoded over
SSE; a text payload of the same length over SSE (what the message would cost
if the bytes needed no encoding); the same base64 as WebSocket text; and the
raw bytes as WebSocket binary frames.

base64 always makes the payload itself 4/3 as long, so that ratio alone
cannot judge the claim. What varies is whether the growth matters on the
wire: a message also carries a fixed framing (SSE's `id:`/`event:`/`data:`
lines, the HTTP chunk header, rtlab's JSON envelope), which dominates a small
message. The rule therefore compares whole messages on the same transport,
SSE with base64 against SSE with text of the payload's length, and finds the
size from which the encoding adds more than BINARY_MATTERS. Comparing SSE
with WebSocket binary frames instead would mix the encoding with the two
protocols' framing (SSE's costs more at every size); those figures are in the
evidence beside it.
"""

from __future__ import annotations

import base64
import contextlib
import random
import string
from collections.abc import AsyncIterator, Mapping

import aiohttp
from aiohttp import WSMsgType, web

from rtlab.env import timeout_factor
from rtlab.lab import Lab
from rtlab.netem import Relay
from rtlab.studies.claims.base import Measured, Measurement, num
from rtlab.studies.claims.harness import steady_bytes
from rtlab.wire.sse import SSEDecoder

__all__ = [
    "BASE64_FACTOR",
    "BINARY_MATTERS",
    "BINARY_SIZES",
    "measure_sse_binary",
    "rule_sse_binary",
]

BINARY_SIZES = (16, 64, 1024, 16384)  # payload bytes: from framing-dominated to payload-dominated
BASE64_FACTOR = 4 / 3
BINARY_MATTERS = 0.10  # the encoding "makes it bigger" where it adds more than 10 % to a message


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


def _text_like(rng: random.Random, size: int) -> str:
    """A text payload of `size` characters (base64's own alphabet, so JSON
    escapes nothing in it either): what the message would carry unencoded."""
    return "".join(rng.choices(string.ascii_letters + string.digits, k=size))


async def _size_figures(
    lab: Lab, relay: Relay, binary: Relay, payloads: list[bytes], rng: random.Random
) -> Measured:
    """One size: the four ways' wire bytes per payload byte (see the module),
    each base64 copy checked to decode back to the payloads."""
    size, count = len(payloads[0]), len(payloads)
    encoded = [base64.b64encode(payload).decode("ascii") for payload in payloads]
    wire, data = await steady_bytes(lab, relay, f"binary-{size}", encoded)
    for delivered in data.values():
        if [base64.b64decode(item) for item in delivered] != payloads:
            raise RuntimeError("a base64 payload did not survive the round trip")
    plain, _ = await steady_bytes(lab, relay, f"text-{size}", [_text_like(rng, size)] * count)
    frames = await _binary_frames_cost(binary.url, binary, size, count)
    return {
        f"sse_per_byte_{size}": wire["sse"] / size,
        f"sse_plain_per_byte_{size}": plain["sse"] / size,
        f"ws_text_per_byte_{size}": wire["ws"] / size,
        f"ws_binary_per_byte_{size}": frames / (count * size),
    }


async def measure_sse_binary(quick: bool) -> Measurement:
    """Each of BINARY_SIZES: the four ways' wire bytes per payload byte, and
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
            measured |= await _size_figures(lab, relay, binary_relay, payloads, rng)
            for payload in payloads:
                tries += 1
                intact += _raw_bytes_survive_sse(payload)
    measured["raw_sse_intact"] = intact / tries
    measured["raw_sse_tries"] = float(tries)
    return Measurement(measured)


def encoding_growth(figures: Mapping[str, float], size: int) -> float:
    """What base64 adds to a whole SSE message of a `size`-byte payload,
    relative to the same message carrying text of that length."""
    return figures[f"sse_per_byte_{size}"] / figures[f"sse_plain_per_byte_{size}"] - 1


def _sizes(sizes: list[int]) -> str:
    return ", ".join(f"{size:,}" for size in sizes) + " B"


def rule_sse_binary(figures: Mapping[str, float]) -> tuple[str, str]:
    """ "Must be encoded": raw random bytes never come out of an SSE data field
    intact. "Makes it bigger": at a payload size, base64 adds more than
    BINARY_MATTERS (10 %) to the whole SSE message's wire bytes, against the
    same message carrying text of the payload's length.

    Does not hold if raw bytes did survive, or if the encoding adds at most
    10 % at every size of BINARY_SIZES; holds if it adds more at every size;
    depends otherwise (on the payload size: the evidence gives the sizes on
    each side)."""
    growth = {size: encoding_growth(figures, size) for size in BINARY_SIZES}
    matters = [size for size in BINARY_SIZES if growth[size] > BINARY_MATTERS]
    if figures["raw_sse_intact"] > 0 or not matters:
        verdict = "does not hold"
    elif len(matters) == len(BINARY_SIZES):
        verdict = "holds"
    else:
        verdict = "depends"
    per_message = "; ".join(
        f"{size:,} B: SSE {num(figures[f'sse_per_byte_{size}'] * size)} B/msg with base64 "
        f"against {num(figures[f'sse_plain_per_byte_{size}'] * size)} with text of that "
        f"length ({growth[size]:+.0%}), WebSocket binary "
        f"{num(figures[f'ws_binary_per_byte_{size}'] * size)}"
        for size in BINARY_SIZES
    )
    sse = " / ".join(num(figures[f"sse_per_byte_{size}"]) for size in BINARY_SIZES)
    text = " / ".join(num(figures[f"ws_text_per_byte_{size}"]) for size in BINARY_SIZES)
    small = [size for size in BINARY_SIZES if size not in matters]
    where = (
        f"more than {BINARY_MATTERS:.0%} at {_sizes(matters)}"
        + (f", at most that at {_sizes(small)}" if small else "")
        if matters
        else f"at most {BINARY_MATTERS:.0%} at every size"
    )
    evidence = (
        f"Raw random bytes in an SSE data field came out intact in "
        f"{figures['raw_sse_intact']:.0%} of {figures['raw_sse_tries']:.0f} tries (UTF-8 decoding "
        f"and CR/LF alter them). Steady-state wire bytes per message, {per_message}. "
        f"Per payload byte that is {sse} over SSE (base64 alone is 1.33) and {text} as "
        f"WebSocket text. Encoding adds {where}."
    )
    return verdict, evidence
