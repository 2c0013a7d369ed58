"""The aiohttp server: one small module per technique, glued by `app.make_app`."""

from __future__ import annotations

from rtlab.server.app import Settings, make_app

__all__ = ["Settings", "make_app"]
