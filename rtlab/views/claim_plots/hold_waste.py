"""Plot of the held-long-poll claim: resident memory per held request on each
server measured, by the number of long polls held."""

from __future__ import annotations

import re
from collections.abc import Callable

import plotly.graph_objects as go

from rtlab.studies.claims import ClaimResult
from rtlab.views.claim_plots.layout import titled

__all__ = ["DRAWERS"]

KEY = re.compile(r"(?P<server>\w+)_kib_per_request@(?P<n>\d+)$")
NAMES = {"aiohttp": "aiohttp (one event loop)", "threads": "a worker thread per connection"}


def _hold_waste(result: ClaimResult) -> go.Figure:
    shown = go.Figure()
    by_server: dict[str, list[int]] = {}
    for key in result.measured:
        match = KEY.match(key)
        if match is not None:
            by_server.setdefault(match["server"], []).append(int(match["n"]))
    for server, counts in sorted(by_server.items()):
        counts.sort()
        shown.add_trace(
            go.Bar(
                x=[f"{n:,} held" for n in counts],
                y=[result.measured[f"{server}_kib_per_request@{n}"] for n in counts],
                name=NAMES.get(server, server),
            )
        )
    titled(
        shown,
        "Server resident memory per held long poll (empty topic, server in its own process)",
        "long polls held (count)",
        "resident memory per held request (KiB)",
        "server",
        barmode="group",
    )
    return shown


DRAWERS: dict[str, Callable[[ClaimResult], go.Figure]] = {"longpoll_hold_waste": _hold_waste}
