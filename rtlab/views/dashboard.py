"""The live dashboard: the selected techniques side by side, knobs applied live.

Every selected technique receives the same publish stream through one netem
relay, and a two-row plotly chart (rolling median latency, requests per
second) plus a small table update twice a second.

    from rtlab.views.dashboard import Dashboard
    dash = Dashboard()          # last line of a cell: shows the controls and chart
    dash.close()                # stops the run and the lab it started

The run itself is a `rtlab.runs.live.LiveRun`: this module builds the widget
tree, turns the sliders into the run's `LiveKnobs`, and draws the run's state
each time it reports. Buttons only *schedule* the run on the kernel's
running loop and return at once: a widget callback that blocked would freeze
the kernel and every other widget until it returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rtlab.lab import Lab
from rtlab.netem import Relay
from rtlab.runs import columns
from rtlab.runs.live import TECHNIQUES, TRACK_COLUMNS, LiveKnobs, LiveRun, Track, check_sampling
from rtlab.views.controls import SLIDER_RANGES, check_range, knob_slider, rate_slider
from rtlab.views.plots import COLORS, LOG_AXIS
from rtlab.views.tables import html_table

__all__ = ["STATS_COLUMNS", "Dashboard", "stats_table_html"]

#: The dashboard's table: column -> header shown.
STATS_COLUMNS: dict[str, str] = {c: columns.header(c) for c in TRACK_COLUMNS} | {
    "gaps": "gaps/holes"
}

_STYLE = {"description_width": "170px"}


def stats_table_html(frame: pd.DataFrame) -> str:
    """The dashboard's per-technique table (columns of `STATS_COLUMNS`), escaped."""
    return html_table(frame, STATS_COLUMNS)


def _slider(cls: type[widgets.Widget], knob: str, value: float, **kwargs: Any) -> Any:
    return knob_slider(
        cls, knob, value, style=_STYLE, layout=widgets.Layout(width="480px"), **kwargs
    )


