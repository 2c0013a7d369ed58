"""`rtlab.cputime`: CPU time below psutil's 10 ms clock ticks, threads that ended included."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import psutil
import pytest

from rtlab.cputime import process_cpu_seconds, thread_cpu_seconds
from rtlab.lab import Lab
from tests.conftest import scaled


def spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_a_threads_time_is_finer_than_a_clock_tick() -> None:
    tid = threading.get_native_id()
    readings = []
    for _ in range(5):
        before = thread_cpu_seconds(os.getpid(), tid)
        spin(0.003)  # a third of a tick
        readings.append(thread_cpu_seconds(os.getpid(), tid) - before)
    # psutil would read 0.0 or 0.01 for each; schedstat reads about 3 ms
    assert all(0.002 < r < 0.03 for r in readings), readings


def test_a_missing_thread_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="thread 999999999 of process"):
        thread_cpu_seconds(os.getpid(), 999_999_999)


def test_a_process_counts_its_ended_threads() -> None:
    code = (
        "import threading, time\n"
        "def spin():\n    end = time.thread_time() + 0.3\n"
        "    while time.thread_time() < end: pass\n"
        "t = threading.Thread(target=spin); t.start(); t.join()\n"
        "print('spun', flush=True); time.sleep(30)\n"
    )
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None and child.stdout.readline() == "spun\n"
            seconds = process_cpu_seconds(child.pid)
            ticks = psutil.Process(child.pid).cpu_times()
        finally:
            child.kill()
    assert 0.3 <= seconds < 0.3 + scaled(2)  # the spinning thread has ended
    assert seconds == pytest.approx(ticks.user + ticks.system, abs=0.05)


def test_the_labs_server_cpu_moves_in_small_steps() -> None:
    with Lab() as lab:
        before = lab.server_cpu_seconds()
        for i in range(20):
            lab.publish("t", i)
        step = lab.server_cpu_seconds() - before
    assert 0 < step < 0.5  # 20 publishes: well under a tick each, yet never read as 0
