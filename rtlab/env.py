"""The environment variables the lab reads: one place for each knob.

- `RTLAB_QUICK=1` (`quick_mode()`): short runs, for CI; `make test` sets it for
  the notebooks.
- `RTLAB_TIMEOUT_FACTOR` (`timeout_factor()`): scales every timeout in tests and
  studies on a slow or busy machine.
"""

from __future__ import annotations

import os

__all__ = ["quick_mode", "timeout_factor"]


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
