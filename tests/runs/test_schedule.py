"""The open-loop schedule: due times fixed at the start, late events keep theirs."""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from rtlab.runs.schedule import PublishLog, Schedule, Tick


async def test_due_times_are_fixed_when_the_schedule_starts() -> None:
    schedule = Schedule(rate=200.0, count=10)
    fired = [tick async for tick in schedule]
    assert [t.index for t in fired] == list(range(10))
    start = fired[0].due
    assert [t.due - start for t in fired] == pytest.approx([i / 200 for i in range(10)], abs=1e-6)
    assert schedule.ticks == fired
    assert all(t.late >= 0 for t in fired)


async def test_a_slow_event_makes_the_next_ones_late_not_later_due() -> None:
    schedule = Schedule(rate=100.0, count=8)
    start = time.time()
    async for tick in schedule:
        if tick.index == 2:
            await asyncio.sleep(0.2)  # a publish that takes 20 intervals
    late = schedule.lateness()
    # the 5 events due during the stall fire late, back to back, keeping their due times
    assert all(x > 0.05 for x in late[3:8]), late
    assert schedule.ticks[-1].due - schedule.ticks[0].due == pytest.approx(0.07)
    # and none is skipped: the run ends about when the stall does, not 0.2 s later
    assert time.time() - start < 0.2 + 0.5


async def test_a_delay_shifts_the_first_event() -> None:
    before = time.time()
    fired = [tick async for tick in Schedule(rate=50.0, count=2, delay=0.1)]
    assert fired[0].due - before == pytest.approx(0.1, abs=0.05)


async def test_lasting_rounds_to_whole_events_at_least_one() -> None:
    assert Schedule.lasting(20.0, 3.0).count == 60
    assert Schedule.lasting(0.5, 1.0).count == 1
    assert Schedule(rate=4.0).interval == 0.25
    assert Schedule.every(0.25, 3) == Schedule(rate=4.0, count=3)


async def test_an_open_ended_schedule_runs_until_the_caller_stops() -> None:
    fired = []
    async for tick in Schedule(rate=500.0):
        fired.append(tick)
        if len(fired) == 5:
            break
    assert [t.index for t in fired] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("rate", "count", "message"),
    [
        (0.0, 1, "positive number of events per second, not 0.0"),
        (math.inf, 1, "not inf"),
        (5.0, -1, "count is 0 or more, not -1"),
    ],
)
def test_bad_schedules_are_refused(rate: float, count: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Schedule(rate=rate, count=count)


def test_the_log_remembers_when_each_message_was_due() -> None:
    log = PublishLog()
    log.record("news", 7, Tick(index=3, due=1000.5, late=0.01))
    assert log.due_for("news", 7) == 1000.5
    assert math.isnan(log.due_for("news", 8))


@pytest.mark.parametrize("interval", [0.0, -1.0, math.nan])
def test_an_interval_that_is_not_a_positive_number_is_refused(interval: float) -> None:
    with pytest.raises(ValueError, match=f"positive number of seconds, not {interval}"):
        Schedule.every(interval, 3)
