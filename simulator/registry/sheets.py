"""A registry file's bytes to rows of cell text: CSV in UTF-8, UTF-8 with BOM or GB18030 (Big5
refused with a hint), .xlsx and legacy .xls."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from simulator.errors import Problem, RegistryError
from simulator.registry.columns import (
    _HEADER_LOOKUP,
    HEADER_SEARCH_ROWS,
    MAX_PROBLEMS_SHOWN,
    _normal_header,
)

BINARY_PROBE_BYTES = 4096
"""Bytes looked at to tell a text file from a binary one (a NUL byte means binary)."""

TRADITIONAL_MARKS = frozenset("戶號貧勞動鄉鎮產營財轉齡態歲")
"""Traditional characters of registry headers (户号贫劳动乡镇产营财转…): a file decoded as
GB18030 whose header is garbage but whose Big5 reading shows these is a Big5 file."""


def _decode(raw: bytes, label: str, encoding: str | None) -> str:
    if encoding:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise RegistryError(f"cannot decode the file as {encoding}: {exc}", label) from exc
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            line = raw[: utf8_error.start].count(b"\n") + 1
            raise RegistryError(
                f"expected text in UTF-8 or GB18030 (what Excel and WPS write), found bytes "
                f"that are neither at line {line} (byte {utf8_error.start}); re-save the file "
                "as CSV UTF-8 or pass --encoding", label) from utf8_error
        _refuse_big5(raw, text, label)
        return text


def _refuse_big5(raw: bytes, text: str, label: str) -> None:
    """Big5 (traditional Chinese, Taiwan and Hong Kong Excel) often decodes as GB18030 into
    nonsense without an error. When the header matches nothing as GB18030 but reads as
    traditional header words in Big5, say so rather than reading garbage."""
    head = text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    if any(_HEADER_LOOKUP.get(_normal_header(c)) for line in head
           for c in re.split(r"[,;\t]", line)):
        return
    try:
        big5_header = b"\n".join(raw.split(b"\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
                                  ).decode("big5")
    except UnicodeDecodeError:
        return
    if sum(c in TRADITIONAL_MARKS for c in big5_header) >= 2:
        raise RegistryError("this file is in Big5 (traditional Chinese), not UTF-8 or GB18030; "
                            "save it as CSV UTF-8 with simplified or English headers", label)


MAX_HEADER_CELLS = 200
"""Most cells a header row may have: a longer first row is data or garbage, not a header."""

MAX_HEADER_CELL_CHARACTERS = 100
"""Longest header cell: headers are short names (家庭人口（人）); longer text is not a header."""

MAX_PROBLEMS_COLLECTED = 1000
"""Reading stops once this many problems are found: a file that bad needs fixing first, and
reading on would only cost time and memory."""


def _csv_rows(text: str, label: str) -> tuple[Iterator[tuple[int, list[str]]], str]:
    """(line number, cells) of every row, read as they are needed, and the delimiter.

    A quote left open swallows the following lines into one cell without any error from the
    CSV reader; a row that spans lines is therefore refused, naming where it starts and ends.
    """
    # the first lines may be a title without separators: judge by the busiest of them
    sample = text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    delimiter = max(",\t;", key=lambda d: max(line.count(d) for line in sample))
    if not any(line.count(delimiter) for line in sample):
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        line = 1
        try:
            for cells in reader:
                if reader.line_num > line:
                    raise RegistryError([Problem(
                        f"row {line}", f"a quote (\") opens a cell that runs on to line "
                        f"{reader.line_num}: a cell may not span lines; check the quotes in "
                        "this row", label)])
                yield line, cells
                line = reader.line_num + 1
        except csv.Error as exc:
            raise RegistryError(f"not a readable CSV file at line {reader.line_num}: {exc}",
                                label) from exc

    return rows(), delimiter


def _xlsx_rows(raw: bytes, label: str) -> list[tuple[int, list[str]]]:
    """(row number, cells) of the first sheet that holds data. A formula whose value was never
    saved (the workbook was written by a program, not Excel) is refused: its value is unknown."""
    import openpyxl  # imported here: only .xlsx reading needs it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for corrupt workbooks
        raise RegistryError(f"not a readable .xlsx workbook: {exc}", label) from exc
    rows: list[tuple[int, list[str]]] = []
    problems = []
    for sheet, written in zip(workbook.worksheets, formulas.worksheets, strict=True):
        for number, (values, cells) in enumerate(
                zip(sheet.iter_rows(values_only=True), written.iter_rows(values_only=True),
                    strict=False), start=1):
            for column, (value, formula) in enumerate(zip(values, cells, strict=False),
                                                      start=1):
                if value is None and isinstance(formula, str) and formula.startswith("="):
                    problems.append(Problem(
                        f"sheet {sheet.title!r}, row {number}, column {column}",
                        f"a formula ({formula[:40]}) whose value was never saved; open the "
                        "workbook in Excel or WPS and save it, or paste the values", label))
            rows.append((number, [_cell_text(v) for v in values]))
        if any(any(c.strip() for c in cells) for _n, cells in rows):
            break  # the first sheet with data
        rows = []
    workbook.close()
    formulas.close()
    if problems:
        raise RegistryError(problems[:MAX_PROBLEMS_SHOWN])
    return rows


def _xls_rows(raw: bytes, label: str) -> list[tuple[int, list[str]]]:
    """(row number, cells) of the first sheet of a legacy .xls workbook that holds data."""
    import xlrd  # imported here: only .xls reading needs it

    try:
        book = xlrd.open_workbook(file_contents=raw, on_demand=True)
    except Exception as exc:  # xlrd raises its own XLRDError and struct errors alike
        raise RegistryError(f"not a readable .xls workbook: {exc}", label) from exc
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = []
            for number in range(sheet.nrows):
                cells = []
                for cell in sheet.row(number):
                    value = cell.value
                    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        value = bool(value)
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        value = None
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        value = f"#error {value}"
                    cells.append(_cell_text(value))
                rows.append((number + 1, cells))
            if any(any(c.strip() for c in cells) for _n, cells in rows):
                return rows
    finally:
        book.release_resources()
    return []


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)
