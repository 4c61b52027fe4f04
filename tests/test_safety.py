"""Outputs are safe to open: text from a registry or scenario never runs as a spreadsheet
formula, in the proposal's xlsx, the CSV tables or a written registry."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from simulator.registry import Registry, load_registry, write_registry

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "=HYPERLINK(\"http://x\")"]
"""Text that Excel, WPS or LibreOffice would run if a cell began with it."""


@pytest.fixture
def hostile_registry(tiny_registry: Registry) -> Registry:
    """The tiny registry with formula-like ids, township and village names."""
    columns = tiny_registry.columns()
    n = tiny_registry.n_households
    columns["household_id"] = np.array([f"{FORMULAS[i % len(FORMULAS)]}#{i}" for i in range(n)])
    columns["township"] = np.array([FORMULAS[0] if t == "甲镇" else FORMULAS[1]
                                    for t in columns["township"]])
    columns["village"] = np.array([f"@{v}" for v in columns["village"]])
    return Registry.from_columns(columns, source="hostile")


def _formula_cells(xlsx: bytes) -> list[str]:
    """Formulas an xlsx holds (<f> elements) other than tuopin's own column totals (SUM)."""
    import re

    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return [formula.decode("utf-8") for name in archive.namelist()
                if name.startswith("xl/worksheets/")
                for formula in re.findall(rb"<f>(.*?)</f>", archive.read(name))
                if not re.fullmatch(rb"SUM\([A-Z]+2:[A-Z]+\d+\)", formula)]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_registry_with_formula_text_round_trips_and_stores_no_formula(
        hostile_registry: Registry, tmp_path: Path, suffix: str) -> None:
    path = write_registry(hostile_registry, tmp_path / f"households{suffix}")
    assert load_registry(path).equals(hostile_registry)
    if suffix == ".xlsx":
        assert _formula_cells(path.read_bytes()) == []
    else:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        for row in rows[1:]:
            assert not row[0].startswith(("=", "+", "-", "@")), row[0]


def test_proposal_and_tables_carry_formula_text_as_text(cli, tmp_path: Path,
                                                        tiny_scenario_path: Path,
                                                        hostile_registry: Registry) -> None:
    registry = write_registry(hostile_registry, tmp_path / "hostile.csv")
    out = tmp_path / "run"
    result = cli("propose", tiny_scenario_path, "--registry", registry, "--reps", "4",
                 "--sensitivity-reps", "2", "-o", out,
                 "--set", "name=@evil =1+1")
    assert result.exit_code == 0, result.stderr
    assert _formula_cells((out / "proposal.xlsx").read_bytes()) == []
    for table in out.glob("*.csv"):
        for row in csv.reader(io.StringIO(table.read_text(encoding="utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "@")), (table.name, cell)
    # the HTML escapes everything
    page = (out / "proposal.html").read_text(encoding="utf-8")
    assert "=cmd|' /C calc'!A0" not in page


def test_id_numbers_are_masked_in_every_document(cli, tmp_path: Path,
                                                 tiny_scenario_path: Path) -> None:
    export = Path(__file__).parent / "data" / "exports" / "花名册-标题行-合计.csv"
    out = tmp_path / "out"
    result = cli("propose", tiny_scenario_path, "--registry", export, "--reps", "3",
                 "--sensitivity-reps", "2", "-o", out)
    assert result.exit_code == 0, result.stderr
    from openpyxl import load_workbook

    households = list(load_workbook(out / "proposal.xlsx")["农户名单"].iter_rows(values_only=True))
    assert households[0][1:3] == ("户主姓名", "身份证号（隐去中间位）")
    assert households[1][1:3] == ("户主1", "440232********0001")
    for path in out.iterdir():
        data = path.read_bytes()
        if path.suffix == ".xlsx" or path.suffix == ".docx":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                data = b"".join(archive.read(name) for name in archive.namelist())
        assert b"440232197001010001" not in data, path.name
