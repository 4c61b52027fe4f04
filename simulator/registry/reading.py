"""Reading a registry file as county systems export it: CSV (UTF-8, BOM, GB18030), .xlsx and
legacy .xls; the header found below title rows; 合计/小计 rows skipped; one row per person
folded into households; every value checked, every problem located by spreadsheet row and
column."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from simulator.errors import Problem, RegistryError, closest
from simulator.files import sha256_of
from simulator.registry.cells import _cross_checks, _parse_cell
from simulator.registry.columns import (
    _BY_NAME,
    _HEADER_LOOKUP,
    _PERSON_LOOKUP,
    COLUMNS,
    DISABLED_WORDS,
    HEAD_WORDS,
    HEADER_MIN_MATCHES,
    HEADER_SEARCH_ROWS,
    ILL_WORDS,
    LABOUR_FLAG,
    LABOUR_WORDS,
    MAX_PROBLEMS_SHOWN,
    TOTAL_WORDS,
    Column,
    _normal_header,
)
from simulator.registry.households import Registry
from simulator.registry.sheets import (
    BINARY_PROBE_BYTES,
    MAX_HEADER_CELL_CHARACTERS,
    MAX_HEADER_CELLS,
    MAX_PROBLEMS_COLLECTED,
    _csv_rows,
    _decode,
    _xls_rows,
    _xlsx_rows,
)


def load_registry(path: str | Path, encoding: str | None = None) -> Registry:
    """Read and validate a registry file (CSV or .xlsx).

    Parameters
    ----------
    path : str or Path
        The file. CSV may be UTF-8 (with or without BOM), GB18030/GBK or UTF-16; comma-, tab- or
        semicolon-separated (in a semicolon file a comma in a number is a decimal comma).
        Excel workbooks are read from their first sheet that holds data.
    encoding : str, optional
        Force a text encoding instead of detecting it.

    Raises
    ------
    RegistryError
        Naming the file, the row and the column of every problem found.
    """
    rows, decimal_comma, label = table_rows(path, encoding, "registry", "one row per household")
    registry = _parse_rows(rows, label, decimal_comma=decimal_comma)
    return dataclasses.replace(registry, sha256=sha256_of(path))


def table_rows(path: str | Path, encoding: str | None, what: str, rows_expected: str
               ) -> tuple[Iterable[tuple[int, list[str]]], bool, str]:
    """The numbered rows of a CSV, .xlsx or .xls file as county systems export them, whether
    a comma in a number is a decimal comma (semicolon-separated CSV), and the file's label.
    ``what`` names the file in messages ("registry"), ``rows_expected`` what its rows hold."""
    path = Path(path)
    label = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise RegistryError(f"{what} file not found", label) from exc
    except OSError as exc:
        raise RegistryError(f"cannot read the file: {exc.strerror}", label) from exc
    if not raw.strip():
        raise RegistryError(f"the file is empty; expected a header row and {rows_expected}",
                            label)
    if raw.startswith(b"PK\x03\x04"):
        return _xlsx_rows(raw, label), False, label
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        return _xls_rows(raw, label), False, label
    if not raw.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in raw[:BINARY_PROBE_BYTES]:
        raise RegistryError("this is not a text file (it holds binary data); expected a CSV or "
                            f".xlsx {what}", label)
    rows, delimiter = _csv_rows(_decode(raw, label, encoding), label)
    return rows, delimiter == ";", label


def _parse_rows(rows: Iterable[tuple[int, list[str]]], label: str, *,
                decimal_comma: bool) -> Registry:
    # blank rows are skipped, but every message keeps the row number the spreadsheet shows
    numbered = ((number, row) for number, row in rows if any(cell.strip() for cell in row))
    first = next(numbered, None)
    if first is None:
        raise RegistryError("the file has no rows; expected a header row and one row per "
                            "household", label)
    (header_number, header), numbered = find_header(first, numbered)
    notes = []
    if header_number > 1:
        notes.append(f"the header is row {header_number}; rows above it (a title) were skipped")
    row_numbers: list[int] = []
    longest = max(len(cell) for cell in header)
    if len(header) > MAX_HEADER_CELLS or longest > MAX_HEADER_CELL_CHARACTERS:
        raise RegistryError([Problem(
            f"row {header_number}", f"expected a header row of column names, found "
            f"{len(header):,} cells, the longest {longest:,} characters", label)])
    match = match_header(header, _HEADER_LOOKUP, _BY_NAME, label, _PERSON_LOOKUP)
    positions, header_text, ignored, person = match.positions, match.text, match.ignored, \
        match.others
    by_person = "relation" in person
    # a per-person export counts members and labourers from its rows
    derived = {"size", "laborers"} if by_person else set()
    problems = match.problems + missing_columns(COLUMNS, match, label, derived)
    # the cells of the columns the header does name are read all the same, so that a clerk
    # fixes the header and the cells in one round

    values: dict[str, list] = {name: [] for name in positions}
    people: dict[str, list[str]] = {kind: [] for kind in person}
    totals = []
    bad_cells: set[tuple[int, str]] = set()  # (household row, column) already reported
    for spreadsheet_row, row in numbered:
        if any(_normal_total(c) in TOTAL_WORDS for c in row[:3]):
            totals.append(spreadsheet_row)
            continue
        row_numbers.append(spreadsheet_row)
        extra = [c for c in row[len(header):] if c.strip()]
        if extra:
            problems.append(Problem(
                f"row {spreadsheet_row}", f"{len(row)} cells, but the header has "
                f"{len(header)}: the extra cells ({', '.join(repr(c) for c in extra[:3])}) "
                "would be lost; a cell holding the separator needs quotes", label))
        for name, position in positions.items():
            column = _BY_NAME[name]
            cell = row[position].strip() if position < len(row) else ""
            where = f"row {spreadsheet_row}, column {header_text[name]}" + (
                f" ({name})" if header_text[name] != name else "")
            value, message = _parse_cell(column, cell, decimal_comma)
            if message:
                problems.append(Problem(where, message, label))
                bad_cells.add((len(row_numbers) - 1, name))
            values[name].append(value)
        for kind, position in person.items():
            people[kind].append(row[position].strip() if position < len(row) else "")
        if len(problems) >= MAX_PROBLEMS_COLLECTED:
            problems.insert(0, Problem("", f"stopped reading at row {spreadsheet_row:,} "
                                       f"after {len(problems):,} problems; fix these first",
                                       label))
            break
    else:
        if not row_numbers:
            raise RegistryError("the file has a header but no households", label)
        if by_person and not problems:
            person_header = {kind: header[i].strip() for kind, i in person.items()}
            values, row_numbers, folded = _fold_people(values, people, header_text, label,
                                                       row_numbers, problems, person_header)
            notes.append(folded)
        # duplicates and sizes can be checked whenever their columns are there
        if {"household_id", "size"} <= set(values) and not (by_person and problems):
            problems.extend(_cross_checks(values, header_text, label, row_numbers, bad_cells))
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append(Problem("", f"… and {len(problems) - MAX_PROBLEMS_SHOWN} more problems",
                                 label))
        raise RegistryError(shown)
    if totals:
        notes.append(f"total rows (合计/小计) skipped: row {', '.join(map(str, totals))}")
    return Registry.from_columns(values, source=label, ignored_columns=tuple(ignored),
                                 reading_notes=tuple(notes))


def _fold_people(values: dict[str, list], people: dict[str, list[str]],
                 header_text: dict[str, str], label: str, row_numbers: list[int],
                 problems: list[Problem], person_header: dict[str, str]
                 ) -> tuple[dict[str, list], list[int], str]:
    """Rows of people → rows of households (problems are appended to ``problems``).

    A household's own fields (place, category, incomes) come from its head's row and must be
    the same on every member's row; members are counted for the size (or checked against a
    家庭人口 column), labourers from 劳动技能 (or a yes/no 是否劳动力), the disabled and the
    chronically ill from 健康状况.
    Returns the household values, the spreadsheet row of each household's head and a note.
    """
    members: dict[str, list[int]] = {}
    for index, household_id in enumerate(values["household_id"]):
        members.setdefault(household_id, []).append(index)
    counted = ("size", "laborers", "disabled", "chronically_ill")
    personal = ("head_name", "id_number", "phone")  # each member's own: the head's are kept
    own = [name for name in values if name not in counted]
    folded: dict[str, list] = {name: [] for name in values}
    for name in ("size", "laborers", "disabled", "chronically_ill"):
        folded.setdefault(name, [])
    heads = []
    for household_id, rows in members.items():
        relations = people["relation"]
        head = next((i for i in rows if relations[i] in HEAD_WORDS), rows[0])
        heads.append(row_numbers[head])
        for name in own:
            for i in rows:
                if name not in personal and values[name][i] != values[name][head]:
                    problems.append(Problem(
                        f"row {row_numbers[i]}, column {header_text[name]}",
                        f"member of household {household_id!r} with {values[name][i]!r}, but "
                        f"its head (row {row_numbers[head]}) has {values[name][head]!r}; a "
                        "household's own fields must agree on every member's row", label))
                    break
            folded[name].append(values[name][head])
        size = len(rows)
        if "size" in values and values["size"][head] not in (size, 0):
            problems.append(Problem(
                f"row {row_numbers[head]}, column {header_text['size']}",
                f"household {household_id!r} lists {values['size'][head]} members, but "
                f"{size} rows are its members", label))
        folded["size"].append(size)
        skills, flags = people.get("skill"), people.get("is_labourer")
        if skills is not None:
            labourers = sum(any(w in skills[i] for w in LABOUR_WORDS) for i in rows)
        elif flags is not None:
            labourers = 0
            for i in rows:  # a yes/no cell, read as every yes/no cell of a registry is
                flag, message = _parse_cell(LABOUR_FLAG, flags[i].strip(), False)
                if message:
                    problems.append(Problem(
                        f"row {row_numbers[i]}, column {person_header['is_labourer']}",
                        message, label))
                labourers += bool(flag)
        else:
            labourers = values.get("laborers", [0] * len(relations))[head]
        folded["laborers"].append(labourers)
        health = people.get("health")
        for name, words in (("disabled", DISABLED_WORDS), ("chronically_ill", ILL_WORDS)):
            if health is not None:
                folded[name].append(sum(any(w in health[i] for w in words) for i in rows))
            else:
                folded[name].append(values.get(name, [0] * len(relations))[head])
    note = (f"one row per person: {len(row_numbers):,} people folded into {len(members):,} "
            f"households (members counted; labourers from "
            f"{_labour_source(people, person_header)})")
    return folded, heads, note


def _labour_source(people: dict[str, list[str]], person_header: dict[str, str]) -> str:
    """Which column the labourers were counted from, for the reading note."""
    for kind in ("skill", "is_labourer"):
        if kind in people:
            return person_header[kind]
    return "the household column"


@dataclass(frozen=True)
class HeaderMatch:
    """A header row matched to known columns."""

    positions: dict[str, int]
    """Each known column's position."""
    text: dict[str, str]
    """Each known column's header as the file has it."""
    ignored: list[str]
    """Cells no known column comes close to."""
    others: dict[str, int]
    """Positions of other known headers (e.g. a per-person export's)."""
    problems: list[Problem]
    """Cells close to a known name (did you mean), and columns given twice."""
    near: set[str]
    """The known columns a mistyped cell is close to."""


