"""Notebooks run the way JupyterLab runs them, for the tests in `test_notebooks_run_all.py`.

`run_queued()` is JupyterLab's Run All without the browser: a fresh kernel gets
every code cell's `execute_request` at once, before any has replied, and the
replies and outputs are collected as they come. nbval and nbclient send a cell
only once the previous one has replied, which is how a kernel that re-enters
its own event loop (nest-asyncio) passed them while hanging on Run All.

`JupyterLab` starts a real `jupyter lab` server on a free loopback port with a
random token, for a browser to drive, and stops it, and every process it
started, by PID.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Self

import nbformat
import psutil
from jupyter_client.manager import KernelManager

if TYPE_CHECKING:
    from playwright.async_api import Page

__all__ = [
    "NOTEBOOKS_DIR",
    "TRACEBACK_MARKERS",
    "Cell",
    "JupyterLab",
    "LabCell",
    "LabRun",
    "QueuedRun",
    "code_cells",
    "copy_notebooks",
    "free_port",
    "full_screenshot",
    "lab_run_all",
    "notebook_paths",
    "run_queued",
]

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
# Text that, on stderr, means something raised (or an asyncio task was dropped)
# even though the cell itself may have replied "ok".
TRACEBACK_MARKERS = ("Traceback", "Task was destroyed", "RuntimeError")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def notebook_paths(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    return sorted(folder.glob("*.ipynb"))


def code_cells(path: Path) -> list[str]:
    """The source of each code cell of the notebook at `path`, in order."""
    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    return [str(cell.source) for cell in notebook.cells if cell.cell_type == "code"]


def _markers(text: str) -> list[str]:
    return [marker for marker in TRACEBACK_MARKERS if marker in text]


@dataclass
class Cell:
    """One code cell of a queued run: what the kernel answered and printed for it."""

    index: int  # among the notebook's code cells, from 0
    source: str
    status: str | None = None  # the execute_reply's status; None: never replied
    replied_after: float | None = None  # seconds from queueing all cells to its reply
    idle: bool = False  # the kernel reported idle for it: all its output has arrived
    errors: list[str] = field(default_factory=list)  # error outputs, with their tracebacks
    reply_error: str = ""  # ename: evalue of a reply whose status is "error"
    stderr: str = ""

    def head(self, lines: int = 3) -> str:
        shown = self.source.splitlines()[:lines] or [""]
        more = " ..." if len(self.source.splitlines()) > lines else ""
        return " | ".join(line.strip() for line in shown) + more

    def problems(self) -> list[str]:
        """What went wrong in this cell; empty when it replied ok and printed no traceback."""
        found: list[str] = []
        if self.status is None:
            found.append("never replied")
        elif self.status != "ok":
            found.append(f"replied {self.status!r} {self.reply_error}".rstrip())
        found.extend(f"error output: {error}" for error in self.errors)
        if markers := _markers(self.stderr):
            found.append(f"stderr has {', '.join(markers)}:\n{self.stderr.strip()[-3000:]}")
        return found


@dataclass
class QueuedRun:
    """A notebook run with all its code cells queued at once."""

    notebook: str
    kernel: str  # e.g. "ipykernel 7.4.0"
    cells: list[Cell]
    seconds: float = 0.0  # from queueing the cells to the last reply (or giving up)
    gave_up: str = ""  # why collecting stopped before every cell had replied
    stray: list[str] = field(default_factory=list)  # errors and stderr not tied to a cell
    kernel_log: str = ""  # the kernel process's own stdout and stderr

    @property
    def replied(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.status is not None]

    @property
    def unreplied(self) -> list[int]:
        return [cell.index for cell in self.cells if cell.status is None]

    def failures(self) -> list[str]:
        """One paragraph per problem, each naming the notebook and the cell."""
        found = [
            f"{self.notebook} cell {cell.index} [{cell.head()}]: {problem}"
            for cell in self.cells
            for problem in cell.problems()
            if problem != "never replied"
        ]
        found.extend(f"{self.notebook}, outside any cell: {text}" for text in self.stray)
        if markers := _markers(self.kernel_log):
            found.append(
                f"{self.notebook}: the kernel's own log has {', '.join(markers)}:\n"
                f"{self.kernel_log.strip()[-3000:]}"
            )
        if self.unreplied:
            heads = "; ".join(f"{i} [{self.cells[i].head(1)}]" for i in self.unreplied)
            why = self.gave_up or "no reason given"
            found.append(f"{self.notebook}: cells that never replied: {heads} ({why})")
        return found

    def summary(self) -> str:
        return (
            f"{self.notebook}, all cells queued, {self.kernel}: "
            f"{len(self.replied)} of {len(self.cells)} cells replied in {self.seconds:.1f} s"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "kernel": self.kernel,
            "cells": len(self.cells),
            "replied": len(self.replied),
            "seconds": round(self.seconds, 2),
            "replied_after": [cell.replied_after for cell in self.cells],
            "statuses": [cell.status for cell in self.cells],
            "failures": self.failures(),
        }


def run_queued(
    path: Path,
    workdir: Path,
    *,
    env: Mapping[str, str] | None = None,
    cell_timeout: float = 300.0,
    total_timeout: float = 600.0,
    startup_timeout: float = 120.0,
) -> QueuedRun:
    """Run the notebook at `path` in a fresh `python3` kernel started in `workdir`,
    with every code cell sent at once, as JupyterLab's Run All sends them.

    Collecting stops once every cell has replied and reported idle, when no cell
    has replied for `cell_timeout` seconds, or after `total_timeout` seconds in
    all; cells without a reply by then are listed in `QueuedRun.unreplied`.
    `env` is the kernel's whole environment (default: this process's).
    """
    sources = code_cells(path)
    cells = [Cell(index, source) for index, source in enumerate(sources)]
    log_path = workdir / f".{path.stem}.kernel.log"
    manager = KernelManager(kernel_name="python3")
    with log_path.open("wb") as log:
        manager.start_kernel(
            cwd=str(workdir),
            env=dict(env if env is not None else os.environ),
            stdout=log,
            stderr=log,
        )
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=startup_timeout)
        run = QueuedRun(path.stem, _kernel_version(client, startup_timeout), cells)
        by_id = {client.execute(cell.source, allow_stdin=False): cell for cell in cells}
        _collect(client, by_id, run, cell_timeout, total_timeout)
        run.kernel_log = log_path.read_text(errors="replace")
        return run
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _kernel_version(client: Any, timeout: float) -> str:
    """'ipykernel 7.4.0': asked with a silent request (no cell, no execution count)."""
    expression = "__import__('ipykernel').__version__"
    reply = client.execute(
        "", silent=True, user_expressions={"version": expression}, reply=True, timeout=timeout
    )
    found = reply["content"].get("user_expressions", {}).get("version", {})
    version = str(found.get("data", {}).get("text/plain", "?")).strip("'")
    return f"ipykernel {version}"


def _collect(
    client: Any, by_id: dict[str, Cell], run: QueuedRun, cell_timeout: float, total_timeout: float
) -> None:
    start = last_reply = time.monotonic()
    while not all(cell.status is not None and cell.idle for cell in run.cells):
        now = time.monotonic()
        if now - start > total_timeout:
            run.gave_up = f"gave up after {total_timeout:.0f} s in all"
            break
        if now - last_reply > cell_timeout:
            run.gave_up = f"no reply for {cell_timeout:.0f} s"
            break
        try:
            _on_iopub(client.get_iopub_msg(timeout=0.05), by_id, run)
            continue  # drain output first: it precedes its cell's idle
        except queue.Empty:
            pass
        try:
            reply = client.get_shell_msg(timeout=0)
        except queue.Empty:
            continue
        cell = by_id.get(reply["parent_header"].get("msg_id", ""))
        if cell is None or reply["msg_type"] != "execute_reply":
            continue
        last_reply = time.monotonic()
        content = reply["content"]
        cell.status = str(content.get("status"))
        cell.replied_after = round(last_reply - start, 2)
        if cell.status == "error":
            cell.reply_error = f"{content.get('ename')}: {content.get('evalue')}"
        run.seconds = last_reply - start
    if run.unreplied:
        run.seconds = time.monotonic() - start


def _on_iopub(message: dict[str, Any], by_id: dict[str, Cell], run: QueuedRun) -> None:
    kind, content = message["msg_type"], message["content"]
    cell = by_id.get(message["parent_header"].get("msg_id", ""))
    if kind == "status" and cell is not None and content.get("execution_state") == "idle":
        cell.idle = True
    elif kind == "error":
        traceback = _ANSI.sub("", "\n".join(content.get("traceback", [])))
        text = f"{content.get('ename')}: {content.get('evalue')}\n{traceback}".strip()
        if cell is None:
            run.stray.append(f"error output: {text}")
        else:
            cell.errors.append(text)
    elif kind == "stream" and content.get("name") == "stderr":
        text = _ANSI.sub("", str(content.get("text", "")))
        if cell is not None:
            cell.stderr += text
        elif _markers(text):
            run.stray.append(f"stderr: {text.strip()[-3000:]}")


# -- a real JupyterLab server ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class JupyterLab:
    """`jupyter lab` from this interpreter's environment, serving `root` on 127.0.0.1.

    The server gets a free port, a random token, no browser, and its own
    config, settings, workspaces and runtime folders under `home` (so nothing
    from the user's ~/.jupyter applies and nothing is left there); the news
    and update notifications are off. `extra_env` is added to its environment
    (its kernels inherit it). `stop()` shuts the kernels down through the REST
    API, then terminates the server by PID, kills it if it does not exit, and
    does the same for any process it started that outlived it.
    """

    def __init__(self, root: Path, home: Path, extra_env: Mapping[str, str] | None = None) -> None:
        self.root, self.home = root, home
        self.extra_env = dict(extra_env or {})
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = home / "jupyterlab.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @staticmethod
    def command() -> list[str]:
        """How to run JupyterLab from this environment."""
        script = Path(sys.executable).with_name("jupyter-lab")
        return [str(script)] if script.exists() else [sys.executable, "-m", "jupyterlab"]

    def _environment(self) -> dict[str, str]:
        folders = {
            "JUPYTER_CONFIG_DIR": "config",
            "JUPYTER_RUNTIME_DIR": "runtime",
            "JUPYTERLAB_SETTINGS_DIR": "settings",
            "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        }
        env = dict(os.environ) | self.extra_env
        for name, folder in folders.items():
            (self.home / folder).mkdir(parents=True, exist_ok=True)
            env[name] = str(self.home / folder)
        notification = self.home / "settings/@jupyterlab/apputils-extension/notification"
        notification.parent.mkdir(parents=True, exist_ok=True)
        notification.with_suffix(".jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        return env

    def start(self, timeout: float = 120.0) -> Self:
        arguments = [
            *self.command(),
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.news_url=",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            arguments.append("--allow-root")
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            arguments,
            cwd=self.root,
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.stop()
                raise RuntimeError(f"jupyter lab exited with {code}:\n{self.log()}")
            with contextlib.suppress(OSError, ValueError):
                self.api("GET", "/api/status")
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{self.log()}")
            time.sleep(0.25)

    def log(self, last: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-last:] if self.log_path.exists() else ""

    def api(self, method: str, path: str, timeout: float = 10.0) -> Any:
        """Call the server's REST API with the token; the decoded JSON answer, or None."""
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def page_url(self, notebook: str) -> str:
        """JupyterLab with `notebook` open, and nothing else (`reset`: the tabs an
        earlier page left in the workspace are not restored)."""
        return f"{self.url}/lab/tree/{notebook}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        """Shut down every kernel the server runs (and their sessions)."""
        with contextlib.suppress(OSError, ValueError):
            for session in self.api("GET", "/api/sessions") or []:
                with contextlib.suppress(OSError, urllib.error.HTTPError):
                    self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
            for kernel in self.api("GET", "/api/kernels") or []:
                with contextlib.suppress(OSError, urllib.error.HTTPError):
                    self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)

    def stop(self, grace: float = 20.0) -> None:
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                self.shutdown_kernels()
            try:
                started = psutil.Process(process.pid).children(recursive=True)
            except psutil.Error:
                started = []
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(grace)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(grace)
            for child in started:
                with contextlib.suppress(psutil.Error):
                    child.terminate()
            _, alive = psutil.wait_procs(started, timeout=grace)
            for child in alive:
                with contextlib.suppress(psutil.Error):
                    child.kill()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        return self if self.process is not None else self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def copy_notebooks(names: list[str], into: Path) -> list[Path]:
    """Copy the named notebooks (file stems) from `notebooks/` into `into`."""
    copies = [into / f"{name}.ipynb" for name in names]
    for copy in copies:
        shutil.copyfile(NOTEBOOKS_DIR / copy.name, copy)
    return copies


# -- driving JupyterLab in a browser -----------------------------------------------------

_PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on show
# Runs in the page: what the open notebook shows. The toolbar's kernel name reads
# "No Kernel" until a kernel is connected; its execution indicator's data-status is
# the kernel's state; each code cell's prompt reads "[ ]:", "[*]:" (queued or
# running) or "[N]:". textContent, not innerText: JupyterLab 4 skips rendering the
# cells out of view (content-visibility), and innerText is empty for those.
_STATE = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    if (!panel) return null;
    const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
    const kernel = panel.querySelector('[data-jp-item-name="kernelName"]');
    return {
        kernel: kernel ? kernel.textContent.trim() : null,
        status: indicator ? indicator.dataset.status : null,
        prompts: [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
            .map((prompt) => prompt.textContent.trim()),
    };
}"""
_READY = f"""() => {{
    const state = ({_STATE})();
    return state !== null && state.prompts.length > 0 && state.kernel !== null
        && !state.kernel.includes('No Kernel') && state.status === 'idle';
}}"""
_STARTED = f"""() => {{
    const state = ({_STATE})();
    return state !== null && state.prompts.some((prompt) => prompt !== '[ ]:');
}}"""
_FINISHED = f"""() => {{
    const state = ({_STATE})();
    return state !== null && state.status === 'idle' && !state.prompts.includes('[*]:');
}}"""
# Runs in the page: per code cell, its prompt and what its output area rendered.
_CELLS = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const stderr = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]';
    return [...panel.querySelectorAll('.jp-CodeCell')].map((cell) => {
        const outputs = cell.querySelector('.jp-OutputArea');
        const text = outputs ? outputs.textContent : '';
        return {
            prompt: cell.querySelector('.jp-InputPrompt').textContent.trim(),
            stderr: [...cell.querySelectorAll(stderr)].map((node) => node.textContent),
            plots: cell.querySelectorAll('.js-plotly-plot').length,
            widgets: cell.querySelectorAll('.jupyter-widgets').length,
            buttons: cell.querySelectorAll('.jupyter-widgets button').length,
            unrendered: ['No renderer could be found', 'Error displaying widget']
                .filter((phrase) => text.includes(phrase)),
        };
    });
}"""
# Runs in the page: the height a viewport needs to show the whole notebook at once.
_FULL_HEIGHT = """() => {
    const scroller = document.querySelector(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
    return scroller ? scroller.scrollHeight - scroller.clientHeight + window.innerHeight
                    : window.innerHeight;
}"""

_TO_TOP = """() => {
    const scroller = document.querySelector(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
    if (scroller) scroller.scrollTop = 0;
}"""


@dataclass
class LabCell:
    """One code cell as JupyterLab shows it after Run All."""

    index: int
    source: str
    prompt: str  # "[N]:" once it ran
    stderr: list[str]  # the text of its stderr outputs (tracebacks are rendered as stderr)
    plots: int  # rendered plotly figures (.js-plotly-plot), FigureWidgets included
    widgets: int  # rendered Jupyter widgets (.jupyter-widgets)
    buttons: int  # buttons inside those widgets
    unrendered: list[str]  # "No renderer could be found", "Error displaying widget"

    @property
    def ran(self) -> bool:
        return re.fullmatch(r"\[\d+\]:", self.prompt) is not None


@dataclass
class LabRun:
    """A notebook's Run All in JupyterLab, and what its page showed afterwards."""

    notebook: str
    cells: list[LabCell]
    seconds: float  # from choosing Run All to every cell done and the kernel idle
    finished: bool  # every cell done within the bound
    saved: dict[str, Any]  # the notebook as JupyterLab saved it after the run

    def saved_problems(self) -> list[str]:
        """Error outputs and stderr tracebacks in the saved notebook, per code cell."""
        found: list[str] = []
        code = [cell for cell in self.saved.get("cells", []) if cell["cell_type"] == "code"]
        for index, cell in enumerate(code):
            head = (_joined(cell["source"]).splitlines() or [""])[0]
            where = f"{self.notebook} cell {index} [{head}]"
            for output in cell.get("outputs", []):
                if output["output_type"] == "error":
                    found.append(f"{where}: error {output['ename']}: {output['evalue']}")
                elif output["output_type"] == "stream" and output["name"] == "stderr":
                    text = "".join(output["text"])
                    if markers := _markers(text):
                        found.append(f"{where}: stderr has {', '.join(markers)}: {text[-2000:]}")
        return found


async def lab_run_all(
    page: Page, lab: JupyterLab, notebook: str, *, timeout: float, ready_timeout: float = 120.0
) -> LabRun:
    """Open `notebook` in JupyterLab, wait for its kernel, choose Run > Run All Cells
    from the menu bar, wait up to `timeout` s for every cell and the kernel to be
    done, save the notebook, and return what the page and the saved file show."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    await page.goto(lab.page_url(notebook))
    await page.wait_for_function(_READY, polling=250, timeout=ready_timeout * 1000)
    await page.locator(f"{_PANEL} .jp-Cell .jp-InputPrompt").first.click()  # focus it
    await page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    run_all = page.locator('.lm-Menu-item[data-command="runmenu:run-all"]')
    await run_all.wait_for()
    start = time.monotonic()
    await run_all.click()
    try:
        await page.wait_for_function(_STARTED, polling=100, timeout=ready_timeout * 1000)
    except PlaywrightTimeout as exc:
        state = await page.evaluate(_STATE)
        raise AssertionError(
            f"Run All did not start {notebook} in {ready_timeout} s: {state}"
        ) from exc
    try:
        remaining = max(1.0, timeout - (time.monotonic() - start))
        await page.wait_for_function(_FINISHED, polling=250, timeout=remaining * 1000)
        finished = True
    except PlaywrightTimeout:
        finished = False
    seconds = time.monotonic() - start
    shown = await page.evaluate(_CELLS)
    saved = await _save(page, lab, notebook, ready_timeout)
    code = [cell for cell in saved.get("cells", []) if cell["cell_type"] == "code"]
    sources = [_joined(cell["source"]) for cell in code] + [""] * len(shown)
    cells = [LabCell(index, sources[index], **cell) for index, cell in enumerate(shown)]
    return LabRun(Path(notebook).stem, cells, seconds, finished, saved)


def _joined(text: str | list[str]) -> str:
    return text if isinstance(text, str) else "".join(text)


async def _contents(page: Page, lab: JupyterLab, notebook: str) -> dict[str, Any]:
    """The notebook as the server has it on disk (the contents API)."""
    response = await page.request.get(
        f"{lab.url}/api/contents/{notebook}?content=1",
        headers={"Authorization": f"token {lab.token}"},
    )
    if not response.ok:
        return {"status": response.status, "error": await response.text()}
    model: dict[str, Any] = await response.json()
    return model


async def _save(page: Page, lab: JupyterLab, notebook: str, timeout: float) -> dict[str, Any]:
    """File > Save Notebook; the notebook as the server saved it.

    The copy on disk is read only once the save's PUT has been answered: a read
    while the server is still writing finds half a file, and the server then
    puts the previous copy back (its atomic-writing recovery), undoing the save.
    """
    await page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^File$")).click()
    async with page.expect_response(
        lambda response: (
            response.request.method == "PUT"
            and response.url.split("?")[0].endswith(f"/api/contents/{notebook}")
        ),
        timeout=timeout * 1000,
    ) as answer:
        await page.locator('.lm-Menu-item[data-command="docmanager:save"]').click()
    response = await answer.value
    if not response.ok:
        raise AssertionError(f"saving {notebook} failed: {response.status} {await response.text()}")
    model = await _contents(page, lab, notebook)
    if "content" not in model:
        raise AssertionError(f"reading {notebook} back failed: {model}")
    saved: dict[str, Any] = model["content"]
    return saved


async def full_screenshot(page: Page, path: Path, max_height: int = 30000) -> None:
    """A screenshot of the whole notebook: the viewport is made as tall as the
    notebook (JupyterLab scrolls inside the page, so a page screenshot alone
    would show one screenful)."""
    width = (page.viewport_size or {"width": 1400})["width"]
    height = min(int(await page.evaluate(_FULL_HEIGHT)) + 40, max_height)
    await page.set_viewport_size({"width": width, "height": height})
    await page.evaluate(_TO_TOP)
    await page.wait_for_timeout(2000)  # relayout; plotly resizes its figures
    await page.evaluate(_TO_TOP)
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path), full_page=True)
