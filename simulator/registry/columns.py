"""The registry's columns: names, Chinese headers and their aliases (the alias table is data,
printed by ``tuopin show --columns``), the words cells may hold, and the limits values must
keep."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from simulator.vocabulary import CATEGORIES, CATEGORY_LABELS_ZH

MAX_PROBLEMS_SHOWN = 50
"""Problems listed before the rest are summarised as a count."""

MAX_MEMBERS = 100
"""Most people one household may have [people]: larger counts are typing errors (the largest
registered households have a dozen or two members), and they must fit the integer columns."""

FIRST_YEAR, LAST_YEAR = 1949, 2100
"""Calendar years a year cell may hold (anything else is a typing error)."""

MAX_YUAN = 1e9
"""Largest yearly amount a registry cell may hold [yuan/year]: a poor household's income or
expenses beyond this are typing errors."""

ColumnKind = Literal["id", "text", "bool", "count", "money", "category", "year"]


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
    Column("exit_year", "脱贫年度", "year", False,
           "Year the household exited poverty (脱贫年度); empty (0) when it has not: the watch "
           "list tells exited households (脱贫不稳定户) from those still poor.",
           ("脱贫年份", "脱贫时间", "退出年度", "计划脱贫年度")),
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
    Column("poverty_cause", "致贫原因", "text", False,
           "Main cause of poverty as registered (因病, 因残, 缺劳力 …), carried into the "
           "printed 一户一策.", ("主要致贫原因", "致贫主因", "poverty_cause")),
    Column("helper", "帮扶责任人", "text", False,
           "The cadre responsible for helping the household (结对帮扶), carried into the "
           "printed 一户一策.", ("帮扶人", "结对帮扶人", "帮扶干部", "helper")),
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
    "is_labourer": ("是否劳动力", "是否有劳动能力", "是否劳动力人口", "是否有劳动力",
                    "is_labourer"),
    "health": ("健康状况", "健康状态", "health"),
}
"""Columns of a one-row-per-person export (the national system's 人口明细): when the relation
to the household head is there, rows are people and are folded into households."""

LABOUR_FLAG = Column("is_labourer", "是否劳动力", "bool", False,
                     "Whether a member of a one-row-per-person export is a labourer.", ())
"""A per-person 是否劳动力 cell, read like any yes/no cell."""

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
