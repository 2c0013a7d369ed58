"""Fixtures for the server tests: an in-process rtlab app behind aiohttp's test client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from rtlab.server import Settings, make_app

# Plain asserts in the shared helpers report their operands too.
pytest.register_assert_rewrite("tests.server.helpers")

Serve = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def serve(aiohttp_client: Any) -> Serve:
    """`await serve(heartbeat=0.1, ...)`: a test client for `make_app(Settings(...))`."""

    async def start(**settings: Any) -> TestClient:
        from tests.server.helpers import EPOCH  # imported after the rewrite hook is set

        return await aiohttp_client(make_app(Settings(**settings), epoch=EPOCH))

    return start


@pytest.fixture
async def client(serve: Serve) -> TestClient:
    """A client for an app with default settings."""
    return await serve()
