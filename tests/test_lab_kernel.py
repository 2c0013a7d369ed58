"""The Lab inside a real Jupyter kernel, driven as JupyterLab drives it (nbclient).

A kernel already runs an asyncio loop: this checks that the server starts and
serves from a cell, that clients work both with top-level `await` and from
plain synchronous calls (through `rtlab.aio.run_sync`), and that repeated
start/stop in one kernel leaves no thread behind.
"""

from __future__ import annotations

import json
import socket

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient

from tests.conftest import scaled

CELLS = [
    "import asyncio, threading, psutil\nfrom rtlab.lab import Lab\n"
    "from rtlab.clients import SSEClient, WSClient\nfrom rtlab.aio import run_sync\n"
    "fds = psutil.Process().num_fds()\ntasks = len(asyncio.all_tasks())\n"
    "lab = Lab().start()\nthreads = threading.active_count()",
    "seq = lab.publish('demo', {'cell': 1})",
    # top-level await, as in a JupyterLab cell
    "async with SSEClient(lab.url, 'demo', after=0) as c:\n"
    "    awaited = [m.data for m in await c.collect(1, timeout=10)]",
    # no await: a synchronous helper inside the kernel's running loop
    "ws = WSClient(lab.url, 'demo', after=0)\n"
    "synced = [m.data for m in run_sync(ws.collect(1, timeout=10))]\nrun_sync(ws.aclose())",
    "lab.stop()\nfor _ in range(5):\n    with Lab() as other:\n        other.publish('x', 1)\n"
    "after_cycles = threading.active_count()",
    "import json\nprint(json.dumps({'seq': seq, 'awaited': awaited, 'synced': synced,"
    " 'leaked_threads': after_cycles - (threads - 1),"
    " 'leaked_fds': psutil.Process().num_fds() - fds,"
    " 'leaked_tasks': len(asyncio.all_tasks()) - tasks}))",
]


def test_lab_in_a_jupyter_kernel() -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(notebook, timeout=int(scaled(60)), kernel_name="python3").execute()
    output = notebook.cells[-1].outputs[0]["text"]
    assert json.loads(output) == {
        "seq": 1,
        "awaited": [{"cell": 1}],
        "synced": [{"cell": 1}],
        "leaked_threads": 0,
        "leaked_fds": 0,
        "leaked_tasks": 0,
    }


def test_a_kernel_restart_frees_the_labs_port() -> None:
    """Restarting the kernel while its lab serves (no stop) frees the port: the
    next kernel serves on it again, with a fresh history."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = f"from rtlab.lab import Lab\nlab = Lab(port={port}).start()\n"
    cells = [
        start + "lab.publish('x', 1); lab.publish('x', 2)",
        start + "print(lab.publish('x', 3))\nlab.stop()",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = NotebookClient(notebook, timeout=int(scaled(60)), kernel_name="python3")
    with client.setup_kernel():
        client.execute_cell(notebook.cells[0], 0)
        assert client.km is not None and client.kc is not None
        # nbclient's managers are async; jupyter_core runs them from sync code
        run_sync(client.km.restart_kernel)(now=True)  # killed with the lab still serving
        run_sync(client.kc.wait_for_ready)(timeout=scaled(60))
        client.execute_cell(notebook.cells[1], 1)
    assert notebook.cells[1].outputs[0]["text"] == "1\n"  # a new server: seq 1 again
