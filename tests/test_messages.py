"""Errors a user can cause, in Chinese (simulator.messages): every registry and settings error
the suite provokes has a Chinese template, names its place by its Chinese label, and leaves no
English field name or English sentence behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator.errors import Problem, TuopinError
from simulator.messages import in_chinese, message_zh
from simulator.registry import load_registry
from simulator.scenario import load_scenario

DATA = Path(__file__).parent / "data"

LATIN_WORD = re.compile(r"[A-Za-z_]{3,}")
"""An English word or a field name (three letters or more: kW and units pass)."""

ALLOWED = {"SHA", "TOML", "UTF", "xlsx", "xls", "csv", "CSV", "Excel", "WPS", "Big", "tuopin",
           "encoding", "cluster"}
"""Names that are the same in Chinese text: formats, programs, and options typed as written."""


def _registry_problems(tmp_path: Path) -> list[Problem]:
    header = ("户编号,乡镇,行政村,是否贫困村,家庭人口,劳力人数,贫困户属性,工资性收入,家庭经营收入,"
              "财产性收入,转移性收入,生产经营性支出")
    rows = [header,
            "RY1,大桥镇,大桥1村,是,四,1,一般贫困户,0,0,0,0,0",
            "RY2,大桥镇,大桥1村,可能,3,1,贫困,-5,0,0,0,0",
            "RY1,大桥镇,大桥1村,是,3,1,一般贫困户,0,0,0,0,0"]
    path = tmp_path / "花名册.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(TuopinError) as caught:
        load_registry(path)
    problems = list(caught.value.problems)
    with pytest.raises(TuopinError) as again:
        load_registry(DATA / "exports" / "花名册-错误.csv")
    return problems + list(again.value.problems)


def _scenario_problems() -> list[Problem]:
    problems = []
    for name in ("out-of-range.toml", "wrong-type.toml", "bad-choice.toml", "bool-as-text.toml",
                 "budget-years.toml", "infinite-value.toml"):
        with pytest.raises(TuopinError) as caught:
            load_scenario(DATA / "broken_scenarios" / name)
        problems += caught.value.problems
    for text in ("budget.yearly_yuan=[50000000, '五千', 1]", "horizon.years=-1"):
        with pytest.raises(TuopinError) as caught:
            load_scenario("ruyuan-2016", [text])
        problems += caught.value.problems
    return problems


def test_a_registry_with_a_header_typo_and_bad_cells_is_told_in_one_round(tmp_path) -> None:
    problems = _registry_problems(tmp_path)[:8]
    wheres = [p.where for p in problems]
    # the header's typo and the cells' errors together, and one message for one cell
    assert any(w.startswith("column 6") for w in wheres)
    assert "row 2, column 家庭人口 (size)" in wheres
    assert len(wheres) == len(set(wheres))
    assert any("duplicate household id" in p.message for p in problems)


def test_every_error_the_suite_provoked_reads_in_chinese(tmp_path, provoked_errors) -> None:
    """Every user error raised anywhere in this run of the suite (the registry's and settings'
    ones above at least; this test runs last) has a Chinese template and leaves no English word
    outside what the user typed."""
    problems = _registry_problems(tmp_path) + _scenario_problems() + provoked_errors
    assert len(problems) >= 12
    untranslated, latin = {}, {}
    for problem in problems:
        if message_zh(problem.message) is None:
            untranslated[problem.message] = problem.where
            continue
        shown = in_chinese(problem)
        text = f"{shown.where} {shown.message}"
        # what the user typed, and the names they type (keys, file names), are quoted as
        # typed: leave the quotes' contents out
        words = set(LATIN_WORD.findall(re.sub(r"“[^”]*”", "", text))) - ALLOWED
        if words:
            latin[shown.message] = (shown.where, sorted(words))
    assert not untranslated, untranslated
    assert not latin, latin


def test_places_are_named_by_their_chinese_labels() -> None:
    shown = in_chinese(Problem("budget.yearly_yuan[1]",
                               "expected a number ≥ 0, found '五千' (text)"))
    assert shown.where == "年度预算（第 2 项）"
    assert shown.message == "应为不小于 0 的数字，实际为“五千”（文字）"
    cell = in_chinese(Problem("row 11, column 家庭人口 (size)",
                              "expected a whole number ≥ 0, found '四'"))
    assert (cell.where, cell.message) == ("第 11 行“家庭人口”列", "应为不小于 0 的整数，实际为“四”")
    # a message the catalogue does not know stays as it is, never a wrong translation
    assert in_chinese(Problem("", "something new")).message == "something new"


def test_the_cli_tells_a_user_error_in_chinese_when_asked(cli, tmp_path, monkeypatch) -> None:
    bad = DATA / "exports" / "花名册-错误.csv"
    result = cli("validate", "ruyuan-2016", "--registry", bad)
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    monkeypatch.setenv("TUOPIN_LANG", "zh")
    chinese = cli("validate", "ruyuan-2016", "--registry", bad)
    assert chinese.exit_code == 1 and chinese.stderr.startswith("错误：")
    assert "第 10 行“劳动力人数”列：应为不小于 0 的整数，实际为“三”" in chinese.stderr
    assert not re.search(r"\b(row|column|expected|found|laborers)\b", chinese.stderr)
    # a command's --lang zh says the same, whatever the environment
    monkeypatch.setenv("TUOPIN_LANG", "en")
    run = cli("run", "ruyuan-2016", "--registry", bad, "--lang", "zh", "-o", tmp_path / "o")
    assert run.exit_code == 1 and run.stderr.startswith("错误：")


@pytest.mark.parametrize("args", [
    ("run", "--seeed", "3"), ("run", "--reps", "0"), ("run", "--reps", "x"),
    ("run", "--lang", "fr"), ("propose",), ("simulate", "ruyuan-2016"), ("run", "a", "b"),
    ("run", "--reps"), ("frobnicate",), ("optimize", "ruyuan-2016", "-o", "o", "--budget", "五千"),
    ("optimize", "ruyuan-2016", "-o", "o", "--frontier", "--goal", "targets"),
    ("propose", "ruyuan-2016", "-o", "o", "--format", "doc"),
])
def test_a_mistyped_command_line_is_told_in_chinese(cli, monkeypatch, args) -> None:
    monkeypatch.setenv("TUOPIN_LANG", "zh")
    result = cli(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：") and "-h”查看用法" in result.stderr
    outside_quotes = re.sub(r"“[^”]*”", "", result.stderr)
    assert set(LATIN_WORD.findall(outside_quotes)) <= ALLOWED, result.stderr


def test_every_printed_line_has_both_languages_with_the_same_fields() -> None:
    from string import Formatter

    from simulator.console_words import WORDS

    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in Formatter().parse(template) if name}

    for key, texts in WORDS.items():
        assert set(texts) == {"en", "zh"}, key
        # Chinese may leave out a technical name (a row's), never show one English lacks
        assert fields(texts["zh"]) <= fields(texts["en"]), key
        # what is printed in Chinese holds no English word but the names it fills in
        shown = re.sub(r"\{[^}]*\}|\S+\.(json|csv|xlsx)", "", texts["zh"])  # names, files
        words = set(LATIN_WORD.findall(shown))
        assert words <= ALLOWED | {"TUOPIN_CACHE", "off", "Dask", "MB"}, (key, words)
