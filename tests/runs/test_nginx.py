"""rtlab.runs.nginx with the real nginx (skips, naming the Debian package, when it is
not installed): it proxies a poll exactly, keeps an SSE stream unbuffered, lets a
WebSocket upgrade through, offers h2 by ALPN on its TLS port, and stops by its PID
leaving no process; without the binary it says which package to install."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import aiohttp
import pytest

from rtlab.lab import Lab
from rtlab.runs import nginx
from rtlab.runs.nginx import MAX_CONCURRENT_STREAMS, Nginx, NginxUnavailable, alive, nginx_path

try:
    nginx_path()
    NO_NGINX = ""
except NginxUnavailable as exc:  # pragma: no cover - depends on the machine
    NO_NGINX = str(exc)

needs_nginx = pytest.mark.skipif(bool(NO_NGINX), reason=NO_NGINX)


@needs_nginx
async def test_it_proxies_a_poll_exactly_over_http1_and_tls() -> None:
    async with Lab() as lab, Nginx([lab.url]) as front, aiohttp.ClientSession() as session:
        await lab.apublish("nginx-poll", "hello")
        for url in (front.http1_url, front.h2_url):
            async with session.get(f"{url}/poll/nginx-poll?after=0", ssl=False) as response:
                assert response.status == 200
                body = await response.json()
            assert [m["data"] for m in body["messages"]] == ["hello"]
            assert body["next"] == 1
        async with session.get(f"{front.http1_url}/poll/nginx-poll") as response:
            assert (response.status, await response.text()) == (200, '{"messages":[],"next":1}')


@needs_nginx
async def test_its_tls_port_speaks_h2_and_announces_the_streams_it_was_given() -> None:
    async with Lab() as lab:
        for streams in (100, 7):
            async with Nginx([lab.url], max_concurrent_streams=streams) as front:
                settings = await front.h2_settings()
                config = (front.prefix / "nginx.conf").read_text()  # type: ignore[operator]
            assert settings[MAX_CONCURRENT_STREAMS] == streams
            assert f"http2_max_concurrent_streams {streams};" in config
            assert f"listen 127.0.0.1:{front.h2_port} ssl http2;" in config


@needs_nginx
async def test_an_sse_event_arrives_before_the_stream_ends() -> None:
    async with (
        Lab() as lab,
        Nginx([lab.url]) as front,
        aiohttp.ClientSession() as session,
        session.get(f"{front.http1_url}/sse/nginx-sse") as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        await lab.apublish("nginx-sse", "unbuffered")
        seen = b""
        while b"unbuffered" not in seen:
            seen += await asyncio.wait_for(response.content.readany(), timeout=5)
        assert not response.content.at_eof()
        assert b"event: message" in seen


@needs_nginx
async def test_a_websocket_upgrades_through_it() -> None:
    async with (
        Lab() as lab,
        Nginx([lab.url]) as front,
        aiohttp.ClientSession() as session,
        session.ws_connect(f"ws{front.http1_url[4:]}/ws/nginx-ws") as socket_,
    ):
        await asyncio.sleep(0.1)
        await lab.apublish("nginx-ws", "through")
        while True:
            frame = json.loads(await asyncio.wait_for(socket_.receive_str(), timeout=5))
            if frame.get("data") == "through":
                break


@needs_nginx
async def test_stop_ends_it_by_pid_and_leaves_no_process_or_file() -> None:
    async with Lab() as lab:
        front = await Nginx([lab.url]).start()
        pid, workers, prefix = front.pid, front.worker_pids(), front.prefix
        assert pid is not None and alive(pid) and workers and all(map(alive, workers))
        await front.stop()
        assert front.pid is None and front.prefix is None
    assert not alive(pid) and not any(map(alive, workers))
    assert isinstance(prefix, Path) and not prefix.exists()
    for port in (front.http1_port, front.h2_port):
        with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
            probe.connect(("127.0.0.1", port))


@needs_nginx
async def test_a_bad_configuration_is_an_error_with_nginx_s_message() -> None:
    async with Lab() as lab:
        front = Nginx([lab.url], max_concurrent_streams=-1)
        with pytest.raises(RuntimeError, match=r"nginx exited at start: .*http2_max_concurrent"):
            await front.start()
    assert front.pid is None and front.prefix is None


def test_without_nginx_the_error_names_the_debian_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RTLAB_NGINX", raising=False)
    monkeypatch.setattr(nginx, "CANDIDATES", ())
    monkeypatch.setattr(nginx.shutil, "which", lambda name: None)
    with pytest.raises(NginxUnavailable, match="Debian package 'nginx'"):
        nginx_path()
    monkeypatch.setenv("RTLAB_NGINX", "/nonexistent/nginx")
    with pytest.raises(NginxUnavailable, match="RTLAB_NGINX='/nonexistent/nginx'"):
        nginx_path()


def test_an_upstream_needs_a_host_and_port() -> None:
    assert Nginx(["http://127.0.0.1:8080", "127.0.0.1:8081"]).upstreams == [
        "127.0.0.1:8080",
        "127.0.0.1:8081",
    ]
    with pytest.raises(ValueError, match="host and a port"):
        Nginx(["http://127.0.0.1"])
    with pytest.raises(ValueError, match="at least one upstream"):
        Nginx([])
