"""The live-run engine, driven directly: no widgets, no notebook."""

from __future__ import annotations

import asyncio
import math

import pytest

from rtlab.lab import Lab
from rtlab.runs.live import TRACK_COLUMNS, LiveKnobs, LiveRun
from tests.conftest import scaled


async def test_a_run_delivers_in_order_and_cleans_up(lab: Lab) -> None:
    tasks_before = asyncio.all_tasks()
    run = LiveRun(lab, LiveKnobs(techniques=("sse", "ws", "poll"), clients=2, poll_interval=0.2))
    table = await run.run_for(1.5)

    assert list(table.columns) == list(TRACK_COLUMNS)
    rows = table.set_index("technique")
    assert list(rows.index) == ["sse", "ws", "poll"]
    assert run.published >= 20
    # two clients each, every message at most once; the stop may cut off what was on
    # its way: a quarter second for a stream, a poll interval more for short polling
    for technique, missed in (("sse", 5), ("ws", 5), ("poll", 10)):
        delivered = rows.loc[technique, "delivered"]
        assert 2 * (run.published - missed) <= delivered <= 2 * run.published
        assert rows.loc[technique, "duplicates"] == 0
        assert rows.loc[technique, "gaps"] == 0  # every message in order, none skipped
        assert rows.loc[technique, "p50_ms"] > 0
    assert rows.loc["poll", "requests"] >= 10  # one every 0.2 s per client

    # state after the stop: nothing running, the relay gone, the clock frozen
    assert not run.running and run.stopping and run.relay is None and run.error is None
    assert run.elapsed == run.elapsed >= 1.5
    assert run.publish_lateness.count == run.published
    for track in run.tracks.values():
        assert len(track.times) >= 3
        assert track.times == sorted(track.times) and len(set(track.times)) == len(track.times)
        assert len(track.medians) == len(track.request_rates) == len(track.times)
    assert asyncio.all_tasks() - tasks_before == set()
    assert lab.running  # the caller's lab stays running


async def test_listeners_see_the_start_each_sample_and_the_end(lab: Lab) -> None:
    seen: list[tuple[bool, int, int]] = []
    run = LiveRun(lab, LiveKnobs(techniques=("ws",), rate=50), refresh=0.2)
    run.listeners.append(lambda r: seen.append((r.running, len(r.tracks["ws"].times), r.published)))
    await run.run_for(1.0)

    assert seen[0] == (True, 0, 0)  # publishing begins: no point yet
    assert seen[-1][0] is False  # after the stop, with the last point
    assert [points for _, points, _ in seen] == list(range(len(seen)))
    published = [count for _, _, count in seen]
    assert published == sorted(published) and published[-1] == run.published
    assert all(running for running, _, _ in seen[:-1])


async def test_rate_change_applies_at_once(lab: Lab) -> None:
    run = LiveRun(lab, LiveKnobs(techniques=("sse",), rate=0.5))  # next publish 2 s away
    await run.start()
    try:
        await asyncio.sleep(0.3)
        assert run.published == 1
        run.set_rate(100)  # wakes the publisher, which plans its next tick again
        assert run.knobs.rate == 100.0
        await asyncio.sleep(scaled(0.6))
    finally:
        await run.astop()
    assert run.stats().loc[0, "delivered"] >= 30


async def test_delay_change_applies_to_the_relay(lab: Lab) -> None:
    run = LiveRun(lab, LiveKnobs(techniques=("ws",), delay_ms=0))
    await run.start()
    try:
        assert run.relay is not None and run.relay.settings.delay == 0
        run.set_delay(100)
        assert run.relay.settings.delay == pytest.approx(0.1)
        assert run.knobs == LiveKnobs(techniques=("ws",), delay_ms=100)
    finally:
        await run.astop()
    assert run.relay is None


async def test_a_stopped_lab_is_started_again() -> None:
    lab = Lab().start()
    lab.stop()
    run = LiveRun(lab, LiveKnobs(techniques=("sse",)))
    try:
        table = await run.run_for(0.6)
        assert run.error is None and table.loc[0, "delivered"] >= 5
        assert lab.running
    finally:
        await lab.astop()


async def test_a_failing_listener_ends_the_run_with_its_error(lab: Lab) -> None:
    tasks_before = asyncio.all_tasks()
    run = LiveRun(lab, LiveKnobs(techniques=("ws",)), refresh=0.1)

    def fail(r: LiveRun) -> None:
        if r.tracks["ws"].times:
            raise ValueError("drawing failed")

    run.listeners.append(fail)
    await run.start()
    with pytest.raises(RuntimeError, match="drawing failed"):
        await run.run_for(5)
    assert isinstance(run.error, ValueError) and not run.running
    assert asyncio.all_tasks() - tasks_before == set()


async def test_a_run_that_cannot_start_says_why(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(topic: str, data: object) -> int:
        raise ConnectionError("no publishing today")

    monkeypatch.setattr(lab, "apublish", refuse)
    run = LiveRun(lab, LiveKnobs(techniques=("ws",)))
    with pytest.raises(RuntimeError, match=r"failed to start.*no publishing today"):
        await run.start()
    assert not run.running and run.relay is None and run.stats().empty


def test_knobs_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown techniques"):
        LiveKnobs(techniques=("carrier-pigeon",))
    with pytest.raises(ValueError, match="rate"):
        LiveKnobs(rate=math.inf)
    with pytest.raises(ValueError, match="clients"):
        LiveKnobs(clients=0)
    knobs = LiveKnobs(techniques=("sse",), rate=5)
    assert knobs.fixed() == LiveKnobs(techniques=("sse",), rate=50, delay_ms=10).fixed()
    with pytest.raises(ValueError, match="at least one technique"):
        LiveRun(Lab(), LiveKnobs(techniques=()))
    with pytest.raises(ValueError, match="window and refresh"):
        LiveRun(Lab(), knobs, refresh=0)
