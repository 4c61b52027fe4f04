"""What ``tuopin watch`` writes: the list as a workbook for village cadres (a sheet with every
listed household, then one sheet per village), the same rows as CSV, and summary.json; for a
backtest, its report as JSON and its calibration table as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.files import atomic_write_bytes, write_json, write_table
from simulator.proposal.content import Table
from simulator.proposal.xlsx import render_xlsx
from simulator.watch.backtest import Backtest
from simulator.watch.watchlist import WatchList

COLUMNS_ZH: tuple[tuple[str, str, str], ...] = (
    ("township", "乡镇", "text"), ("village", "行政村", "text"),
    ("household_id", "户编号", "text"), ("head_name", "户主姓名", "text"),
    ("size", "家庭人口", "int"), ("category", "监测类别", "text"), ("reason", "预警理由", "text"),
    ("risk_watch_year", "{year}年跌破标准线概率", "share"),
    ("risk_year_after", "{next}年跌破标准线概率", "share"),
    ("expected_shortfall_yuan_per_person", "预计人均缺口（元）", "yuan"),
)
"""Workbook columns: the row field, its Chinese header and its cell kind."""

ALL_SHEET = "全部监测户"


def _table(key: str, title: str, rows: list[dict[str, Any]], year: int) -> Table:
    columns = [header.format(year=year, next=year + 1) for _f, header, _k in COLUMNS_ZH]
    table = Table(key, title, columns, [kind for _f, _h, kind in COLUMNS_ZH])
    for row in rows:
        table.rows.append([row[field] for field, _h, _k in COLUMNS_ZH])
    return table


def village_sheets(watchlist: WatchList) -> tuple[dict[str, Table], list[str]]:
    """Tables by key and their order: every listed household, then one table per village
    (named 乡镇·行政村; a name made unique when Excel's 31 characters cut two alike)."""
    rows = watchlist.rows()
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


def write_watch_outputs(watchlist: WatchList, summary: dict[str, Any], output_dir: Path
                        ) -> list[Path]:
    """watchlist.xlsx, watchlist.csv and summary.json in ``output_dir``."""
    tables, order = village_sheets(watchlist)
    workbook = output_dir / "watchlist.xlsx"
    atomic_write_bytes(workbook, render_xlsx(
        tables, f"{watchlist.scenario.county or watchlist.scenario.name}{watchlist.year}年"
        "防返贫监测名单", order=order))
    rows = watchlist.rows()
    fields = list(rows[0]) if rows else [f for f, _h, _k in COLUMNS_ZH]
    table = write_table(output_dir / "watchlist.csv",
                        {f: [r[f] for r in rows] for f in fields})
    return [workbook, table, write_json(output_dir / "summary.json", summary)]


def write_backtest_outputs(result: Backtest, summary: dict[str, Any], output_dir: Path
                           ) -> list[Path]:
    """backtest.json and backtest_calibration.csv in ``output_dir``."""
    rows = summary["calibration_by_decile"]
    calibration = write_table(output_dir / "backtest_calibration.csv",
                              {name: [r[name] for r in rows] for name in rows[0]})
    return [write_json(output_dir / "backtest.json", summary), calibration]
