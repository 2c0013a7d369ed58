"""Waiting with a deadline: whether it held, or an error naming what."""

from __future__ import annotations

import asyncio

import pytest

from rtlab.runs.wait import all_set, holds, require


async def test_holds_once_the_condition_does() -> None:
    state = {"n": 0}

    async def count() -> None:
        for _ in range(3):
            await asyncio.sleep(0.01)
            state["n"] += 1

    task = asyncio.create_task(count())
    assert await holds(lambda: state["n"] == 3, timeout=5.0, step=0.005)
    await task
    assert await holds(lambda: False, timeout=0.05) is False


async def test_require_names_what_it_waited_for() -> None:
    with pytest.raises(TimeoutError) as raised:
        await require(lambda: False, 0.05, "the clients")
    assert str(raised.value) == "timed out after 0.05 s waiting for the clients"
    await require(lambda: True, 0.0, "nothing")


async def test_all_set_says_whether_every_event_was_set_and_leaves_no_task() -> None:
    events = [asyncio.Event(), asyncio.Event()]
    events[0].set()
    assert await all_set(events, 0.05) is False
    events[1].set()
    assert await all_set(events, 1.0) is True
    assert await all_set([], 0.0) is True
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
