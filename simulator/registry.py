"""Household registry (建档立卡) in and out: CSV (UTF-8, UTF-8 with BOM, GB18030) and .xlsx.

Headers may be in English or Chinese; :data:`COLUMNS` is the alias table (also printed by
``tuopin validate --columns``). Values are checked row by row and every problem names the file,
the spreadsheet row (the header is row 1) and the column as written in the file — bad values are
never fixed silently. Columns tuopin does not use (names, ID-card numbers …) are ignored and
listed in :attr:`Registry.ignored_columns`, unless their header looks like a typo of a known
column, which is an error with a "did you mean".

Money columns are yuan per year for the registry year (the year before the horizon starts).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from simulator.errors import Problem, RegistryError, closest, did_you_mean
from simulator.files import FORMULA_STARTS, atomic_open, inert, store_as_text
from simulator.schema import control_characters
from simulator.vocabulary import CATEGORIES, CATEGORY_LABELS_ZH

MAX_PROBLEMS_SHOWN = 50
"""Problems listed before the rest are summarised as a count."""

MAX_MEMBERS = 100
"""Most people one household may have [people]: larger counts are typing errors (the largest
registered households have a dozen or two members), and they must fit the integer columns."""

MAX_YUAN = 1e9
"""Largest yearly amount a registry cell may hold [yuan/year]: a poor household's income or
expenses beyond this are typing errors."""

ColumnKind = Literal["id", "text", "bool", "count", "money", "category"]


@dataclass(frozen=True)
class Column:
    """One registry column: canonical name, Chinese header, aliases and rules."""

    name: str
    zh: str
    kind: ColumnKind
    required: bool
    doc: str
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("household_id", "户编号", "id", True, "Unique household id.",
           ("户码", "家庭编号", "农户编号", "id", "hh_id")),
    Column("township", "乡镇", "text", True, "Township (乡镇).",
           ("镇", "乡", "乡镇街道", "所在乡镇", "所属乡镇", "乡（镇）", "town")),
    Column("village", "行政村", "text", True, "Administrative village.",
           ("村", "村名", "所在村", "所在行政村", "所属村", "行政村（社区）", "村（社区）")),
    Column("poor_village", "是否贫困村", "bool", True,
           "Whether the village is a designated poor village (贫困村).",
           ("贫困村", "村属性", "贫困村属性", "是否为贫困村")),
    Column("size", "家庭人口", "count", True, "Resident household members (≥ 1).",
           ("家庭人口数", "人口数", "家庭人数", "members", "household_size")),
    Column("laborers", "劳动力人数", "count", True,
           "Members with labour capacity (≤ size; 0 = household without labour).",
           ("劳动力", "劳动力数", "有劳动能力人数", "labourers", "labor", "workers")),
    Column("category", "贫困户属性", "category", True,
           "general / dibao / wubao / edge (一般贫困户 / 低保贫困户 / 五保贫困户 / 贫困边缘户).",
           ("户属性", "贫困户类型", "类别", "户类型")),
    Column("disabled", "残疾人数", "count", False, "Disabled members (≤ size).",
           ("残疾人口", "残疾")),
    Column("chronically_ill", "患病人数", "count", False,
           "Chronically or seriously ill members (≤ size).",
           ("慢性病人数", "病患人数", "患病人口", "ill")),
    Column("wages", "工资性收入", "money", True, "Wage income [yuan/year].", ("工资收入",)),
    Column("business", "家庭经营收入", "money", True,
           "Household business income, gross of expenses [yuan/year].",
           ("生产经营性收入", "经营性收入", "家庭经营性收入")),
    Column("property", "财产性收入", "money", True, "Property income [yuan/year].",
           ("财产收入",)),
    Column("transfers", "转移性收入", "money", True,
           "Regular transfer income: pensions, dibao, wubao [yuan/year].", ("转移收入",)),
    Column("production_expenses", "生产经营性支出", "money", True,
           "Production expenses [yuan/year].",
           ("家庭生产经营性支出", "生产经营支出", "生产性支出", "expenses")),
    Column("pv_site", "是否具备光伏安装条件", "bool", False,
           "Whether a PV-site place is available for the household.",
           ("光伏安装条件", "光伏场地", "光伏")),
    Column("housing_renovation", "是否需要住房改造", "bool", False,
           "Whether the house needs renovation (safe-housing guarantee).",
           ("住房改造", "危房改造", "危房")),
    Column("head_name", "户主姓名", "text", False,
           "Name of the household head, carried into household lists.",
           ("户主", "姓名", "head_name")),
    Column("id_number", "身份证号", "text", False,
           "ID number of the household head; masked in every document tuopin writes.",
           ("身份证号码", "证件号码", "户主身份证号", "公民身份号码")),
    Column("phone", "联系电话", "text", False, "Contact telephone of the household.",
           ("电话", "手机号码", "联系方式")),
)
"""The registry's columns, in the order files are written."""

