"""Writing a registry (CSV or .xlsx, English or Chinese headers), and the column table."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

import numpy as np

from simulator.files import atomic_open, inert, store_as_text
from simulator.registry.columns import COLUMNS
from simulator.registry.households import Registry
from simulator.vocabulary import CATEGORY_LABELS_ZH


def _format_number(value: float) -> str:
    """Shortest text that reads back to exactly the same float (no trailing .0)."""
    return np.format_float_positional(float(value), trim="-")


def registry_rows(registry: Registry, header: Literal["en", "zh"] = "en") -> list[list[object]]:
    """The registry as a header row plus one row of cell values per household."""
    names = [c.name if header == "en" else c.zh for c in COLUMNS]
    rows: list[list[object]] = [names]
    columns = registry.columns()
    for i in range(registry.n_households):
        row: list[object] = []
        for column in COLUMNS:
            value = columns[column.name][i]
            if column.kind == "bool":
                row.append(("true" if value else "false") if header == "en"
                           else ("是" if value else "否"))
            elif column.kind == "category":
                row.append(str(value) if header == "en" else CATEGORY_LABELS_ZH[str(value)])
            elif column.kind == "count":
                row.append(int(value))
            elif column.kind == "year":
                row.append(int(value) if value else "")
            elif column.kind == "money":
                row.append(float(value))
            else:
                row.append(str(value))
        rows.append(row)
    return rows


def write_registry(registry: Registry, path: str | Path, *, header: Literal["en", "zh"] = "en",
                   encoding: str = "utf-8-sig") -> Path:
    """Write a registry as CSV or .xlsx (chosen by the suffix), atomically.

    Parameters
    ----------
    registry : Registry
    path : str or Path
        Destination; ``.xlsx`` writes a workbook, anything else CSV.
    header : {"en", "zh"}
        English column names or the Chinese headers of :data:`COLUMNS`.
    encoding : str
        CSV text encoding: ``utf-8-sig`` (default: UTF-8 with BOM, which Excel opens
        correctly), ``utf-8`` or ``gb18030``.
    """
    path = Path(path)
    rows = registry_rows(registry, header)
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(rows, path)
        return path
    with atomic_open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for row in rows:
            writer.writerow([_format_number(v) if isinstance(v, float) else inert(v)
                             for v in row])
    return path


def _write_xlsx(rows: list[list[object]], path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "households"
    for number, row in enumerate(rows, start=1):
        sheet.append(row)
        store_as_text(sheet, number, row)
    sheet.freeze_panes = "B2"
    with atomic_open(path, "wb") as handle:
        workbook.save(handle)


def columns_table() -> str:
    """The column alias table as text (for ``tuopin validate --columns`` and the README)."""
    lines = ["column | 中文 | required | accepted headers | meaning", "--- | --- | --- | --- | ---"]
    for c in COLUMNS:
        lines.append(f"{c.name} | {c.zh} | {'yes' if c.required else 'no (empty = 0/no)'} | "
                     f"{', '.join(c.aliases)} | {c.doc}")
    return "\n".join(lines)
