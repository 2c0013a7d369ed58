"""Long polling: re-issue `GET /longpoll/{topic}?after=N&timeout=S` as soon as
each answer arrives; the server holds the request until something is new."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import aiohttp

from rtlab.clients.poll import PollClient


class LongPollClient(PollClient):
    technique = "longpoll"

    def __init__(self, url: str, topic: str, *, timeout: float = 25.0, **kwargs: Any) -> None:
        super().__init__(url, topic, interval=0.0, **kwargs)
        self.hold_timeout = timeout

    async def _session(self) -> AsyncGenerator[Any, None]:
        extra = {"timeout": f"{self.hold_timeout:g}"}
        # The client waits longer than the server holds, so a held request is
        # answered by the server (an empty list) rather than cut by the client.
        client_timeout = aiohttp.ClientTimeout(total=self.hold_timeout + 30)
        if self.last_seq is None:
            # Learn the starting cursor first (answered at once), so a reconnect
            # during the first held request cannot skip what was published meanwhile.
            for envelope in await self._request({"timeout": "0"}):
                yield envelope
        while True:
            for envelope in await self._request(extra, client_timeout):
                yield envelope