_BY_NAME = {c.name: c for c in COLUMNS}

CATEGORY_ALIASES: dict[str, str] = {
    **{c: c for c in CATEGORIES},
    **{zh: c for c, zh in CATEGORY_LABELS_ZH.items()},
    "一般户": "general", "一般": "general", "一般农户": "general",
    "低保户": "dibao", "低保": "dibao",
    "五保户": "wubao", "五保": "wubao", "特困": "wubao", "特困供养": "wubao",
    "特困供养户": "wubao", "特困供养贫困户": "wubao", "分散供养特困人员": "wubao",
    "五保供养": "wubao", "低保贫困户（兜底）": "dibao", "低保兜底户": "dibao",
    "一般农户贫困户": "general",
    "边缘户": "edge", "边缘": "edge", "贫困边缘": "edge",
}
"""Accepted spellings of the four categories (English codes and Chinese labels)."""

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "有", "√", "t", "贫困村"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "无", "×", "f", "非贫困村"})
"""Yes and no as registries write them (the poor-village column often says 贫困村 / 非贫困村)."""

COUNT_UNITS = ("人", "口", "户", "个")
MONEY_UNITS = ("元",)
"""Units clerks type after a number (4人, 3000元): stripped before reading the number."""

TOTAL_WORDS = frozenset({"合计", "小计", "总计", "合 计", "小 计", "总 计", "汇总"})
"""A row whose first cells say one of these is a total row, not a household."""

PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "relation": ("与户主关系", "与户主的关系", "家庭关系", "relation_to_head"),
    "skill": ("劳动技能", "劳动能力", "劳动力状况", "劳动力类型", "labour_skill"),
    "health": ("健康状况", "健康状态", "health"),
}
"""Columns of a one-row-per-person export (the national system's 人口明细): when the relation
to the household head is there, rows are people and are folded into households."""

LABOUR_WORDS = ("普通劳动力", "技能劳动力", "弱劳动力", "半劳动力")
"""劳动技能 values that count a member as a labourer (丧失劳动力 / 无劳动力 do not)."""

DISABLED_WORDS = ("残疾",)
ILL_WORDS = ("长期慢性病", "慢性病", "大病", "重病")
"""健康状况 values that count a member as disabled or chronically ill."""

HEAD_WORDS = ("户主", "本人")
"""与户主关系 values of the household head, whose row gives the household's own fields."""


HEADER_SEARCH_ROWS = 20
"""Rows looked at for the header: exports often put a title (乳源县建档立卡贫困户花名册) and a
date or unit line above it."""

HEADER_MIN_MATCHES = 3
"""Known column names a row needs to be taken for the header."""


def _normal_header(text: str) -> str:
    """Header as compared: trimmed, lower-case, unit in brackets dropped, spaces → _."""
    text = text.replace("\ufeff", "").strip().replace("\u3000", "")
    text = re.sub(r"[（(][^）)]*[）)]\s*$", "", text).strip()  # 家庭人口（人）→ 家庭人口
    return re.sub(r"[\s\-]+", "_", text.lower())


_HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _spelling in (_column.name, _column.zh, *_column.aliases):
        _HEADER_LOOKUP[_normal_header(_spelling)] = _column.name

_PERSON_LOOKUP = {_normal_header(spelling): kind for kind, spellings in PERSON_COLUMNS.items()
                  for spelling in spellings}


@dataclass(frozen=True, eq=False)
class Registry:
    """Households of a registry as columns (one numpy array per field, one entry per household).

    Money is yuan per year for the registry year; counts are people.
    """

    household_id: np.ndarray
    township: np.ndarray
    village: np.ndarray
    poor_village: np.ndarray
    size: np.ndarray
    laborers: np.ndarray
    category: np.ndarray
    disabled: np.ndarray
    chronically_ill: np.ndarray
    wages: np.ndarray
    business: np.ndarray
    property: np.ndarray
    transfers: np.ndarray
    production_expenses: np.ndarray
    pv_site: np.ndarray
    housing_renovation: np.ndarray
    head_name: np.ndarray
    id_number: np.ndarray
    phone: np.ndarray
    source: str = field(default="", compare=False)
    ignored_columns: tuple[str, ...] = field(default=(), compare=False)
    reading_notes: tuple[str, ...] = field(default=(), compare=False)
    """What reading the file did that a clerk should know: title rows above the header, total
    rows skipped, per-person rows folded into households."""

    def __post_init__(self) -> None:
        n = len(self.household_id)
        for column in COLUMNS:
            values = getattr(self, column.name)
            if len(values) != n:
                raise ValueError(f"column {column.name} has {len(values)} entries, expected {n}")

    @classmethod
    def from_columns(cls, columns: dict[str, Sequence], source: str = "",
                     ignored_columns: tuple[str, ...] = (),
                     reading_notes: tuple[str, ...] = ()) -> Registry:
        """Build from plain columns, converting each to its dtype (optional ones default)."""
        n = len(columns["household_id"])
        converted = {}
        for column in COLUMNS:
            values = columns.get(column.name)
            if values is None:
                values = (np.full(n, "") if column.kind in ("text", "id") else
                          np.zeros(n, dtype=bool if column.kind == "bool" else np.int64))
            converted[column.name] = np.asarray(values, dtype=_DTYPES[column.kind])
        return cls(**converted, source=source, ignored_columns=ignored_columns,
                   reading_notes=reading_notes)

    @property
    def n_households(self) -> int:
        """Number of households."""
        return len(self.household_id)

    @property
    def n_people(self) -> int:
        """Resident members in total."""
        return int(self.size.sum())

    @property
    def with_labour(self) -> np.ndarray:
        """Whether each household has labour capacity (at least one labourer)."""
        return self.laborers > 0

    @property
    def net_income(self) -> np.ndarray:
        """Household net income in the registry year [yuan/year], all registry sources counted."""
        return (self.wages + self.business + self.property + self.transfers
                - self.production_expenses)

    @property
    def per_capita_net_income(self) -> np.ndarray:
        """Per-capita net income in the registry year [yuan/(person·year)] [Changchun2018 §三]."""
        return self.net_income / self.size

    def identity_table(self) -> dict[str, list]:
        """Who each household is (id, head's name and masked ID number when the registry has
        them, place, category, size, labourers), for output tables."""
        table = {"household_id": self.household_id.tolist()}
        if any(self.head_name):
            table["head_name"] = self.head_name.tolist()
        if any(self.id_number):
            table["id_number"] = [mask_id(v) for v in self.id_number.tolist()]
        table.update({name: getattr(self, name).tolist() for name in
                      ("township", "village", "category", "size", "laborers")})
        return table

    def columns(self) -> dict[str, np.ndarray]:
        """Every column by canonical name."""
        return {c.name: getattr(self, c.name) for c in COLUMNS}

    def equals(self, other: Registry) -> bool:
        """Whether both registries hold exactly the same households and values."""
        return all(np.array_equal(getattr(self, c.name), getattr(other, c.name))
                   for c in COLUMNS)

    def subset(self, mask: np.ndarray) -> Registry:
        """The households selected by a boolean mask or index array."""
        return dataclasses.replace(self, **{c.name: getattr(self, c.name)[mask] for c in COLUMNS})


