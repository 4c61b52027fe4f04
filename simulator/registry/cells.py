"""One cell's text to a value of its column (counts, money, yes/no, categories in the wordings
counties use), and the checks across one household's columns."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Container, Iterator

from simulator.errors import Problem, did_you_mean
from simulator.files import FORMULA_STARTS
from simulator.registry.columns import (
    CATEGORY_ALIASES,
    COUNT_UNITS,
    FALSE_WORDS,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_MEMBERS,
    MAX_YUAN,
    MONEY_UNITS,
    TRUE_WORDS,
    Column,
)
from simulator.schema import control_characters

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
"""Zero-width characters that make two ids look the same and compare different."""

THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
"""A number with comma thousands separators, as Chinese and English Excel write it."""


def _same_text(cell: str) -> str:
    """Text as compared: full-width letters and digits made ordinary (NFKC), invisible
    characters dropped, so ``ＲＹ001`` and ``RY001`` are the same id."""
    return unicodedata.normalize("NFKC", cell).translate(INVISIBLE).strip()


def _number_text(cell: str, decimal_comma: bool) -> str | None:
    """A number cell as Python reads it, or None when its commas are ambiguous.

    In a semicolon-separated file (European Excel) a comma is the decimal comma and a point
    groups thousands (1.234,56); elsewhere a comma groups thousands only in groups of three
    (1,234,567.8) — 1234,56 is refused rather than read as 123456."""
    text = cell.replace("，", ",").replace(" ", "").replace("\u00a0", "")
    if decimal_comma:
        return text.replace(".", "").replace(",", ".") if "," in text else text
    if "," not in text:
        return text
    return text.replace(",", "") if THOUSANDS.fullmatch(text) else None


def _parse_cell(column: Column, cell: str, decimal_comma: bool = False) -> tuple[object, str]:
    """Parse one cell; return (value, problem message or '')."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        cell = cell[1:]  # the apostrophe that kept a spreadsheet from running it
    if cell == "":
        if column.required:
            return _EMPTY[column.kind], "empty cell; expected " + _EXPECTED[column.kind]
        return _EMPTY[column.kind], ""
    bad = control_characters(cell)
    if bad:
        return _EMPTY[column.kind], (f"expected {_EXPECTED[column.kind]}, found control "
                                     f"characters {bad} in {cell!r}")
    if column.kind in ("id", "text"):
        return _same_text(cell), ""
    if column.kind == "category":
        code = CATEGORY_ALIASES.get(cell.lower() if cell.isascii() else cell)
        if code is None:
            hint = did_you_mean(cell, list(CATEGORY_ALIASES))
            return "general", f"unknown category {cell!r}; expected {_EXPECTED['category']}{hint}"
        return code, ""
    if column.kind == "bool":
        word = cell.lower()
        if word in TRUE_WORDS:
            return True, ""
        if word in FALSE_WORDS:
            return False, ""
        return False, f"expected {_EXPECTED['bool']}, found {cell!r}"
    if column.kind == "year":
        cleaned = cell.strip().removesuffix("年").strip()
        try:
            number = float(cleaned)
        except ValueError:
            number = math.nan
        if not number.is_integer() or not FIRST_YEAR <= number <= LAST_YEAR:
            return 0, f"expected {_EXPECTED['year']}, found {cell!r}"
        return int(number), ""
    units = COUNT_UNITS if column.kind == "count" else MONEY_UNITS
    stripped = cell.rstrip()
    for unit in units:
        if stripped.endswith(unit) and len(stripped) > len(unit):
            stripped = stripped[: -len(unit)].rstrip()  # 4人 → 4, 3000元 → 3000
            break
    number_text = _number_text(stripped, decimal_comma)
    if number_text is None:
        return _EMPTY[column.kind], (
            f"expected {_EXPECTED[column.kind]}, found {cell!r}: a comma that does not group "
            "thousands (a decimal comma belongs in a semicolon-separated file)")
    try:
        number = float(number_text)
    except ValueError:
        return _EMPTY[column.kind], f"expected {_EXPECTED[column.kind]}, found {cell!r}"
    if not math.isfinite(number):
        return _EMPTY[column.kind], f"expected {_EXPECTED[column.kind]}, found {cell!r}"
    if column.kind == "count":
        if not number.is_integer():
            return 0, f"expected {_EXPECTED['count']}, found {cell!r}"
        if number < 0:
            return 0, f"expected {_EXPECTED['count']}, found {cell!r} (negative)"
        if number > MAX_MEMBERS:
            return 0, (f"expected {_EXPECTED['count']} and at most {MAX_MEMBERS} people, found "
                       f"{cell!r}")
        return int(number), ""
    if number < 0:
        return 0.0, f"expected {_EXPECTED['money']}, found {cell!r} (negative)"
    if number > MAX_YUAN:
        return 0.0, f"expected {_EXPECTED['money']} up to {MAX_YUAN:,.0f}, found {cell!r}"
    return number, ""


_EMPTY: dict[str, object] = {"id": "", "text": "", "bool": False, "count": 0, "money": 0.0,
                             "category": "general", "year": 0}
_EXPECTED = {
    "id": "a household id",
    "text": "a name",
    "bool": "yes or no (是/否, true/false, 1/0)",
    "count": "a whole number ≥ 0",
    "money": "an amount in yuan ≥ 0",
    "year": f"a calendar year from {FIRST_YEAR} to {LAST_YEAR}",
    "category": "general, dibao, wubao or edge (一般贫困户, 低保贫困户, 五保贫困户, 贫困边缘户)",
}


def _cross_checks(values: dict[str, list], header_text: dict[str, str],
                  label: str, row_numbers: list[int],
                  bad_cells: Container[tuple[int, str]] = ()) -> Iterator[Problem]:
    """Checks across one household's cells; a cell already reported as unreadable (its value a
    placeholder, not the file's) is not checked again."""
    def where(row_index: int, name: str) -> str:
        text = header_text[name]
        return (f"row {row_numbers[row_index]}, column {text}"
                + (f" ({name})" if text != name else ""))

    first_row: dict[str, int] = {}
    for row_index, household_id in enumerate(values["household_id"]):
        if household_id in first_row:
            yield Problem(where(row_index, "household_id"),
                          f"duplicate household id {household_id!r} (first used in row "
                          f"{row_numbers[first_row[household_id]]})", label)
        elif household_id:
            first_row[household_id] = row_index
    for row_index, size in enumerate(values["size"]):
        if (row_index, "size") in bad_cells:
            continue
        if size < 1 and "size" in header_text:
            yield Problem(where(row_index, "size"),
                          f"expected at least 1 resident member, found {size}", label)
        for name in ("laborers", "disabled", "chronically_ill"):
            if (row_index, name) in bad_cells:
                continue
            if name in values and values[name][row_index] > size >= 1:
                yield Problem(where(row_index, name),
                              f"expected at most the household size ({size}), found "
                              f"{values[name][row_index]}", label)
