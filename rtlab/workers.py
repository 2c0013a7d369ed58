"""A server with a fixed pool of worker threads, one connection per worker, as
Apache's prefork/worker MPMs (MaxRequestWorkers) and PHP-FPM
(pm.max_children) serve requests.

Seed 003 says an SSE connection "占用一个Apache线程或进程" (holds an Apache
thread or process), which limits how many connections a server can hold. That
is a property of this architecture, not of SSE: `WorkerPoolServer` reproduces
it so the lab can measure it beside the aiohttp server, which holds any number
of streams on one event loop.

It speaks a small part of rtlab's wire (see the README's Protocol section):
`GET /sse/{topic}` streams every message published after the connection opens
as `id: SEQ` / `data: ENVELOPE` events, holding its worker until the client
goes; `GET /poll/{topic}` answers `{"messages": [...], "next": N}` at once;
`GET /longpoll/{topic}?after=N&timeout=S` holds its worker until a message
after N exists (then answers as `/poll` does, from N) or S seconds pass (then
`{"messages": [], "next": N}`); `GET /metrics` answers `{"workers": W, "busy":
B}` (B counts the worker answering it); `publish(topic, data)` is called
in-process. A connection that finds every worker busy waits in the listen
queue until one is free. `python -m rtlab.workers --workers W` runs one in a
process of its own: it prints its URL, and SIGTERM (or SIGINT) stops it.

Why hand-written: the standard library's `ThreadingHTTPServer` starts a new
thread per connection with no limit, which is the opposite of what is being
measured; no maintained library offers a bounded thread-per-connection HTTP
server small enough to embed. The pool is a `ThreadPoolExecutor`.
"""

from __future__ import annotations

import argparse
import functools
import select
import signal
import socket
import socketserver
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from typing import Any, Self

from rtlab.message import Message, dumps
from rtlab.wire.sse import encode_event

__all__ = ["WorkerPoolServer"]

WAKE_S = 0.1  # how often a held stream looks for shutdown while no message comes


class _Topics:
    """Messages per topic, with a condition streams wait on."""

    def __init__(self) -> None:
        self.messages: dict[str, list[Message]] = {}
        self.changed = threading.Condition()
        self.closed = False

    def publish(self, topic: str, data: Any) -> int:
        with self.changed:
            messages = self.messages.setdefault(topic, [])
            messages.append(Message(topic, len(messages) + 1, time.time() * 1000, data))
            self.changed.notify_all()
            return len(messages)

    def after(self, topic: str, seq: int) -> list[Message]:
        return self.messages.get(topic, [])[seq:]

    def last(self, topic: str) -> int:
        return len(self.messages.get(topic, []))

    def news(self, topic: str, cursor: int) -> bool:
        """Whether a stream at `cursor` has something to do: new messages, or stop."""
        return self.closed or self.last(topic) > cursor


class _Handler(BaseHTTPRequestHandler):
    server: _PoolServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet, like the Lab
        return

    def do_GET(self) -> None:
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if len(parts) == 2 and parts[0] == "sse":
            self._stream(parts[1])
        elif len(parts) == 2 and parts[0] == "poll":
            self._poll(parts[1])
        elif len(parts) == 2 and parts[0] == "longpoll":
            self._longpoll(parts[1])
        elif parts == ["metrics"]:
            server = self.server
            self._reply(200, dumps({"workers": server.workers, "busy": server.busy}))
        else:
            self._reply(404, dumps({"error": f"no route for {self.path}"}))

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _poll(self, topic: str) -> None:
        topics = self.server.topics
        with topics.changed:
            messages = topics.after(topic, 0)
        envelopes = [m.envelope() for m in messages]
        self._reply(200, dumps({"messages": envelopes, "next": len(messages)}))

    def _longpoll(self, topic: str) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        try:
            after = int(query.get("after", ["0"])[0])
            timeout = float(query.get("timeout", ["30"])[0])
        except ValueError:
            self._reply(400, dumps({"error": "after must be an integer, timeout a number"}))
            return
        topics = self.server.topics
        with topics.changed:  # one wait: a publish or stop() wakes it, nothing polls
            topics.changed.wait_for(functools.partial(topics.news, topic, after), timeout)
            messages = topics.after(topic, after)
        envelopes = [m.envelope() for m in messages]
        self._reply(200, dumps({"messages": envelopes, "next": after + len(messages)}))

    def _stream(self, topic: str) -> None:
        topics = self.server.topics
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.flush()
        with topics.changed:
            cursor = topics.last(topic)  # live only: from what comes next
        while True:
            with topics.changed:
                topics.changed.wait_for(functools.partial(topics.news, topic, cursor), WAKE_S)
                if topics.closed:
                    return
                fresh = topics.after(topic, cursor)
            if not fresh and self._client_gone():
                return  # free the worker
            for message in fresh:
                self.wfile.write(encode_event(message.json.decode(), id=message.seq))
                cursor = message.seq
            try:
                self.wfile.flush()
            except OSError:  # the client went: free the worker
                return

    def _client_gone(self) -> bool:
        """Whether the client closed its end (its socket reads as EOF)."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            peeked: bytes = self.connection.recv(1, socket.MSG_PEEK)
            return peeked == b""
        except OSError:
            return True


class _PoolServer(socketserver.TCPServer):
    allow_reuse_address = True
    # Apache's ListenBacklog default; socketserver's 5 drops the SYNs of a burst of
    # connections, which then wait seconds to retry
    request_queue_size = 511

    def __init__(self, workers: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.workers = workers
        self.topics = _Topics()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rtlab-worker")
        self.busy = 0
        self.busy_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        self.pool.submit(self._work, request, client_address)

    def _work(self, request: Any, client_address: Any) -> None:
        with self.busy_lock:
            self.busy += 1
        try:
            self.finish_request(request, client_address)
        except OSError:
            pass  # the client went mid-request
        finally:
            self.shutdown_request(request)
            with self.busy_lock:
                self.busy -= 1


class WorkerPoolServer:
    """`workers` threads, one connection each, on 127.0.0.1 (a free port).

    `start()` / `stop()` or `with WorkerPoolServer(4) as server:`; `url`,
    `publish(topic, data)`, and `busy` (workers holding a connection now)."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"a worker pool needs at least one worker, not {workers}")
        self.workers = workers
        self._server: _PoolServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the worker-pool server is not running: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def busy(self) -> int:
        return 0 if self._server is None else self._server.busy

    def publish(self, topic: str, data: Any) -> int:
        if self._server is None:
            raise RuntimeError("the worker-pool server is not running: call start() first")
        return self._server.topics.publish(topic, data)

    def start(self) -> Self:
        self._server = _PoolServer(self.workers)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": WAKE_S}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """End every stream, stop accepting, and wait for the workers and the thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        with server.topics.changed:
            server.topics.closed = True
            server.topics.changed.notify_all()
        server.shutdown()
        thread.join()
        server.pool.shutdown(wait=True)
        server.server_close()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """`python -m rtlab.workers --workers W`: serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description="a fixed pool of worker threads")
    parser.add_argument("--workers", type=int, required=True, help="threads (one connection each)")
    args = parser.parse_args(argv)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    with WorkerPoolServer(args.workers) as server:
        print(server.url, flush=True)
        stopping.wait()


if __name__ == "__main__":
    main()
