"""Server-Sent Events, behaving like a browser's EventSource: resume with the
`Last-Event-ID` header and wait the server's `retry:` time before reconnecting
(unless `retry_delay` is given explicitly, which wins)."""

from __future__ import annotations

from typing import Any

from rtlab.clients.stream import Decoder, StreamingClient
from rtlab.wire.envelope import WireError, parse_json
from rtlab.wire.sse import SSEDecoder


class SSEClient(StreamingClient):
    technique = "sse"

    def __init__(self, url: str, topic: str, *, honour_retry: bool = True, **kwargs: Any):
        super().__init__(url, topic, **kwargs)
        self.honour_retry = honour_retry
        self.server_retry_ms: int | None = None

    def _params(self) -> dict[str, str]:
        return {}

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream"}
        if self.cursor is not None:
            headers["Last-Event-ID"] = self.cursor
        return headers

    def _decoder(self) -> Decoder:
        return SSEDecoder()

    def _events(self, decoder: Decoder, chunk: bytes) -> list[Any]:
        assert isinstance(decoder, SSEDecoder)
        envelopes = []
        for event in decoder.feed(chunk):
            if event.type not in ("message", "gap", "restart", "end"):
                raise WireError(f"unexpected SSE event type {event.type!r}")
            envelopes.append(parse_json(event.data))
        self.server_retry_ms = decoder.retry
        return envelopes

    def _reconnect_delay(self, failed: bool, attempt: int) -> float:
        # EventSource waits the reconnection time after a clean end and after a
        # network error alike (WHATWG "reestablish the connection").
        if self.honour_retry and self.server_retry_ms is not None:
            return self.server_retry_ms / 1000
        return super()._reconnect_delay(failed, attempt)
