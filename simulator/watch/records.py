"""Monitoring records (防返贫监测记录): what village cadres note about a household during a year.

One row per household and year (or month): the household's net income for the period, its
out-of-pocket medical spending, members newly disabled, disaster losses, members who lost their
work, loan arrears. Files are read like the registry — CSV (UTF-8, GB18030), .xlsx or .xls,
Chinese or English headers, a title above the header — and every problem is located by row and
column. Records without a household in the registry, or two records for the same household and
period, are errors.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.errors import Problem, RegistryError, closest
from simulator.files import atomic_write_bytes
from simulator.registry import Registry
from simulator.registry.cells import _parse_cell
from simulator.registry.columns import (
    _BY_NAME as _REGISTRY_COLUMNS,
)
from simulator.registry.columns import (
    MAX_PROBLEMS_SHOWN,
    Column,
    _normal_header,
)
from simulator.registry.reading import find_header, match_header, missing_columns, table_rows
from simulator.units import MONTHS_PER_YEAR


class RecordsError(RegistryError):
    """A monitoring-records file is malformed or does not match the registry."""


_ID = _REGISTRY_COLUMNS["household_id"]
RECORD_COLUMNS: tuple[Column, ...] = (
    _ID,
    Column("year", "年度", "year", True, "Calendar year of the record.",
           ("年份", "监测年度", "year_")),
    Column("month", "月份", "count", False,
           "Month of the record (1–12); empty when the row covers the whole year.",
           ("月", "监测月份")),
    Column("income", "家庭纯收入", "money", False,
           "Household net income in the record's period [yuan]; empty when not checked.",
           ("家庭年纯收入", "纯收入", "家庭收入", "年收入", "收入")),
    Column("medical_out_of_pocket", "医疗自付费用", "money", False,
           "Medical costs the household paid after reimbursement [yuan].",
           ("自付医疗费用", "医疗自付", "医疗支出", "自付费用")),
    Column("newly_disabled", "新增残疾人数", "count", False, "Members newly disabled.",
           ("新增残疾", "新致残人数")),
    Column("disaster_loss", "灾害损失", "money", False,
           "Loss from a natural disaster or accident [yuan].",
           ("受灾损失", "灾害损失金额", "意外损失")),
    Column("jobs_lost", "失业人数", "count", False, "Members who lost their work.",
           ("失业", "务工中断人数", "失去工作人数")),
    Column("loan_arrears", "贷款逾期金额", "money", False, "Loan repayments overdue [yuan].",
           ("逾期金额", "贷款逾期")),
)
"""The columns of a monitoring-records file, in the order files are written."""

HEADER_MIN_MATCHES = 2
"""Known column names a row needs to be taken for the header: the two required ones (户编号,
年度) may be all a short file has."""

_LOOKUP = {_normal_header(spelling): column.name for column in RECORD_COLUMNS
           for spelling in (column.name, column.zh, *column.aliases)}
_BY_NAME = {column.name: column for column in RECORD_COLUMNS}
MONEY_FIELDS = ("medical_out_of_pocket", "disaster_loss", "loan_arrears")
COUNT_FIELDS = ("newly_disabled", "jobs_lost")

SYNTHETIC_TITLE = "合成监测记录（由模型模拟生成，不是真实数据） / synthetic monitoring records " \
                  "(simulated by the model; not real data)"
"""The title line above the header of every synthetic records file."""


@dataclass(frozen=True, eq=False)
class MonitoringRecords:
    """Monitoring records matched to a registry: one entry per file row (N rows)."""

    household: np.ndarray
    """(N,) index of the row's household in the registry."""
    year: np.ndarray
    """(N,) calendar year."""
    month: np.ndarray
    """(N,) month 1–12, 0 for a whole-year row."""
    income: np.ndarray
    """(N,) household net income in the period [yuan]; NaN when not checked."""
    medical_out_of_pocket: np.ndarray
    newly_disabled: np.ndarray
    disaster_loss: np.ndarray
    jobs_lost: np.ndarray
    loan_arrears: np.ndarray
    source: str = ""
    synthetic: bool = False
    """Written by :func:`simulator.watch.synthetic.synthetic_records`, not observed."""

    @property
    def years(self) -> list[int]:
        """Calendar years with at least one record."""
        return sorted(set(self.year.tolist()))

    def of_year(self, year: int, n_households: int) -> YearRecords:
        """Every household's records of ``year`` summed over the year's rows."""
        rows = self.year == year
        h = self.household[rows]

        def total(values: np.ndarray) -> np.ndarray:
            return np.bincount(h, weights=values[rows], minlength=n_households)

        income_rows = rows & ~np.isnan(self.income)
        income = np.full(n_households, np.nan)
        if income_rows.any():
            checked = np.bincount(self.household[income_rows], minlength=n_households) > 0
            summed = np.bincount(self.household[income_rows], weights=self.income[income_rows],
                                 minlength=n_households)
            income[checked] = summed[checked]
        return YearRecords(
            year=year, recorded=np.bincount(h, minlength=n_households) > 0, income=income,
            medical_out_of_pocket=total(self.medical_out_of_pocket),
            newly_disabled=total(self.newly_disabled).astype(np.int64),
            disaster_loss=total(self.disaster_loss),
            jobs_lost=total(self.jobs_lost).astype(np.int64),
            loan_arrears=total(self.loan_arrears))


