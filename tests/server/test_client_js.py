"""client.js, the browser clients' core, runs without a page: the cursor,
duplicate, hole, gap and restart accounting checked in Node, with no DOM.

(The same code in Chromium, against a live server: tests/studies/test_browser.py.)
"""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js")

SCRIPT = """
import { CLASSES, Client } from %(module)s;
const shown = [];
const view = {
  render() {},
  message(seq) { shown.push(`#${seq}`); },
  note(kind, t, text) { shown.push(`${kind}: ${text}`); },
  clear() {},
};
const client = new Client('poll', { after: 0 }, view);
client.cursor = client.startAfter;
const message = (seq) => ({ type: 'message', topic: 't', seq, ts: 1000, data: seq });
for (const env of [
  message(1), message(2), message(2), message(5),
  { type: 'gap', topic: 't', from: 6, to: 7 }, message(8),
  { type: 'restart', topic: 't', epoch: 'e2', previous_epoch: 'e1', after: 8 }, message(1),
]) client.handle(env, 1010);
console.log(JSON.stringify({
  techniques: Object.keys(CLASSES),
  stats: client.stats,
  records: client.records.map((r) => [r.epoch, r.seq, r.latency]),
  shown,
}));
"""


def run_core(tmp_path: Path) -> Any:
    # Node takes a .js file for CommonJS; as .mjs it is the ES module the page loads.
    source = resources.files("rtlab.server").joinpath("static", "client.js")
    module = tmp_path / "client.mjs"
    module.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    script = SCRIPT % {"module": json.dumps(module.as_uri())}
    assert NODE is not None
    done = subprocess.run(
        [NODE, "--input-type=module"], input=script, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_client_core_counts_without_a_page(tmp_path: Path) -> None:
    result = run_core(tmp_path)
    assert result["techniques"] == ["poll", "longpoll", "stream", "iframe", "sse", "ws"]
    stats = result["stats"]
    assert {key: stats[key] for key in ("messages", "duplicates", "holes", "gaps", "lost")} == {
        "messages": 5,
        "duplicates": 1,
        "holes": 1,
        "gaps": 1,
        "lost": 2,
    }
    assert (stats["restarts"], stats["epoch"], stats["cursor"], stats["lastSeq"]) == (1, "e2", 1, 1)
    assert result["records"] == [
        [None, 1, 10],
        [None, 2, 10],
        [None, 5, 10],
        [None, 8, 10],
        ["e2", 1, 10],
    ]
    assert result["shown"] == [
        "#1",
        "#2",
        "warn: ⚠ HOLE: seqs 3..4 missing (2 messages) with no gap notice",
        "#5",
        "warn: ⚠ GAP: seqs 6..7 lost (2 messages no longer in the server's history)",
        "#8",
        "warn: ⚠ RESTART: the server restarted (epoch e1 → e2); what the old run published "
        "after seq 8 is lost; reading the new run from seq 1",
        "#1",
    ]
