"""Running one browser check for a claim: its figures, or None when there is no
Chromium (the claim is then "not testable here", `NEEDS_CHROMIUM`)."""

from __future__ import annotations

from typing import Any

__all__ = ["NEEDS_CHROMIUM", "browser_check"]

NEEDS_CHROMIUM = (
    "not testable here",
    "This claim is about what a browser does, and no Chromium was found to run it in "
    "(Debian package chromium).",
)


async def browser_check(name: str, **options: Any) -> dict[str, Any] | None:
    """The figures of `rtlab.studies.browser_checks.NAME(browser, **options)` in a
    headless Chromium of its own, or None without Chromium."""
    from rtlab.studies import browser, browser_checks

    try:
        async with browser.launch() as chromium:
            result = await getattr(browser_checks, name)(chromium, **options)
    except browser.BrowserUnavailable:
        return None
    figures: dict[str, Any] = result.figures
    return figures
