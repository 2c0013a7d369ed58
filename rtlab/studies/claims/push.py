"""Seed 000: "不需要客户端发送请求，可以实现只要服务器端数据有更新，就可以马上发送到客户端"
(SSE needs no client request per message: the server sends each update as
soon as it has it; also seeds 001, 002 and 004).

Measured two ways, one after the other, at RATE msg/s, MESSAGES messages
(QUICK_MESSAGES in quick mode):
- rtlab's Python SSE client through the emulator's 4G link (30 ms one way,
  `rtlab.studies.experiments`, Scenario("sse", network="4g")): the requests it
  made and the connections the relay saw, the upstream bytes the relay counted
  after it was connected (`bytes_up - setup_bytes_up`), and the median latency
  from each message's scheduled publish time, with its sample count;
- Chromium's plain EventSource on loopback (no emulator sits in front of a
  browser; `rtlab.studies.browser_checks.eventsource_push`): the SSE requests
  the server received after the first while messages flowed, the page's
  errors, and the loopback latency (the server's publish `ts` to `onmessage`).

Rule (thresholds are the constants below):
- holds if, after the first request, neither client sent a further request
  and the Python client sent no upstream byte while messages flowed, and the
  Python median is within NEAR_MS (10 ms) of the one-way delay;
- does not hold if either sent requests while messages flowed, or the Python
  median is ROUND_TRIP_MS (60 ms) or more above the one-way delay;
- depends otherwise.
Without Chromium the rule judges the Python client alone and says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rtlab.profiles import get_profile
from rtlab.studies.claims.base import Measured, Measurement, Series, num
from rtlab.studies.claims.in_browser import browser_check
from rtlab.studies.experiments import Scenario, arun, due_latency

__all__ = ["measure_sse_push_no_request", "rule_sse_push_no_request"]

RATE = 20.0  # messages/s
MESSAGES = 150
QUICK_MESSAGES = 40
NETWORK = "4g"
NEAR_MS = 10.0  # Python median within this of the one-way delay: holds
ROUND_TRIP_MS = 60.0  # Python median this much or more above the one-way delay: does not hold
BROWSER = (
    "published",
    "received",
    "missed",
    "latency_n",
    "latency_p50_ms",
    "latency_p90_ms",
    "requests_at_open",
    "requests_while_flowing",
    "errors",
    "reconnects",
)


async def _python(messages: int) -> tuple[Measured, list[float]]:
    """rtlab's SSE client on the 4G link: its figures, and its latencies (ms)."""
    scenario = Scenario("sse", rate=RATE, duration=messages / RATE, network=NETWORK)
    result = (await arun(scenario, progress=False)).numbered(0)
    run = result.runs.iloc[0]
    latency = due_latency(result)
    measured = {
        "python_published": float(run["expected"]),
        "python_delivered": float(run["delivered"]),
        "python_requests": float(run["requests"]),
        "python_connections": float(run["connections"]),
        "python_reconnects": float(run["reconnects"]),
        "python_bytes_up_after_connect": float(run["bytes_up"] - run["setup_bytes_up"]),
        "python_p50_ms": round(float(latency.median()), 2),
        "python_latency_n": float(len(latency)),
    }
    return measured, [float(v) for v in latency]


async def measure_sse_push_no_request(quick: bool) -> Measurement:
    """The Python client on 4G, then Chromium on loopback (skipped without it)."""
    messages = QUICK_MESSAGES if quick else MESSAGES
    measured, python_latency = await _python(messages)
    measured |= {"one_way_ms": get_profile(NETWORK).delay * 1000, "rate": RATE}
    series: Series = {"python_latency_ms": python_latency}
    figures = await browser_check("eventsource_push", messages=messages, rate=RATE)
    if figures is not None:
        measured |= {f"browser_{name}": float(figures[name]) for name in BROWSER}
        series["browser_latency_ms"] = [float(v) for v in figures["latency_ms"]]
    return Measurement(measured, series)


def _browser_text(figures: Mapping[str, float]) -> str:
    if "browser_requests_while_flowing" not in figures:
        return (
            " No Chromium was found, so what a browser's EventSource sends was not measured: "
            "the verdict is the Python client's alone."
        )
    return (
        f" In Chromium on loopback, a plain EventSource got {num(figures['browser_received'])} "
        f"of {num(figures['browser_published'])} with a median latency of "
        f"{num(figures['browser_latency_p50_ms'])} ms "
        f"(n={num(figures['browser_latency_n'])}), and the server received "
        f"{num(figures['browser_requests_while_flowing'])} SSE requests after its first while "
        f"they flowed ({num(figures['browser_errors'])} errors)."
    )


def rule_sse_push_no_request(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    further = figures["python_requests"] - 1 + figures.get("browser_requests_while_flowing", 0)
    up = figures["python_bytes_up_after_connect"]
    above = figures["python_p50_ms"] - figures["one_way_ms"]
    if further > 0 or above >= ROUND_TRIP_MS:
        verdict = "does not hold"
    elif up == 0 and not math.isnan(above) and abs(above) <= NEAR_MS:
        verdict = "holds"
    else:
        verdict = "depends"
    evidence = (
        f"rtlab's Python SSE client on the 4G link ({num(figures['one_way_ms'])} ms one way) "
        f"made {num(figures['python_requests'])} request(s) on "
        f"{num(figures['python_connections'])} connection(s) for "
        f"{num(figures['python_published'])} messages at {num(figures['rate'])}/s, sent "
        f"{num(up)} bytes upstream after connecting, and got each a median "
        f"{num(figures['python_p50_ms'])} ms after its scheduled publish "
        f"(n={num(figures['python_latency_n'])}), {num(above)} ms above the one-way delay."
        + _browser_text(figures)
    )
    return verdict, evidence
