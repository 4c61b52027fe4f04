"""The research notebooks run top to bottom (at a small size) and are stored without outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
NOTEBOOK_REPS = "4"
"""Replications the notebooks run with in the test suite (TUOPIN_NOTEBOOK_REPS)."""


def test_the_seven_notebooks_are_there() -> None:
    assert [p.stem for p in NOTEBOOKS] == ["01-quickstart", "02-ruyuan-allocation",
                                           "03-uncertainty", "04-edge-households",
                                           "05-calibration", "06-credibility",
                                           "06-early-warning"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    import nbformat

    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


SLOW_NOTEBOOKS = {"02-ruyuan-allocation", "06-credibility"}
"""Notebooks that optimise the full Ruyuan registry (02 over a budget frontier too): run in the
slow step."""


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.slow)
                                  if p.stem in SLOW_NOTEBOOKS else p for p in NOTEBOOKS],
                         ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("TUOPIN_NOTEBOOK_REPS", NOTEBOOK_REPS)
    monkeypatch.setenv("MPLBACKEND", "agg")
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(book, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError naming the cell if any cell fails
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    assert any(o.output_type in ("display_data", "execute_result") for c in book.cells
               if c.cell_type == "code" for o in c.outputs)
    # every cell that draws a chart shows it as a picture, not as "<Figure size …>"
    for cell in book.cells:
        if cell.cell_type == "code" and ".plot(" in cell.source.splitlines()[-1]:
            assert any("image/png" in o.get("data", {}) for o in cell.outputs), cell.source
