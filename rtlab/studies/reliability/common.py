"""What the three reliability experiments share: the techniques they cover and
a client per technique. What a client delivers is recorded with
`rtlab.runs.record.Recorder`."""

from __future__ import annotations

from typing import Any

from rtlab.clients import Client
from rtlab.runs.clients import ClientKnobs, make_client
from rtlab.techniques import PUSH, TECHNIQUES

__all__ = ["PUSH", "TECHNIQUES", "TOPIC", "client"]

TOPIC = "reliability"


def client(technique: str, url: str, topic: str, *, poll_interval: float, **kw: Any) -> Client:
    """A client of `technique`; short polls every `poll_interval` s, long polls wait 25 s."""
    return make_client(technique, url, topic, ClientKnobs(poll_interval=poll_interval), **kw)
