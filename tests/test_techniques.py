"""The one list of techniques and what is derived from it."""

from __future__ import annotations

from rtlab import techniques
from rtlab.clients import CLIENTS


def test_techniques_in_display_order() -> None:
    assert techniques.TECHNIQUES == ("poll", "longpoll", "stream", "iframe", "sse", "ws")
    assert [t.label for t in techniques.ALL] == [
        "Short poll",
        "Long poll",
        "HTTP stream",
        "Forever iframe",
        "Server-Sent Events",
        "WebSocket",
    ]


def test_push_pull_and_long_lived() -> None:
    assert techniques.PUSH == ("stream", "iframe", "sse", "ws")
    assert techniques.PULL == ("poll", "longpoll")
    assert sorted(techniques.LONG_LIVED) == ["iframe", "longpoll", "sse", "stream", "ws"]


def test_server_routes() -> None:
    assert techniques.ROUTES == ("publish", "poll", "longpoll", "stream", "iframe", "sse", "ws")
    assert sorted(techniques.SERVER_ROUTES) == sorted([*techniques.ROUTES, "metrics", "static"])


def test_every_technique_has_a_client_in_order() -> None:
    assert tuple(CLIENTS) == techniques.TECHNIQUES
    assert all(CLIENTS[name].technique == name for name in techniques.TECHNIQUES)
