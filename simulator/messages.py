"""The errors a user can cause, in Chinese: one catalogue for the web page and the command line.

Every error names the place (a registry row and column, a scenario field) and what was expected
and found; the code that finds it writes it in English, the language of the scenario's field
paths. This module is the one place their Chinese words live: each English message shape has
its Chinese template (:data:`MESSAGES`), places are named by their Chinese labels (a column's
header as the file has it, a scenario field by its Chinese name), and what the user typed is
quoted as typed. A message with no Chinese template is shown in English rather than wrongly;
a test checks every user error the whole suite provokes against the catalogue. The command
line's own usage errors (an unknown option, a value out of range) have theirs in
:data:`USAGE_ERRORS`.
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
    "a package such as equity+pv, or none for no support":
        "扶持方案，如“equity+pv”；不安排扶持填“none”",
    "a scenario field": "情景中的设置项",
    "a share between 0 and 1": "0 到 1 之间的比例",
    "text without control characters": "不含控制字符的文字",
    "an output directory": "输出目录",
    "a regular file to replace": "可以替换的普通文件",
    "dotted.path=value": "“设置项路径=数值”的写法（如“budget.yearly_yuan=[5000000, 5000000]”）",
    "a name no other county has": "与其他县都不重复的名称",
    "finite amounts in yuan ≥ 0": "不小于 0 的有限金额（元）",
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


Shape = tuple[str, Callable[[re.Match[str]], str]]
"""A pattern a phrase of the checks matches in full, and its Chinese words."""


def _by_shape(text: str, shapes: tuple[Shape, ...]) -> str | None:
    """``text`` in Chinese by the first of ``shapes`` it matches, or None."""
    for pattern, words in shapes:
        found = re.fullmatch(pattern, text)
        if found:
            return words(found)
    return None


def _listed(match: re.Match[str]) -> str | None:
    """``a list of numbers in [0, 1]`` in Chinese (None for a kind the schema does not know)."""
    if match[1] not in BASES_ZH:
        return None
    scope = f"（各项{range_zh(match[2])}）" if match[2] else ""
    return f"一组{BASES_ZH[match[1]]}{scope}（方括号内，逗号分隔）"


EXPECTED_SHAPES: tuple[Shape, ...] = (
    (r"a (?:calendar )?(year|month) from (\d+) to (\d+)",
     lambda m: f"{m[2]}–{m[3]} 之间的{'年份' if m[1] == 'year' else '月份'}"),
    (r"a whole number of (households|people|villages) (.+)",
     lambda m: f"{range_zh(m[2])} 的整数（{COUNTED_ZH[m[1]]}）"),
    (r"at (least|most) (\w+) \(([\d,.]+)\)",
     lambda m: f"{'不少于' if m[1] == 'least' else '不多于'}{_key_name(m[2])}（{m[3]}）"),
    (r"a value in (.+) \(the field's own range\)", lambda m: f"该设置项自身范围 {m[1]} 之内的数值"),
    (r"a value inside its band (.+)", lambda m: f"目标区间 {m[1]} 之内的数值"),
    (r"a number of megabytes from ([\d,]+) to ([\d,]+)",
     lambda m: f"{m[1]} 到 {m[2]} 之间的兆字节数（MB）"),
    (r"a tag some county carries \((.*)\)", lambda m: f"某个县带有的标签（{_quoted_list(m[1])}）"),
    (r"one of (.+)", lambda m: "以下之一：" + _quoted_list(m[1])),
    (r"a list of (\w+(?: \w+)?)(?: (.+))?", lambda m: _listed(m) or m[0]),
)
"""What a value should be, by shape (the plain phrases are :data:`EXPECTED_ZH`)."""

COUNTED_ZH = {"households": "户数", "people": "人数", "villages": "村数"}
"""What a whole number counts, in Chinese."""


def _expected(text: str) -> str:
    text = text.strip()
    if text in EXPECTED_ZH:
        return EXPECTED_ZH[text]
    shaped = _by_shape(text, EXPECTED_SHAPES)
    if shaped is not None and shaped != text:
        return shaped
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


def _key_name(key: str) -> str:
    """A field named by its last key in a check (``households``, ``villages``): the Chinese
    name of the schema field ending in that key, else the key quoted."""
    from simulator.parameter_texts import chinese_texts

    for path, text in chinese_texts().items():
        if path == key or path.endswith("." + key):
            return text.name
    return f"“{key}”"


def _quoted_list(text: str) -> str:
    """``'a', 'b'`` or ``a, b`` as “a”、“b”."""
    items = re.findall(r"'([^']*)'|\"([^\"]*)\"|([^,\s][^,]*)", text)
    return "、".join(f"“{(a or b or c).strip()}”" for a, b, c in items)


def _instruments_known(text: str) -> str:
    """The instruments a package may name, each key with its Chinese name."""
    return "、".join(f"“{k}”（{_instrument_name(k)}）"
                    for k in (k.strip() for k in text.split(",")))


_FILE_KIND_ZH = {"registry": "名册", "plan": "分配方案", "monitoring records": "监测记录",
                 "scenario": "情景"}


def _instrument_name(key: str) -> str:
    """An instrument's Chinese name (its key where there is none)."""
    from simulator import labels

    try:
        return labels.instrument(key, "zh")
    except KeyError:
        return key