class Dashboard:
    """The live comparison: the selected techniques side by side, knobs applied live.

    Start creates a `LiveRun` on the running loop: one publisher (one message
    per tick to one topic per technique, at the rate slider's value), the
    clients (each through a netem relay whose one-way delay follows the delay
    slider) and a sampler after which the chart and table are redrawn every
    `refresh` seconds. Stop ends it and closes the clients. Rate and delay
    apply at once; the techniques, clients per technique and poll interval
    are fixed for a run and apply on the next Start.

    With `lab=None` the dashboard starts its own `Lab` on first Start and
    stops it in `close()`. A lab you pass in stays yours (`close()` leaves it
    running); if it was stopped, Start starts it again.
    """

    def __init__(
        self,
        lab: Lab | None = None,
        *,
        techniques: Iterable[str] = TECHNIQUES,
        clients: int = 1,
        rate: float = 20.0,
        delay_ms: int = 0,
        poll_interval: float = 0.5,
        window: float = 2.0,
        refresh: float = 0.5,
        max_points: int = 600,
    ) -> None:
        chosen = LiveKnobs(tuple(techniques)).techniques  # refuses unknown techniques
        check_sampling(window, refresh)
        for knob, value in (
            ("clients", clients),
            ("rate", rate),
            ("delay_ms", delay_ms),
            ("poll_interval", poll_interval),
        ):
            check_range(knob, value)
        self._own_lab = lab is None
        self.lab = lab if lab is not None else Lab()
        self.window = window
        self.refresh = refresh
        self.max_points = max_points
        self._run: LiveRun | None = None
        self._drawn: LiveRun | None = None  # the run whose traces the figure has
        self._task: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None
        self._closed = False
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        self._make_controls(chosen, clients, rate, delay_ms, poll_interval)
        self.figure = self._make_figure()
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.techniques_select, self._sliders]),
                widgets.HBox([self.start_button, self.stop_button, self.status]),
                self.figure,
                self.table,
            ]
        )

    def _make_controls(
        self, chosen: tuple[str, ...], clients: int, rate: float, delay_ms: int, interval: float
    ) -> None:
        self.techniques_select = widgets.SelectMultiple(
            options=TECHNIQUES, value=chosen, rows=len(TECHNIQUES), description="techniques"
        )
        self.clients_slider = _slider(
            widgets.IntSlider, "clients", clients, description="clients per technique"
        )
        self.rate_slider = rate_slider(
            rate,
            *SLIDER_RANGES["rate"],
            description="publish rate (msg/s)",
            style=_STYLE,
            layout=widgets.Layout(width="480px"),
        )
        self.delay_slider = _slider(
            widgets.IntSlider, "delay_ms", delay_ms, step=5, description="one-way delay (ms)"
        )
        self.interval_slider = _slider(
            widgets.FloatSlider,
            "poll_interval",
            interval,
            step=0.1,
            description="short-poll interval (s)",
        )
        self.start_button = widgets.Button(description="Start", button_style="success", icon="play")
        self.stop_button = widgets.Button(
            description="Stop", button_style="danger", icon="stop", disabled=True
        )
        self.status = widgets.Label(value="ready: choose techniques and knobs, then Start")
        self.table = widgets.HTML(value=stats_table_html(pd.DataFrame(columns=list(STATS_COLUMNS))))
        self.start_button.on_click(lambda _button: self.start())
        self.stop_button.on_click(lambda _button: self.stop())
        self.rate_slider.observe(self._on_rate, names="value")
        self.delay_slider.observe(self._on_delay, names="value")
        for control in (self.techniques_select, self.clients_slider, self.interval_slider):
            control.observe(self._on_fixed_knob, names="value")
        self._sliders = widgets.VBox(
            [self.clients_slider, self.rate_slider, self.delay_slider, self.interval_slider]
        )

    # -- display -----------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]  # IPython has no type hints

    def __repr__(self) -> str:
        return f"<Dashboard {'running' if self.running else 'stopped'} lab={self.lab!r}>"

    # -- state -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def live(self) -> LiveRun | None:
        """The current (or last) run: its tracks, knobs and counts."""
        return self._run

    @property
    def relay(self) -> Relay | None:
        """The relay in front of the lab while a run is on (its `settings` are live)."""
        return self._run.relay if self._run is not None else None

    @property
    def error(self) -> BaseException | None:
        """What ended the current (or last) run, if it failed."""
        return self._run.error if self._run is not None else None

    @property
    def elapsed(self) -> float:
        """Seconds since the current (or last) run started: the chart's x axis."""
        return self._run.elapsed if self._run is not None else 0.0

    def stats(self) -> pd.DataFrame:
        """The per-technique table of the current (or last) run."""
        if self._run is None:
            return pd.DataFrame(columns=list(STATS_COLUMNS))
        return self._run.stats()

    def knobs(self) -> LiveKnobs:
        """What the controls say now, as a run's knobs."""
        selected = set(self.techniques_select.value)
        return LiveKnobs(
            techniques=tuple(t for t in TECHNIQUES if t in selected),
            clients=int(self.clients_slider.value),
            rate=float(self.rate_slider.value),
            delay_ms=int(self.delay_slider.value),
            poll_interval=float(self.interval_slider.value),
        )

    def _running_status(self) -> str:
        run = self._run
        if run is None:
            return "starting…"
        knobs = run.knobs
        text = (
            f"running {run.elapsed:.0f} s · {len(knobs.techniques)} technique(s) × "
            f"{knobs.clients} client(s) · {self.rate_slider.value:.3g} msg/s · "
            f"one-way delay {self.delay_slider.value} ms"
        )
        if "poll" in knobs.techniques:
            text += f" · poll every {knobs.poll_interval:g} s"
        if self.knobs().fixed() != knobs.fixed():
            text += " · new techniques/clients/poll interval apply on the next Start"
        if run.client_errors:
            text += f" · {run.client_errors} client error(s)"
        return text

    # -- controls ----------------------------------------------------------------------

    def _on_loop(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the dashboard's loop: directly when already there, else handed over
        (a widget callback could arrive on another thread; asyncio objects are not
        thread-safe)."""
        loop = self._loop
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if loop is None or current is loop or not loop.is_running():
            fn()
        else:
            loop.call_soon_threadsafe(fn)

    def _on_knob(self, apply: Callable[[LiveRun], None]) -> None:
        def on_loop() -> None:
            if self._run is not None:
                apply(self._run)
            if self.running:
                self.status.value = self._running_status()

        self._on_loop(on_loop)

    def _on_rate(self, change: Any) -> None:
        self._on_knob(lambda run: run.set_rate(change["new"]))  # re-plans the next tick now

    def _on_delay(self, change: Any) -> None:
        self._on_knob(lambda run: run.set_delay(change["new"]))

    def _on_fixed_knob(self, _change: Any) -> None:
        self._on_knob(lambda run: None)

    def start(self) -> None:
        """Start a run in the background (returns at once). Needs a running loop:
        a Jupyter kernel has one; elsewhere use `await astart()` or `run_for()`."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            if self._loop is not None and self._loop.is_running():
                self._loop.call_soon_threadsafe(self.start)
                return
            raise RuntimeError(
                "Dashboard.start() needs a running asyncio loop (a Jupyter kernel has one); "
                "from a script, use `await dashboard.run_for(seconds)` inside asyncio.run()"
            ) from None
        if self._closed:
            raise RuntimeError("this dashboard is closed; create a new one")
        if self.running:
            return
        knobs = self.knobs()
        if not knobs.techniques:
            self.status.value = "choose at least one technique, then Start"
            return
        self._loop = loop
        run = LiveRun(
            self.lab, knobs, window=self.window, refresh=self.refresh, max_points=self.max_points
        )
        run.listeners.append(self._draw)
        self._run = run
        self.start_button.disabled = True
        self.stop_button.disabled = False
        self.status.value = "starting…"
        self._task = loop.create_task(self._main(run), name="rtlab-dashboard")

    def stop(self) -> None:
        """Ask the run to stop (returns at once); `await astop()` to wait for it."""
        if self._run is not None:
            self._on_loop(self._run.stop)

    async def astart(self) -> None:
        """Start and wait until the clients are created and publishing begins."""
        if not self.running and not self.knobs().techniques:
            raise ValueError("choose at least one technique before starting")
        self.start()
        if self._run is not None:
            await self._run.ready.wait()
        if self.error is not None:
            raise RuntimeError(f"the dashboard failed to start: {self.error!r}") from self.error

    async def astop(self) -> None:
        """Stop and wait until every task is finished and every client closed."""
        self.stop()
        if self._task is not None:
            await asyncio.shield(self._task)

    async def run_for(self, seconds: float) -> pd.DataFrame:
        """Headless run (tests, CI, scripts): start, wait `seconds`, stop, return `stats()`."""
        await self.astart()
        try:
            await asyncio.sleep(seconds)
        finally:
            await self.astop()
        if self.error is not None:
            raise RuntimeError(f"the dashboard run failed: {self.error!r}") from self.error
        return self.stats()

    async def aclose(self) -> None:
        """Stop any run and, if the dashboard started its lab, stop the lab too."""
        self._closed = True
        self.start_button.disabled = True
        await self.astop()
        self.stop_button.disabled = True
        if self._own_lab and self.lab.running:
            await self.lab.astop()
        self.status.value = "closed"

    def close(self) -> None:
        """`aclose()` for a cell: inside a running loop it finishes in the background.

        Without a running loop no run can be going on (its tasks would need
        the loop), so all there is to do is to stop the lab, synchronously."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._closed = True
            self.start_button.disabled = self.stop_button.disabled = True
            if self._own_lab:
                self.lab.stop()
            self.status.value = "closed"
            return
        if self._closing is None or self._closing.done():
            self._closing = loop.create_task(self.aclose(), name="rtlab-dashboard-close")

    async def _main(self, run: LiveRun) -> None:
        """The run, then the buttons and status line set for what comes next."""
        try:
            await run.run()
        finally:
            self.start_button.disabled = self._closed
            self.stop_button.disabled = True
            if run.error is not None:
                self.status.value = f"error: {run.error!r}"
            else:
                self.status.value = (
                    f"stopped after {run.elapsed:.1f} s ({run.published} publishes per topic); "
                    "Start runs again with the current knobs"
                )

    # -- drawing -----------------------------------------------------------------------

    def _make_figure(self) -> Any:
        figure = make_subplots(
            rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, figure=go.FigureWidget()
        )
        figure.update_layout(
            title="Live delivery per technique: rolling median latency and request rate",
            legend_title="technique",
            height=560,
            margin={"t": 60, "b": 50},
        )
        figure.update_yaxes(
            title_text=f"median latency, last {self.window:g} s (ms, log scale)",
            **LOG_AXIS,
            row=1,
            col=1,
        )
        figure.update_yaxes(title_text="requests per second (req/s)", rangemode="tozero", row=2)
        figure.update_xaxes(title_text="time since Start (s)", row=2, col=1)
        return figure

    def _reset_figure(self, techniques: Iterable[str]) -> None:
        figure = self.figure
        figure.data = ()
        for technique in techniques:
            color = COLORS.get(technique)
            for row, unit, dash in ((1, "ms", None), (2, "req/s", "dot")):
                figure.add_trace(
                    go.Scatter(
                        x=[],
                        y=[],
                        name=technique,
                        legendgroup=technique,
                        showlegend=row == 1,
                        mode="lines",
                        line={"color": color, "dash": dash},
                        hovertemplate=f"%{{x:.1f}} s: %{{y:.3g}} {unit}<extra>{technique}</extra>",
                    ),
                    row=row,
                    col=1,
                )

    def _draw(self, run: LiveRun) -> None:
        """Show `run`'s points in the chart, its table, and (while running) the status."""
        if run is not self._run:
            return  # a run that a newer one replaced
        if self._drawn is not run:
            self._reset_figure(run.tracks)
            self._drawn = run
        self._draw_tracks(run.tracks)
        self.table.value = stats_table_html(run.stats())
        if self.running and not run.stopping:
            self.status.value = self._running_status()

    def _draw_tracks(self, tracks: Mapping[str, Track]) -> None:
        with self.figure.batch_update():
            for index, track in enumerate(tracks.values()):
                latency, rate = self.figure.data[2 * index], self.figure.data[2 * index + 1]
                latency.x = rate.x = tuple(track.times)
                latency.y = tuple(track.medians)
                rate.y = tuple(track.request_rates)
