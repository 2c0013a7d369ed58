"""One asyncio client per technique, all with the interface of `Client`:
async iteration over `Message`/`Gap` items, resume on reconnect, counters.

`CLIENTS` maps each technique of `rtlab.techniques` to its client class, in
that module's order (importing fails if a technique has no client)."""

from __future__ import annotations

from rtlab.clients.base import Client, ClientStats
from rtlab.clients.iframe import IframeClient
from rtlab.clients.longpoll import LongPollClient
from rtlab.clients.poll import PollClient
from rtlab.clients.sse import SSEClient
from rtlab.clients.stream import StreamClient
from rtlab.clients.ws import WebSocketError, WSClient
from rtlab.techniques import TECHNIQUES

_BY_TECHNIQUE: dict[str, type[Client]] = {
    cls.technique: cls
    for cls in (PollClient, LongPollClient, StreamClient, IframeClient, SSEClient, WSClient)
}
CLIENTS: dict[str, type[Client]] = {name: _BY_TECHNIQUE[name] for name in TECHNIQUES}

__all__ = [
    "CLIENTS",
    "Client",
    "ClientStats",
    "IframeClient",
    "LongPollClient",
    "PollClient",
    "SSEClient",
    "StreamClient",
    "WSClient",
    "WebSocketError",
]