ID_VISIBLE_HEAD, ID_VISIBLE_TAIL = 6, 4
"""Digits of an ID number left visible when it is printed: the region code and the last four
(440232********1234), as public notices show them."""


def mask_id(number: str) -> str:
    """An ID number as documents show it: ``440232197001011234`` → ``440232********1234``."""
    number = str(number)
    hidden = len(number) - ID_VISIBLE_HEAD - ID_VISIBLE_TAIL
    if hidden <= 0:
        return "*" * len(number)
    return number[:ID_VISIBLE_HEAD] + "*" * hidden + number[-ID_VISIBLE_TAIL:]


_DTYPES = {"id": str, "text": str, "bool": bool, "count": np.int64, "money": float,
           "category": str}


# ---------------------------------------------------------------------------------------------
# reading


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
    path = Path(path)
    label = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise RegistryError("registry file not found", label) from exc
    except OSError as exc:
        raise RegistryError(f"cannot read the file: {exc.strerror}", label) from exc
    if not raw.strip():
        raise RegistryError("the file is empty; expected a header row and one row per household",
                            label)
    if raw.startswith(b"PK\x03\x04"):
        return _parse_rows(_xlsx_rows(raw, label), label, decimal_comma=False)
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        return _parse_rows(_xls_rows(raw, label), label, decimal_comma=False)
    if not raw.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in raw[:BINARY_PROBE_BYTES]:
        raise RegistryError("this is not a text file (it holds binary data); expected a CSV or "
                            ".xlsx registry", label)
    rows, delimiter = _csv_rows(_decode(raw, label, encoding), label)
    return _parse_rows(rows, label, decimal_comma=delimiter == ";")


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


