"""Registry exports as county systems write them (tests/data/exports): a title above the
header, a 合计 row, a blank row, wording variants (乡（镇）, 村属性 贫困村/非贫困村,
特困供养贫困户, 4人), GB18030, a legacy .xls with an empty first sheet, and one row per person.
Each loads to the right households, or fails naming the exact spreadsheet row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulator.errors import RegistryError
from simulator.registry import load_registry

EXPORTS = Path(__file__).parent / "data" / "exports"

SIZES = [2, 3, 1, 5, 2, 3, 1, 5, 2, 3, 1, 5]
LABOURERS = [1, 0, 0, 2, 1, 0, 0, 2, 1, 0, 0, 2]
"""What the twelve households of the roster are (written by the export's maker)."""


@pytest.mark.parametrize("name", ["花名册-标题行-合计.csv", "花名册.xls"])
def test_a_roster_with_title_rows_and_a_total_row(name: str) -> None:
    registry = load_registry(EXPORTS / name)
    assert registry.household_id.tolist() == [f"RY{i:04d}" for i in range(1, 13)]
    assert registry.size.tolist() == SIZES
    assert registry.laborers.tolist() == LABOURERS
    assert registry.category.tolist()[:4] == ["general", "dibao", "wubao", "general"]
    assert registry.poor_village.tolist()[:3] == [False, True, True]  # 非贫困村 / 贫困村
    assert registry.township.tolist()[:3] == ["大桥镇", "东坪镇", "必背镇"]  # 乡（镇）
    assert np.allclose(registry.wages[:4], [2000, 0, 0, 4000])
    notes = " ".join(registry.reading_notes)
    assert "the header is row 3" in notes and "row 17" in notes and "合计" in notes
    assert registry.ignored_columns == ()  # 户主姓名, 身份证号 and 联系电话 are kept
    assert registry.phone[0] == "13800000000"


def test_errors_name_the_spreadsheet_row_after_title_and_blank_rows() -> None:
    with pytest.raises(RegistryError) as caught:
        load_registry(EXPORTS / "花名册-错误.csv")
    message = str(caught.value)
    assert "row 10, column 劳动力人数 (laborers)" in message and "'三'" in message
    assert "row 13, column 家庭人口 (size)" in message and "at least 1 resident member" in message


def test_one_row_per_person_is_folded_into_households() -> None:
    registry = load_registry(EXPORTS / "人口明细-每人一行.csv")
    assert registry.household_id.tolist() == [f"RY{i:04d}" for i in range(1, 7)]
    assert registry.size.tolist() == SIZES[:6]
    assert registry.laborers.tolist() == LABOURERS[:6]
    assert registry.chronically_ill.tolist() == [1, 0, 0, 1, 1, 0]
    assert "16 people folded into 6 households" in " ".join(registry.reading_notes)


def test_members_that_disagree_on_their_household_are_located(tmp_path: Path) -> None:
    text = (EXPORTS / "人口明细-每人一行.csv").read_bytes().decode("gb18030")
    lines = text.splitlines()
    lines[3] = lines[3].replace("大桥镇", "东坪镇", 1)  # the head's spouse in another town
    path = tmp_path / "people.csv"
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    message = str(caught.value)
    assert "row 4, column 乡（镇）" in message and "its head (row 3)" in message


def test_the_cli_reports_what_reading_did(cli, tiny_scenario_path: Path) -> None:
    result = cli("validate", tiny_scenario_path, "--registry", EXPORTS / "花名册-标题行-合计.csv")
    assert result.exit_code == 0, result.stderr
    assert "the header is row 3" in result.stdout and "合计" in result.stdout
