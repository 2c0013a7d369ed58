"""Notebook cells under nbval: `pytest --nbval-lax notebooks/` from the project root.

The project's pytest settings give every test 120 s (pytest-timeout), which is
right for unit tests and wrong for a notebook cell that runs a full-mode
experiment for minutes. nbval has its own per-cell limit
(`--nbval-cell-timeout`, 2000 s unless given), so notebook cells are left to it.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.timeout(0))  # 0: no pytest-timeout limit
