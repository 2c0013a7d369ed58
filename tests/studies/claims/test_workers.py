"""The worker-per-connection claim: each verdict of its rule, and the quick measurement."""

from __future__ import annotations

import pytest

from rtlab.studies.claims import workers
from tests.studies.claims.helpers import measured


def figures(**changes: float) -> dict[str, float]:
    base = {
        "workers": 4.0,
        "streams": 5.0,
        "pool_served": 4.0,
        "pool_poll_answered": 0.0,
        "aiohttp_served": 5.0,
        "aiohttp_poll_answered": 1.0,
    }
    return base | changes


def test_sse_worker_holds_when_each_stream_holds_a_worker_and_aiohttp_serves_all() -> None:
    verdict, evidence = workers.rule_sse_worker(figures())
    assert verdict == "holds"
    assert evidence == (
        "5 SSE streams: a server with 4 worker threads (one connection each, like Apache or "
        "PHP-FPM) delivered a message to 4 of them within 1 s and a poll meanwhile waited; "
        "the aiohttp server delivered to 5 and the poll was answered."
    )


def test_sse_worker_does_not_hold_when_the_pool_serves_more_streams_than_workers() -> None:
    assert workers.rule_sse_worker(figures(pool_served=5.0))[0] == "does not hold"


@pytest.mark.parametrize(
    "changes",
    [{"aiohttp_served": 4.0}, {"pool_poll_answered": 1.0}, {"aiohttp_poll_answered": 0.0}],
)
def test_sse_worker_depends_when_the_limit_is_not_the_architectures(
    changes: dict[str, float],
) -> None:
    assert workers.rule_sse_worker(figures(**changes))[0] == "depends"


def test_the_quick_measurement_fills_the_pool_and_not_aiohttp() -> None:
    got = measured("sse_worker").measured
    assert got["pool_served"] == got["workers"] == 4.0
    assert got["aiohttp_served"] == got["streams"] == 5.0
    assert (got["pool_poll_answered"], got["aiohttp_poll_answered"]) == (0.0, 1.0)
