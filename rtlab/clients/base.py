"""The interface every technique's client shares.

    async with SSEClient(lab.url, "demo", after=0) as client:
        async for item in client:      # Message or Gap, in seq order, each once
            ...

A client owns a cursor (`last_seq`): the last seq it has delivered. Each
technique subclass implements `_session()`, an async generator of decoded
envelopes for one connection (or, for polling, one run of requests). When that
connection ends or fails, the base class reconnects after a back-off and the
subclass resumes from the cursor (`after=N`, or `Last-Event-ID` for SSE), so a
dropped connection costs time, never messages. Once a response has named the
server's epoch (`X-Rtlab-Epoch`), the cursor is sent as `EPOCH:N`, so a
restarted server answers with a `Restart` item (delivered, and counted in
`restarts`) instead of misreading the old seq; the cursor then starts again at 0.

What arrives is checked here, once for all techniques: a seq at or below the
cursor is a duplicate (counted, not delivered); a seq beyond cursor + 1 with
no Gap before it is a silent hole, which the client turns into an explicit
Gap item (and counts in `holes`) rather than passing over; server Gaps are
delivered as they come. Counters (`requests`, `bytes_received`, `reconnects`,
`messages`, `duplicates`, `gaps`, `holes`, `restarts`, `ends`, `errors`) let experiments compare
techniques.

`bytes_received` counts what the client can see: body bytes plus the status
line and headers of each HTTP response (WebSocket: frame payloads plus the
handshake). The exact bytes on the wire, framing included, are measured by
the network relay, not here.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Self

import aiohttp

from rtlab.message import Gap, Message, Restart, now_ms
from rtlab.wire.envelope import WireError, decode_item

__all__ = ["Client", "ClientStats"]

Item = Message | Gap | Restart

RECOVERABLE = (aiohttp.ClientError, ConnectionError, TimeoutError, WireError)


@dataclass(slots=True)
class ClientStats:
    """What a client saw; see the module docstring for what each counter means."""

    messages: int = 0
    duplicates: int = 0
    gaps: int = 0
    holes: int = 0
    restarts: int = 0
    ends: int = 0
    heartbeats: int = 0
    requests: int = 0
    reconnects: int = 0
    errors: int = 0
    bytes_received: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Client(ABC):
    """Base class: subclasses set `technique` and implement `_session()`."""

    technique: ClassVar[str]

    def __init__(
        self,
        url: str,
        topic: str,
        *,
        after: int | None = None,
        epoch: str | None = None,
        session: aiohttp.ClientSession | None = None,
        reconnect: bool = True,
        retry_delay: float = 0.05,
        max_retry_delay: float = 5.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.topic = topic
        self.last_seq: int | None = after
        self.epoch = epoch
        self.reconnect = reconnect
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.stats = ClientStats()
        self.last_error: BaseException | None = None
        # Why the server last ended a connection (an `end` envelope, or a
        # WebSocket close reason): e.g. it fell past the server's send limit.
        self.end_reason: str | None = None
        self._session_given = session
        self._http: aiohttp.ClientSession | None = session
        self._closed = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.topic!r} last_seq={self.last_seq} {self.stats}>"

    @property
    def endpoint(self) -> str:
        return f"{self.url}/{self.technique}/{self.topic}"

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        return self._http

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        if self._http is not None and self._session_given is None:
            await self._http.close()
        self._http = None

    # -- what subclasses implement -------------------------------------------------

    @abstractmethod
    def _session(self) -> AsyncGenerator[Any, None]:
        """Decoded envelopes (dicts) from one connection, resuming from `self.last_seq`."""

    def _reconnect_delay(self, failed: bool, attempt: int) -> float:
        if not failed:
            return self.retry_delay
        return float(min(self.max_retry_delay, self.retry_delay * 2**attempt))

    # -- shared machinery ------------------------------------------------------------

    def _count_response(self, response: aiohttp.ClientResponse) -> None:
        self.stats.requests += 1
        head = 15 + sum(len(k) + len(v) + 4 for k, v in response.raw_headers) + 2
        self.stats.bytes_received += head

    @property
    def cursor(self) -> str | None:
        """The resume cursor to send: `EPOCH:N` once the epoch is known, else `N`."""
        if self.last_seq is None:
            return None
        return str(self.last_seq) if self.epoch is None else f"{self.epoch}:{self.last_seq}"

    def _adopt_cursor(self, value: str | None) -> None:
        """Take the server's starting cursor (`X-Rtlab-Cursor`) if we have none yet."""
        if self.last_seq is None and value is not None and value.isdigit():
            self.last_seq = int(value)

    def _adopt_headers(self, headers: Any) -> None:
        """Learn the server's epoch and, if we have none, the starting cursor."""
        epoch = headers.get("X-Rtlab-Epoch")
        if self.epoch is None and epoch:
            self.epoch = epoch
        self._adopt_cursor(headers.get("X-Rtlab-Cursor"))

    def _accept(self, envelope: Any) -> list[Item]:
        if isinstance(envelope, dict) and envelope.get("type") == "end":
            # The server ends this connection (e.g. the send limit); EOF follows
            # and the client resumes from its cursor like after any drop.
            self.stats.ends += 1
            self.end_reason = str(envelope.get("reason"))
            return []
        item = decode_item(envelope, now_ms())
        if item is None:
            self.stats.heartbeats += 1
            return []
        if isinstance(item, Restart):
            if item.epoch == self.epoch:
                return []  # already followed into this run
            self.stats.restarts += 1
            self.epoch = item.epoch
            self.last_seq = 0
            return [item]
        if isinstance(item, Gap):
            self.stats.gaps += 1
            if self.last_seq is not None and item.last <= self.last_seq:
                return []
            self.last_seq = item.last
            return [item]
        if self.last_seq is not None and item.seq <= self.last_seq:
            self.stats.duplicates += 1
            return []
        out: list[Item] = []
        if self.last_seq is not None and item.seq > self.last_seq + 1:
            self.stats.holes += 1
            out.append(Gap(item.topic, self.last_seq + 1, item.seq - 1, item.received))
        self.last_seq = item.seq
        self.stats.messages += 1
        out.append(item)
        return out

    async def __aiter__(self) -> AsyncGenerator[Item, None]:
        attempt = 0
        first = True
        while not self._closed:
            if not first:
                self.stats.reconnects += 1
            first = False
            failed = False
            try:
                # aclosing: when the caller stops iterating, the connection's own
                # generator is closed here, in this task, not later by the GC.
                async with contextlib.aclosing(self._session()) as session:
                    async for envelope in session:
                        attempt = 0
                        for item in self._accept(envelope):
                            yield item
            except RECOVERABLE as exc:
                failed = True
                self.last_error = exc
                self.stats.errors += 1
            if not self.reconnect or self._closed:
                return
            attempt += 1
            await asyncio.sleep(self._reconnect_delay(failed, attempt))

    async def collect(self, until_seq: int, timeout: float = 30.0) -> list[Item]:
        """Items until the cursor reaches `until_seq` (or TimeoutError after `timeout` s)."""
        items: list[Item] = []
        if self.last_seq is not None and self.last_seq >= until_seq:
            return items
        iterator = aiter(self)
        try:
            async with asyncio.timeout(timeout):
                async for item in iterator:
                    items.append(item)
                    if self.last_seq is not None and self.last_seq >= until_seq:
                        break
        finally:
            with contextlib.suppress(Exception):
                await iterator.aclose()
        return items
