"""The reliability experiments in quick form: their invariants, exactly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rtlab.studies import reliability
from rtlab.studies.reliability import FaultPlan, IdlePlan, SlowPlan
from tests.conftest import RecordedBar


async def test_cuts_and_a_restart_lose_nothing_silently() -> None:
    plan = FaultPlan.quick()
    frame = await reliability.afaults(plan, progress=False)
    assert list(frame.technique) == list(reliability.TECHNIQUES)
    assert (frame.published == plan.messages).all()
    assert (frame.unexplained == 0).all(), frame
    assert (frame.duplicates == 0).all()
    assert frame.in_order.all()
    assert (frame.restart_notices == 1).all()  # each client was told of the restart
    assert (frame.delivered + frame.lost_at_restart_notified == plan.messages).all()
    assert (frame.cuts == plan.cuts).all()
    assert (frame.cuts_hit > 0).all()
    push = frame[frame.technique.isin(["stream", "iframe", "sse", "ws"])]
    assert (push.reconnects >= push.cuts_hit).all()


async def test_heartbeats_keep_idle_connections_up() -> None:
    plan = IdlePlan.quick()
    frame = await reliability.aidle(plan, progress=False)
    assert len(frame) == 8
    assert (frame.losses == 0).all() and (frame.duplicates == 0).all()
    on, off = frame[frame.heartbeat == "on"], frame[frame.heartbeat == "off"]
    assert (on.idle_closes == 0).all() and (on.connections == 1).all(), on
    # messages come every 1 s, the relay drops what is idle for 0.6 s
    assert (off.idle_closes >= plan.messages - 1).all(), off
    assert (off.reconnects >= off.idle_closes).all()


async def test_stalled_clients_are_ended_and_resume(bars: list[RecordedBar]) -> None:
    # Linux lets a connection's send buffer grow to tcp_wmem's maximum (4 MiB) before
    # the server's writes wait at all, so the stall must outlast that: 6 MB.
    plan = SlowPlan.quick()
    frame = await reliability.aslow_consumer(plan, progress=True)
    shown = [(bar.desc, bar.n, bar.total) for bar in bars]
    # every message published: each bar ends full (green in a notebook), not at 97 %
    assert shown == [
        ("baseline", plan.messages, plan.messages),
        ("slow consumer", plan.messages, plan.messages),
    ]
    assert len(frame) == 8
    assert (frame.fast_delivered == plan.messages * frame.fast_clients).all()
    stalled = frame[frame.stalled_client]
    assert (stalled.slow_ends >= 1).all(), stalled
    assert stalled.slow_resumed_complete.all()
    assert (stalled.slow_duplicates == 0).all()
    assert stalled.slow_end_reason.str.contains("over the 262144-byte send limit").all()
    assert (stalled[stalled.technique == "ws"].slow_end_reason.str.startswith("closed 1008")).all()
    assert (frame[~frame.stalled_client].p99_ratio == 1.0).all()


def test_recorded_result_round_trip(tmp_path: Path) -> None:
    frame = pd.DataFrame({"technique": ["sse"], "losses": [0]})
    assert reliability.save("x", frame, IdlePlan(), tmp_path) == tmp_path / "x.meta.json"
    assert (tmp_path / "x.summary.csv.gz").exists()
    back, meta = reliability.load("x", tmp_path)
    assert back.equals(frame)
    assert meta["plan"]["idle_timeout"] == 5.0
    assert "python" in meta
