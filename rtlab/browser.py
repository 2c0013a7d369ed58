"""Headless Chromium through Playwright for Python, for measuring real browsers.

The system Chromium (Debian package `chromium`, `/usr/bin/chromium`) is passed
to Playwright as `executable_path`: Playwright's own browser download is not
used. `chromium_path()` finds it (`RTLAB_CHROMIUM` overrides);
`BrowserUnavailable` says what is missing and how to get it, so tests and
notebooks can skip with that message.

    async with launch() as browser:
        page = await browser.new_page()
        await page.goto(lab.url)
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Browser

__all__ = ["BrowserUnavailable", "chromium_path", "launch"]

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
INSTALL_HINT = (
    "install the Debian package 'chromium' (apt-get install chromium; `make test` does it "
    "when run as root) or set RTLAB_CHROMIUM to a Chromium or Chrome executable"
)


class BrowserUnavailable(RuntimeError):
    """No browser to drive: the message names what is missing."""


def chromium_path() -> str:
    """The Chromium executable to drive, or BrowserUnavailable."""
    configured = os.environ.get("RTLAB_CHROMIUM")
    if configured:
        if not os.access(configured, os.X_OK):
            raise BrowserUnavailable(f"RTLAB_CHROMIUM={configured!r} is not an executable")
        return configured
    for candidate in (*CANDIDATES, shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BrowserUnavailable(f"no Chromium found: {INSTALL_HINT}")


@contextlib.asynccontextmanager
async def launch(headless: bool = True, **options: Any) -> AsyncIterator[Browser]:
    """A Playwright Chromium browser on the system Chromium, closed on exit."""
    try:
        from playwright.async_api import async_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dev dependency
        raise BrowserUnavailable("the Python package 'playwright' is not installed") from exc
    path = chromium_path()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=path, headless=headless, **options
        )
        try:
            yield browser
        finally:
            await browser.close()
