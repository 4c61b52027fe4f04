"""Registry files: round trips in every supported format, aliases, and broken files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from simulator.errors import RegistryError
from simulator.registry import COLUMNS, Registry, load_registry, registry_rows, write_registry


@pytest.mark.parametrize(("suffix", "header", "encoding"), [
    (".csv", "en", "utf-8-sig"),
    (".csv", "en", "utf-8"),
    (".csv", "zh", "gb18030"),
    (".csv", "zh", "utf-8-sig"),
    (".xlsx", "en", "utf-8"),
    (".xlsx", "zh", "utf-8"),
])
def test_write_then_read_gives_the_same_registry(tmp_path: Path, tiny_registry: Registry,
                                                 suffix: str, header: str,
                                                 encoding: str) -> None:
    path = write_registry(tiny_registry, tmp_path / f"h{suffix}", header=header,
                          encoding=encoding)
    again = load_registry(path)
    assert again.equals(tiny_registry)
    assert again.n_households == 60


def test_fractional_money_survives_the_round_trip(tmp_path: Path,
                                                  tiny_registry: Registry) -> None:
    odd = Registry.from_columns({**tiny_registry.columns(),
                                 "wages": tiny_registry.wages + 0.1 + 1e-7})
    again = load_registry(write_registry(odd, tmp_path / "h.csv"))
    assert np.array_equal(again.wages, odd.wages)


def _csv_text(registry: Registry, tmp_path: Path) -> str:
    path = write_registry(registry, tmp_path / "base.csv", encoding="utf-8")
    return path.read_text(encoding="utf-8")


def test_chinese_headers_with_units_and_chinese_values(tmp_path: Path,
                                                       tiny_registry: Registry) -> None:
    text = _csv_text(tiny_registry, tmp_path)
    header, body = text.split("\n", 1)
    zh = {c.name: c.zh + ("（元）" if c.kind == "money" else "") for c in COLUMNS}
    zh["size"] = "家庭人口（人）"
    header = ",".join(zh[h] for h in header.split(","))
    body = body.replace(",true,", ",是,").replace(",false,", ",否,") \
        .replace(",general,", ",一般贫困户,").replace(",dibao,", ",低保户,")
    path = tmp_path / "wps.csv"
    path.write_bytes(f"{header}\n{body}".encode("gb18030"))
    assert load_registry(path).equals(tiny_registry)


def test_excel_unicode_text_tab_separated(tmp_path: Path, tiny_registry: Registry) -> None:
    text = _csv_text(tiny_registry, tmp_path).replace(",", "\t")
    path = tmp_path / "unicode.txt"
    path.write_bytes(text.encode("utf-16"))
    assert load_registry(path).equals(tiny_registry)


def test_unused_columns_are_listed_not_fatal(tmp_path: Path, tiny_registry: Registry) -> None:
    lines = _csv_text(tiny_registry, tmp_path).splitlines()
    lines = [lines[0] + ",备注"] + [line + ",已走访" for line in lines[1:]]
    path = tmp_path / "remarks.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    loaded = load_registry(path)
    assert loaded.equals(tiny_registry)
    assert loaded.ignored_columns == ("备注",)


def test_names_and_id_numbers_are_kept_and_masked_in_lists() -> None:
    from simulator.registry import mask_id

    registry = load_registry(Path(__file__).parent / "data" / "exports" / "花名册-标题行-合计.csv")
    assert registry.head_name[0] == "户主1" and registry.id_number[0] == "440232197001010001"
    table = registry.identity_table()
    assert table["head_name"][0] == "户主1"
    assert table["id_number"][0] == "440232********0001" == mask_id("440232197001010001")
    assert all("*" in value for value in table["id_number"])


def test_optional_columns_may_be_left_out(tmp_path: Path, tiny_registry: Registry) -> None:
    text = _csv_text(tiny_registry, tmp_path)
    rows = [line.split(",") for line in text.splitlines()]
    keep = [i for i, name in enumerate(rows[0]) if name not in ("pv_site", "disabled")]
    path = tmp_path / "short.csv"
    path.write_text("\n".join(",".join(r[i] for i in keep) for r in rows), encoding="utf-8")
    loaded = load_registry(path)
    assert not loaded.pv_site.any() and not loaded.disabled.any()
    assert np.array_equal(loaded.size, tiny_registry.size)


# --- broken registries -------------------------------------------------------------------------

Mutation = Callable[[list[list[str]]], list[list[str]]]


def _set_cell(row: int, column: str, value: str) -> Mutation:
    def mutate(rows: list[list[str]]) -> list[list[str]]:
        rows[row - 1][rows[0].index(column)] = value  # row numbers as a spreadsheet shows them
        return rows
    return mutate


def _drop_column(column: str) -> Mutation:
    def mutate(rows: list[list[str]]) -> list[list[str]]:
        index = rows[0].index(column)
        return [r[:index] + r[index + 1:] for r in rows]
    return mutate


def _rename_column(column: str, new: str) -> Mutation:
    def mutate(rows: list[list[str]]) -> list[list[str]]:
        rows[0][rows[0].index(column)] = new
        return rows
    return mutate


def _blank_row_before(row: int, then: Mutation) -> Mutation:
    """Insert a blank row so that spreadsheet row ``row`` is empty, then apply ``then``."""
    def mutate(rows: list[list[str]]) -> list[list[str]]:
        rows = [*rows[:row - 1], [""] * len(rows[0]), *rows[row - 1:]]
        return then(rows)
    return mutate


def _duplicate_id(rows: list[list[str]]) -> list[list[str]]:
    rows[3][0] = rows[1][0]
    return rows


def _repeat_column(rows: list[list[str]]) -> list[list[str]]:
    return [[*r, r[4]] for r in rows]


BROKEN_ROWS: list[tuple[str, Mutation, list[str]]] = [
    ("duplicate-id", _duplicate_id, ["row 4, column household_id", "duplicate household id",
                                     "first used in row 2"]),
    ("no-members", _set_cell(5, "size", "0"), ["row 5, column size",
                                               "at least 1 resident member"]),
    ("more-laborers-than-members", _set_cell(3, "laborers", "12"),
     ["row 3, column laborers", "at most the household size"]),
    ("negative-wages", _set_cell(7, "wages", "-300"), ["row 7, column wages", "negative"]),
    ("unknown-category", _set_cell(2, "category", "genral"),
     ["row 2, column category", "unknown category 'genral'", "did you mean `general`"]),
    ("missing-column", _drop_column("laborers"), ["missing column laborers (劳动力人数)"]),
    ("text-in-a-count", _set_cell(4, "size", "three"),
     ["row 4, column size", "expected a whole number", "'three'"]),
    ("fractional-count", _set_cell(4, "size", "2.5"), ["row 4, column size", "'2.5'"]),
    ("bad-yes-no", _set_cell(6, "poor_village", "maybe"),
     ["row 6, column poor_village", "expected yes or no", "'maybe'"]),
    ("typo-header", _rename_column("wages", "wagse"),
     ["'wagse'", "did you mean `wages`"]),
    ("empty-required-cell", _set_cell(8, "township", ""), ["row 8, column township",
                                                           "empty cell"]),
    ("duplicate-column", _repeat_column, ["duplicate column"]),
    ("not-a-number", _set_cell(9, "transfers", "n/a"), ["row 9, column transfers",
                                                        "expected an amount in yuan"]),
    ("extra-cells", lambda rows: [*rows[:4], [*rows[4], "stray"], *rows[5:]],
     ["row 5", "but the header has", "'stray'"]),
    ("fullwidth-duplicate-id", lambda rows: _set_cell(4, "household_id", "".join(
        chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in rows[1][0]))(rows),
     ["row 4, column household_id", "duplicate household id", "first used in row 2"]),
    ("zero-width-duplicate-id", lambda rows: _set_cell(5, "household_id",
                                                       "\u200b" + rows[1][0])(rows),
     ["row 5, column household_id", "duplicate household id"]),
    ("blank-row-keeps-numbers", _blank_row_before(3, _set_cell(7, "wages", "-1")),
     ["row 7, column wages", "negative"]),
    ("huge-household", _set_cell(4, "size", "100000000000000000000"),
     ["row 4, column size", "at most 100 people", "'100000000000000000000'"]),
    ("huge-amount", _set_cell(5, "wages", "1e12"), ["row 5, column wages", "up to 1,000,000,000",
                                                     "'1e12'"]),
    ("infinite-amount", _set_cell(5, "business", "inf"), ["row 5, column business",
                                                          "expected an amount in yuan", "'inf'"]),
    ("control-character", _set_cell(3, "village", "村\x0b一"),
     ["row 3, column village", "control characters", "'\\x0b'"]),
]


def _write_rows(rows: list[list[str]], path: Path) -> Path:
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "mutate", "words"), BROKEN_ROWS, ids=[c[0] for c in BROKEN_ROWS])
def test_broken_registry_exits_1_naming_file_row_and_column(
        cli, tmp_path: Path, tiny_registry: Registry, tiny_scenario_path: Path, name: str,
        mutate: Mutation, words: list[str]) -> None:
    rows = [line.split(",") for line in _csv_text(tiny_registry, tmp_path).splitlines()]
    path = _write_rows(mutate(rows), tmp_path / f"{name}.csv")
    result = cli("validate", tiny_scenario_path, "--registry", path)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert f"{name}.csv" in result.stderr
    for word in words:
        assert word in result.stderr, f"{word!r} not in {result.stderr!r}"
    # a mistyped header is one mistake, one message: not also "missing column"
    assert "missing column" not in result.stderr or name != "typo-header"


BROKEN_FILES: list[tuple[str, bytes, list[str]]] = [
    ("empty.csv", b"", ["the file is empty"]),
    ("blank.csv", b"\n \n", ["the file is empty"]),
    ("header-only.csv", ",".join(c.name for c in COLUMNS).encode() + b"\n",
     ["header but no households"]),
    ("garbage.csv", b"household_id,size\n\x81\x30\xff\xfe,3\n",
     ["expected text in UTF-8 or GB18030", "line 2"]),
    ("binary.csv", b"household_id,size\n\x00\x01\x02\x03" * 10, ["not a text file"]),
    ("big5.csv", "戶編號,鄉鎮,行政村\nA1,甲鎮,一村\n".encode("big5"), ["Big5"]),
    ("stray-quote.csv", ",".join(c.name for c in COLUMNS).encode() + b"\nH1,\"town,v\n"
     + b"H2,town,v\nH3,town,v\n", ["row 2", "a quote", "runs on to line 4"]),
    ("one-huge-line.csv", b"x," * 300_000, ["row 1", "expected a header row", "300,001 cells"]),
    ("corrupt.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
     ["not a readable .xls workbook"]),
    ("corrupt.xlsx", b"PK\x03\x04not really a zip file", ["not a readable .xlsx workbook"]),
]


@pytest.mark.parametrize(("name", "content", "words"), BROKEN_FILES,
                         ids=[c[0] for c in BROKEN_FILES])
def test_broken_registry_file(cli, tmp_path: Path, tiny_scenario_path: Path, name: str,
                              content: bytes, words: list[str]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = cli("validate", tiny_scenario_path, "--registry", path)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert name in result.stderr
    for word in words:
        assert word in result.stderr, f"{word!r} not in {result.stderr!r}"


def test_missing_registry_file(cli, tmp_path: Path, tiny_scenario_path: Path) -> None:
    result = cli("validate", tiny_scenario_path, "--registry", tmp_path / "nope.csv")
    assert result.exit_code == 1
    assert "nope.csv" in result.stderr and "not found" in result.stderr


def test_many_problems_are_summarised(tmp_path: Path, tiny_registry: Registry) -> None:
    rows = [line.split(",") for line in _csv_text(tiny_registry, tmp_path).splitlines()]
    column = rows[0].index("wages")
    for row in rows[1:]:
        row[column] = "-1"
    with pytest.raises(RegistryError) as caught:
        load_registry(_write_rows(rows, tmp_path / "bad.csv"))
    assert len(caught.value.problems) == 51
    assert "and 10 more problems" in str(caught.value)


def test_at_least_ten_kinds_of_broken_registry() -> None:
    assert len(BROKEN_ROWS) + len(BROKEN_FILES) >= 10


@pytest.mark.parametrize(("delimiter", "cell", "expected"), [
    (";", "1234,56", 1234.56), (";", "1.234,56", 1234.56), ("\t", "1,234", 1234.0),
    (",", '"1,234,567.5"', 1234567.5), ("\t", "1234,56", None), (",", '"12,34"', None)])
def test_decimal_commas_and_thousands_separators(tmp_path: Path, tiny_registry: Registry,
                                                 delimiter: str, cell: str,
                                                 expected: float | None) -> None:
    """A comma is a decimal comma in a semicolon file, a thousands separator in groups of three
    elsewhere, and refused when it is neither (never silently dropped: 1234,56 ≠ 123456)."""
    rows = [line.split(",") for line in _csv_text(tiny_registry, tmp_path).splitlines()]
    column = rows[0].index("wages")
    rows[2][column] = cell
    path = tmp_path / "numbers.csv"
    path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
    if expected is None:
        with pytest.raises(RegistryError, match="does not group thousands"):
            load_registry(path)
    else:
        assert load_registry(path).wages[1] == pytest.approx(expected)


def test_xlsx_formulas_without_saved_values_and_data_on_a_later_sheet(
        tmp_path: Path, tiny_registry: Registry) -> None:
    import openpyxl

    rows = registry_rows(tiny_registry)
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"  # an empty first sheet, as offices often leave
    data = workbook.create_sheet("花名册")
    for row in rows:
        data.append(row)
    path = tmp_path / "later-sheet.xlsx"
    workbook.save(path)
    assert load_registry(path).equals(tiny_registry)
    data.cell(row=3, column=rows[0].index("wages") + 1, value="=1000+234")
    workbook.save(path)
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    message = str(caught.value)
    assert "'花名册', row 3" in message and "formula" in message and "never saved" in message


def test_a_hopeless_file_stops_early(tmp_path: Path, tiny_registry: Registry) -> None:
    """200,000 rows of garbage: reading stops after 1,000 problems instead of collecting
    every one (a 50 MB file then fails in under a second, not half a minute)."""
    header = _csv_text(tiny_registry, tmp_path).splitlines()[0]
    garbage = "x,镇,村,maybe,abc,-1,whatever,0,0,n/a,1e400,-5,zz,qq,perhaps,nope\n"
    path = tmp_path / "garbage.csv"
    path.write_text(header + "\n" + garbage * 200_000, encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    first = caught.value.problems[0].message
    assert first.startswith("stopped reading at row")
    assert int(first.split()[4].replace(",", "")) < 2_000  # not the 200,001st row
    assert len(caught.value.problems) <= 51
