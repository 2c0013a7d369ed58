"""The knob panel of each technique's notebook: set the knobs, press Run, and read
the latency CDF and summary table of one `rtlab.studies.experiments` run.

    from rtlab.views.explore import explore
    explore("poll")             # last line of a cell: shows the panel

The Run button only *schedules* the run on the kernel's running loop and
returns at once: a widget callback that blocked (or that called `run_sync`)
would freeze the kernel and every other widget until it returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go

from rtlab.profiles import PROFILES, get_profile
from rtlab.runs import columns
from rtlab.studies.experiments import Result, Scenario, arun
from rtlab.views.controls import SLIDER_RANGES, check_range, knob_slider, rate_slider
from rtlab.views.plots import latency_cdf
from rtlab.views.tables import cell_text, html_table

__all__ = ["KNOBS", "OWN_KNOBS", "SUMMARY_COLUMNS", "ExplorePanel", "explore", "run_explore"]

log = logging.getLogger("rtlab.views.explore")

#: The Scenario fields the panel has controls for; other keywords stay fixed.
KNOBS = ("poll_interval", "longpoll_timeout", "rate", "clients", "network", "duration")

#: The knob only one technique has: technique -> (Scenario field, slider step, label).
OWN_KNOBS: dict[str, tuple[str, float, str]] = {
    "poll": ("poll_interval", 0.1, "poll interval (s)"),
    "longpoll": ("longpoll_timeout", 1.0, "long-poll timeout (s)"),
}

#: `Result.summary()` columns the panel shows, under `rtlab.runs.columns` headers.
SUMMARY_COLUMNS: dict[str, str] = {
    column: columns.header(column)
    for column in (
        "scenario",
        "network",
        "clients",
        "delivered",
        "losses",
        "duplicates",
        "gaps",
        "requests",
        "p50_ms",
        "p99_ms",
        "requests_per_msg",
        "bytes_per_msg",
    )
}

_STYLE = {"description_width": "150px"}


async def run_explore(technique: str, **scenario_kwargs: Any) -> Result:
    """One `rtlab.studies.experiments` run of `Scenario(technique, **scenario_kwargs)`, awaited
    on the running loop (so a widget callback can schedule it without blocking)."""
    return (await arun(Scenario(technique, **scenario_kwargs), progress=False)).numbered(0)


def _slider(cls: type[widgets.Widget], knob: str, value: float, **kwargs: Any) -> Any:
    return knob_slider(
        cls, knob, value, style=_STYLE, layout=widgets.Layout(width="460px"), **kwargs
    )


def _profile_label(name: str) -> str:
    profile = PROFILES[name]
    bandwidth = (
        "unlimited" if profile.bandwidth_mbit is None else f"{profile.bandwidth_mbit:g} Mbit/s"
    )
    return f"{name} ({profile.rtt_ms:g} ms RTT, {bandwidth})"


def _widget_output(widget: Any) -> dict[str, Any]:
    """An `Output` entry that shows `widget`.

    Set directly on `Output.outputs` instead of `with output: display(...)`:
    the context manager routes by the kernel's *current* request, which a
    task finishing after its button callback returned no longer owns, and it
    needs an IPython shell that tests and scripts do not have.
    """
    return {"output_type": "display_data", "data": widget._repr_mimebundle_(), "metadata": {}}


class ExplorePanel:
    """Knobs for one technique, a Run button, and the run's CDF and summary table.

    `explore()` returns this panel's `widget`; the panel object itself keeps
    the last `result` and the running `task` (await it in tests)."""

    def __init__(self, technique: str, **defaults: Any) -> None:
        base = Scenario(technique, **defaults)  # validates the technique and every knob
        for knob in KNOBS:
            if knob in defaults and knob in SLIDER_RANGES:
                check_range(knob, getattr(base, knob))
        self.technique = technique
        self.fixed = {k: v for k, v in defaults.items() if k not in KNOBS}
        self.result: Result | None = None
        self.task: asyncio.Task[Result | None] | None = None
        self._result_widgets: list[Any] = []
        self._make_knobs(base)
        self.run_button = widgets.Button(description="Run", button_style="primary", icon="play")
        self.progress = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description="")
        self.status = widgets.Label(value="set the knobs, then Run")
        self.output = widgets.Output()
        self.run_button.on_click(lambda _button: self.run())
        title = widgets.HTML(value=f"<b>{html.escape(technique)}</b>: one measured run")
        self.widget = widgets.VBox(
            [
                title,
                *self._controls,
                widgets.HBox([self.run_button, self.progress, self.status]),
                self.output,
            ]
        )

    def _make_knobs(self, base: Scenario) -> None:
        """The sliders and the network menu, set to `base`'s values."""
        self.interval_slider = self._own_slider("poll", base)
        self.timeout_slider = self._own_slider("longpoll", base)
        self.rate_slider = rate_slider(
            base.rate,
            *SLIDER_RANGES["rate"],
            description="publish rate (msg/s)",
            style=_STYLE,
            layout=widgets.Layout(width="460px"),
        )
        self.clients_slider = _slider(
            widgets.IntSlider, "clients", base.clients, description="clients"
        )
        self.network_dropdown = widgets.Dropdown(
            options=[(_profile_label(name), name) for name in PROFILES],
            value=base.network,
            description="network",
            style=_STYLE,
            layout=widgets.Layout(width="460px"),
        )
        self.duration_slider = _slider(
            widgets.FloatSlider, "duration", base.duration, step=0.5, description="duration (s)"
        )
        self._controls = [
            slider for slider in (self.interval_slider, self.timeout_slider) if slider is not None
        ] + [self.rate_slider, self.clients_slider, self.network_dropdown, self.duration_slider]

    def _own_slider(self, technique: str, base: Scenario) -> Any:
        """The slider of the knob only `technique` has, if this panel is for it (else None)."""
        if self.technique != technique:
            return None
        knob, step, description = OWN_KNOBS[technique]
        value = getattr(base, knob)
        return _slider(widgets.FloatSlider, knob, value, step=step, description=description)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def scenario_kwargs(self) -> dict[str, Any]:
        """The Scenario keywords the controls currently say (plus the fixed ones)."""
        values: dict[str, Any] = dict(self.fixed)
        values.update(
            rate=float(self.rate_slider.value),
            clients=int(self.clients_slider.value),
            network=str(self.network_dropdown.value),
            duration=float(self.duration_slider.value),
        )
        if self.interval_slider is not None:
            values["poll_interval"] = float(self.interval_slider.value)
        if self.timeout_slider is not None:
            values["longpoll_timeout"] = float(self.timeout_slider.value)
        return values

    def run(self) -> None:
        """The Run button: schedule `arun()` on the running loop and return at once.
        Without a running loop (a plain script) the run happens here, blocking."""
        if self.task is not None and not self.task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            from rtlab.aio import run_sync

            run_sync(self.arun())
            return
        self.run_button.disabled = True  # now, so that a second click cannot slip in
        self.task = loop.create_task(self.arun(), name=f"rtlab-explore-{self.technique}")

    async def arun(self) -> Result | None:
        """Run once with the current knobs, showing progress, then the CDF and the table.
        Errors are shown in the status line (a callback's exception would be lost)."""
        kwargs = self.scenario_kwargs()
        self.run_button.disabled = True
        self.progress.value = 0.0
        self.status.value = (
            f"running {self.technique} on {kwargs['network']} for {kwargs['duration']:g} s…"
        )
        # The run itself: connect (0.2 s + a round trip), publish, then drain.
        profile = get_profile(kwargs["network"])
        delay_ms = kwargs.get("delay_ms")
        delay = profile.delay if delay_ms is None else float(delay_ms) / 1000
        expected = 0.4 + 4 * delay + float(kwargs["duration"])
        ticker = asyncio.get_running_loop().create_task(self._tick(expected))
        try:
            result = await run_explore(self.technique, **kwargs)
        except Exception as exc:
            self.status.value = f"error: {exc!r}"
            log.exception("explore run failed")
            return None
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            self.run_button.disabled = False
        self.result = result
        self.progress.value = 1.0
        self._show(result, kwargs)
        return result

    async def _tick(self, expected: float) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            self.progress.value = min(0.99, (loop.time() - started) / expected)
            await asyncio.sleep(0.1)

    def _show(self, result: Result, kwargs: Mapping[str, Any]) -> None:
        summary = result.summary()
        row = summary.iloc[0]
        title = (
            f"{self.technique}: delivery latency on {kwargs['network']}, "
            f"{kwargs['rate']:.3g} msg/s, {kwargs['clients']} client(s)"
        )
        figure = go.FigureWidget(latency_cdf(result.deliveries, title=title))
        table = widgets.HTML(value=html_table(summary, SUMMARY_COLUMNS))
        view = widgets.VBox([figure, table])
        for old in self._result_widgets:
            old.close()
        self._result_widgets = [figure, table, view]
        self.output.outputs = (_widget_output(view),)
        self.status.value = (
            f"done: {cell_text(row['delivered'])} delivered, {cell_text(row['losses'])} lost, "
            f"p50 {cell_text(row['p50_ms'])} ms, p99 {cell_text(row['p99_ms'])} ms"
        )


def explore(technique: str, **defaults: Any) -> widgets.Widget:
    """The knob panel for `technique` (a VBox to display). Keywords set the initial
    knob values (`rate=`, `clients=`, `network=`, `duration=`, `poll_interval=`,
    `longpoll_timeout=`); any other Scenario keyword is passed through unchanged."""
    return ExplorePanel(technique, **defaults).widget
