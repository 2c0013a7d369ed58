"""The environment variables the lab reads: one place for each knob.

- `RTLAB_QUICK=1` (`quick_mode()`): short runs, for CI; `make test` sets it for
  the notebooks.
- `RTLAB_TIMEOUT_FACTOR` (`timeout_factor()`): scales every timeout in tests and
  studies on a slow or busy machine.
- `RTLAB_CHROMIUM`, `RTLAB_NGINX`: the executables to use (`executable()`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence

__all__ = ["executable", "quick_mode", "timeout_factor"]


def timeout_factor() -> float:
    """One knob (`RTLAB_TIMEOUT_FACTOR`) scales every timeout in tests and demos,
    so that a slow or busy machine does not turn into flaky failures."""
    try:
        return max(float(os.environ.get("RTLAB_TIMEOUT_FACTOR", "1")), 0.1)
    except ValueError:
        return 1.0


def quick_mode() -> bool:
    """`RTLAB_QUICK=1` (set by `make test` for the notebooks) asks for short runs:
    notebooks and experiments use it to keep CI within a few minutes."""
    return os.environ.get("RTLAB_QUICK", "").strip().lower() in ("1", "true", "yes")


def executable(variable: str, candidates: Sequence[str], name: str) -> str | None:
    """The program `variable` names (ValueError if it is not executable), else the
    first executable of `candidates`, else `name` on the PATH; None if none."""
    configured = os.environ.get(variable)
    if configured:
        if not os.access(configured, os.X_OK):
            raise ValueError(f"{variable}={configured!r} is not an executable")
        return configured
    for candidate in (*candidates, shutil.which(name) or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None
