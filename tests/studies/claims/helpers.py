"""What the claims' tests share: each claim measured once in quick mode, a
check that a plot can be read, and instant fake claims in place of the real ones."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import plotly.graph_objects as go
import pytest

from rtlab.studies.browser import BrowserUnavailable, chromium_path
from rtlab.studies.claims import Claim, ClaimResult, Measurement, evaluate, registry


def _no_chromium() -> str:
    """Why the browser claims cannot run here ("" when they can: then they are
    measured, else "not testable here")."""
    try:
        chromium_path()
    except BrowserUnavailable as exc:  # pragma: no cover - depends on the machine
        return str(exc)
    return ""


NO_CHROMIUM = _no_chromium()
HAVE_CHROMIUM = not NO_CHROMIUM


@functools.cache
def measured(key: str) -> ClaimResult:
    """The claim measured and judged in quick mode, once per test session."""
    return evaluate(key, quick=True)


def assert_readable(figure: go.Figure) -> None:
    """A title, a title on every axis, and named traces for the legend."""
    assert figure.layout.title.text
    axes = [name for name in figure.layout if name.startswith(("xaxis", "yaxis"))]
    assert axes
    for name in axes:
        assert figure.layout[name].title.text, f"{name} has no title"
    assert figure.data and all(trace.name for trace in figure.data)


def install_fake_claims(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Replace the claims by two instant ones that record the quick flag they get."""
    seen: list[bool] = []

    async def measure(quick: bool) -> Measurement:
        seen.append(quick)
        return Measurement({"x": 1.0})

    def rule(figures: Mapping[str, float]) -> tuple[str, str]:
        return "holds", f"x was {figures['x']}"

    fakes = {key: Claim(key, f"claim {key}", "seed 00X", measure, rule) for key in ("a", "b")}
    monkeypatch.setattr(registry, "CLAIMS", fakes)
    return seen
