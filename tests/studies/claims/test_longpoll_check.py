"""The long-poll check claim: its rule on synthetic figures, the server's check-interval
knob it needs, its measurement in quick mode."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import aiohttp
import pytest

from rtlab.lab import Lab
from rtlab.server.common import Settings
from rtlab.studies.claims import longpoll_check
from tests.studies.claims.helpers import measured


@pytest.mark.parametrize(
    ("check_ms", "expected"), [(60.0, "holds"), (200.0, "depends"), (530.0, "does not hold")]
)
def test_longpoll_check_rule(check_ms: float, expected: str) -> None:
    figures = {
        "event_p50_ms": 32.0,
        "check_p50_ms": check_ms,
        "event_p99_ms": 33.0,
        "check_p99_ms": 990.0,
        "interval_s": 1.0,
        "messages": 15.0,
        "rate_per_s": 3.0,
    }
    assert longpoll_check.rule_longpoll_check(figures)[0] == expected


# -- the long-poll check-interval knob ----------------------------------------------


def test_check_interval_must_be_positive() -> None:
    for bad in (0.0, -1.0, math.nan):
        with pytest.raises(ValueError, match="longpoll_check_interval"):
            Settings(longpoll_check_interval=bad)


async def test_check_interval_answers_at_the_next_check_and_times_out_empty() -> None:
    async with Lab(longpoll_check_interval=0.3) as lab, aiohttp.ClientSession() as http:
        url = f"{lab.url}/longpoll/knob"

        async def ask(after: str, timeout: str) -> tuple[list[Any], float]:
            started = time.monotonic()
            async with http.get(url, params={"after": after, "timeout": timeout}) as answer:
                body = await answer.json()
            return body["messages"], time.monotonic() - started

        held = asyncio.create_task(ask("0", "5"))
        await asyncio.sleep(0.05)
        await lab.apublish("knob", "x")
        messages, waited = await held
        assert [m["data"] for m in messages] == ["x"]
        assert 0.25 <= waited < 1.0  # found at the check at 0.3 s, not at the publish
        messages, waited = await ask("1", "0.4")
        assert messages == [] and waited < 1.0


def test_longpoll_check_figures() -> None:
    result = measured("longpoll_check")
    f = result.measured
    assert f["check_p50_ms"] > f["event_p50_ms"] + 200
    assert result.verdict in ("does not hold", "depends")