def match_header(header: list[str], lookup: dict[str, str], columns: dict[str, Column],
                 label: str, others: dict[str, str] | None = None) -> HeaderMatch:
    """Match a header row's cells to known columns (``lookup``: normalised spelling → column
    name, ``columns``: name → Column)."""
    match = HeaderMatch({}, {}, [], {}, [], set())
    for index, cell in enumerate(header):
        name = lookup.get(_normal_header(cell))
        other = (others or {}).get(_normal_header(cell))
        if name is None and other is not None:
            match.others.setdefault(other, index)
            continue
        if name is None:
            spelling = closest(_normal_header(cell), lookup) if cell.strip() else None
            if spelling:
                near = lookup[spelling]
                match.near.add(near)
                match.problems.append(Problem(f"column {index + 1} '{cell}'",
                                              f"unknown column (did you mean `{near}` / "
                                              f"`{columns[near].zh}`?)", label))
            elif cell.strip():
                match.ignored.append(cell.strip())
            continue
        if name in match.positions:
            match.problems.append(Problem(f"column {index + 1} '{cell}'",
                                          f"duplicate column: '{match.text[name]}' already "
                                          f"gives {name}", label))
            continue
        match.positions[name] = index
        match.text[name] = cell.strip()
    return match


def missing_columns(columns: Iterable[Column], match: HeaderMatch, label: str,
                    derived: set[str] = frozenset()) -> list[Problem]:
    """The required columns the header lacks (``derived``: columns counted from other ones),
    leaving out one a mistyped cell is close to: that cell's "did you mean" says it already."""
    problems = []
    for column in columns:
        if column.required and column.name not in match.positions and \
                column.name not in derived and column.name not in match.near:
            spellings = ", ".join((column.name, column.zh, *column.aliases))
            problems.append(Problem("header", f"missing column {column.name} ({column.zh}); "
                                    f"accepted headers: {spellings}", label))
    return problems


def _normal_total(cell: str) -> str:
    return cell.replace("\u3000", " ").strip()


def _header_matches(row: list[str], lookup: dict[str, str]) -> int:
    return len({lookup.get(_normal_header(c)) for c in row if c.strip()} - {None})


def find_header(first: tuple[int, list[str]], rows: Iterator[tuple[int, list[str]]],
                lookup: dict[str, str] = _HEADER_LOOKUP, min_matches: int = HEADER_MIN_MATCHES
                ) -> tuple[tuple[int, list[str]], Iterator[tuple[int, list[str]]]]:
    """The header row and the rows after it. The header is the first row that names at least
    ``min_matches`` known columns (``lookup``), looked for among the first rows (title rows
    above it are skipped); when no row does, the first row, so that its problems are
    reported."""
    if _header_matches(first[1], lookup) >= min_matches:
        return first, rows
    looked = [first]
    for candidate in rows:
        if _header_matches(candidate[1], lookup) >= min_matches:
            return candidate, rows
        looked.append(candidate)
        if len(looked) >= HEADER_SEARCH_ROWS:
            break
    return first, itertools.chain(looked[1:], rows)
