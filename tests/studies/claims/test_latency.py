"""The latency claims: each rule gives each of its verdicts on synthetic figures
and quotes the deciding medians; the sweep they share (run sizes, the swept
values, latency from the scheduled publish time, staggered short pollers); and
each quick measurement once for real."""

from __future__ import annotations

import asyncio
import itertools
import math
import time

import pandas as pd
import pytest

from rtlab.lab import Lab
from rtlab.runs.clients import ClientKnobs, make_client
from rtlab.runs.record import Recorder, recording
from rtlab.runs.schedule import PublishLog, Tick
from rtlab.studies.claims import latency
from rtlab.studies.claims.harness import connected
from rtlab.studies.claims.latency_sweep import Point, Size, plan, scenario, swept
from rtlab.studies.experiments import Result, Scenario, arun, due_latency
from rtlab.views.claim_plots import DRAWERS
from tests.conftest import scaled
from tests.studies.claims.helpers import assert_readable, measured

# -- poll_latency_interval's rule -------------------------------------------------------


def poll_figures(
    poll: dict[float, float], longpoll: float = 36.0, ws: float = 35.0
) -> dict[str, float]:
    """Short polling's median (ms) per interval (s) against long polling's and WebSocket's."""
    made = {"longpoll@1_p50_ms": longpoll, "ws@1_p50_ms": ws}
    made |= {"longpoll@1_latency_n": 156.0, "ws@1_latency_n": 156.0}
    for interval, p50 in poll.items():
        made |= {
            f"poll@{interval:g}_p50_ms": p50,
            f"poll@{interval:g}_latency_n": 156.0,
            f"poll@{interval:g}_requests_per_s": round(1 / (interval + 0.06), 2),
        }
    return made


def test_poll_holds_when_short_polling_is_1_5x_slower_from_half_a_second_up() -> None:
    figures = poll_figures({0.1: 81.0, 0.5: 290.0, 1: 550.0, 5: 2500.0})
    verdict, evidence = latency.rule_poll_latency_interval(figures)
    assert verdict == "holds"
    assert "longpoll 36 ms (n=156), ws 35 ms (n=156)" in evidence
    assert "every 0.5 s 290 ms (n=156), 8.06x/8.29x, 1.79 requests/s;" in evidence
    assert "every 5 s 2,500 ms (n=156), 69.44x/71.43x" in evidence
    assert "catches up (within 1.2x of both) at no swept interval" in evidence


def test_poll_does_not_hold_when_within_1_2x_of_both_at_every_interval() -> None:
    figures = poll_figures({0.1: 38.0, 0.5: 40.0, 1: 41.0})
    verdict, evidence = latency.rule_poll_latency_interval(figures)
    assert verdict == "does not hold"
    assert "every 1 s 41 ms (n=156), 1.14x/1.17x" in evidence
    assert "has caught up (within 1.2x of both) by a 1 s interval, costing 0.94 requests/s" in (
        evidence
    )


def test_poll_depends_when_it_catches_up_at_some_judged_interval_and_names_it() -> None:
    figures = poll_figures({0.1: 40.0, 0.5: 41.0, 1: 550.0})
    verdict, evidence = latency.rule_poll_latency_interval(figures)
    assert verdict == "depends"
    assert "by a 0.5 s interval, costing 1.79 requests/s per client there" in evidence
    # between the thresholds at every interval: depends too, caught up nowhere
    verdict, evidence = latency.rule_poll_latency_interval(poll_figures({0.5: 50.0, 1: 50.0}))
    assert verdict == "depends"
    assert "every 0.5 s 50 ms (n=156), 1.39x/1.43x" in evidence
    assert "at no swept interval" in evidence


# -- longpoll_latency's rule ------------------------------------------------------------


def longpoll_figures(long: dict[float, float], push: float = 34.0) -> dict[str, float]:
    """Long polling's median (ms) per rate against SSE and WebSocket both at `push`."""
    made: dict[str, float] = {}
    for rate, p50 in long.items():
        for technique, value in (("longpoll", p50), ("sse", push), ("ws", push)):
            made |= {f"{technique}@{rate:g}_p50_ms": value, f"{technique}@{rate:g}_latency_n": 150}
    return made