@dataclass(frozen=True, eq=False)
class YearRecords:
    """One year's records of every household (H,), summed over the year's rows."""

    year: int
    recorded: np.ndarray
    """Whether the household has any record that year."""
    income: np.ndarray
    """Household net income [yuan/year]; NaN when no record checked it. Monthly rows add up:
    a year's income is what its rows recorded."""
    medical_out_of_pocket: np.ndarray
    newly_disabled: np.ndarray
    disaster_loss: np.ndarray
    jobs_lost: np.ndarray
    loan_arrears: np.ndarray

    @property
    def rigid_spending(self) -> np.ndarray:
        """(H,) spending the household cannot put off: medical costs and disaster losses
        [yuan/year] (刚性支出)."""
        return self.medical_out_of_pocket + self.disaster_loss


def load_records(path: str | Path, registry: Registry, encoding: str | None = None
                 ) -> MonitoringRecords:
    """Read and check a monitoring-records file against ``registry``.

    Raises
    ------
    RecordsError
        Naming the file, the row and the column of every problem found.
    """
    rows, decimal_comma, label = table_rows(path, encoding, "monitoring records",
                                            "one row per household and year (or month)")
    return _parse(rows, label, decimal_comma, registry)


def _parse(rows: Iterable[tuple[int, list[str]]], label: str, decimal_comma: bool,
           registry: Registry) -> MonitoringRecords:
    # blank rows are skipped, but every message keeps the row number the spreadsheet shows
    numbered = ((number, row) for number, row in rows if any(cell.strip() for cell in row))
    first = next(numbered, None)
    if first is None:
        raise RecordsError("the file has no rows; expected a header row and one row per "
                           "household and year", label)
    (header_number, header), body = find_header(first, numbered, _LOOKUP, HEADER_MIN_MATCHES)
    # a title above the header says whether the records are synthetic
    synthetic = header_number != first[0] and SYNTHETIC_TITLE.split("（")[0] in " ".join(
        first[1])
    match = match_header(header, _LOOKUP, _BY_NAME, label)
    positions, header_text = match.positions, match.text
    problems = match.problems + missing_columns(RECORD_COLUMNS, match, label)
    if problems:
        raise RecordsError(problems)
    index_of = {str(h): i for i, h in enumerate(registry.household_id)}
    values: dict[str, list] = {name: [] for name in _BY_NAME}
    seen: dict[tuple[int, int, int], int] = {}
    for number, row in body:
        cells = {name: row[p].strip() if p < len(row) else "" for name, p in positions.items()}

        def cell(name: str, cells: dict[str, str] = cells) -> str:
            return cells.get(name, "")

        def where(name: str, number: int = number) -> str:
            return f"row {number}, column {header_text[name]} ({name})"

        household_id = cell("household_id")
        if household_id not in index_of:
            near = closest(household_id, index_of)
            hint = f" (did you mean `{near}`?)" if near else ""
            problems.append(Problem(where("household_id"), f"household {household_id!r} is not "
                                    f"in the registry{hint}", label))
        year, message = _parse_cell(_BY_NAME["year"], cell("year"), decimal_comma)
        if message:
            problems.append(Problem(where("year"), message, label))
        month, message = _parse_cell(_BY_NAME["month"], cell("month"), decimal_comma)
        if not message and cell("month") and not 1 <= month <= MONTHS_PER_YEAR:  # type: ignore[operator]
            message = f"expected a month from 1 to 12, found {cell('month')!r}"
        if message:
            problems.append(Problem(where("month"), message, label))
        bad_period = bool(message) or year == 0
        parsed: dict[str, float] = {}
        for name in ("income", *MONEY_FIELDS, *COUNT_FIELDS):
            text = cell(name)
            if name == "income" and text == "":
                parsed[name] = math.nan
                continue
            value, message = _parse_cell(_BY_NAME[name], text, decimal_comma)
            if message:
                problems.append(Problem(where(name), message, label))
            parsed[name] = float(value)  # type: ignore[arg-type]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            break
        if bad_period or household_id not in index_of:
            continue
        key = (index_of[household_id], year, month or 0)
        if key in seen:
            period = f"{year}" + (f"-{month:02d}" if month else "")
            problems.append(Problem(f"row {number}", f"a second record of household "
                                    f"{household_id} for {period} (the first is row "
                                    f"{seen[key]}); one row per household and period", label))
            continue
        seen[key] = number
        values["household_id"].append(key[0])
        values["year"].append(year)
        values["month"].append(month or 0)
        for name, value in parsed.items():
            values[name].append(value)
    if problems:
        raise RecordsError(problems[:MAX_PROBLEMS_SHOWN])
    return MonitoringRecords(
        household=np.asarray(values["household_id"], dtype=np.int64),
        year=np.asarray(values["year"], dtype=np.int64),
        month=np.asarray(values["month"], dtype=np.int64),
        income=np.asarray(values["income"], dtype=float),
        medical_out_of_pocket=np.asarray(values["medical_out_of_pocket"], dtype=float),
        newly_disabled=np.asarray(values["newly_disabled"], dtype=np.int64),
        disaster_loss=np.asarray(values["disaster_loss"], dtype=float),
        jobs_lost=np.asarray(values["jobs_lost"], dtype=np.int64),
        loan_arrears=np.asarray(values["loan_arrears"], dtype=float),
        source=label, synthetic=synthetic)


def write_records(records: MonitoringRecords, registry: Registry, path: str | Path) -> None:
    """Write ``records`` as a CSV with Chinese headers (UTF-8 with BOM, as spreadsheets open
    it), atomically; synthetic records carry :data:`SYNTHETIC_TITLE` above the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if records.synthetic:
        writer.writerow([SYNTHETIC_TITLE])
    writer.writerow([c.zh for c in RECORD_COLUMNS])
    ids = registry.household_id
    for i in range(len(records.household)):
        income = records.income[i]
        writer.writerow([
            ids[records.household[i]], int(records.year[i]),
            int(records.month[i]) if records.month[i] else "",
            "" if math.isnan(income) else f"{income:.0f}",
            f"{records.medical_out_of_pocket[i]:.0f}", int(records.newly_disabled[i]),
            f"{records.disaster_loss[i]:.0f}", int(records.jobs_lost[i]),
            f"{records.loan_arrears[i]:.0f}"])
    atomic_write_bytes(Path(path), ("\ufeff" + buffer.getvalue()).encode("utf-8"))
