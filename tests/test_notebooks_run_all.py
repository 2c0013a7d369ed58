"""Every notebook run the way JupyterLab's Run All runs it: all cells queued at once.

nbval (`make notebooks`) sends a cell only after the previous one replied, so
a kernel that breaks when execute requests queue up behind a running cell
stays green there. That is how `rtlab.aio.run_sync` once hung Run All in
JupyterLab (it re-entered the kernel's event loop with nest-asyncio, and
ipykernel 7 stepped the queued cells' tasks from inside it) without any test
noticing. Here:

- every notebook gets a fresh `python3` kernel in a temporary folder (so it
  relies on the installed package only), in quick mode, and all its code cells
  are sent at once; each must reply "ok", and no output may hold an error, a
  traceback or a destroyed task;
- a real `jupyter lab` server and headless Chromium run Run All from the menu
  on a few notebooks and check the page: every cell ran, no traceback is
  shown, plotly figures and widgets rendered.

The wall times are printed at the end of the module and written to
`notebook_timings.json` in pytest's temporary folder. `RTLAB_SHOTS=DIR` saves a
full-page screenshot of each notebook in JupyterLab there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

from rtlab.studies.browser import BrowserUnavailable, chromium_path, launch
from tests.conftest import scaled
from tests.notebook_session import (
    NOTEBOOKS_DIR,
    TRACEBACK_MARKERS,
    JupyterLab,
    copy_notebooks,
    full_screenshot,
    lab_run_all,
    notebook_paths,
    run_queued,
)

QUICK = {"RTLAB_QUICK": "1"}
NOTEBOOKS = [path.stem for path in notebook_paths()]
# 09 drives Chromium in every section. 07_claims uses it for one claim when it
# is there and otherwise says that claim is not testable here, so it runs anyway.
NEEDS_CHROMIUM = {"09_browser"}

# Bounds: a quick-mode notebook takes 15-120 s on a busy 2-core machine.
CELL_TIMEOUT = scaled(300)  # no reply for this long: the kernel is stuck
NOTEBOOK_TIMEOUT = scaled(480)  # all cells of one notebook
TEST_TIMEOUT = scaled(600)  # pytest-timeout, above the bounds so they fail first


def _chromium_missing() -> str | None:
    try:
        chromium_path()
    except BrowserUnavailable as exc:  # pragma: no cover - depends on the machine
        return str(exc)
    return None


CHROMIUM_MISSING = _chromium_missing()


def _notebook_param(name: str) -> Any:
    marks = []
    if name in NEEDS_CHROMIUM and CHROMIUM_MISSING:
        marks.append(pytest.mark.skip(reason=CHROMIUM_MISSING))
    return pytest.param(name, marks=marks, id=name)


@pytest.fixture(scope="module")
def timings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Collects each test's wall times; at the end of the module they are printed
    (even without -s) and written to notebook_timings.json."""
    collected: dict[str, list[dict[str, Any]]] = {"queued": [], "jupyterlab": []}
    yield collected
    if not any(collected.values()):
        return
    path = tmp_path_factory.getbasetemp() / "notebook_timings.json"
    path.write_text(json.dumps(collected, indent=2))
    lines = ["", "notebook wall times:"]
    lines += [f"  {row['summary']}" for row in collected["queued"]]
    lines += [f"  {row['summary']}" for row in collected["jupyterlab"]]
    lines.append(f"  (written to {path})")
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if capture is None:
        print("\n".join(lines))
        return
    with capture.global_and_fixture_disabled():
        print("\n".join(lines))


# -- all cells queued on a kernel, as Run All sends them ---------------------------------