OS_ERRORS_ZH = {
    "No space left on device": "磁盘空间已满",
    "Permission denied": "没有权限",
    "Read-only file system": "文件系统只读",
    "Not a directory": "路径中有一段不是文件夹",
    "Is a directory": "这是一个文件夹",
    "File exists": "文件已存在",
    "No such file or directory": "文件或文件夹不存在",
    "Disk quota exceeded": "超出磁盘配额",
    "File name too long": "文件名太长",
}
"""The operating system's reasons (``strerror``) in Chinese."""

TOML_ERRORS_ZH = {
    "Invalid value": "数值写法无效",
    "Invalid statement": "无效的语句",
    "Expected '=' after a key in a key/value pair": "设置项名称后应有“=”",
    "Cannot overwrite a value": "同一设置项写了两次",
    "Cannot declare": "同一节写了两次",
    "Unclosed array": "方括号没有闭合",
    "Unterminated string": "引号没有闭合",
    "Illegal character": "含有不允许的字符",
    "Invalid initial character for a key part": "设置项名称的开头字符无效",
}
"""The TOML reader's reasons in Chinese (matched at the start of its message)."""


def _os_error(text: str) -> str:
    return OS_ERRORS_ZH.get(text.strip(), f"“{text.strip()}”")


def _toml_error(text: str) -> str:
    """The TOML reader's message in Chinese, with its place."""
    place = re.search(r"\(at line (\d+), column (\d+)\)$", text)
    reason = text[:place.start()].strip() if place else text.strip()
    words = next((zh for en, zh in TOML_ERRORS_ZH.items() if reason.startswith(en)),
                 f"“{reason}”")
    return (f"第 {place.group(1)} 行第 {place.group(2)} 列：" if place else "") + words


def _unreadable(kind: str, detail: str) -> str:
    """A file the readers cannot open, with the library's reason quoted."""
    names = {"CSV file": "CSV 文件", ".xlsx workbook": ".xlsx 工作簿", ".xls workbook": ".xls 工作簿"}
    return (f"无法读取的{names.get(kind, kind)}（文件可能已损坏，或不是它的扩展名所说的格式；"
            f"读取时的报错：“{detail.strip()}”）")


