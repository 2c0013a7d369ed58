"""The sliders the notebook widgets share: the range of each knob, round publish
rates, and the check that a starting value fits its slider."""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets

__all__ = [
    "NICE_MANTISSAS",
    "SLIDER_RANGES",
    "check_range",
    "knob_slider",
    "nice_rates",
    "rate_slider",
]

#: Each knob's slider range: wide enough to show each technique's regimes, small
#: enough that a run stays interactive.
SLIDER_RANGES: dict[str, tuple[float, float]] = {
    "rate": (0.5, 500.0),  # msg/s
    "clients": (1, 50),
    "delay_ms": (0, 500),  # one-way, ms
    "poll_interval": (0.1, 5.0),  # s
    "longpoll_timeout": (1.0, 60.0),  # s
    "duration": (0.5, 30.0),  # s
}

#: Mantissas of the round rates a rate slider stops at, per decade.
NICE_MANTISSAS = (1.0, 2.0, 3.0, 5.0)


def check_range(knob: str, value: float) -> None:
    """Refuse a starting value outside the knob's slider: the slider would clamp it silently."""
    low, high = SLIDER_RANGES[knob]
    if not low <= value <= high:
        raise ValueError(f"{knob}={value} is outside the slider's range {low:g}..{high:g}")


def knob_slider(cls: type[widgets.Widget], knob: str, value: float, **kwargs: Any) -> Any:
    """A `cls` slider (IntSlider, FloatSlider) over the knob's range, set to `value`."""
    low, high = SLIDER_RANGES[knob]
    return cls(value=value, min=low, max=high, **kwargs)


def nice_rates(low: float, high: float, include: float | None = None) -> list[float]:
    """The round values 1, 2, 3, 5 × 10^k from `low` to `high` (both kept), plus
    `include` if given: a log-spaced set a slider can hit exactly (a
    `FloatLogSlider` steps in log10 and shows 19.9 for 20)."""
    values = {low, high}
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for mantissa in NICE_MANTISSAS:
            value = round(mantissa * 10.0**exponent, 10)
            if low <= value <= high:
                values.add(value)
    if include is not None:
        values.add(float(include))
    return sorted(values)


def rate_slider(value: float, low: float, high: float, **kwargs: Any) -> widgets.SelectionSlider:
    """A publish-rate slider over `nice_rates`, showing each value as it is (`20`, `0.5`)."""
    options = [(f"{rate:g}", rate) for rate in nice_rates(low, high, include=value)]
    return widgets.SelectionSlider(options=options, value=float(value), **kwargs)
