"""Interactive notebook views: a live dashboard and a knob panel per technique.

`Dashboard` is the live view: every selected technique receives the same
publish stream through one netem relay, and a two-row plotly chart (rolling
median latency, requests per second) plus a small table update twice a second.

    from rtlab.views.widgets import Dashboard
    dash = Dashboard()          # last line of a cell: shows the controls and chart
    dash.close()                # stops the run and the lab it started

`explore(technique)` is the knob panel used by each technique's notebook: set
the technique's knobs, press Run, and read the latency CDF and summary table
of one `rtlab.studies.experiments` run.

Why everything is asyncio tasks. A Jupyter kernel runs one asyncio loop and
executes cells on it; a widget callback that blocked (or that called
`run_sync`) would freeze the kernel and every other widget until it returned.
So buttons only *schedule* coroutines on the running loop and return at once:
the clients, the publisher and the chart updater run between cells, and a
cell can keep executing while the chart moves. The lab's server has its own
thread (see `rtlab.lab`), so nothing here competes with it for the loop.

Why text is escaped. Technique names, error messages and table values are
put into `ipywidgets.HTML`, which the browser renders as HTML; an error text
echoing a server body or a topic name must not be able to inject markup or
scripts, so every value goes through `html.escape` (`html_table`).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rtlab.clients import CLIENTS, Client, PollClient
from rtlab.lab import Lab
from rtlab.message import Message
from rtlab.netem import LinkSettings, Relay
from rtlab.profiles import PROFILES, get_profile
from rtlab.runs import columns
from rtlab.runs.histogram import LatencyHistogram
from rtlab.studies.experiments import Result, Scenario, arun
from rtlab.views.plots import COLORS, LOG_AXIS, latency_cdf

__all__ = [
    "STATS_COLUMNS",
    "Dashboard",
    "ExplorePanel",
    "explore",
    "html_table",
    "nice_rates",
    "rate_slider",
    "run_explore",
    "stats_table_html",
]

log = logging.getLogger("rtlab.views.widgets")

TECHNIQUES: tuple[str, ...] = tuple(CLIENTS)

#: The dashboard's table: column -> header shown.
STATS_COLUMNS: dict[str, str] = {
    "technique": "technique",
    "delivered": "delivered",
    "p50_ms": "p50 (ms)",
    "p99_ms": "p99 (ms)",
    "requests": "requests",
    "gaps": "gaps/holes",
    "duplicates": "duplicates",
}

#: `Result.summary()` columns the explore panel shows, under `rtlab.views.tables` headers.
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


# -- sliders -----------------------------------------------------------------------

#: Mantissas of the round rates a rate slider stops at, per decade.
NICE_MANTISSAS = (1.0, 2.0, 3.0, 5.0)


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


# -- HTML tables -------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A table value as text: short numbers, a dash for missing ones."""
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return "–"
        return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.3g}"
    return str(value)


