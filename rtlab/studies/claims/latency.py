"""Two latency claims of seeds 002 and 003, measured by one 4G sweep
(`rtlab.studies.claims.latency_sweep`: server in its own process, latency from
each message's scheduled publish time, short pollers started spread over one
poll interval).

`poll_latency_interval`, seed 002: "由于客户端需要等待固定的时间间隔才能获取更新，
因此实时性不如长轮询或WebSocket" (short polling is less real-time than long
polling or WebSocket, an update waiting for the next poll); seed 003: "在Low
Latency要求比较高的web应用中，只能增加服务器请求的频率" (lower latency only
comes from polling more often). At `POLL_RATE` (1 msg/s), short polling every
`POLL_INTERVALS_FULL` s (quick: `POLL_INTERVALS_QUICK`) against long polling
and WebSocket; the ratio is short polling's median latency over each other's.
- holds if both ratios are at least `LESS_REAL_TIME` (1.5x) at every swept
  interval of `JUDGED_FROM_S` (0.5 s) or more;
- does not hold if both ratios are at most `CAUGHT_UP` (1.2x) at every interval;
- depends otherwise. The evidence names the largest swept interval at which
  short polling has caught up (both ratios at most `CAUGHT_UP`) and the
  requests per second per client it costs there, or says it catches up at none.

`longpoll_latency`, seed 002: "长轮询的延迟相对较大，不如 WebSocket 或 Server-Sent
Events 实时" (long polling's latency is larger than WebSocket's or SSE's). Long
polling, SSE and WebSocket at `LONGPOLL_RATES_FULL` msg/s (quick:
`LONGPOLL_RATES_QUICK`); the gap is long polling's median minus each other's.
- holds if both gaps are at least `ROUND_TRIP_MS` (60 ms) at every rate;
- does not hold if long polling is within `SAME_SHARE` (10 %) or `SAME_MS`
  (5 ms) of both at every rate;
- depends otherwise. The evidence names the lowest swept rate from which long
  polling is behind both (beyond that tolerance) at every higher swept rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from rtlab.studies.claims.base import Measurement, num, within
from rtlab.studies.claims.latency_sweep import Point, Size, sweep, swept

__all__ = [
    "measure_longpoll_latency",
    "measure_poll_latency_interval",
    "rule_longpoll_latency",
    "rule_poll_latency_interval",
]

POLL_RATE = 1.0  # msg/s
POLL_INTERVALS_FULL = (0.1, 0.5, 1.0, 5.0)  # s
POLL_INTERVALS_QUICK = (0.1, 0.5, 1.0)
POLL_RIVALS = ("longpoll", "ws")
JUDGED_FROM_S = 0.5  # holds is judged at the intervals from this one up
LESS_REAL_TIME = 1.5  # short polling's median at least this many times the others': holds
CAUGHT_UP = 1.2  # at most this many times both others': caught up

LONGPOLL_RATES_FULL = (0.2, 1.0, 5.0, 20.0)  # msg/s
LONGPOLL_RATES_QUICK = (1.0, 20.0)
PUSH_RIVALS = ("sse", "ws")
ROUND_TRIP_MS = 60.0  # long polling this much or more above both, at every rate: holds
SAME_SHARE = 0.10  # within 10 % ...
SAME_MS = 5.0  # ... or 5 ms of both, at every rate: does not hold

#: Each run's size: at 1 msg/s, clients for 150 samples (40 quick); across rates, 10
#: clients (how many a message fans out to moves the medians too, see `latency_sweep`)
SIZE_FULL = {"poll": Size(12.0, samples=150), "longpoll": Size(4.0, clients=10, least=3)}
SIZE_QUICK = {"poll": Size(3.0, samples=40), "longpoll": Size(1.5, clients=10)}


def _median(figures: Mapping[str, float], key: str) -> str:
    """'553 ms (n=156)': a run's median latency with its sample count."""
    return f"{num(figures[f'{key}_p50_ms'])} ms (n={num(figures[f'{key}_latency_n'])})"


# -- poll_latency_interval ------------------------------------------------------------


async def measure_poll_latency_interval(quick: bool) -> Measurement:
    """Short polling at each interval, long polling and WebSocket, all at POLL_RATE."""
    intervals = POLL_INTERVALS_QUICK if quick else POLL_INTERVALS_FULL
    points = [Point("poll", POLL_RATE, interval) for interval in intervals]
    points += [Point(technique, POLL_RATE) for technique in POLL_RIVALS]
    return Measurement(await sweep(points, (SIZE_QUICK if quick else SIZE_FULL)["poll"]))


def _poll_ratios(figures: Mapping[str, float], interval: float) -> list[float]:
    """Short polling's median at `interval` over long polling's and WebSocket's."""
    poll = figures[f"poll@{interval:g}_p50_ms"]
    return [poll / figures[f"{t}@{POLL_RATE:g}_p50_ms"] for t in POLL_RIVALS]


