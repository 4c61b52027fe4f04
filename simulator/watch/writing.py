"""What ``tuopin watch`` writes: the list as a workbook for village cadres (a sheet with every
listed household, then one sheet per village), the same rows as CSV, and summary.json; for a
backtest, its report as JSON and its calibration table as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from simulator import labels
from simulator.files import atomic_write_bytes, write_json, write_table
from simulator.proposal.content import Table
from simulator.proposal.xlsx import render_xlsx
from simulator.watch.backtest import Backtest
from simulator.watch.support import Suggestions
from simulator.watch.watchlist import WatchList

COLUMNS_ZH: tuple[tuple[str, str, str], ...] = (
    ("township", "乡镇", "text"), ("village", "行政村", "text"),
    ("household_id", "户编号", "text"), ("head_name", "户主姓名", "text"),
    ("size", "家庭人口", "int"), ("category", "监测类别", "text"), ("reason", "预警理由", "text"),
    ("risk_watch_year", "{year}年跌破标准线概率", "share"),
    ("risk_year_after", "{next}年跌破标准线概率", "share"),
    ("expected_shortfall_yuan_per_person", "预计人均缺口（元）", "yuan"),
    ("suggested_support", "建议帮扶措施", "text"),
    ("suggested_cost_yuan", "帮扶费用（元）", "yuan"),
    ("p_above_with_support", "帮扶后稳定在线上的概率", "share"),
    ("p_above_without_support", "不帮扶时稳定在线上的概率", "share"),
)
"""Workbook columns: the row field, its Chinese header and its cell kind."""

ALL_SHEET = "全部监测户"


def _headers(year: int) -> dict[str, str]:
    """Each listed field's Chinese header for the watch ``year``."""
    return {field: header.format(year=year, next=year + 1) for field, header, _k in COLUMNS_ZH}


def _table(key: str, title: str, rows: list[dict[str, Any]], year: int) -> Table:
    columns = list(_headers(year).values())
    table = Table(key, title, columns, [kind for _f, _h, kind in COLUMNS_ZH])
    for row in rows:
        table.rows.append([row.get(field) for field, _h, _k in COLUMNS_ZH])
    return table


def listed_rows(watchlist: WatchList, suggestions: Suggestions | None) -> list[dict[str, Any]]:
    """The list's rows, each with its suggested support when there are suggestions."""
    rows = watchlist.rows()
    if suggestions is None:
        return rows
    for row, package, cost, with_, without in zip(
            rows, suggestions.package, suggestions.cost_yuan, suggestions.p_stable,
            suggestions.p_without, strict=True):
        row.update({"suggested_support": labels.package(package, "zh"),
                    "suggested_cost_yuan": float(cost), "p_above_with_support": float(with_),
                    "p_above_without_support": float(without)})
    return rows


def village_sheets(watchlist: WatchList, suggestions: Suggestions | None = None
                   ) -> tuple[dict[str, Table], list[str]]:
    """Tables by key and their order: every listed household, then one table per village
    (named 乡镇·行政村; a name made unique when Excel's 31 characters cut two alike)."""
    rows = listed_rows(watchlist, suggestions)
    year = watchlist.year
    tables = {"all": _table("all", ALL_SHEET, rows, year)}
    order = ["all"]
    titles = {ALL_SHEET}
    villages = sorted({(r["township"], r["village"]) for r in rows})
    for i, (town, village) in enumerate(villages):
        title = f"{town}·{village}"[:28]
        if title in titles:
            title = f"{title[:24]}({i + 1})"
        titles.add(title)
        key = f"village_{i}"
        tables[key] = _table(key, title, [r for r in rows if (r["township"], r["village"])
                                          == (town, village)], year)
        order.append(key)
    return tables, order


CSV_EXTRA_ZH = {"in_model_list": "模型预警", "flagged_by_rules": "规则触发"}
"""Chinese headers of the CSV's columns that the workbook does not show."""

CSV_DECIMALS = {"share": 3, "yuan": 0}
"""Decimals kept in the CSV for each kind of figure (a chance to 0.1 %, money to the yuan)."""


def write_watch_outputs(watchlist: WatchList, summary: dict[str, Any], output_dir: Path,
                        suggestions: Suggestions | None = None,
                        header: str = "zh") -> list[Path]:
    """watchlist.xlsx, watchlist.csv and summary.json in ``output_dir``; the CSV's headers
    and yes/no values are Chinese, or English (``header="en"``) for scripts."""
    tables, order = village_sheets(watchlist, suggestions)
    workbook = output_dir / "watchlist.xlsx"
    atomic_write_bytes(workbook, render_xlsx(
        tables, f"{watchlist.scenario.county or watchlist.scenario.name}{watchlist.year}年"
        "防返贫监测名单", order=order))
    rows = listed_rows(watchlist, suggestions)
    fields = list(rows[0]) if rows else [f for f, _h, _k in COLUMNS_ZH]
    table = write_table(output_dir / "watchlist.csv",
                        _csv_columns(rows, fields, watchlist.year, header))
    return [workbook, table, write_json(output_dir / "summary.json", summary)]


def _csv_columns(rows: list[dict[str, Any]], fields: list[str], year: int,
                 header: str) -> dict[str, list[Any]]:
    """The CSV's columns: figures rounded as the workbook shows them, headers and yes/no in
    the chosen language."""
    names = _headers(year) | CSV_EXTRA_ZH
    kinds = {f: k for f, _h, k in COLUMNS_ZH}

    def cell(value: Any, kind: str | None) -> Any:
        if isinstance(value, bool):
            return ("是" if value else "否") if header == "zh" else str(value).lower()
        if isinstance(value, float):
            decimals = CSV_DECIMALS.get(kind or "", 4)
            return round(value, decimals) if decimals else round(value)
        return value

    return {(names.get(f, f) if header == "zh" else f): [cell(r[f], kinds.get(f)) for r in rows]
            for f in fields}


def write_backtest_outputs(result: Backtest, summary: dict[str, Any], output_dir: Path
                           ) -> list[Path]:
    """backtest.json and backtest_calibration.csv in ``output_dir``."""
    rows = summary["calibration_by_decile"]
    calibration = write_table(output_dir / "backtest_calibration.csv",
                              {name: [r[name] for r in rows] for name in rows[0]})
    return [write_json(output_dir / "backtest.json", summary), calibration]


def support_summary(suggestions: Suggestions) -> dict[str, Any]:
    """What summary.json says about the suggested support."""
    from collections import Counter

    supported = np.array([p != "none" for p in suggestions.package], dtype=bool)
    return {"budget_yuan": suggestions.budget_yuan,
            "households_supported": int(supported.sum()),
            "cost_yuan": round(float(suggestions.cost_yuan.sum()), 2),
            "expected_households_kept_above_line": round(float(suggestions.p_stable.sum()), 2),
            "without_support": round(float(suggestions.p_without.sum()), 2),
            "packages": dict(sorted(Counter(suggestions.package).items()))}
