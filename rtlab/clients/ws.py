"""WebSocket: `GET /ws/{topic}?after=N`; one text frame per envelope, and
`publish()` sends `{"type": "publish", "data": ...}` upstream on the same socket."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

import aiohttp

from rtlab.clients.base import Client
from rtlab.wire.envelope import WireError, parse_json

WS_POLICY_VIOLATION = 1008
CLOSED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)


class WebSocketError(WireError):
    """The server answered a frame with `{"type": "error"}`."""


class WSClient(Client):
    technique = "ws"

    def __init__(
        self,
        url: str,
        topic: str,
        *,
        heartbeat: float | None = None,
        token: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(url, topic, **kwargs)
        self.heartbeat = heartbeat
        # Sent on the handshake: a server with a publish token accepts upstream
        # publish frames only from connections that presented it.
        self.token = token
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.server_errors: list[str] = []
        self._socket: aiohttp.ClientWebSocketResponse | None = None

    async def publish(self, data: Any) -> None:
        """Publish upstream over the open socket (raises if none is open)."""
        if self._socket is None or self._socket.closed:
            raise ConnectionError("the WebSocket is not connected")
        await self._socket.send_str(json.dumps({"type": "publish", "data": data}))

    async def _session(self) -> AsyncGenerator[Any, None]:
        params = {} if self.cursor is None else {"after": self.cursor}
        headers = {} if self.token is None else {"Authorization": f"Bearer {self.token}"}
        async with self.http.ws_connect(
            self.endpoint.replace("http", "ws", 1),
            params=params,
            headers=headers,
            heartbeat=self.heartbeat,
        ) as socket:
            self._socket = socket
            self.stats.requests += 1
            # aiohttp keeps the handshake response private; its headers give the
            # starting cursor of a live-only subscription (X-Rtlab-Cursor).
            handshake = getattr(socket, "_response", None)
            if handshake is not None:
                self._count_response(handshake)
                self.stats.requests -= 1
                self._adopt_headers(handshake.headers)
            try:
                while True:
                    frame = await socket.receive()
                    if frame.type == aiohttp.WSMsgType.CLOSE:
                        self.close_reason = str(frame.extra or "")
                    if frame.type in CLOSED:
                        break
                    if frame.type != aiohttp.WSMsgType.TEXT:
                        continue
                    self.stats.bytes_received += len(frame.data.encode())
                    envelope = parse_json(frame.data)
                    if isinstance(envelope, dict) and envelope.get("type") == "error":
                        self.server_errors.append(str(envelope.get("error")))
                        continue
                    yield envelope
            finally:
                self.close_code = socket.close_code
                if socket.close_code == WS_POLICY_VIOLATION:  # e.g. the send limit
                    self.stats.ends += 1
                    self.end_reason = f"closed {socket.close_code}: {self.close_reason}"
                self._socket = None
