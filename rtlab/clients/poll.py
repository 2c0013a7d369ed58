"""Short polling: ask `GET /poll/{topic}?after=N` every `interval` seconds.

The next request is scheduled `interval` after the previous one *started*
(like the `setInterval` of the articles the lab grew from), but never overlaps it: a slow answer
delays the next request instead of stacking requests up.

`keepalive=False` sends each request with `Connection: close`, so every poll
opens a new TCP connection (and, through the relay, pays its round trip), as a
client without HTTP keep-alive would; by default one connection is reused.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import aiohttp

from rtlab.clients.base import Client
from rtlab.wire.envelope import WireError, parse_json


class PollClient(Client):
    technique = "poll"

    def __init__(
        self, url: str, topic: str, *, interval: float = 1.0, keepalive: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(url, topic, **kwargs)
        if interval < 0:
            raise ValueError("interval must be >= 0 seconds")
        self.interval = interval
        self.keepalive = keepalive
        self.empty_responses = 0

    def _params(self) -> dict[str, str]:
        cursor = self.cursor
        return {} if cursor is None else {"after": cursor}

    async def _request(
        self, extra: dict[str, str] | None = None, timeout: aiohttp.ClientTimeout | None = None
    ) -> list[Any]:
        """One request; returns its `messages` and moves the cursor to `next`."""
        params = {**self._params(), **(extra or {})}
        headers = None if self.keepalive else {"Connection": "close"}
        async with self.http.get(
            self.endpoint, params=params, timeout=timeout, headers=headers
        ) as response:
            body = await response.read()
            self._count_response(response)
            self.stats.bytes_received += len(body)
            if response.status != 200:
                raise WireError(f"{self.technique} got HTTP {response.status}: {body[:200]!r}")
            if self.epoch is None:
                self._adopt_headers(response.headers)
        answer = parse_json(body)
        if not isinstance(answer, dict) or not isinstance(answer.get("messages"), list):
            raise WireError(f"not a poll answer: {body[:200]!r}")
        messages: list[Any] = answer["messages"]
        if not messages:
            self.empty_responses += 1
            self._adopt_cursor(str(answer.get("next")))
        return messages

    async def _session(self) -> AsyncGenerator[Any, None]:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            for envelope in await self._request():
                yield envelope
            await asyncio.sleep(max(0.0, started + self.interval - loop.time()))
