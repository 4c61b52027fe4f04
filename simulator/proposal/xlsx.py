"""The proposal as an xlsx workbook (Excel, WPS): summary, by instrument, by township, by year,
households, comparison, sensitivity and assumptions, each a formatted sheet.

Cells hold numbers (not text) so offices can re-total them; number formats show 万元 with two
decimals and shares as percentages. Totals are formulas saved with their values (XlsxWriter
writes both, openpyxl only the formula): phone and chat previews and data-only readers show the
total, not an empty cell. The file is written reproducibly: fixed document dates and zip
timestamps, so the same proposal gives the same bytes.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from typing import Any

from simulator.files import reproducible_zip
from simulator.proposal.content import Table

NUMBER_FORMATS = {"int": "#,##0", "number": "#,##0.0", "wan": "#,##0.00", "yuan": "#,##0",
                  "share": "0.0%", "probability": "0.000", "rate": "0.000", "value": "General",
                  "text": "@"}
"""Excel number format of each column kind."""

COLUMN_WIDTH_MAX = 60
"""Widest column, in characters (long texts wrap)."""

COLUMN_WIDTH_MIN = 8
"""Narrowest column, in characters."""

WIDTH_SAMPLE_ROWS = 500
"""Rows read to size a column (the household sheet has thousands)."""

WIDE_CHARACTERS_FROM = 0x2E80
"""First code point of the CJK blocks: characters from here on take two columns."""

HEADER_FILL = "#EFE7DC"
"""Background of the header row."""

A4 = 9
"""Excel's paper-size code for A4."""


SHEET_ORDER = ("cover", "instrument", "township", "year", "assistance", "frontier", "households",
               "per_household",
               "comparison",
               "sensitivity", "equity", "assumptions", "references", "settings")


def render_xlsx(tables: dict[str, Table], title: str,
                order: Sequence[str] = SHEET_ORDER) -> bytes:
    """The workbook's bytes: a sheet for each table named in ``order`` that ``tables`` has."""
    import xlsxwriter
    from xlsxwriter.utility import xl_range

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    # the dates and zip timestamps are fixed afterwards (reproducible_zip)
    workbook.set_properties({"title": title, "author": "tuopin"})
    header = workbook.add_format({"bold": True, "bg_color": HEADER_FILL, "text_wrap": True,
                                  "valign": "top", "num_format": "@"})
    formats, totals = {}, {}
    for kind, number_format in NUMBER_FORMATS.items():
        spec = {"num_format": number_format}
        if kind == "text":
            spec |= {"text_wrap": True, "valign": "top"}
        formats[kind] = workbook.add_format(spec)
        totals[kind] = workbook.add_format({**spec, "bold": True})
    for key in order:
        if key not in tables:  # the budget levels exist only when the frontier was solved
            continue
        table = tables[key]
        sheet = workbook.add_worksheet(_sheet_title(table.title))
        for j, heading in enumerate(table.columns):
            sheet.write_string(0, j, str(heading), header)
        last = len(table.rows)  # 0-based row of the total row (the header is row 0)
        for i, row in enumerate(table.rows, start=1):
            bold = bool(table.sum_columns) and i == last
            for j, (value, kind) in enumerate(zip(row, table.row_of_kinds(i - 1), strict=True)):
                cell_format = (totals if bold else formats)[kind]
                if bold and j in table.sum_columns:
                    # the formula's own result as its saved value (what a reader recomputes)
                    above = sum(v for r in table.rows[:-1]
                                if isinstance(v := r[j], int | float) and math.isfinite(v))
                    sheet.write_formula(i, j, f"=SUM({xl_range(1, j, last - 1, j)})",
                                        cell_format, above)
                else:
                    _write(sheet, i, j, value, cell_format)
        for j in range(len(table.columns)):
            sheet.set_column(j, j, _width(table, j))
        if table.list_like and table.rows:
            sheet.autofilter(0, 0, last, len(table.columns) - 1)
        if table.page_break_column is not None:
            sheet.set_h_pagebreaks(_page_breaks(table, table.page_break_column))
        sheet.set_paper(A4)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
        sheet.repeat_rows(0)
        sheet.freeze_panes(1, 1)
    workbook.close()
    return reproducible_zip(buffer.getvalue())


def _write(sheet: Any, row: int, column: int, value: Any, cell_format: Any) -> None:
    """One cell: text always as text (a leading ``=`` is never a formula), finite numbers as
    numbers, nothing as a blank."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or value == "":
        sheet.write_blank(row, column, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value, cell_format)
    elif isinstance(value, int | float) or hasattr(value, "dtype"):
        sheet.write_number(row, column, float(value), cell_format)
    else:
        sheet.write_string(row, column, str(value), cell_format)


def _page_breaks(table: Table, column: int) -> list[int]:
    """Printed page breaks before each row whose ``column`` differs from the row above (one
    page per village for the cadres): XlsxWriter breaks below the 1-based row it is given."""
    return [number + 1 for number in range(1, len(table.rows))
            if table.rows[number][column] != table.rows[number - 1][column]]


def _sheet_title(title: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31]


def _width(table: Table, j: int) -> float:
    def length(value: Any) -> int:
        text = str(value) if value is not None else ""
        return sum(2 if ord(c) >= WIDE_CHARACTERS_FROM else 1 for c in text)

    longest = max([length(table.columns[j]),
                   *(length(r[j]) for r in table.rows[:WIDTH_SAMPLE_ROWS])])
    return min(COLUMN_WIDTH_MAX, max(COLUMN_WIDTH_MIN, longest + 2))