MESSAGES: tuple[Message, ...] = (
    # files: reading them at all
    _m(r"(?P<w>registry|plan|monitoring records|scenario) file not found(?:: (?P<p>.+))?",
       lambda m: f"找不到{_FILE_KIND_ZH[m['w']]}文件" + (f"“{m['p']}”" if m['p'] else "")),
    _m(r"(?:(?P<f>'.+?') \(looked for beside this file, then among the bundled scenarios\): )?"
       r"scenario file not found; bundled scenarios are: (?P<l>.+?)"
       r"(?: \(did you mean `(?P<d>.+?)`\?\))?",
       lambda m: "找不到情景文件" + (f"{_quoted(m['f'])}（先在本文件旁边找，再在内置情景中找）"
                                     if m['f'] else "") + f"；内置情景有：{_quoted_list(m['l'])}"
                 + _hint(m['d'])),
    _m(r"cannot read the file: (?P<e>.+)", lambda m: f"无法读取文件：{_os_error(m['e'])}"),
    _m(r"the file is empty; a scenario needs at least a name and a population .+",
       "文件是空的；情景文件至少要有方案名称（“name”）和农户（“population”），或用“extends”继承另一个情景"),
    _m(r"the file is empty; expected a header row and (?:one row per (?P<w>\w+)|.+)",
       lambda m: "文件是空的；应有一行表头，下面每行一条记录"),
    _m(r"this is not a text file \(it holds binary data\); expected a CSV or \.xlsx .+",
       "这不是文本文件（含有二进制数据）；应为 CSV 或 .xlsx 文件"),
    _m(r"this file is in Big5 \(traditional Chinese\), not UTF-8 or GB18030; .+",
       "这个文件是 Big5（繁体中文）编码，不是 UTF-8 或 GB18030；请另存为“CSV UTF-8”，表头用简体中文"),
    _m(r"expected a UTF-8 text file, found an undecodable byte at offset (?P<o>\d+) .+",
       lambda m: f"应为 UTF-8 编码的文本文件，但第 {m['o']} 个字节无法解码（请另存为 UTF-8 编码）"),
    _m(r"expected text in UTF-8 or GB18030 \(what Excel and WPS write\), found bytes that are "
       r"neither at line (?P<l>\d+) \(byte (?P<b>\d+)\); .+",
       lambda m: f"应为 UTF-8 或 GB18030 编码的文字（Excel 和 WPS 保存的编码），但第 {m['l']} 行"
                 f"（第 {m['b']} 个字节）两者都不是；请另存为“CSV UTF-8”，或用 --encoding 指定编码"),
    _m(r"not a readable (?P<k>CSV file|\.xlsx workbook|\.xls workbook)(?: at line \d+)?: "
       r"(?P<d>.+)", lambda m: _unreadable(m['k'], m['d'])),
    _m(r"a quote \(\"\) opens a cell that runs on to line (?P<l>\d+): .+",
       lambda m: f"引号（\"）开始的单元格一直延续到第 {m['l']} 行：单元格不能跨行，请检查本行的引号"),
    _m(r"a formula \((?P<f>.+?)\) whose value was never saved; .+",
       lambda m: f"公式{_quoted(m['f'])}的计算结果没有保存；请用 Excel 或 WPS 打开并保存该工作簿，"
                 "或把公式粘贴为数值"),
    _m(r"not valid TOML: (?P<d>.+)", lambda m: f"不是有效的 TOML 文件：{_toml_error(m['d'])}"),
    _m(r"`extends` goes round in a circle: (?P<c>.+)",
       lambda m: "“extends”继承关系形成了循环：" + " → ".join(
           f"“{name}”" for name in m['c'].split(" → "))),
    # outputs
    _m(r"cannot use this output path: (?P<e>.+)",
       lambda m: f"不能使用这个输出路径：{_os_error(m['e'])}"),
    _m(r"cannot write the outputs: (?P<e>.+)", lambda m: f"无法写出结果：{_os_error(m['e'])}"),
    _m(r"the output path is a symbolic link; .+",
       "输出路径是一个符号链接；tuopin 不通过链接写入，请给出实际的路径"),
    _m(r"another tuopin run \(process (?P<p>\d+)\) is writing into this directory; .+",
       lambda m: f"另一个 tuopin 运行（进程 {m['p']}）正在写入这个目录；请等它结束，或用 -o 选择其他目录"),
    # registry rows
    _m(r"member of household (?P<h>'.*?'|\".*?\") with (?P<a>'.*?'|\".*?\"), but its head "
       r"\(row (?P<r>\d+)\) has (?P<b>'.*?'|\".*?\"); .+",
       lambda m: f"户{_quoted(m['h'])}的成员行填写为{_quoted(m['a'])}，但户主行（第 {m['r']} 行）"
                 f"填写为{_quoted(m['b'])}；同一户各成员行的户级信息必须一致"),
    _m(r"a second record of household (?P<h>.+?) for (?P<p>[\d-]+) \(the first is row "
       r"(?P<r>\d+)\); .+",
       lambda m: f"户“{m['h']}”在 {m['p']} 有第二条记录（第一条在第 {m['r']} 行）；每户每期只能有一行"),
    # plans
    _m(r"unknown instrument (?P<k>'.*?'|\".*?\")(?: \(did you mean `(?P<d>.+?)`\?\))?; "
       r"known: (?P<l>.+)",
       lambda m: f"无法识别的扶持措施{_quoted(m['k'])}" + _hint(m['d'])
                 + f"；可用的有：{_instruments_known(m['l'])}"),
    _m(r"instrument (?P<k>'.*?') appears twice in (?P<p>'.*?'|\".*?\"); .+",
       lambda m: f"扶持措施{_quoted(m['k'])}在{_quoted(m['p'])}中出现了两次；每户每种措施只能安排一次"),
    _m(r"expected a plan year ≥ 1 after '@', found (?P<f>.+)",
       lambda m: f"“@”后应为不小于 1 的规划年度，实际为{_quoted(m['f'])}"),
    _m(r"(?P<p>\S+) starts in plan year (?P<y>\d+), but the plan has (?P<n>\d+) plan years",
       lambda m: f"“{m['p']}”从规划第 {m['y']} 年开始，但规划期只有 {m['n']} 年"),
    _m(r"household (?P<h>'.*?'|\".*?\") is not in the registry"
       r"(?: \(did you mean `(?P<d>.+?)`\?\))?",
       lambda m: f"户{_quoted(m['h'])}不在名册中" + _hint(m['d'])),
    _m(r"household (?P<h>'.*?'|\".*?\") appears twice",
       lambda m: f"户{_quoted(m['h'])}出现了两次"),
    _m(r"household (?P<h>'.*?'|\".*?\") is not eligible for (?P<k>\w+)(?: \(.*\))?",
       lambda m: f"户{_quoted(m['h'])}不符合“{_instrument_name(m['k'])}”的条件"),
    _m(r"(?P<n>[\d,]+) registry households have no package, e\.g\. (?P<h>.+)",
       lambda m: f"名册中有 {m['n']} 户没有安排扶持方案，例如户{_quoted(m['h'])}"),
    # scenarios
    _m(r"(?P<k>'.*?') is listed twice", lambda m: f"{_quoted(m['k'])}列出了两次"),
    _m(r"no (?P<h>[\d,]+) households of the generated sizes hold (?P<p>[\d,]+) people "
       r"\(possible: (?P<a>[\d,]+) to (?P<b>[\d,]+)\)",
       lambda m: f"按生成的家庭人口，{m['h']} 户不可能共有 {m['p']} 人（可能的范围：{m['a']} 到 "
                 f"{m['b']} 人）"),
    _m(r"unknown key here \(`(?P<k>.+?)` belongs in \[(?P<s>.+?)\]\)",
       lambda m: f"这个设置项不在这一节：“{m['k']}”应写在“[{m['s']}]”一节"),
    _m(r"unknown key \(known tables here: (?P<l>.+)\)",
       lambda m: f"无法识别的设置项；这里可用的节有：{_quoted_list(m['l'])}"),
    _m(r"unknown key(?: \(did you mean `(?P<d>.+?)`\?\))?",
       lambda m: "无法识别的设置项" + _hint(m['d'])),
    _m(r"expected either population\.registry .+ or population\.synthetic\.strata .+, "
       r"found neither",
       "应给出农户名册文件（“population.registry”）或合成人口的农户分组"
       "（“population.synthetic.strata”），两者都没有"),
    _m(r"expected fewer than horizon\.years \((?P<n>\d+)\) .+, found (?P<f>\d+)",
       lambda m: f"应少于模拟年数（{m['n']}），才能有脱贫被确认为稳定，实际为 {m['f']}"),
    _m(r"expected one amount per plan year \((?P<n>\d+)\), found (?P<f>\d+)",
       lambda m: f"应为每个规划年度一个金额（共 {m['n']} 个），实际为 {m['f']} 个"),
    _m(r"expected a field whose source is a guess or a low-confidence figure, found "
       r"(?P<p>'.*?') sourced to: (?P<s>.+)",
       lambda m: f"应为来源是估计值或低可信度数字的设置项，但{_quoted(m['p'])}的来源是：“{m['s']}”"),
    _m(r"expected a value: figure (?P<f>'.*?') needs (?P<k>\w+), found none",
       lambda m: f"缺少数值：指标{_quoted(m['f'])}需要填写“{m['k']}”"),
    _m(r"expected a name no other county has, found (?P<n>'.*?'|\".*?\") twice",
       lambda m: f"应为与其他县都不重复的名称，但{_quoted(m['n'])}出现了两次"),
    _m(r"expected the same horizon as the first county \(start year, plan years, years: "
       r"(?P<a>\(.+?\))\), found (?P<b>\(.+?\))",
       lambda m: f"应与第一个县的模拟期相同（起始年、规划年数、模拟年数：{m['a']}），实际为 {m['b']}"),
    _m(r"expected a year from (?P<a>\d+) to (?P<b>\d+) \(the watch year needs a simulated "
       r"year before it\), found (?P<f>\d+)(?: \(the year after the records' last, (?P<l>\d+)\))?",
       lambda m: f"应为 {m['a']}–{m['b']} 之间的年份（监测年之前需要有一个模拟年），实际为 {m['f']}"
                 + (f"（记录最后一年 {m['l']} 的下一年）" if m['l'] else "")),
    _m(r"expected none in (?P<a>\d+)–(?P<b>\d+): the scenario needs at least (?P<n>\d+) "
       r"years .+, found (?P<f>\d+)",
       lambda m: f"{m['a']}–{m['b']} 之间没有可用的年份：情景至少需要 {m['n']} 年"
                 f"（监测年之前需要有模拟年），实际为 {m['f']}"),
    _m(r"expected text without control characters, found (?P<c>'.*?') in .+",
       lambda m: f"应为不含控制字符的文字，但其中有控制字符{_quoted(m['c'])}"),
    # the command line's options
    _m(r"expected an amount per plan year separated by commas, .+; found (?P<f>.+)",
       lambda m: "应为每个规划年度一个金额，用逗号分隔，单位为元，或写“万”“万元”“亿”"
                 f"（如“5000万,4000万,3000万”），实际为{_quoted(m['f'])}"),
    _m(r"expected formats from (?P<l>.+) separated by commas; found (?P<f>.+)",
       lambda m: f"应为以下格式，用逗号分隔：{_quoted_list(m['l'])}；实际为{_quoted(m['f'])}"),
    _m(r"--cluster: expected local, local:N or a scheduler address such as (?P<a>\S+), "
       r"found (?P<f>.+)",
       lambda m: f"--cluster 应为“local”、“local:N”或调度器地址（如“{m['a']}”），"
                 f"实际为{_quoted(m['f'])}"),
    _m(r"--cluster: expected local:N with N ≥ 1, found (?P<f>.+)",
       lambda m: f"--cluster 应为“local:N”（N 不小于 1），实际为{_quoted(m['f'])}"),
    # the plan's policy rules
    _m(r"at least (?P<s>[\d.]+%) of registered poor people \((?P<n>[\d,]+)\) must be brought "
       r"in by organisations, but within the budgets and capacities at most (?P<m>[\d,]+) can "
       r"be: short by (?P<k>[\d,]+) people",
       lambda m: f"建档立卡贫困人口中至少 {m['s']}（{m['n']} 人）须由经营主体带动，但在预算和容量之内"
                 f"至多能带动 {m['m']} 人：差 {m['k']} 人"),
    # notes on reading a registry and on a commit that repaired a run that died
    _m(r"the header is row (?P<n>\d+); rows above it \(a title\) were skipped",
       lambda m: f"表头在第 {m['n']} 行，上面的标题行已跳过"),
    _m(r"one row per person: (?P<p>[\d,]+) people folded into (?P<h>[\d,]+) households "
       r"\(members counted; labourers from (?P<c>.+)\)",
       lambda m: f"每行一人：{m['p']} 人已合并为 {m['h']} 户（家庭人口按成员行数计；劳动力按"
                 + ("户的劳动力人数列" if m['c'] == "the household column" else f"“{m['c']}”列")
                 + "计）"),
    _m(r"total rows \(合计/小计\) skipped: row (?P<r>.+)",
       lambda m: f"合计/小计行已跳过：第 {m['r']} 行"),
    _m(r"household (?P<h>'.*?'|\".*?\") lists (?P<n>\d+) members, but (?P<m>\d+) rows are its "
       r"members",
       lambda m: f"户{_quoted(m['h'])}填写家庭人口 {m['n']} 人，但它的成员有 {m['m']} 行"),
    _m(r"rolled back an interrupted commit into (?P<t>.+)",
       lambda m: f"已撤回上次中断的写入（{_quoted(m['t'])}）"),
    _m(r"removed (?P<n>.+), left by a run that did not finish",
       lambda m: f"已删除一次未完成的运行留下的{_quoted(m['n'])}"),
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
       lambda m: f"本行有 {m['n']} 个单元格，但表头只有 {m['h']} 列：多出的单元格（{_quoted_list(m['x'])}）会丢失；"
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
    return _in_catalogue(message, MESSAGES)


def _in_catalogue(message: str, catalogue: tuple[Message, ...]) -> str | None:
    for entry in catalogue:
        found = entry.pattern.fullmatch(message.strip())
        if found:
            return entry.zh if isinstance(entry.zh, str) else entry.zh(found)
    return None


PLACE_SHAPES: tuple[Shape, ...] = (
    (r"sheet ('.*?'|\".*?\"), row ([\d,]+), column (\d+)",
     lambda m: f"工作表{_quoted(m[1])}第 {m[2]} 行第 {m[3]} 列"),
    (r"row ([\d,]+), column (.+?)(?: \(\w+\))?", lambda m: f"第 {m[1]} 行“{m[2]}”列"),
    (r"row ([\d,]+)", lambda m: f"第 {m[1]} 行"),
    (r"column (\d+) '(.*)'", lambda m: f"第 {m[1]} 列“{m[2]}”"),
)
"""Places in a table (a registry, plan or records file), by shape."""


def where_zh(where: str) -> str:
    """A place in Chinese: ``row 11, column 家庭人口 (size)`` → 第 11 行“家庭人口”列; a
    scenario field by its Chinese name (``budget.yearly_yuan[1]`` → 年度预算（第 2 项），
    ``population.synthetic.strata[0].people`` → 农户分组（第 1 项）的分组人数); a key the schema
    does not know, a command's option or an environment variable, quoted as written."""
    shaped = _by_shape(where, PLACE_SHAPES)
    if shaped is not None:
        return shaped
    if where == "header":
        return "表头"
    if where.startswith("--"):
        return f"选项“{where}”"
    if re.fullmatch(r"[A-Z][A-Z0-9_]+", where):
        return f"环境变量“{where}”"
    field = re.fullmatch(r"[a-z_][\w.]*(?:\[\d+\][\w.]*)*", where)
    if field:
        return _field_place(where) or f"设置项“{where}”"
    return where


def _field_place(path: str) -> str | None:
    """A field path's Chinese name with its items counted from 1, or None when the schema
    does not know it."""
    parts = re.split(r"\[(\d+)\]", path)  # names and indices, alternating
    if len(parts) == 1:
        return _field_name(path)
    pattern = "[]".join(parts[0::2])
    if pattern.endswith("[]"):  # an item of a list field: the field and the item
        name = _field_name(pattern[:-2])
        return f"{name}（第 {int(parts[-2]) + 1} 项）" if name else None
    name = _field_name(pattern)
    array = _field_name("[]".join(parts[0:-2:2]).rstrip("."))
    if not name or not array:
        return None
    return f"{array}（第 {int(parts[-2]) + 1} 项）的{name}"


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




USAGE_ERRORS: tuple[Message, ...] = (
    _m(r"No such option:? '?(?P<o>[^'\s]+?)'?\.?(?: \(?Did you mean (?:one of: )?(?P<d>.+?)\?\)?)?",
       lambda m: f"没有这个选项：“{m['o']}”"
                 + (f"（是否应为{_quoted_list(m['d'])}？）" if m['d'] else "")),
    _m(r"No such command (?P<c>'.*?')\.", lambda m: f"没有这个命令：{_quoted(m['c'])}"),
    _m(r"Missing argument '(?P<a>.+?)'\.", lambda m: f"缺少参数“{m['a']}”"),
    _m(r"Missing option (?P<o>.+?)\.",
       lambda m: "缺少选项" + "或".join(_quoted(o.strip()) for o in m['o'].split(" / "))),
    _m(r"Option '(?P<o>.+?)' requires an argument\.", lambda m: f"选项“{m['o']}”后面需要一个值"),
    _m(r"Got unexpected extra arguments? \((?P<a>.+)\)",
       lambda m: f"多余的参数：“{m['a']}”"),
    _m(r"Invalid value(?: for (?P<p>'.+?'|\".+?\"|.+?))?: (?P<d>.+)",
       lambda m: (f"{_quoted(m['p'])}的值无效：" if m['p'] else "值无效：")
                 + _click_detail(m['d'])),
    _m(r"--frontier shows what more money buys in stable exits; .+",
       "“--frontier”给出的是增加资金能多出多少稳定脱贫，只能与“--goal exits”一起用"
       "（“--goal targets”时，追加的资金和容量已说明达到目标需要什么）"),
    _m(r"compare needs at least two scenarios", "方案比较至少需要两个情景"),
    _m(r"name a scenario \(bundled: (?P<l>.+)\), or use --defaults",
       lambda m: f"请给出一个情景（内置情景：{_quoted_list(m['l'])}），或使用“--defaults”"),
)
"""The command line's own errors (click's, and the commands' usage errors) in Chinese."""


CLICK_DETAIL_SHAPES: tuple[Shape, ...] = (
    (r"(.+?) is not in the range (.+?)\.", lambda m: f"{_quoted(m[1])}不在允许的范围（{m[2]}）之内"),
    (r"(.+?) is not a valid integer(?: range)?\.", lambda m: f"{_quoted(m[1])}不是整数"),
    (r"(.+?) is not a valid float(?: range)?\.", lambda m: f"{_quoted(m[1])}不是数字"),
    (r"(.+?) is not one of (.+?)\.",
     lambda m: f"{_quoted(m[1])}不在可选值（{_quoted_list(m[2])}）之中"),
    (r"(.+?) is not ('.+?')\.", lambda m: f"{_quoted(m[1])}不是{_quoted(m[2])}"),
    (r"(?:File|Path|Directory) (.+?) does not exist\.", lambda m: f"{_quoted(m[1])}不存在"),
    (r"(?:File|Path) (.+?) is a directory\.", lambda m: f"{_quoted(m[1])}是一个文件夹，应为文件"),
    (r"(?:Directory|Path) (.+?) is a file\.", lambda m: f"{_quoted(m[1])}是一个文件，应为文件夹"),
)
"""Why click refused a value, by shape."""


def _click_detail(text: str) -> str:
    """Why click refused a value, in Chinese (the reason as click said it when unknown)."""
    text = text.strip()
    return _by_shape(text, CLICK_DETAIL_SHAPES) or message_zh(text) or f"“{text}”"


def usage_error_zh(message: str) -> str | None:
    """A command-line usage error in Chinese, or None when the catalogue has no template."""
    return _in_catalogue(message, USAGE_ERRORS)


__all__ = ["MESSAGES", "USAGE_ERRORS", "in_chinese", "message_zh", "problem_line", "range_zh",
           "usage_error_zh", "where_zh"]