def test_longpoll_holds_when_a_round_trip_behind_both_at_every_rate() -> None:
    verdict, evidence = latency.rule_longpoll_latency(longpoll_figures({1: 94.0, 20: 150.0}))
    assert verdict == "holds"
    assert "at 1 msg/s long polling 94 ms (n=150), sse 34 ms (n=150), ws 34 ms (n=150)" in (
        evidence
    )
    assert "(+60.0/+60.0 ms)" in evidence
    assert "long polling falls behind both from 1 msg/s" in evidence


def test_longpoll_does_not_hold_when_within_5_ms_or_10_percent_everywhere() -> None:
    verdict, evidence = latency.rule_longpoll_latency(longpoll_figures({0.2: 38.0, 20: 30.0}))
    assert verdict == "does not hold"
    assert "at 20 msg/s long polling 30 ms (n=150)" in evidence and "(-4.0/-4.0 ms)" in evidence
    assert "long polling is not behind both at the highest swept rate" in evidence


def test_longpoll_depends_and_names_the_rate_it_falls_behind_from() -> None:
    figures = longpoll_figures({0.2: 36.0, 1: 36.0, 5: 45.0, 20: 71.0})
    verdict, evidence = latency.rule_longpoll_latency(figures)
    assert verdict == "depends"
    assert "at 20 msg/s long polling 71 ms (n=150)" in evidence and "(+37.0/+37.0 ms)" in evidence
    assert "long polling falls behind both from 5 msg/s" in evidence
    assert latency._same(figures, 1.0) and not latency._same(figures, 5.0)


# -- the sweep ------------------------------------------------------------------------


def test_a_negative_stagger_is_rejected_with_its_message() -> None:
    with pytest.raises(ValueError, match="invalid scenario 'poll': stagger must be >= 0"):
        Scenario("poll", stagger=-1)
    with pytest.raises(ValueError, match="stagger must be >= 0"):
        Scenario("poll", stagger=math.nan)
    assert Scenario("poll", stagger=0.5).stagger == 0.5


def test_plan_gives_at_least_two_messages_and_enough_clients_for_the_samples() -> None:
    assert plan(0.2, Size(6, samples=150)) == (2, 75)  # 1.2 messages rounds to 1: at least 2
    assert plan(1, Size(12, samples=150)) == (12, 13)  # 156 samples
    assert plan(20, Size(6, samples=150)) == (120, 2)
    assert plan(20, Size(1.5)) == (30, 1)  # no samples asked: one client


def test_plan_with_fixed_clients_keeps_them_at_every_rate() -> None:
    size = Size(4, clients=10, least=3)
    assert [plan(rate, size) for rate in (0.2, 1, 5, 20)] == [(3, 10), (4, 10), (20, 10), (80, 10)]


def test_points_name_their_figures_and_only_short_pollers_are_staggered() -> None:
    assert Point("poll", 1.0, 0.1).key == "poll@0.1"
    assert Point("longpoll", 0.2).key == "longpoll@0.2"
    poll = scenario(Point("poll", 1.0, 5.0), Size(12, samples=150))
    ws = scenario(Point("ws", 20.0), Size(6, samples=150))
    assert (poll.stagger, poll.poll_interval, poll.clients, poll.messages_per_topic) == (
        5.0,
        5.0,
        13,
        12,
    )
    assert (poll.network, poll.server, poll.label) == ("4g", "process", "poll@5")
    assert (ws.stagger, ws.clients, ws.messages_per_topic) == (0.0, 2, 120)


def test_swept_reads_the_values_from_the_median_keys_only() -> None:
    figures = {
        "poll@5_p50_ms": 1.0,
        "poll@0.1_p50_ms": 1.0,
        "poll@0.1_stamped_ms": 1.0,
        "poll@0.1_latency_n": 1.0,
        "longpoll@20_p50_ms": 1.0,
        "longpoll@0.2_p50_ms": 1.0,
    }
    assert swept(figures, "poll") == [0.1, 5.0]
    assert swept(figures, "longpoll") == [0.2, 20.0]
    assert swept(figures, "ws") == []


def test_due_latency_is_from_the_scheduled_time_first_delivery_only() -> None:
    log = PublishLog()
    log.record("t", 1, Tick(0, due=1000.0, late=0.0))
    log.record("t", 2, Tick(1, due=1001.0, late=0.5))
    deliveries = pd.DataFrame(
        {
            "client": [0, 0, 1, 0],
            "topic": ["t", "t", "t", "t"],
            "seq": [1, 2, 1, 1],  # the last: client 0's duplicate of seq 1
            "received": [1_000_040.0, 1_001_600.0, 1_000_070.0, 1_000_900.0],
        }
    )
    got = due_latency(Result(deliveries, pd.DataFrame(), {}, log))
    assert list(got) == [40.0, 600.0, 70.0]