def html_table(frame: pd.DataFrame, columns: Mapping[str, str] | None = None) -> str:
    """`frame` as an HTML table, every header and value escaped.

    The one place widget HTML is built from data, so escaping cannot be
    forgotten somewhere: a value such as `<script>` shows as text.
    """
    shown = dict(columns) if columns is not None else {str(c): str(c) for c in frame.columns}
    shown = {name: label for name, label in shown.items() if name in frame.columns}
    head = "".join(
        f'<th style="text-align:right;padding:2px 8px">{html.escape(label)}</th>'
        for label in shown.values()
    )
    rows = []
    for record in frame.to_dict("records"):
        cells = "".join(
            f'<td style="text-align:right;padding:2px 8px">{html.escape(_cell(record[name]))}</td>'
            for name in shown
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        '<table style="border-collapse:collapse;font-family:monospace">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def stats_table_html(frame: pd.DataFrame) -> str:
    """The dashboard's per-technique table (columns of `STATS_COLUMNS`), escaped."""
    return html_table(frame, STATS_COLUMNS)


def _widget_output(widget: Any) -> dict[str, Any]:
    """An `Output` entry that shows `widget`.

    Set directly on `Output.outputs` instead of `with output: display(...)`:
    the context manager routes by the kernel's *current* request, which a
    task finishing after its button callback returned no longer owns, and it
    needs an IPython shell that tests and scripts do not have.
    """
    return {"output_type": "display_data", "data": widget._repr_mimebundle_(), "metadata": {}}


# -- latency bookkeeping -----------------------------------------------------------


@dataclass
class _Track:
    """One technique in a dashboard run: its clients and what they received."""

    technique: str
    topic: str
    clients: list[Client]
    delivered: int = 0
    histogram: LatencyHistogram = field(default_factory=LatencyHistogram)
    recent: deque[tuple[float, float]] = field(default_factory=deque)  # (loop time, ms)
    errors: int = 0
    last_error: str = ""
    times: list[float] = field(default_factory=list)
    medians: list[float | None] = field(default_factory=list)
    request_rates: list[float | None] = field(default_factory=list)
    last_requests: int = 0

    def record(self, latency_ms: float, now: float) -> None:
        self.delivered += 1
        self.histogram.add(latency_ms)
        self.recent.append((now, latency_ms))

    def rolling_median(self, now: float, window: float) -> float | None:
        while self.recent and self.recent[0][0] < now - window:
            self.recent.popleft()
        if not self.recent:
            return None
        return float(np.median([latency for _, latency in self.recent]))

    @property
    def requests(self) -> int:
        return sum(client.stats.requests for client in self.clients)

    def row(self) -> dict[str, Any]:
        return {
            "technique": self.technique,
            "delivered": self.delivered,
            # the histogram's buckets are a few % wide: more decimals would be noise
            "p50_ms": round(self.histogram.quantile(0.5), 2),
            "p99_ms": round(self.histogram.quantile(0.99), 2),
            "requests": self.requests,
            "gaps": sum(c.stats.gaps + c.stats.holes for c in self.clients),
            "duplicates": sum(c.stats.duplicates for c in self.clients),
        }


@dataclass(frozen=True)
class _RunConfig:
    """What a run fixes at Start (the rest, rate and delay, is read live)."""

    techniques: tuple[str, ...]
    clients: int
    poll_interval: float


# -- the live dashboard ------------------------------------------------------------


class Dashboard:
    """The live comparison: the selected techniques side by side, knobs applied live.

    Start creates, on the running loop: one publisher (one message per tick
    to one topic per technique, at the rate slider's value), the clients (each
    through a netem relay whose one-way delay follows the delay slider) and
    an updater that redraws the chart and table every `refresh` seconds. Stop
    cancels them and closes the clients. Rate and delay apply at once; the
    techniques, clients per technique and poll interval are fixed for a run
    and apply on the next Start.

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
        chosen = tuple(techniques)
        unknown = [t for t in chosen if t not in TECHNIQUES]
        if unknown:
            raise ValueError(f"unknown techniques {unknown}; choose from {', '.join(TECHNIQUES)}")
        if window <= 0 or refresh <= 0:
            raise ValueError("window and refresh must be > 0 seconds")
        # The sliders would clamp an out-of-range value silently; say so instead.
        for name, value, low, high in (
            ("clients", clients, 1, 50),
            ("rate", rate, 0.5, 500),
            ("delay_ms", delay_ms, 0, 500),
            ("poll_interval", poll_interval, 0.1, 5.0),
        ):
            if not low <= value <= high:
                raise ValueError(f"{name}={value} is outside the slider's range {low}..{high}")
        self._own_lab = lab is None
        self.lab = lab if lab is not None else Lab()
        self.window = window
        self.refresh = refresh
        self.max_points = max_points
        self.error: BaseException | None = None
        self._relay: Relay | None = None
        self._tracks: dict[str, _Track] = {}
        self._config: _RunConfig | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None
        self._closed = False
        self._stop_event = asyncio.Event()
        self._ready = asyncio.Event()
        self._rate_changed = asyncio.Event()
        self._started_at: float | None = None
        self._published = 0
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None

        style = {"description_width": "170px"}
        wide = widgets.Layout(width="480px")
        self.techniques_select = widgets.SelectMultiple(
            options=TECHNIQUES, value=chosen, rows=len(TECHNIQUES), description="techniques"
        )
        self.clients_slider = widgets.IntSlider(
            value=clients, min=1, max=50, description="clients per technique", style=style
        )
        self.clients_slider.layout = wide
        self.rate_slider = rate_slider(
            rate, 0.5, 500, description="publish rate (msg/s)", style=style, layout=wide
        )
        self.delay_slider = widgets.IntSlider(
            value=delay_ms,
            min=0,
            max=500,
            step=5,
            description="one-way delay (ms)",
            style=style,
            layout=widgets.Layout(width="480px"),
        )
        self.interval_slider = widgets.FloatSlider(
            value=poll_interval,
            min=0.1,
            max=5.0,
            step=0.1,
            description="short-poll interval (s)",
            style=style,
            layout=widgets.Layout(width="480px"),
        )
        self.start_button = widgets.Button(description="Start", button_style="success", icon="play")
        self.stop_button = widgets.Button(
            description="Stop", button_style="danger", icon="stop", disabled=True
        )
        self.status = widgets.Label(value="ready: choose techniques and knobs, then Start")
        self.table = widgets.HTML(value=stats_table_html(pd.DataFrame(columns=list(STATS_COLUMNS))))
        self.figure = self._make_figure()

        self.start_button.on_click(lambda _button: self.start())
        self.stop_button.on_click(lambda _button: self.stop())
        self.rate_slider.observe(self._on_rate, names="value")
        self.delay_slider.observe(self._on_delay, names="value")
        for control in (self.techniques_select, self.clients_slider, self.interval_slider):
            control.observe(self._on_fixed_knob, names="value")

        sliders = widgets.VBox(
            [self.clients_slider, self.rate_slider, self.delay_slider, self.interval_slider]
        )
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.techniques_select, sliders]),
                widgets.HBox([self.start_button, self.stop_button, self.status]),
                self.figure,
                self.table,
            ]
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
    def relay(self) -> Relay | None:
        """The relay in front of the lab while a run is on (its `settings` are live)."""
        return self._relay

    @property
    def elapsed(self) -> float:
        """Seconds since the current (or last) run started: the chart's x axis."""
        if self._started_at is None or self._loop is None:
            return 0.0
        return self._loop.time() - self._started_at

    def stats(self) -> pd.DataFrame:
        """The per-technique table of the current (or last) run."""
        rows = [track.row() for track in self._tracks.values()]
        return pd.DataFrame(rows, columns=list(STATS_COLUMNS))

    def _read_config(self) -> _RunConfig:
        selected = set(self.techniques_select.value)
        return _RunConfig(
            techniques=tuple(t for t in TECHNIQUES if t in selected),
            clients=int(self.clients_slider.value),
            poll_interval=float(self.interval_slider.value),
        )

    def _running_status(self) -> str:
        config = self._config
        if config is None:
            return "starting…"
        text = (
            f"running {self.elapsed:.0f} s · {len(config.techniques)} technique(s) × "
            f"{config.clients} client(s) · {self.rate_slider.value:.3g} msg/s · "
            f"one-way delay {self.delay_slider.value} ms"
        )
        if "poll" in config.techniques:
            text += f" · poll every {config.poll_interval:g} s"
        if self._read_config() != config:
            text += " · new techniques/clients/poll interval apply on the next Start"
        errors = sum(track.errors for track in self._tracks.values())
        if errors:
            text += f" · {errors} client error(s)"
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

    def _on_rate(self, _change: Any) -> None:
        def apply() -> None:
            self._rate_changed.set()  # the publisher re-plans its next tick now
            if self.running:
                self.status.value = self._running_status()

        self._on_loop(apply)

    def _on_delay(self, change: Any) -> None:
        def apply() -> None:
            relay = self._relay
            if relay is not None:
                relay.settings.delay = float(change["new"]) / 1000
            if self.running:
                self.status.value = self._running_status()

        self._on_loop(apply)

    def _on_fixed_knob(self, _change: Any) -> None:
        def apply() -> None:
            if self.running:
                self.status.value = self._running_status()

        self._on_loop(apply)

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
        config = self._read_config()
        if not config.techniques:
            self.status.value = "choose at least one technique, then Start"
            return
        self._loop = loop
        self.error = None
        self._config = config
        self._stop_event = asyncio.Event()
        self._ready = asyncio.Event()
        self._rate_changed = asyncio.Event()
        self.start_button.disabled = True
        self.stop_button.disabled = False
        self.status.value = "starting…"
        self._task = loop.create_task(self._main(config), name="rtlab-dashboard")

    def stop(self) -> None:
        """Ask the run to stop (returns at once); `await astop()` to wait for it."""
        self._on_loop(self._stop_event.set)

    async def astart(self) -> None:
        """Start and wait until the clients are created and publishing begins."""
        if not self.running and not self._read_config().techniques:
            raise ValueError("choose at least one technique before starting")
        self.start()
        await self._ready.wait()
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

    # -- the run -----------------------------------------------------------------------

    async def _lab_url(self) -> str:
        """The lab's URL, starting the lab first if it is not running: a notebook run
        top to bottom ends with `lab.stop()`, and its dashboard's Start must still work."""
        if not self.lab.running:
            await self.lab.astart()
        return self.lab.url

    def _make_client(self, technique: str, url: str, topic: str, after: int) -> Client:
        config = self._config
        assert config is not None
        cls = CLIENTS[technique]
        if cls is PollClient:
            return PollClient(url, topic, after=after, interval=config.poll_interval)
        return cls(url, topic, after=after)

    async def _main(self, config: _RunConfig) -> None:
        loop = asyncio.get_running_loop()
        tasks: list[asyncio.Task[None]] = []
        try:
            url = await self._lab_url()
            relay = Relay.for_url(url, LinkSettings(delay=self.delay_slider.value / 1000))
            await relay.start()
            try:
                self._relay = relay
                tracks: dict[str, _Track] = {}
                for technique in config.techniques:
                    topic = f"dashboard-{technique}"
                    # Clients resume from this marker: nothing published from
                    # now on can be missed while they connect.
                    marker = await self.lab.apublish(topic, {"start": True})
                    clients = [
                        self._make_client(technique, relay.url, topic, marker)
                        for _ in range(config.clients)
                    ]
                    tracks[technique] = _Track(technique, topic, clients)
                self._tracks = tracks
                self._published = 0
                self._started_at = loop.time()
                self._reset_figure(tracks)
                try:
                    for track in tracks.values():
                        for client in track.clients:
                            tasks.append(loop.create_task(self._consume(track, client)))
                    tasks.append(loop.create_task(self._guard(self._publish(tracks))))
                    tasks.append(loop.create_task(self._guard(self._update())))
                    self.status.value = self._running_status()
                    self._ready.set()
                    await self._stop_event.wait()
                finally:
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
                    for track in tracks.values():
                        for client in track.clients:
                            await client.aclose()
                    self._refresh()
            finally:
                self._relay = None
                await relay.stop()
        except Exception as exc:
            self.error = exc
            log.exception("the dashboard run failed")
        finally:
            self._ready.set()
            self.start_button.disabled = self._closed
            self.stop_button.disabled = True
            if self.error is not None:
                self.status.value = f"error: {self.error!r}"
            else:
                self.status.value = (
                    f"stopped after {self.elapsed:.1f} s ({self._published} publishes per topic); "
                    "Start runs again with the current knobs"
                )

    async def _guard(self, work: Awaitable[None]) -> None:
        """A failing publisher or updater ends the run with its error shown, rather
        than dying silently while the rest keeps going."""
        try:
            await work
        except Exception as exc:
            self.error = exc
            log.exception("a dashboard task failed")
            self._stop_event.set()

    async def _consume(self, track: _Track, client: Client) -> None:
        loop = asyncio.get_running_loop()
        try:
            async for item in client:
                if isinstance(item, Message) and item.latency_ms is not None:
                    track.record(item.latency_ms, loop.time())
        except Exception as exc:  # one broken client is reported, the others go on
            track.errors += 1
            track.last_error = repr(exc)
            log.warning("%s client stopped: %r", track.technique, exc)

    async def _publish(self, tracks: Mapping[str, _Track]) -> None:
        """One message per tick to every technique's topic, at the rate slider's value.

        The next tick is planned from the previous one, so the rate holds on
        average; after a stall it does not burst more than `CATCH_UP` seconds'
        worth. A rate change wakes the wait at once and re-plans the tick.
        """
        catch_up = 0.25
        loop = asyncio.get_running_loop()
        topics = [track.topic for track in tracks.values()]
        last = loop.time() - 1 / self.rate_slider.value
        while True:
            due = max(last + 1 / float(self.rate_slider.value), loop.time() - catch_up)
            wait = due - loop.time()
            if wait > 0:
                self._rate_changed.clear()
                try:
                    async with asyncio.timeout(wait):
                        await self._rate_changed.wait()
                    continue  # the rate changed: plan this tick again
                except TimeoutError:
                    pass
            self._published += 1
            data = {"n": self._published}
            await asyncio.gather(*(self.lab.apublish(topic, data) for topic in topics))
            last = due

    async def _update(self) -> None:
        while True:
            await asyncio.sleep(self.refresh)
            self._refresh()

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

    def _reset_figure(self, tracks: Mapping[str, _Track]) -> None:
        figure = self.figure
        figure.data = ()
        for technique in tracks:
            color = COLORS.get(technique)
            figure.add_trace(
                go.Scatter(
                    x=[],
                    y=[],
                    name=technique,
                    legendgroup=technique,
                    mode="lines",
                    line={"color": color},
                    hovertemplate="%{x:.1f} s: %{y:.3g} ms<extra>" + technique + "</extra>",
                ),
                row=1,
                col=1,
            )
            figure.add_trace(
                go.Scatter(
                    x=[],
                    y=[],
                    name=technique,
                    legendgroup=technique,
                    showlegend=False,
                    mode="lines",
                    line={"color": color, "dash": "dot"},
                    hovertemplate="%{x:.1f} s: %{y:.3g} req/s<extra>" + technique + "</extra>",
                ),
                row=2,
                col=1,
            )

    def _refresh(self) -> None:
        """Append one point per technique and redraw the chart, the table and the status."""
        if self._started_at is None or not self._tracks:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        elapsed = now - self._started_at
        for track in self._tracks.values():
            previous = track.times[-1] if track.times else 0.0
            requests = track.requests
            span = elapsed - previous
            track.times.append(elapsed)
            track.medians.append(track.rolling_median(now, self.window))
            track.request_rates.append(
                (requests - track.last_requests) / span if span > 0 else None
            )
            track.last_requests = requests
            for series in (track.times, track.medians, track.request_rates):
                del series[: -self.max_points]
        with self.figure.batch_update():
            for index, track in enumerate(self._tracks.values()):
                latency, rate = self.figure.data[2 * index], self.figure.data[2 * index + 1]
                latency.x = rate.x = tuple(track.times)
                latency.y = tuple(track.medians)
                rate.y = tuple(track.request_rates)
        self.table.value = stats_table_html(self.stats())
        if self.running and not self._stop_event.is_set():
            self.status.value = self._running_status()


# -- the knob panel of a technique notebook ----------------------------------------


async def run_explore(technique: str, **scenario_kwargs: Any) -> Result:
    """One `rtlab.studies.experiments` run of `Scenario(technique, **scenario_kwargs)`, awaited
    on the running loop (so a widget callback can schedule it without blocking)."""
    result = await arun(Scenario(technique, **scenario_kwargs), progress=False)
    for frame in (result.deliveries, result.runs):
        if "run" not in frame.columns:
            frame.insert(0, "run", 0)  # Result.summary() groups by run
    return result


#: The Scenario fields the panel has controls for; other keywords stay fixed.
KNOBS = ("poll_interval", "longpoll_timeout", "rate", "clients", "network", "duration")
#: Each slider's range: wide enough to show each technique's regimes, small
#: enough that a run stays interactive.
SLIDER_RANGES: dict[str, tuple[float, float]] = {
    "poll_interval": (0.1, 5.0),
    "longpoll_timeout": (1.0, 60.0),
    "rate": (0.5, 500.0),
    "clients": (1, 50),
    "duration": (0.5, 30.0),
}


class ExplorePanel:
    """Knobs for one technique, a Run button, and the run's CDF and summary table.

    `explore()` returns this panel's `widget`; the panel object itself keeps
    the last `result` and the running `task` (await it in tests)."""

    def __init__(self, technique: str, **defaults: Any) -> None:
        base = Scenario(technique, **defaults)  # validates the technique and every knob
        # A slider would clamp a value outside its range silently; refuse it instead.
        for knob, (low, high) in SLIDER_RANGES.items():
            value = getattr(base, knob)
            if knob in defaults and not low <= value <= high:
                raise ValueError(f"{knob}={value} is outside the slider's range {low}..{high}")
        self.technique = technique
        self.fixed = {k: v for k, v in defaults.items() if k not in KNOBS}
        self.result: Result | None = None
        self.task: asyncio.Task[Result | None] | None = None
        self._result_widgets: list[Any] = []
        style = {"description_width": "150px"}

        def layout() -> Any:
            return widgets.Layout(width="460px")

        controls: list[Any] = []
        self.interval_slider: Any = None
        self.timeout_slider: Any = None
        if technique == "poll":
            self.interval_slider = widgets.FloatSlider(
                value=base.poll_interval,
                min=SLIDER_RANGES["poll_interval"][0],
                max=SLIDER_RANGES["poll_interval"][1],
                step=0.1,
                description="poll interval (s)",
                style=style,
                layout=layout(),
            )
            controls.append(self.interval_slider)
        if technique == "longpoll":
            self.timeout_slider = widgets.FloatSlider(
                value=base.longpoll_timeout,
                min=SLIDER_RANGES["longpoll_timeout"][0],
                max=SLIDER_RANGES["longpoll_timeout"][1],
                step=1.0,
                description="long-poll timeout (s)",
                style=style,
                layout=layout(),
            )
            controls.append(self.timeout_slider)
        self.rate_slider = rate_slider(
            base.rate,
            *SLIDER_RANGES["rate"],
            description="publish rate (msg/s)",
            style=style,
            layout=layout(),
        )
        self.clients_slider = widgets.IntSlider(
            value=base.clients,
            min=int(SLIDER_RANGES["clients"][0]),
            max=int(SLIDER_RANGES["clients"][1]),
            description="clients",
            style=style,
            layout=layout(),
        )
        self.network_dropdown = widgets.Dropdown(
            options=[(self._profile_label(name), name) for name in PROFILES],
            value=base.network,
            description="network",
            style=style,
            layout=layout(),
        )
        self.duration_slider = widgets.FloatSlider(
            value=base.duration,
            min=SLIDER_RANGES["duration"][0],
            max=SLIDER_RANGES["duration"][1],
            step=0.5,
            description="duration (s)",
            style=style,
            layout=layout(),
        )
        controls += [self.rate_slider, self.clients_slider, self.network_dropdown]
        controls.append(self.duration_slider)
        self.run_button = widgets.Button(description="Run", button_style="primary", icon="play")
        self.progress = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description="")
        self.status = widgets.Label(value="set the knobs, then Run")
        self.output = widgets.Output()
        self.run_button.on_click(lambda _button: self.run())
        title = widgets.HTML(value=f"<b>{html.escape(technique)}</b>: one measured run")
        self.widget = widgets.VBox(
            [
                title,
                *controls,
                widgets.HBox([self.run_button, self.progress, self.status]),
                self.output,
            ]
        )

    @staticmethod
    def _profile_label(name: str) -> str:
        profile = PROFILES[name]
        bandwidth = (
            "unlimited" if profile.bandwidth_mbit is None else f"{profile.bandwidth_mbit:g} Mbit/s"
        )
        return f"{name} ({profile.rtt_ms:g} ms RTT, {bandwidth})"

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
            f"done: {_cell(row['delivered'])} delivered, {_cell(row['losses'])} lost, "
            f"p50 {_cell(row['p50_ms'])} ms, p99 {_cell(row['p99_ms'])} ms"
        )


def explore(technique: str, **defaults: Any) -> widgets.Widget:
    """The knob panel for `technique` (a VBox to display). Keywords set the initial
    knob values (`rate=`, `clients=`, `network=`, `duration=`, `poll_interval=`,
    `longpoll_timeout=`); any other Scenario keyword is passed through unchanged."""
    return ExplorePanel(technique, **defaults).widget
