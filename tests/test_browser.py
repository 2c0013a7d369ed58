"""Real Chromium through Playwright (skips, naming the package, when none is installed)."""

from __future__ import annotations

import pytest

from rtlab.browser import BrowserUnavailable, chromium_path, launch
from rtlab.lab import Lab

try:
    chromium_path()
except BrowserUnavailable as exc:  # pragma: no cover - depends on the machine
    pytestmark = pytest.mark.skip(reason=str(exc))


async def test_the_demo_page_loads_in_chromium(lab: Lab) -> None:
    async with launch() as browser:
        page = await browser.new_page()
        await page.goto(lab.url + "/")
        assert await page.title() == "rtlab · six ways a server pushes data"
        assert await page.evaluate("window.rtlab.techniques.length") == 6


def test_a_missing_browser_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTLAB_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(BrowserUnavailable, match="/nonexistent/chromium"):
        chromium_path()