@pytest.mark.timeout(TEST_TIMEOUT)
@pytest.mark.parametrize("name", [_notebook_param(name) for name in NOTEBOOKS])
def test_run_all_every_cell_replies_ok_without_a_traceback(
    name: str, tmp_path: Path, timings: dict[str, list[dict[str, Any]]]
) -> None:
    run = run_queued(
        NOTEBOOKS_DIR / f"{name}.ipynb",
        tmp_path,
        env=dict(os.environ) | QUICK,
        cell_timeout=CELL_TIMEOUT,
        total_timeout=NOTEBOOK_TIMEOUT,
    )
    timings["queued"].append(run.as_dict() | {"summary": run.summary()})
    print(run.summary())
    failures = run.failures()
    assert not failures, f"{run.summary()}\n\n" + "\n\n".join(failures)
    assert run.cells and len(run.replied) == len(run.cells)


def _notebook(folder: Path, *sources: str) -> Path:
    path = folder / "queued.ipynb"
    cells = [nbformat.v4.new_code_cell(source) for source in sources]  # type: ignore[no-untyped-call]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)  # type: ignore[no-untyped-call]
    return path


def test_the_queued_run_catches_a_nested_event_loop_hanging_the_cells_behind_it(
    tmp_path: Path,
) -> None:
    """The regression this module guards against, on purpose: re-entering the
    kernel's loop while cells are queued behind the cell fails their tasks
    ("cannot enter context") and they never reply."""
    path = _notebook(
        tmp_path,
        "import asyncio, nest_asyncio\nnest_asyncio.apply()",
        "asyncio.get_event_loop().run_until_complete(asyncio.sleep(0.2))",
        "1 + 1",
        "2 + 2",
    )
    run = run_queued(path, tmp_path, cell_timeout=scaled(10), total_timeout=scaled(60))
    assert run.unreplied == [2, 3]
    report = "\n".join(run.failures())
    assert "queued cell 1 [asyncio.get_event_loop().run_until_complete(" in report
    assert "RuntimeError: cannot enter context" in report
    assert "cells that never replied: 2 [1 + 1]; 3 [2 + 2] (no reply for" in report


def test_the_queued_run_reports_an_error_and_the_cells_it_aborted(tmp_path: Path) -> None:
    path = _notebook(
        tmp_path,
        "x = 1",
        "import sys\nprint('Task was destroyed but it is pending!', file=sys.stderr)",
        "raise ValueError('boom')",
        "x",
    )
    run = run_queued(path, tmp_path, cell_timeout=scaled(60), total_timeout=scaled(120))
    assert [cell.status for cell in run.cells] == ["ok", "ok", "error", "aborted"]
    assert run.unreplied == []
    [stderr, reply, error, aborted] = run.failures()
    assert (
        stderr.startswith("queued cell 1 [import sys | print(") and "Task was destroyed" in stderr
    )
    assert error.startswith(
        "queued cell 2 [raise ValueError('boom')]: error output: ValueError: boom"
    )
    assert "Traceback" in error
    assert reply == "queued cell 2 [raise ValueError('boom')]: replied 'error' ValueError: boom"
    assert aborted == "queued cell 3 [x]: replied 'aborted'"


# -- Run All in a real JupyterLab, in Chromium -------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What a notebook's page must show after Run All."""

    plots: int  # at least this many rendered plotly figures
    widget_cell: int | None = None  # a code cell whose output is a widget with buttons


LAB_NOTEBOOKS = {
    "00_start_here": Expected(plots=2),
    # five figure cells; the Dashboard (cell 9) is a widget with a FigureWidget inside
    "06_comparison": Expected(plots=6, widget_cell=9),
    "07_claims": Expected(plots=8),
}
PLOTLY = "application/vnd.plotly.v1+json"
LAB_RUN_TIMEOUT = scaled(480)
LAB_TEST_TIMEOUT = scaled(720)


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    """`jupyter lab` on a free loopback port, serving copies of the notebooks."""
    try:
        import jupyterlab  # noqa: F401
    except ImportError:  # pragma: no cover - it is in the dev extra
        pytest.skip("JupyterLab is not installed: pip install jupyterlab (or the dev extra)")
    if CHROMIUM_MISSING:  # pragma: no cover - depends on the machine
        pytest.skip(CHROMIUM_MISSING)
    home = tmp_path_factory.mktemp("jupyterlab")
    root = home / "notebooks"
    root.mkdir()
    copy_notebooks(list(LAB_NOTEBOOKS), root)
    with JupyterLab(root, home, QUICK).start(timeout=scaled(120)) as lab:
        yield lab


