"""What each technique survives, on this machine. Prints figures; `--save` records
them in data/ (reliability_faults, reliability_idle, reliability_slow).

1. Faults: 1,000 messages over 60 s to one client per technique, 100 random
   cuts per technique and a server restart halfway.
2. Idle timeouts: a relay that closes connections idle for 5 s, messages every
   7 s, server heartbeats every 2 s or none.
3. A slow consumer: 10 MB of 1 kB messages at 500/s to 2 fast clients per push
   technique, alone and beside one stalled client per technique (1 MiB send
   limit); the fast clients' p99 with the stalled one over p99 without is the
   ratio to read (the goal: within 2x).

    python bench/reliability.py            # about 3 minutes
    python bench/reliability.py --quick    # about 25 s
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from rtlab.studies import reliability
from rtlab.studies.reliability import FaultPlan, IdlePlan, SlowPlan


def show(title: str, frame: pd.DataFrame, columns: list[str]) -> None:
    print(f"\n{title}")
    print(frame[columns].to_string(index=False, float_format=lambda v: f"{v:.1f}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the quick plans (CI scale)")
    parser.add_argument("--save", action="store_true", help="record the figures in data/")
    args = parser.parse_args()
    quick = args.quick
    pd.set_option("display.width", 200)

    started = time.monotonic()
    plan_f = FaultPlan.quick() if quick else FaultPlan()
    faults = reliability.faults(plan_f)
    show(
        f"1. faults: {plan_f.messages} messages in {plan_f.seconds:g} s, {plan_f.cuts} cuts "
        "per technique, a restart halfway",
        faults,
        [
            "technique",
            "delivered",
            "duplicates",
            "in_order",
            "lost_at_restart_notified",
            "unexplained",
            "cuts_hit",
            "reconnects",
            "recover_p50_ms",
            "recover_max_ms",
            "restart_recover_ms",
        ],
    )

    plan_i = IdlePlan.quick() if quick else IdlePlan()
    idle = reliability.idle(plan_i)
    show(
        f"2. idle timeout {plan_i.idle_timeout:g} s, a message every {plan_i.message_every:g} s, "
        f"heartbeat {plan_i.heartbeat:g} s or off",
        idle,
        ["technique", "heartbeat", "connections", "idle_closes", "losses", "duplicates"],
    )

    plan_s = SlowPlan.quick() if quick else SlowPlan()
    slow = reliability.slow_consumer(plan_s)
    show(
        f"3. slow consumer: {plan_s.megabytes:g} MB at {plan_s.rate:g} msg/s, "
        f"send limit {plan_s.send_limit} B",
        slow,
        [
            "technique",
            "stalled_client",
            "fast_p50_ms",
            "fast_p99_ms",
            "p99_ratio",
            "server_rss_growth_mb",
            "slow_ends",
            "slow_resumed_complete",
        ],
    )
    print("\nend reasons:", *slow.slow_end_reason.dropna().unique(), sep="\n  ")
    print(f"\ntook {time.monotonic() - started:.0f} s")

    if args.save:
        for name, frame, plan in (
            ("reliability_faults", faults, plan_f),
            ("reliability_idle", idle, plan_i),
            ("reliability_slow", slow, plan_s),
        ):
            print("saved", reliability.save(name, frame, plan))


if __name__ == "__main__":
    main()