async def test_a_recorder_starts_its_client_after_its_delay() -> None:
    async with Lab() as lab:
        start = await lab.apublish("late", "start")
        await lab.apublish("late", "one")
        client = make_client("poll", lab.url, "late", ClientKnobs(0.05), after=start)
        began = time.time() * 1000
        recorder = Recorder(client, until=start + 1, delay=0.3).start()
        await asyncio.sleep(0.1)
        assert client.stats.requests == 0  # not started yet
        assert await recorder.wait(scaled(5))
        await recorder.stop()
    assert recorder.deliveries[0].at_ms - began >= 300


async def test_recording_spreads_the_starts_evenly() -> None:
    async with Lab() as lab:
        clients = [make_client("poll", lab.url, "spread", after=0) for _ in range(4)]
        async with recording(clients, spread=0.4) as recorders:
            assert [r.delay for r in recorders] == pytest.approx([0.0, 0.1, 0.2, 0.3])
            # let every client answer its first poll (none left in flight at the exit)
            await connected(clients, timeout=5.0)


async def _client_medians(stagger: float) -> pd.Series:
    run = Scenario("poll", clients=4, rate=1.0, duration=3.0, stagger=stagger, label="phases")
    result = (await arun(run, progress=False)).numbered(0)
    assert result.runs.at[0, "losses"] == 0
    deliveries = result.deliveries.assign(due_ms=due_latency(result))
    assert (deliveries["due_ms"] >= deliveries["latency_ms"]).all()  # due before the stamp
    return deliveries.groupby("client")["due_ms"].median()


async def test_staggered_short_pollers_see_the_publishes_at_varied_phases() -> None:
    medians = sorted(await _client_medians(1.0))
    # clients 0.25 s apart in a 1 s poll period: whatever the publishes' phase, the
    # clients' medians fall 250 ms apart (unstaggered, they would all share one phase)
    steps = [later - earlier for earlier, later in itertools.pairwise(medians)]
    assert len(steps) == 3 and all(150 <= step <= 350 for step in steps), medians


# -- the quick measurements, for real -------------------------------------------------


def test_the_quick_poll_measurement_is_slower_than_long_polling_and_websocket() -> None:
    result = measured("poll_latency_interval")
    got = result.measured
    assert swept(got, "poll") == list(latency.POLL_INTERVALS_QUICK)
    for key in ("poll@0.1", "poll@0.5", "poll@1", "longpoll@1", "ws@1"):
        assert got[f"{key}_latency_n"] >= 40 and got[f"{key}_losses"] == 0
    one_way = 30.0
    assert one_way <= got["ws@1_p50_ms"] < 60 and one_way <= got["longpoll@1_p50_ms"] < 60
    # waiting for the next poll: about half the interval on top of a round trip
    assert 300 < got["poll@1_p50_ms"] < 800
    assert got["poll@0.1_p50_ms"] < got["poll@0.5_p50_ms"] < got["poll@1_p50_ms"]
    assert got["poll@0.1_requests_per_s"] > 4 * got["poll@1_requests_per_s"]
    assert_readable(DRAWERS["poll_latency_interval"](result))


def test_the_quick_longpoll_measurement_covers_both_rates() -> None:
    result = measured("longpoll_latency")
    got = result.measured
    assert swept(got, "longpoll") == list(latency.LONGPOLL_RATES_QUICK)
    for technique in ("longpoll", "sse", "ws"):
        for rate in latency.LONGPOLL_RATES_QUICK:
            key = f"{technique}@{rate:g}"
            assert got[f"{key}_clients"] == 10 and got[f"{key}_losses"] == 0
            assert got[f"{key}_latency_n"] == 10 * got[f"{key}_messages"] >= 20
            assert 30 <= got[f"{key}_p50_ms"] < 200
            assert got[f"{key}_p50_ms"] >= got[f"{key}_stamped_ms"]
    # 20 msg/s is a message every 50 ms, less than a round trip: some wait for a re-request
    assert got["longpoll@20_p50_ms"] > got["ws@20_p50_ms"]
    assert_readable(DRAWERS["longpoll_latency"](result))
