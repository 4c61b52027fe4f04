"""The proposal as an xlsx workbook (Excel, WPS): summary, by instrument, by township, by year,
households, comparison, sensitivity and assumptions, each a formatted sheet.

Cells hold numbers (not text) so offices can re-total them; number formats show 万元 with two
decimals and shares as percentages. The file is written reproducibly: fixed document dates and
zip timestamps, so the same proposal gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from simulator.files import reproducible_zip, store_as_text
from simulator.proposal.content import Table

NUMBER_FORMATS = {"int": "#,##0", "number": "#,##0.0", "wan": "#,##0.00", "yuan": "#,##0",
                  "share": "0.0%", "probability": "0.000", "rate": "0.000", "value": "General",
                  "text": "@"}
"""Excel number format of each column kind."""

STYLE_NAMES = {"int": "整数", "number": "数值", "wan": "万元", "yuan": "元", "share": "比例",
               "probability": "概率", "rate": "比率", "value": "常规值", "text": "文本"}
"""Name of each column kind's cell style, as Excel and WPS list it."""

COLUMN_WIDTH_MAX = 60
"""Widest column, in characters (long texts wrap)."""

COLUMN_WIDTH_MIN = 8
"""Narrowest column, in characters."""

WIDTH_SAMPLE_ROWS = 500
"""Rows read to size a column (the household sheet has thousands)."""

WIDE_CHARACTERS_FROM = 0x2E80
"""First code point of the CJK blocks: characters from here on take two columns."""

SHEET_ORDER = ("cover", "instrument", "township", "year", "assistance", "frontier", "households",
               "per_household",
               "comparison",
               "sensitivity", "assumptions", "references")


def render_xlsx(tables: dict[str, Table], title: str,
                order: Sequence[str] = SHEET_ORDER) -> bytes:
    """The workbook's bytes: a sheet for each table named in ``order`` that ``tables`` has."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = title
    workbook.properties.creator = "tuopin"
    header_fill = PatternFill("solid", fgColor="EFE7DC")
    # One named style per column kind, registered once: giving each of the household list's
    # tens of thousands of cells its own Alignment made the styles a third of the document's
    # writing time.
    styles = {}
    for kind, number_format in NUMBER_FORMATS.items():
        style = NamedStyle(name=STYLE_NAMES[kind], number_format=number_format)
        if kind == "text":
            style.alignment = Alignment(wrap_text=True, vertical="top")
        workbook.add_named_style(style)
        styles[kind] = style.name
    for key in order:
        if key not in tables:  # the budget levels exist only when the frontier was solved
            continue
        table = tables[key]
        sheet = workbook.create_sheet(_sheet_title(table.title))
        sheet.append(table.columns)
        store_as_text(sheet, 1, table.columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for number, row in enumerate(table.rows, start=2):
            values = [_cell(v) for v in row]
            sheet.append(values)
            store_as_text(sheet, number, values)
        for j, kind in enumerate(table.kinds, start=1):
            letter = get_column_letter(j)
            for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.style = styles[kind]
            sheet.column_dimensions[letter].width = _width(table, j - 1)
        if table.sum_columns and table.rows:
            last = len(table.rows) + 1  # the total row (the header is row 1)
            for j in table.sum_columns:
                letter = get_column_letter(j + 1)
                sheet.cell(row=last, column=j + 1, value=f"=SUM({letter}2:{letter}{last - 1})")
            for cell in sheet[last]:
                cell.font = Font(bold=True)
        if table.list_like and table.rows:
            sheet.auto_filter.ref = sheet.dimensions
        if table.page_break_column is not None:
            _break_pages(sheet, table, table.page_break_column)
        _print_setup(sheet)
        sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return reproducible_zip(buffer.getvalue())


def _break_pages(sheet: Any, table: Table, column: int) -> None:
    """A printed page break before each row whose ``column`` differs from the row above (one
    page per village for the cadres)."""
    from openpyxl.worksheet.pagebreak import Break

    for number in range(1, len(table.rows)):
        if table.rows[number][column] != table.rows[number - 1][column]:
            sheet.row_breaks.append(Break(id=number + 1))  # after sheet row number + 1


def _print_setup(sheet: Any) -> None:
    """A4 landscape, one page wide, the header row repeated on every printed page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def _cell(value: Any) -> Any:
    return "" if value is None else value


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
