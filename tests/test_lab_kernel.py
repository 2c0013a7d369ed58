"""The Lab inside a real Jupyter kernel, driven as JupyterLab drives it (nbclient).

A kernel already runs an asyncio loop: this checks that the server starts and
serves from a cell, that clients work both with top-level `await` and from
plain synchronous calls (through `rtlab.aio.run_sync`), and that repeated
start/stop in one kernel leaves no thread behind.
"""

from __future__ import annotations

import json

import nbformat
from nbclient import NotebookClient

from tests.conftest import scaled

CELLS = [
    "import threading\nfrom rtlab.lab import Lab\nfrom rtlab.clients import SSEClient, WSClient\n"
    "from rtlab.aio import run_sync\nlab = Lab().start()\nthreads = threading.active_count()",
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
    " 'leaked_threads': after_cycles - (threads - 1)}))",
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
    }
