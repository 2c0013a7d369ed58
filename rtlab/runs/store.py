"""Recorded results on disk: one layout for every study.

A recorded result named NAME is `NAME.meta.json` plus one gzip CSV per frame,
`NAME.FRAME.csv.gz`. The meta file lists the frames and carries what the
result needs to be judged later: the parameters that made it, the package
versions (and the browser's, where one was used), the machine and the git
commit (`environment()`).

`load()` also reads the files of results recorded before this layout
(`NAME.FRAME.csv` uncompressed), so nothing in `data/` has to be re-made.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import psutil

__all__ = ["DATA_DIR", "PACKAGES", "Recorded", "environment", "load", "save"]

#: The packages whose versions every recorded result names.
PACKAGES = ("rtlab", "aiohttp", "pandas", "plotly")


def _find_data_dir() -> Path:
    """The project's `data/` folder: beside the package in a checkout (editable
    install), else `./data` of the current directory."""
    beside_package = Path(__file__).resolve().parents[2] / "data"
    return beside_package if beside_package.is_dir() else Path("data")


DATA_DIR = _find_data_dir()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


#: The commit checked out when this process imported the lab: the code a result
#: recorded by it ran (HEAD may move while a long run goes on).
GIT_COMMIT = _git_commit()


def environment(**versions: str | None) -> dict[str, Any]:
    """Versions, machine and git commit: what a recorded result needs to be judged.
    Keyword arguments add versions of tools outside Python (`chromium="156.0"`)."""
    return {
        "python": platform.python_version(),
        "packages": {package: _version(package) for package in PACKAGES} | versions,
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "git_commit": GIT_COMMIT,
        "recorded": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


@dataclass
class Recorded:
    """A recorded result: its frames by name and its metadata."""

    frames: dict[str, pd.DataFrame]
    meta: dict[str, Any] = field(default_factory=dict)


def _frame_path(folder: Path, name: str, frame: str) -> Path:
    compressed = folder / f"{name}.{frame}.csv.gz"
    plain = folder / f"{name}.{frame}.csv"
    return plain if plain.exists() and not compressed.exists() else compressed


def save(
    name: str,
    frames: Mapping[str, pd.DataFrame],
    meta: Mapping[str, Any],
    directory: str | Path = DATA_DIR,
) -> Path:
    """Write `NAME.FRAME.csv.gz` for each frame and `NAME.meta.json`; returns the
    meta file's path. `meta` should hold the parameters; the environment is added."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for frame, data in frames.items():
        (folder / f"{name}.{frame}.csv").unlink(missing_ok=True)  # from an older layout
        data.to_csv(folder / f"{name}.{frame}.csv.gz", index=False)
    record = {"frames": list(frames), **environment(), **meta}
    path = folder / f"{name}.meta.json"
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path


def load(name: str, directory: str | Path = DATA_DIR) -> Recorded:
    """Read back what `save(name, ...)` wrote to `directory`."""
    folder = Path(directory)
    meta_path = folder / f"{name}.meta.json"
    if not meta_path.exists():
        known = sorted(p.name.removesuffix(".meta.json") for p in folder.glob("*.meta.json"))
        raise FileNotFoundError(
            f"no recorded result {name!r} in {folder}/ ({meta_path.name}); "
            f"recorded there: {', '.join(known) or 'none'}"
        )
    meta: dict[str, Any] = json.loads(meta_path.read_text())
    frames = {frame: pd.read_csv(_frame_path(folder, name, frame)) for frame in meta["frames"]}
    return Recorded(frames, meta)
