"""What a recorded result says about its origin (`rtlab.runs.store.environment`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from rtlab.runs import store


def test_the_commit_is_the_one_checked_out_when_the_lab_was_imported(monkeypatch) -> None:
    here = Path(store.__file__).parent
    git = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=here)
    assert store.environment()["git_commit"] == (git.stdout.strip() or None)
    monkeypatch.setattr(store, "_git_commit", lambda: "moved on")  # HEAD moves mid-run
    assert store.environment()["git_commit"] == store.GIT_COMMIT != "moved on"


def test_tool_versions_join_the_packages() -> None:
    packages = store.environment(chromium="156.0")["packages"]
    assert packages["chromium"] == "156.0" and "aiohttp" in packages