def _shots() -> Path | None:
    folder = os.environ.get("RTLAB_SHOTS", "").strip()
    return Path(folder) if folder else None


@pytest.mark.timeout(LAB_TEST_TIMEOUT)
@pytest.mark.parametrize("name", list(LAB_NOTEBOOKS))
async def test_run_all_in_jupyterlab_renders_every_cell(
    name: str, jupyterlab: JupyterLab, timings: dict[str, list[dict[str, Any]]]
) -> None:
    expected = LAB_NOTEBOOKS[name]
    try:
        async with launch() as browser:
            page = await browser.new_page(viewport={"width": 1400, "height": 1000})
            run = await lab_run_all(
                page,
                jupyterlab,
                f"{name}.ipynb",
                timeout=LAB_RUN_TIMEOUT,
                ready_timeout=scaled(120),
            )
            if (shots := _shots()) is not None:
                await full_screenshot(page, shots / f"jupyterlab-{name}.png")
    finally:
        jupyterlab.shutdown_kernels()
    ran = sum(cell.ran for cell in run.cells)
    summary = (
        f"{name}, Run All in JupyterLab: {ran} of {len(run.cells)} cells ran in {run.seconds:.1f} s"
    )
    timings["jupyterlab"].append(
        {
            "notebook": name,
            "summary": summary,
            "seconds": round(run.seconds, 2),
            "plots": [cell.plots for cell in run.cells],
            "widgets": [cell.widgets for cell in run.cells],
        }
    )
    print(summary)

    def where(index: int) -> str:
        head = (run.cells[index].source.splitlines() or [""])[0]
        return f"{name} cell {index} [{head}]"

    problems = run.saved_problems()
    for cell in run.cells:
        if not cell.ran:
            problems.append(f"{where(cell.index)}: prompt {cell.prompt!r}, not a number")
        for text in cell.stderr:
            if any(marker in text for marker in TRACEBACK_MARKERS):
                problems.append(f"{where(cell.index)}: shows {text[-2000:]}")
        problems.extend(f"{where(cell.index)}: shows {text!r}" for text in cell.unrendered)
    if not run.finished:
        problems.insert(0, f"{name}: Run All not done after {LAB_RUN_TIMEOUT:.0f} s")
    assert not problems, f"{summary}\n\n" + "\n\n".join(problems)

    plots = sum(cell.plots for cell in run.cells)
    assert plots >= expected.plots, (
        f"{name}: {plots} plotly figures rendered, expected {expected.plots}: "
        f"{[(cell.index, cell.plots) for cell in run.cells]}"
    )
    code = [cell for cell in run.saved["cells"] if cell["cell_type"] == "code"]
    for index, cell in enumerate(code):
        figures = sum(PLOTLY in output.get("data", {}) for output in cell.get("outputs", []))
        assert run.cells[index].plots >= figures, (
            f"{where(index)}: {figures} plotly outputs saved, {run.cells[index].plots} rendered"
        )
    if expected.widget_cell is not None:
        cell = run.cells[expected.widget_cell]
        assert cell.widgets and cell.buttons, f"{where(cell.index)}: no widget rendered: {cell}"
        assert cell.plots, f"{where(cell.index)}: the widget's FigureWidget did not render"


def test_jupyterlab_4_is_installed() -> None:
    """The JupyterLab test needs JupyterLab 4 in this environment (the dev extra)."""
    try:
        import jupyterlab
    except ImportError:  # pragma: no cover - it is in the dev extra
        pytest.skip("JupyterLab is not installed: pip install jupyterlab (or the dev extra)")
    assert int(jupyterlab.__version__.split(".")[0]) >= 4, jupyterlab.__version__
    assert Path(JupyterLab.command()[0]).exists()
