"""The errors a user can cause, in Chinese: one catalogue for the web page and the command line.

Every error names the place (a registry row and column, a scenario field) and what was expected
and found; the code that finds it writes it in English, the language of the scenario's field
paths. This module is the one place their Chinese words live: each English message shape has
its Chinese template (:data:`MESSAGES`), places are named by their Chinese labels (a column's
header as the file has it, a scenario field by its Chinese name), and what the user typed is
quoted as typed. A message with no Chinese template is shown in English rather than wrongly;
the tests provoke every registry and settings error the suite knows and check that none is left.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from simulator.errors import Problem

Template = str | Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class Message:
    """An English message shape and its Chinese words (``{name}`` fills from the match)."""

    pattern: re.Pattern[str]
    zh: Template


def _m(pattern: str, zh: Template) -> Message:
    return Message(re.compile(pattern, re.S), zh)


EXPECTED_ZH = {
    "a household id": "户编号",
    "a name": "文字",
    "yes or no (是/否, true/false, 1/0)": "是或否",
    "a whole number ≥ 0": "不小于 0 的整数",
    "an amount in yuan ≥ 0": "不小于 0 的金额（元）",
    "general, dibao, wubao or edge (一般贫困户, 低保贫困户, 五保贫困户, 贫困边缘户)":
        "一般贫困户、低保贫困户、五保贫困户或贫困边缘户",
    "a list": "一组数值（方括号内，逗号分隔）",
}
"""What a registry cell or a field should hold, in Chinese (the English phrases of the checks;
the schema's kinds of value are :data:`BASES_ZH`)."""

FOUND_KIND_ZH = {"text": "文字", "number": "数字", "whole number": "整数", "list": "一组数值",
                 "table": "一节设置", "true/false": "是/否"}
"""The kind of value found, in Chinese."""


BASES_ZH = {"a number": "数字", "a whole number": "整数", "a finite number": "有限的数字",
            "numbers": "数字", "whole numbers": "整数", "text": "文字", "texts": "文字",
            "true or false": "是或否", "a table": "一节设置", "an array of tables": "若干节设置"}
"""The schema's kinds of value, in Chinese."""


def range_zh(text: str) -> str:
    """A schema range (``in [0, 1]``, ``≥ 0``: :meth:`FieldDoc.range_text`) in Chinese."""
    both = re.fullmatch(r"in ([\[(])(-?[\d.,e+]+), (-?[\d.,e+]+)([\])])", text)
    if both:
        return f"{both.group(2)} 到 {both.group(3)} 之间"
    one = re.fullmatch(r"([≥>≤<]) (-?[\d.,e+]+)", text)
    if one:
        word = {"≥": "不小于", ">": "大于", "≤": "不大于", "<": "小于"}[one.group(1)]
        return f"{word} {one.group(2)}"
    return text


def _expected(text: str) -> str:
    text = text.strip()
    if text in EXPECTED_ZH:
        return EXPECTED_ZH[text]
    year = re.fullmatch(r"a calendar year from (\d+) to (\d+)", text)
    if year:
        return f"{year.group(1)}–{year.group(2)} 之间的年份"
    one_of = re.fullmatch(r"one of (.+)", text)
    if one_of:
        items = re.findall(r"'([^']*)'|([^,\s]+)", one_of.group(1))
        return "以下之一：" + "、".join(f"“{a or b}”" for a, b in items)
    listed = re.fullmatch(r"a list of (\w+(?: \w+)?)(?: (.+))?", text)
    if listed and listed.group(1) in BASES_ZH:
        scope = range_zh(listed.group(2)) if listed.group(2) else ""
        return f"一组{BASES_ZH[listed.group(1)]}" + (f"（各项{scope}）" if scope else "") + \
            "（方括号内，逗号分隔）"
    for base, zh in sorted(BASES_ZH.items(), key=lambda item: -len(item[0])):
        if text == base or text.startswith(base + " "):
            rest = text[len(base):].strip()
            return f"{range_zh(rest)} 的{zh}" if rest else zh
    return text


def _found(text: str) -> str:
    """What was found: a quoted value as typed, with its kind in Chinese."""
    kind = re.fullmatch(r"(.*?) \(([\w/ ]+)\)", text.strip())
    if kind and kind.group(2) in FOUND_KIND_ZH:
        return f"{_quoted(kind.group(1))}（{FOUND_KIND_ZH[kind.group(2)]}）"
    return _quoted(text.strip())


def _quoted(text: str) -> str:
    """A value as the user typed it, in Chinese quotation marks ('四' → “四”)."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return f"“{text}”"


def _hint(suggestion: str | None) -> str:
    """The checks' "did you mean" in Chinese ("" without a suggestion)."""
    return f"（是否应为“{suggestion}”？）" if suggestion else ""


def _chinese_names(spellings: str) -> str:
    """The Chinese spellings of an accepted-headers list (English ones are for scripts)."""
    names = [s.strip() for s in spellings.split(",")]
    chinese = [s for s in names if not s.isascii()]
    return "、".join(chinese or names)


MESSAGES: tuple[Message, ...] = (
    # registry cells
    _m(r"empty cell; expected (?P<e>.+)", lambda m: f"单元格为空；应为{_expected(m['e'])}"),
    _m(r"expected (?P<e>.+?), found control characters .+",
       lambda m: f"应为{_expected(m['e'])}，但单元格含有不可见的控制字符"),
    _m(r"unknown category (?P<f>'.*?'); expected .+?(?: \(did you mean `(?P<d>.+?)`\?\))?",
       lambda m: f"无法识别的贫困户属性{_quoted(m['f'])}；应为一般贫困户、低保贫困户、五保贫困户或"
                 f"贫困边缘户" + _hint(m['d'])),
    _m(r"expected a whole number ≥ 0 and at most (?P<n>\d+) people, found (?P<f>.+)",
       lambda m: f"应为不超过 {m['n']} 人的整数，实际为{_found(m['f'])}"),
    _m(r"expected an amount in yuan ≥ 0 up to (?P<n>[\d,]+), found (?P<f>.+)",
       lambda m: f"应为不超过 {m['n']} 元的金额，实际为{_found(m['f'])}"),
    _m(r"expected (?P<e>.+?), found (?P<f>'.*') \(negative\)",
       lambda m: f"应为{_expected(m['e'])}，实际为负数{_quoted(m['f'])}"),
    _m(r"expected (?P<e>.+?), found (?P<f>'.*'): a comma that does not group .+",
       lambda m: f"应为{_expected(m['e'])}，实际为{_quoted(m['f'])}：逗号不是千位分隔（小数点请用“.”）"),
    _m(r"duplicate household id (?P<f>'.*?') \(first used in row (?P<r>\d+)\)",
       lambda m: f"户编号{_quoted(m['f'])}重复（第 {m['r']} 行已使用）"),
    _m(r"expected at least 1 resident member, found (?P<f>.+)",
       lambda m: f"家庭人口至少为 1，实际为 {m['f']}"),
    _m(r"expected at most the household size \((?P<n>\d+)\), found (?P<f>.+)",
       lambda m: f"不能超过家庭人口（{m['n']} 人），实际为 {m['f']}"),
    # registry header and file
    _m(r"unknown column \(did you mean `.+?` / `(?P<z>.+?)`\?\)",
       lambda m: f"无法识别的列名（是否应为“{m['z']}”？）"),
    _m(r"missing column \S+ \((?P<z>.+?)\); accepted headers: (?P<a>.+)",
       lambda m: f"缺少必填列“{m['z']}”；可用的列名：{_chinese_names(m['a'])}"),
    _m(r"duplicate column: '(?P<c>.+?)' already gives .+",
       lambda m: f"重复的列：“{m['c']}”已经给出了这一项"),
    _m(r"(?P<n>\d+) cells, but the header has (?P<h>\d+): the extra cells \((?P<x>.+)\) would "
       r"be lost; a cell holding the separator needs quotes",
       lambda m: f"本行有 {m['n']} 个单元格，但表头只有 {m['h']} 列：多出的单元格（{m['x']}）会丢失；"
                 "含有分隔符的单元格需要加引号"),
    _m(r"the file has a header but no households", "文件有表头，但没有农户数据"),
    _m(r"stopped reading at row (?P<r>[\d,]+) after (?P<n>[\d,]+) problems; fix these first",
       lambda m: f"读到第 {m['r']} 行时已发现 {m['n']} 处问题，已停止读取；请先改正这些问题"),
    _m(r"… and (?P<n>\d+) more problems", lambda m: f"……另有 {m['n']} 处问题"),
    _m(r"expected a header row of column names, found (?P<n>[\d,]+) cells, the longest "
       r"(?P<c>[\d,]+) characters",
       lambda m: f"应为列名组成的表头，实际有 {m['n']} 个单元格，最长 {m['c']} 个字符"),
    # settings (the scenario form, --set)
    _m(r"expected one budget per plan year \((?P<n>\d+)\), found (?P<f>\d+)",
       lambda m: f"应为每个规划年度一个预算（共 {m['n']} 个），实际为 {m['f']} 个"),
    _m(r"expected one target per plan year \((?P<n>\d+)\) or none, found (?P<f>\d+)",
       lambda m: f"应为每个规划年度一个目标（共 {m['n']} 个）或不设，实际为 {m['f']} 个"),
    _m(r"expected one value per simulated year \((?P<n>\d+)\), found (?P<f>\d+)",
       lambda m: f"应为每个模拟年度一个数值（共 {m['n']} 个），实际为 {m['f']} 个"),
    _m(r"expected shares adding up to at most 1, found a total of (?P<t>[\d.]+)",
       lambda m: f"各项比例之和应不超过 1（即 100%），实际为 {m['t']}"),
    _m(r"expected (?P<e>.+?), found (?P<f>.+?) \(did you mean `(?P<d>.+?)`\?\)",
       lambda m: f"应为{_expected(m['e'])}，实际为{_found(m['f'])}" + _hint(m['d'])),
    _m(r"expected (?P<e>.+?), found (?P<f>.+)",
       lambda m: f"应为{_expected(m['e'])}，实际为{_found(m['f'])}"),
    _m(r"unknown field(?: \(did you mean `(?P<d>.+?)`\?\))?",
       lambda m: "无法识别的设置项" + _hint(where_zh(m['d']) if m['d'] else None)),
)
"""Every message shape, most specific first; the first that matches the whole message wins."""


def message_zh(message: str) -> str | None:
    """``message`` in Chinese, or None when the catalogue has no template for it."""
    for entry in MESSAGES:
        found = entry.pattern.fullmatch(message.strip())
        if found:
            return entry.zh if isinstance(entry.zh, str) else entry.zh(found)
    return None


def where_zh(where: str) -> str:
    """A place in Chinese: ``row 11, column 家庭人口 (size)`` → 第 11 行“家庭人口”列; a
    scenario field by its Chinese name (``budget.yearly_yuan[1]`` → 年度预算（第 2 项））."""
    cell = re.fullmatch(r"row (?P<r>[\d,]+), column (?P<c>.+?)(?: \((?P<n>\w+)\))?", where)
    if cell:
        return f"第 {cell['r']} 行“{cell['c']}”列"
    row = re.fullmatch(r"row (?P<r>[\d,]+)", where)
    if row:
        return f"第 {row['r']} 行"
    column = re.fullmatch(r"column (?P<i>\d+) '(?P<c>.*)'", where)
    if column:
        return f"第 {column['i']} 列“{column['c']}”"
    if where == "header":
        return "表头"
    field = re.fullmatch(r"(?P<p>[a-z_][\w.]*)(?:\[(?P<i>\d+)\])?", where)
    if field:
        name = _field_name(field["p"])
        if name:
            return name + (f"（第 {int(field['i']) + 1} 项）" if field["i"] is not None else "")
    return where


def _field_name(path: str) -> str | None:
    """A scenario field's Chinese name, or None for a path the schema does not know."""
    from simulator.parameter_texts import parameter_text

    try:
        return parameter_text(path, "zh").name
    except KeyError:
        return None


def problem_line(problem: Problem, lang: str) -> str:
    """One problem as a line — its file, place and message — in the reader's language."""
    if lang != "zh":
        return str(problem)
    shown = in_chinese(problem)
    place = "：".join(p for p in (shown.source, shown.where) if p)
    return f"{place}：{shown.message}" if place else shown.message


def in_chinese(problem: Problem) -> Problem:
    """``problem`` with its place and message in Chinese (the message stays English where the
    catalogue has no template for it: never a wrong translation)."""
    return Problem(where_zh(problem.where), message_zh(problem.message) or problem.message,
                   problem.source)


__all__ = ["MESSAGES", "in_chinese", "message_zh", "problem_line", "range_zh", "where_zh"]