def _parse_rows(rows: Iterable[tuple[int, list[str]]], label: str, *,
                decimal_comma: bool) -> Registry:
    # blank rows are skipped, but every message keeps the row number the spreadsheet shows
    numbered = ((number, row) for number, row in rows if any(cell.strip() for cell in row))
    first = next(numbered, None)
    if first is None:
        raise RegistryError("the file has no rows; expected a header row and one row per "
                            "household", label)
    (header_number, header), numbered = _find_header(first, numbered)
    notes = []
    if header_number > 1:
        notes.append(f"the header is row {header_number}; rows above it (a title) were skipped")
    row_numbers: list[int] = []
    longest = max(len(cell) for cell in header)
    if len(header) > MAX_HEADER_CELLS or longest > MAX_HEADER_CELL_CHARACTERS:
        raise RegistryError([Problem(
            f"row {header_number}", f"expected a header row of column names, found "
            f"{len(header):,} cells, the longest {longest:,} characters", label)])
    problems: list[Problem] = []
    positions: dict[str, int] = {}
    header_text: dict[str, str] = {}
    ignored: list[str] = []
    person: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _HEADER_LOOKUP.get(_normal_header(cell))
        kind = _PERSON_LOOKUP.get(_normal_header(cell))
        if name is None and kind is not None:
            person.setdefault(kind, index)
            continue
        if name is None:
            spelling = closest(_normal_header(cell), _HEADER_LOOKUP) if cell.strip() else None
            if spelling:
                near = _HEADER_LOOKUP[spelling]
                problems.append(Problem(f"column {index + 1} '{cell}'",
                                        f"unknown column (did you mean `{near}` / "
                                        f"`{_BY_NAME[near].zh}`?)", label))
            elif cell.strip():
                ignored.append(cell.strip())
            continue
        if name in positions:
            problems.append(Problem(f"column {index + 1} '{cell}'",
                                    f"duplicate column: '{header_text[name]}' already gives "
                                    f"{name}", label))
            continue
        positions[name] = index
        header_text[name] = cell.strip()
    by_person = "relation" in person
    # a per-person export counts members and labourers from its rows
    derived = {"size", "laborers"} if by_person else set()
    missing = [c for c in COLUMNS if c.required and c.name not in positions
               and c.name not in derived]
    for column in missing:
        spellings = ", ".join((column.name, column.zh, *column.aliases))
        problems.append(Problem("header", f"missing column {column.name} ({column.zh}); "
                                f"accepted headers: {spellings}", label))
    if problems:
        raise RegistryError(problems)

    values: dict[str, list] = {name: [] for name in positions}
    people: dict[str, list[str]] = {kind: [] for kind in person}
    totals = []
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
            values, row_numbers, folded = _fold_people(values, people, header_text, label,
                                                       row_numbers, problems)
            notes.append(folded)
        problems.extend(_cross_checks(values, header_text, label, row_numbers))
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
                 problems: list[Problem]) -> tuple[dict[str, list], list[int], str]:
    """Rows of people → rows of households (problems are appended to ``problems``).

    A household's own fields (place, category, incomes) come from its head's row and must be
    the same on every member's row; members are counted for the size (or checked against a
    家庭人口 column), labourers from 劳动技能, the disabled and the chronically ill from 健康状况.
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
        skills = people.get("skill")
        folded["laborers"].append(
            sum(any(w in skills[i] for w in LABOUR_WORDS) for i in rows) if skills is not None
            else values.get("laborers", [0] * len(relations))[head])
        health = people.get("health")
        for name, words in (("disabled", DISABLED_WORDS), ("chronically_ill", ILL_WORDS)):
            if health is not None:
                folded[name].append(sum(any(w in health[i] for w in words) for i in rows))
            else:
                folded[name].append(values.get(name, [0] * len(relations))[head])
    note = (f"one row per person: {len(row_numbers):,} people folded into {len(members):,} "
            f"households (members counted; labourers from "
            f"{'劳动技能' if 'skill' in people else 'the household column'})")
    return folded, heads, note


def _normal_total(cell: str) -> str:
    return cell.replace("\u3000", " ").strip()


def _header_matches(row: list[str]) -> int:
    return len({_HEADER_LOOKUP.get(_normal_header(c)) for c in row if c.strip()} - {None})


def _find_header(first: tuple[int, list[str]], rows: Iterator[tuple[int, list[str]]]
                 ) -> tuple[tuple[int, list[str]], Iterator[tuple[int, list[str]]]]:
    """The header row and the rows after it. The header is the first row that names several
    known columns, looked for among the first rows (title rows above it are skipped); when no
    row does, the first row, so that its problems are reported."""
    if _header_matches(first[1]) >= HEADER_MIN_MATCHES:
        return first, rows
    looked = [first]
    for candidate in rows:
        if _header_matches(candidate[1]) >= HEADER_MIN_MATCHES:
            return candidate, rows
        looked.append(candidate)
        if len(looked) >= HEADER_SEARCH_ROWS:
            break
    return first, itertools.chain(looked[1:], rows)


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
                             "category": "general"}
_EXPECTED = {
    "id": "a household id",
    "text": "a name",
    "bool": "yes or no (是/否, true/false, 1/0)",
    "count": "a whole number ≥ 0",
    "money": "an amount in yuan ≥ 0",
    "category": "general, dibao, wubao or edge (一般贫困户, 低保贫困户, 五保贫困户, 贫困边缘户)",
}


def _cross_checks(values: dict[str, list], header_text: dict[str, str],
                  label: str, row_numbers: list[int]) -> Iterator[Problem]:
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
        if size < 1 and "size" in header_text:
            yield Problem(where(row_index, "size"),
                          f"expected at least 1 resident member, found {size}", label)
        for name in ("laborers", "disabled", "chronically_ill"):
            if name in values and values[name][row_index] > size >= 1:
                yield Problem(where(row_index, name),
                              f"expected at most the household size ({size}), found "
                              f"{values[name][row_index]}", label)


# ---------------------------------------------------------------------------------------------
# writing


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