def _caught_up_at(figures: Mapping[str, float]) -> float:
    """The largest swept interval at which short polling is within CAUGHT_UP of both."""
    caught = [i for i in swept(figures, "poll") if max(_poll_ratios(figures, i)) <= CAUGHT_UP]
    return max(caught) if caught else math.nan


def rule_poll_latency_interval(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    intervals = swept(figures, "poll")
    judged = [i for i in intervals if i >= JUDGED_FROM_S]
    every = [r for i in intervals for r in _poll_ratios(figures, i)]
    if judged and all(min(_poll_ratios(figures, i)) >= LESS_REAL_TIME for i in judged):
        verdict = "holds"
    elif every and max(every) <= CAUGHT_UP:
        verdict = "does not hold"
    else:
        verdict = "depends"
    parts = [
        f"every {i:g} s {_median(figures, f'poll@{i:g}')}, "
        + "/".join(f"{r:.2f}x" for r in _poll_ratios(figures, i))
        + f", {num(figures[f'poll@{i:g}_requests_per_s'])} requests/s"
        for i in intervals
    ]
    caught = _caught_up_at(figures)
    where = (
        f"short polling has caught up (within {CAUGHT_UP}x of both) by a {caught:g} s "
        f"interval, costing {num(figures[f'poll@{caught:g}_requests_per_s'])} requests/s "
        "per client there"
        if not math.isnan(caught)
        else f"short polling catches up (within {CAUGHT_UP}x of both) at no swept interval"
    )
    rivals = ", ".join(f"{t} {_median(figures, f'{t}@{POLL_RATE:g}')}" for t in ("longpoll", "ws"))
    evidence = (
        f"At {POLL_RATE:g} msg/s on 4G, median latency from the scheduled publish: {rivals}; "
        f"short polling {'; '.join(parts)} (x: over long polling/WebSocket; requests/s per "
        f"client: requests per delivered message x the publish rate, polls before the first "
        f"and after the last publish included); {where} "
        f"(holds at {LESS_REAL_TIME}x or more over both from {JUDGED_FROM_S:g} s up)."
    )
    return verdict, evidence


# -- longpoll_latency -----------------------------------------------------------------


async def measure_longpoll_latency(quick: bool) -> Measurement:
    """Long polling, SSE and WebSocket at each publish rate."""
    rates = LONGPOLL_RATES_QUICK if quick else LONGPOLL_RATES_FULL
    points = [Point(t, rate) for rate in rates for t in ("longpoll", *PUSH_RIVALS)]
    return Measurement(await sweep(points, (SIZE_QUICK if quick else SIZE_FULL)["longpoll"]))


def _gaps(figures: Mapping[str, float], rate: float) -> list[float]:
    """Long polling's median minus SSE's and WebSocket's at `rate`, in ms."""
    long = figures[f"longpoll@{rate:g}_p50_ms"]
    return [long - figures[f"{t}@{rate:g}_p50_ms"] for t in PUSH_RIVALS]


def _same(figures: Mapping[str, float], rate: float) -> bool:
    """Whether long polling is within SAME_SHARE or SAME_MS of both at `rate`."""
    long = figures[f"longpoll@{rate:g}_p50_ms"]
    return all(
        within(long, figures[f"{t}@{rate:g}_p50_ms"], SAME_SHARE, SAME_MS) for t in PUSH_RIVALS
    )


def _behind_from(figures: Mapping[str, float], rates: Sequence[float]) -> float:
    """The lowest rate from which long polling is behind both at every higher rate."""
    behind = [min(_gaps(figures, r)) > 0 and not _same(figures, r) for r in rates]
    for index, rate in enumerate(rates):
        if all(behind[index:]):
            return rate
    return math.nan


def rule_longpoll_latency(figures: Mapping[str, float]) -> tuple[str, str]:
    """See the module docstring."""
    rates = swept(figures, "longpoll")
    if rates and all(min(_gaps(figures, r)) >= ROUND_TRIP_MS for r in rates):
        verdict = "holds"
    elif rates and all(_same(figures, r) for r in rates):
        verdict = "does not hold"
    else:
        verdict = "depends"
    parts = [
        f"at {r:g} msg/s long polling {_median(figures, f'longpoll@{r:g}')}, "
        + ", ".join(f"{t} {_median(figures, f'{t}@{r:g}')}" for t in PUSH_RIVALS)
        + " ("
        + "/".join(f"{g:+.1f}" for g in _gaps(figures, r))
        + " ms)"
        for r in rates
    ]
    behind = _behind_from(figures, rates)
    where = (
        f"long polling falls behind both from {behind:g} msg/s"
        if not math.isnan(behind)
        else "long polling is not behind both at the highest swept rate"
    )
    evidence = (
        "Median latency from the scheduled publish on 4G: "
        f"{'; '.join(parts)}; {where} (holds at {num(ROUND_TRIP_MS)} ms or more above both "
        f"at every rate; within {SAME_SHARE:.0%} or {num(SAME_MS)} ms of both is the same)."
    )
    return verdict, evidence
