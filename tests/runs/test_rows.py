"""The row schemas: data/schema.md documents exactly the columns the frames have."""

from __future__ import annotations

from pathlib import Path

from rtlab.runs.rows import DELIVERY_COLUMNS, DELIVERY_TYPES, RUN_COLUMNS, empty_deliveries
from rtlab.studies.experiments import load

DATA = Path(__file__).resolve().parents[2] / "data"


def documented(section: str) -> list[str]:
    """The column names in the first cells of the table under `## section`."""
    text = (DATA / "schema.md").read_text().split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    names: list[str] = []
    for line in text.splitlines():
        cell = line.split("|")[1].strip() if line.startswith("|") else ""
        if cell and cell != "column" and not set(cell) <= set("-"):
            names += [name.strip() for name in cell.split(",")]
    return names


def test_schema_md_documents_every_run_column_once() -> None:
    assert sorted(documented("runs")) == sorted(RUN_COLUMNS)


def test_schema_md_documents_every_delivery_column_once() -> None:
    assert sorted(documented("deliveries")) == sorted(DELIVERY_COLUMNS)


def test_recorded_results_have_exactly_these_columns() -> None:
    for name in ("standard", "browser_vs_python"):
        result = load(name, DATA)
        assert tuple(result.runs.columns) == RUN_COLUMNS, name
        assert tuple(result.deliveries.columns) == DELIVERY_COLUMNS, name


def test_an_empty_deliveries_frame_keeps_the_types() -> None:
    frame = empty_deliveries()
    assert frame.empty
    assert {c: str(t) for c, t in frame.dtypes.items()} == DELIVERY_TYPES
