"""HTTP streaming: one long `GET /stream/{topic}?after=N`, NDJSON lines."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, Protocol

import aiohttp

from rtlab.clients.base import Client
from rtlab.wire.envelope import WireError
from rtlab.wire.ndjson import NDJSONDecoder


class Decoder(Protocol):
    def feed(self, data: bytes) -> list[Any]: ...


class StreamingClient(Client):
    """A client that reads one long HTTP response through a sans-I/O decoder.

    Subclasses set `technique` and `_decoder()`, and may add query parameters
    and request headers; `read_size` is how much is read from the socket at a time.
    """

    read_size = 64 * 1024
    no_read_timeout = aiohttp.ClientTimeout(total=None, sock_read=None)

    def _params(self) -> dict[str, str]:
        cursor = self.cursor
        return {} if cursor is None else {"after": cursor}

    def _headers(self) -> dict[str, str]:
        return {}

    def _decoder(self) -> Decoder:
        raise NotImplementedError

    def _events(self, decoder: Decoder, chunk: bytes) -> list[Any]:
        return decoder.feed(chunk)

    async def _session(self) -> AsyncGenerator[Any, None]:
        decoder = self._decoder()
        async with self.http.get(
            self.endpoint,
            params=self._params(),
            headers=self._headers(),
            timeout=self.no_read_timeout,
        ) as response:
            self._count_response(response)
            if response.status != 200:
                body = await response.read()
                raise WireError(f"{self.technique} got HTTP {response.status}: {body[:200]!r}")
            self._adopt_headers(response.headers)
            async for chunk in response.content.iter_any():
                self.stats.bytes_received += len(chunk)
                for envelope in self._events(decoder, chunk):
                    yield envelope


class StreamClient(StreamingClient):
    technique = "stream"

    def _decoder(self) -> Decoder:
        return NDJSONDecoder()
