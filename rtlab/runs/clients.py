"""The client for a technique, with the knobs every study sets the same way.

Short polling takes its interval, long polling how long the server may hold a
request, and both whether to reuse one TCP connection; the other techniques
need none of these. `ClientKnobs` carries both, so a
study passes one value and `make_client` gives each technique what it takes;
everything else (`after`, `session`, `reconnect`, ...) goes to the client as
it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rtlab.clients import CLIENTS, Client, LongPollClient, PollClient

__all__ = ["ClientKnobs", "make_client"]


@dataclass(frozen=True, slots=True)
class ClientKnobs:
    """Per-technique client settings (times in seconds)."""

    poll_interval: float = 1.0  # short polling: the wait between polls
    longpoll_timeout: float = 25.0  # long polling: how long the server may hold
    keepalive: bool = True  # both polls: reuse one TCP connection (False: one per request)


def make_client(
    technique: str, url: str, topic: str, knobs: ClientKnobs | None = None, **options: Any
) -> Client:
    """A client of `technique` for `topic` at `url`; `options` go to its constructor."""
    cls = CLIENTS.get(technique)
    if cls is None:
        raise ValueError(f"unknown technique {technique!r}; known: {', '.join(CLIENTS)}")
    knobs = knobs or ClientKnobs()
    if cls is PollClient:
        return PollClient(
            url, topic, interval=knobs.poll_interval, keepalive=knobs.keepalive, **options
        )
    if cls is LongPollClient:
        return LongPollClient(
            url, topic, timeout=knobs.longpoll_timeout, keepalive=knobs.keepalive, **options
        )
    return cls(url, topic, **options)
