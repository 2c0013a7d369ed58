"""Shared fixtures. Every timing bound is scaled by RTLAB_TIMEOUT_FACTOR
(see `rtlab.aio.timeout_factor`) so a slow machine does not make tests flaky."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rtlab.aio import timeout_factor
from rtlab.lab import Lab

TECHNIQUES = ("poll", "longpoll", "stream", "iframe", "sse", "ws")


def scaled(seconds: float) -> float:
    return seconds * timeout_factor()


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(heartbeat=1.0, retry_ms=20) as running:
        yield running
