"""`rtlab.aio.run_sync`: a coroutine run to completion from sync code, never
nesting the caller's loop, interruptible from a Jupyter kernel."""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
import time

import pytest
from jupyter_client.manager import start_new_kernel

from rtlab.aio import run_sync
from tests.conftest import scaled

WHO = contextvars.ContextVar("WHO", default="nobody")


async def where(after: float = 0) -> tuple[int, str]:
    await asyncio.sleep(after)
    return id(asyncio.get_running_loop()), threading.current_thread().name


def test_without_a_running_loop_it_is_asyncio_run_here() -> None:
    _, thread = run_sync(where())
    assert thread == threading.current_thread().name


async def test_inside_a_running_loop_it_never_touches_that_loop() -> None:
    outer = asyncio.get_running_loop()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = outer.create_task(ticker())
    await asyncio.sleep(0.02)
    before = ticks
    loop_id, thread = run_sync(where(after=0.2))
    assert loop_id != id(outer)
    assert thread == "rtlab-run-sync"
    assert ticks == before  # the caller's loop was blocked, not re-entered
    task.cancel()


async def test_the_callers_context_and_errors_carry_over() -> None:
    WHO.set("cell 7")

    async def read() -> str:
        return WHO.get()

    assert run_sync(read()) == "cell 7"

    async def fail() -> None:
        raise ValueError("bad knob: rate=-1")

    with pytest.raises(ValueError, match=r"bad knob: rate=-1"):
        run_sync(fail())


class Kernel:
    """A fresh Jupyter kernel driven as JupyterLab drives it: cells sent at once."""

    def __enter__(self) -> Kernel:
        self.km, self.kc = start_new_kernel(kernel_name="python3")
        return self

    def __exit__(self, *exc: object) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def send(self, *cells: str) -> list[str]:
        return [self.kc.execute(cell, allow_stdin=False) for cell in cells]

    def replies(self, ids: list[str]) -> list[dict[str, object]]:
        """Each cell's reply content, plus the stdout it printed, in order."""
        replies: dict[str, dict[str, object]] = {}
        while len(replies) < len(ids):
            msg = self.kc.get_shell_msg(timeout=scaled(60))
            replies[msg["parent_header"]["msg_id"]] = dict(msg["content"])
        stdout: dict[str, str] = {}
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=0.5)
            except Exception:  # queue.Empty: every output has arrived
                break
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                parent = msg["parent_header"]["msg_id"]
                stdout[parent] = stdout.get(parent, "") + msg["content"]["text"]
        return [{**replies[i], "stdout": stdout.get(i, "")} for i in ids]


SETUP = (
    "import asyncio, json\nfrom rtlab.aio import run_sync\nfrom rtlab.lab import Lab\n"
    "lab = Lab().start()\nlog = []\n"
    "async def long_run():\n"
    "    try:\n"
    "        await asyncio.sleep(300)\n"
    "    finally:\n"
    "        log.append('cleaned up')\n"
)


def test_queued_cells_all_reply_in_a_kernel() -> None:
    """JupyterLab's Run All sends every cell at once; each sync call must finish."""
    cells = [SETUP, *["run_sync(asyncio.sleep(0.1))"] * 4, "print(lab.publish('t', 1))"]
    with Kernel() as kernel:
        replies = kernel.replies(kernel.send(*cells))
    assert [r["status"] for r in replies] == ["ok"] * len(cells)
    assert replies[-1]["stdout"] == "1\n"


def test_interrupting_a_cell_ends_the_run_cleanly_and_the_lab_keeps_serving() -> None:
    with Kernel() as kernel:
        (setup,) = kernel.replies(kernel.send(SETUP))
        assert setup["status"] == "ok"
        ids = kernel.send("run_sync(long_run())")
        time.sleep(scaled(2))
        kernel.km.interrupt_kernel()  # Kernel > Interrupt
        (interrupted,) = kernel.replies(ids)
        (after,) = kernel.replies(
            kernel.send("print(json.dumps({'log': log, 'seq': lab.publish('t', 1)}))\nlab.stop()")
        )
    assert interrupted["status"] == "error"
    assert interrupted["ename"] == "KeyboardInterrupt"
    assert after["status"] == "ok"
    assert json.loads(str(after["stdout"])) == {"log": ["cleaned up"], "seq": 1}


def test_interrupting_an_experiment_leaves_no_server_process_or_thread() -> None:
    """Kernel > Interrupt during `experiments.run` with a server in a child process."""
    setup = (
        "import json, threading, psutil\nfrom rtlab.studies import experiments\n"
        "from rtlab.studies.experiments import Scenario\nfrom rtlab.lab import Lab\n"
        "lab = Lab().start()\nbefore = {t.name for t in threading.enumerate()}\n"
    )
    run = (
        "experiments.run([Scenario('sse', rate=10, duration=60, server='process', clients=3),"
        " Scenario('ws', rate=10, duration=60, network='4g')])"
    )
    check = (
        "print(json.dumps({'children': len(psutil.Process().children(recursive=True)),"
        " 'threads': sorted({t.name for t in threading.enumerate()} - before - {'tqdm_monitor'}),"
        " 'seq': lab.publish('t', 1)}))\nlab.stop()"
    )
    with Kernel() as kernel:
        (ready,) = kernel.replies(kernel.send(setup))
        assert ready["status"] == "ok"
        ids = kernel.send(run)
        time.sleep(scaled(5))
        kernel.km.interrupt_kernel()
        (interrupted,) = kernel.replies(ids)
        (after,) = kernel.replies(kernel.send(check))
    assert (interrupted["status"], interrupted["ename"]) == ("error", "KeyboardInterrupt")
    assert json.loads(str(after["stdout"])) == {"children": 0, "threads": [], "seq": 1}
