"""A real nginx in front of a lab, on loopback: HTTP/1.1 on one port, HTTP/2 over
TLS (a self-signed certificate made at start) on another, both proxying to the
lab's HTTP/1.1 with upstream keep-alive and no buffering of the push responses.

The lab speaks only HTTP/1.1 (aiohttp); a browser's HTTP/2 needs a server in
front of it. The claim `sse_http2` (`rtlab.studies.claims.http2`) uses it to
open many EventSources over one HTTP/2 connection; the multi-process study will
reuse it as the front of several server processes (`upstreams`).

    async with Lab() as lab, Nginx([lab.url], max_concurrent_streams=100) as front:
        front.http1_url   # http://127.0.0.1:PORT   (HTTP/1.1)
        front.h2_url      # https://127.0.0.1:PORT  (HTTP/2 over TLS, self-signed)

nginx runs in the foreground (`nginx -p DIR -c FILE -e stderr -g 'daemon off;'`)
as a child process, with its configuration, certificate, pid file, temp files
and log under a temporary prefix removed at stop; `stop()` ends it by the PID it
started (SIGTERM, then SIGKILL after a grace period) and waits for it and its
workers, so no process is left behind. The configuration is for Debian
bookworm's nginx 1.22 (`listen PORT ssl http2;`). Without the binary,
`NginxUnavailable` names the Debian package `nginx`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from rtlab.env import executable

__all__ = [
    "INSTALL_HINT",
    "MAX_CONCURRENT_STREAMS",
    "Nginx",
    "NginxUnavailable",
    "alive",
    "nginx_path",
]

INSTALL_HINT = (
    "install the Debian package 'nginx' (apt-get install nginx; `make test` does it when "
    "run as root) or set RTLAB_NGINX to an nginx executable"
)
CANDIDATES = ("/usr/sbin/nginx", "/usr/bin/nginx")
OPENSSL = "/usr/bin/openssl"
START_TIMEOUT = 10.0  # seconds for nginx to accept on both ports
STOP_GRACE = 5.0  # seconds after SIGTERM before SIGKILL
# Responses that stay open (streams, iframes, SSE, held long polls): no buffering,
# no read timeout short of an hour.
# The client connection preface of HTTP/2 (RFC 9113 section 3.4), then an empty SETTINGS.
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
EMPTY_SETTINGS = bytes([0, 0, 0, 0x4, 0, 0, 0, 0, 0])  # length 0, type 4, no flags, stream 0
MAX_CONCURRENT_STREAMS = 0x3  # the SETTINGS identifier (RFC 9113 section 6.5.2)
PUSH_PATHS = "^/(sse|stream|iframe|longpoll)/"


class NginxUnavailable(RuntimeError):
    """No nginx (or no openssl for its certificate): the message names the package."""


def nginx_path() -> str:
    """The nginx executable (`RTLAB_NGINX` overrides), or NginxUnavailable."""
    try:
        found = executable("RTLAB_NGINX", CANDIDATES, "nginx")
    except ValueError as exc:
        raise NginxUnavailable(str(exc)) from None
    if found is None:
        raise NginxUnavailable(f"no nginx found: {INSTALL_HINT}")
    return found


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _upstream(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if not parts.hostname or not parts.port:
        raise ValueError(f"an upstream needs a host and a port: {url!r}")
    return f"{parts.hostname}:{parts.port}"


class Nginx:
    """nginx on `host` in front of `upstreams` (lab URLs or host:port, balanced
    round-robin); `max_concurrent_streams` is its `http2_max_concurrent_streams`,
    the SETTINGS_MAX_CONCURRENT_STREAMS it announces (nginx's default is 128)."""

    def __init__(
        self,
        upstreams: Sequence[str],
        *,
        max_concurrent_streams: int = 128,
        keepalive: int = 32,
        host: str = "127.0.0.1",
    ) -> None:
        if not upstreams:
            raise ValueError("Nginx needs at least one upstream")
        self.upstreams = [_upstream(url) for url in upstreams]
        self.max_concurrent_streams = max_concurrent_streams
        self.keepalive = keepalive
        self.host = host
        self.http1_port = self.h2_port = 0
        self.prefix: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self._process else "stopped"
        return f"<Nginx {state} -> {', '.join(self.upstreams)}>"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def http1_url(self) -> str:
        return f"http://{self.host}:{self.http1_port}"

    @property
    def h2_url(self) -> str:
        return f"https://{self.host}:{self.h2_port}"

    @property
    def cert_path(self) -> Path:
        if self.prefix is None:
            raise RuntimeError("nginx is not running")
        return self.prefix / "cert.pem"

    def config(self) -> str:
        """The nginx.conf for the current prefix and ports."""
        if self.prefix is None:
            raise RuntimeError("nginx.config() needs a prefix: call start()")
        servers = "".join(f"        server {u};\n" for u in self.upstreams)
        temp = "".join(
            f"    {kind}_temp_path {self.prefix}/temp/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        proxy = (
            "proxy_pass http://lab; proxy_http_version 1.1; "
            'proxy_set_header Host $http_host; proxy_set_header Connection "";'
        )
        return f"""worker_processes 1;
pid {self.prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
{temp}    map $http_upgrade $connection_upgrade {{ default upgrade; "" ""; }}
    upstream lab {{
{servers}        keepalive {self.keepalive};
    }}
    http2_max_concurrent_streams {self.max_concurrent_streams};
    server {{
        listen {self.host}:{self.http1_port};
        listen {self.host}:{self.h2_port} ssl http2;
        ssl_certificate {self.cert_path};
        ssl_certificate_key {self.prefix}/key.pem;
        location / {{ {proxy} }}
        location ~ {PUSH_PATHS} {{ {proxy} proxy_buffering off; proxy_read_timeout 1h; }}
        location /ws/ {{
            proxy_pass http://lab; proxy_http_version 1.1; proxy_set_header Host $http_host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
        }}
    }}
}}
"""

    async def start(self) -> Self:
        """Write the prefix, make the certificate, run nginx until it accepts on both
        ports (a port taken meanwhile: new ports, up to three tries)."""
        if self._process is not None:
            raise RuntimeError("nginx is already running")
        binary = nginx_path()
        if not os.access(OPENSSL, os.X_OK):
            raise NginxUnavailable(f"no {OPENSSL} to make nginx's certificate (package openssl)")
        self.prefix = Path(tempfile.mkdtemp(prefix="rtlab-nginx-"))
        # nginx's workers (user nobody when started by root) must reach the temp dirs.
        self.prefix.chmod(0o755)
        (self.prefix / "temp").mkdir()
        try:
            await self._certificate()
            for attempt in range(3):
                self.http1_port, self.h2_port = _free_port(self.host), _free_port(self.host)
                if await self._run(binary, last=attempt == 2):
                    return self
        except BaseException:
            await self.stop()
            raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _certificate(self) -> None:
        assert self.prefix is not None
        command = [
            OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", f"/CN={self.host}",
            "-addext", f"subjectAltName=IP:{self.host}",
            "-keyout", str(self.prefix / "key.pem"), "-out", str(self.cert_path),
        ]  # fmt: skip
        made = await asyncio.to_thread(subprocess.run, command, capture_output=True, check=False)
        if made.returncode != 0:
            raise RuntimeError(f"openssl could not make a certificate: {made.stderr.decode()}")

    async def _run(self, binary: str, *, last: bool) -> bool:
        """Start nginx on the chosen ports; True once it accepts, False if the ports
        were taken (and this is not the `last` try); RuntimeError otherwise."""
        assert self.prefix is not None
        (self.prefix / "nginx.conf").write_text(self.config())
        log = self.prefix / "error.log"
        self._process = self._spawn(binary, log)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                message = log.read_text(errors="replace")
                if "Address already in use" in message and not last:
                    return False
                raise RuntimeError(f"nginx exited at start: {message.strip()}")
            if all([await _accepts(self.host, p) for p in (self.http1_port, self.h2_port)]):
                return True
            await asyncio.sleep(0.02)
        raise TimeoutError(f"nginx did not accept within {START_TIMEOUT} s")

    def _spawn(self, binary: str, log: Path) -> subprocess.Popen[bytes]:
        """nginx in the foreground on the prefix's configuration, stderr to `log`."""
        assert self.prefix is not None
        command = [binary, "-p", f"{self.prefix}/", "-c", str(self.prefix / "nginx.conf")]
        with log.open("wb") as stderr:
            return subprocess.Popen(
                [*command, "-e", "stderr", "-g", "daemon off;"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )

    async def h2_settings(self) -> dict[int, int]:
        """The SETTINGS nginx sends first on a new HTTP/2 connection to its TLS port
        (by identifier: 3 is SETTINGS_MAX_CONCURRENT_STREAMS), read off the wire."""
        context = ssl.create_default_context(cafile=str(self.cert_path))
        context.set_alpn_protocols(["h2"])
        reader, writer = await asyncio.open_connection(
            self.host, self.h2_port, ssl=context, server_hostname=self.host
        )
        try:
            protocol = writer.get_extra_info("ssl_object").selected_alpn_protocol()
            if protocol != "h2":
                raise RuntimeError(f"nginx's TLS port chose {protocol!r} by ALPN, not h2")
            writer.write(H2_PREFACE + EMPTY_SETTINGS)
            header = await asyncio.wait_for(reader.readexactly(9), START_TIMEOUT)
            length, kind = int.from_bytes(header[:3], "big"), header[3]
            if kind != 0x4:
                raise RuntimeError(f"nginx's first HTTP/2 frame is of type {kind}, not SETTINGS")
            payload = await reader.readexactly(length)
        finally:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()
        return {
            int.from_bytes(payload[i : i + 2], "big"): int.from_bytes(payload[i + 2 : i + 6], "big")
            for i in range(0, length - length % 6, 6)
        }

    def worker_pids(self) -> list[int]:
        """The PIDs of the running nginx's children (its worker processes)."""
        if self._process is None:
            return []
        return _children(self._process.pid)

    async def stop(self) -> None:
        """SIGTERM to the PID started (nginx's fast shutdown), SIGKILL after
        `STOP_GRACE` s; wait for it and its workers; remove the prefix."""
        process, self._process = self._process, None
        if process is not None:
            workers = _children(process.pid)
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, STOP_GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait)
            for pid in workers:  # reparented if nginx was killed: end them too
                await _end(pid)
        if self.prefix is not None:
            shutil.rmtree(self.prefix, ignore_errors=True)
            self.prefix = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def _accepts(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


def _children(pid: int) -> list[int]:
    """PIDs whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # the command name is in parentheses and may hold spaces: split after it
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


async def _end(pid: int) -> None:
    """SIGKILL a left-over worker that is still alive, then wait until it is gone."""
    for _ in range(int(STOP_GRACE / 0.02)):
        if not alive(pid):
            return
        await asyncio.sleep(0.02)
    if alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
