"""Shared fixtures. Every timing bound is scaled by RTLAB_TIMEOUT_FACTOR
(see `rtlab.env.timeout_factor`) so a slow machine does not make tests flaky."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from tqdm.std import tqdm

import rtlab.runs.progress
from rtlab.env import timeout_factor
from rtlab.lab import Lab

TECHNIQUES = ("poll", "longpoll", "stream", "iframe", "sse", "ws")


def scaled(seconds: float) -> float:
    return seconds * timeout_factor()


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(heartbeat=1.0, retry_ms=20) as running:
        yield running


class RecordedBar(tqdm):  # type: ignore[misc]
    """A real (text) progress bar, drawn into a buffer, that remembers itself and
    each postfix it showed."""

    made: ClassVar[list[RecordedBar]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.postfixes: list[str] = []
        super().__init__(*args, **{**kwargs, "file": io.StringIO()})
        self.shown = not self.disable  # closing a bar disables it
        RecordedBar.made.append(self)

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self.postfixes.append(s)
        super().set_postfix_str(s, refresh)


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> list[RecordedBar]:
    """Every progress bar rtlab makes during the test, in order (`rtlab.runs.progress`)."""
    RecordedBar.made = []
    monkeypatch.setattr(rtlab.runs.progress, "tqdm", RecordedBar)
    return RecordedBar.made
