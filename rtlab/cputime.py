"""CPU time of a thread or a process, to the nanosecond where Linux gives it.

psutil reads `/proc/PID/stat`, which counts whole clock ticks (10 ms here): a
quick run whose server spends 30 ms on a CPU reads 0.02, 0.03 or 0.04 s, and
a per-message figure made from that is noise. Linux keeps the exact figures,
and psutil does not expose them, hence this module:

- a thread: the first field of `/proc/PID/task/TID/schedstat`, the task's
  time on a CPU in nanoseconds;
- a process: the process's CPU-time clock (`clock_getcpuclockid(3)`, read
  with `time.clock_gettime`), which, unlike any one task's schedstat,
  includes the threads that have already ended.

Where either cannot be read (not Linux, a process gone), psutil's tick-based
figure is the fallback, so callers always get a number.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from functools import cache
from pathlib import Path

import psutil

__all__ = ["process_cpu_seconds", "thread_cpu_seconds"]


def thread_cpu_seconds(pid: int, tid: int) -> float:
    """CPU time (user + system) of thread `tid` (its native id) of process `pid`."""
    try:
        text = Path(f"/proc/{pid}/task/{tid}/schedstat").read_text()
        return int(text.split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        pass
    for info in psutil.Process(pid).threads():
        if info.id == tid:
            return float(info.user_time + info.system_time)
    raise RuntimeError(f"thread {tid} of process {pid} is not visible")


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process `pid`, all its threads, ended ones included."""
    clock = _process_clock(pid)
    if clock is not None:
        try:
            return time.clock_gettime(clock)
        except OSError:  # the process ended since its clock was looked up
            pass
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _process_clock(pid: int) -> int | None:
    libc = _libc()
    if libc is None:
        return None
    clock = ctypes.c_int()
    if libc.clock_getcpuclockid(pid, ctypes.byref(clock)) != 0:
        return None
    return clock.value


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.clock_getcpuclockid  # noqa: B018  # present on Linux and the BSDs
    except (OSError, AttributeError):
        return None
    return libc
