"""Words shown to people: chart labels, table headings and proposal text, in Chinese and English.

Chinese (``zh``) is the language of the county offices that file the proposals and the default
everywhere; English (``en``) serves researchers and reviewers. Every key has both; a test checks
that every instrument, budget line and baseline has a name in each language, and that the bundled
CJK font (:mod:`simulator.fonts`) has a glyph for every character used here.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[str, ...] = ("zh", "en")

TEXT: dict[str, dict[str, str]] = {
    # charts
    "year": {"zh": "年份", "en": "year"},
    "income_axis": {"zh": "计入的人均纯收入（元/人·年）",
                    "en": "counted per-capita net income (yuan/person/year)"},
    "income_title": {"zh": "{scenario}：{who}的收入", "en": "{scenario}: income of {who}"},
    "with_labour": {"zh": "有劳动能力的贫困户", "en": "households with labour"},
    "all_households": {"zh": "全部贫困户", "en": "all households"},
    "band_outer": {"zh": "5–95% 的贫困户", "en": "5–95 % of households"},
    "band_inner": {"zh": "25–75%", "en": "25–75 %"},
    "median": {"zh": "中位数", "en": "median"},
    "exit_line": {"zh": "脱贫标准线", "en": "exit line"},
    "households_exiting": {"zh": "当年脱贫户数", "en": "households exiting"},
    "exits_title": {"zh": "逐年脱贫户数 — 稳定脱贫 {mean} 户（95%：{low}–{high}）",
                    "en": "Exits by year — stable exits {mean} (95 %: {low}–{high})"},
    "outlays_axis": {"zh": "支出（万元）", "en": "outlays (10,000 yuan)"},
    "outlays_title": {"zh": "资金支出（按预算科目，各模拟情形均值）",
                      "en": "Fund outlays by budget line (mean across replications)"},
    "budget": {"zh": "年度预算", "en": "budget"},
    "added_exits_axis": {"zh": "新增稳定脱贫户数（较无扶持，检验用模拟情形；误差线为95%置信区间）",
                         "en": "stable exits added over no support (fresh replications; "
                               "bars: 95 % CI)"},
    "comparison_title": {"zh": "{scenario}：优化方案与其他分配方式",
                         "en": "{scenario}: optimised plan against baselines"},
    "province_budget_axis": {"zh": "分得资金，规划期合计（万元）",
                             "en": "share of the fund over the plan years (10,000 yuan)"},
    "province_counties_title": {"zh": "{province}：各县资金与新增稳定脱贫",
                                "en": "{province}: each county's share and stable exits added"},
    "province_comparison_title": {"zh": "{province}：本方案与其他分配方式（全省合计）",
                                  "en": "{province}: this plan against the simple rules "
                                        "(province total)"},
    "deep_poverty_county": {"zh": "深度贫困县", "en": "deep-poverty county"},
    "other_county": {"zh": "其他县", "en": "other county"},
    "frontier_axis": {"zh": "规划期预算合计（万元）",
                      "en": "budget over the plan years (10,000 yuan)"},
    "stable_exits": {"zh": "稳定脱贫户数", "en": "stable exits (households)"},
    "frontier_title": {"zh": "预算—新增稳定脱贫曲线",
                       "en": "Budget–added-stable-exits frontier"},
    "frontier_levels": {"zh": "各预算水平的优化方案（均值）",
                        "en": "optimised plan at each budget level (mean)"},
    "frontier_plan": {"zh": "本方案", "en": "this plan"},
    "ci95": {"zh": "95% 置信区间", "en": "95 % confidence interval"},
    "tornado_axis": {"zh": "新增稳定脱贫户数变化（相对基准）",
                     "en": "change in added stable exits (against the central case)"},
    "tornado_title": {"zh": "敏感性分析：参数取低值与高值",
                      "en": "Sensitivity: low and high values"},
    "low_value": {"zh": "低值", "en": "low value"},
    "high_value": {"zh": "高值", "en": "high value"},
    "compare_title": {"zh": "方案比较：稳定脱贫户数", "en": "Scenarios compared: stable exits"},
    "scenario": {"zh": "方案", "en": "scenario"},
    # comparison table
    "measure": {"zh": "指标", "en": "measure"},
    "cmp_stable": {"zh": "稳定脱贫户数（95% 区间）",
                   "en": "stable exits, households (95 % interval)"},
    "cmp_people": {"zh": "稳定脱贫人数", "en": "stable exits, people"},
    "cmp_exits_in": {"zh": "{year} 年脱贫户数", "en": "exits in {year}"},
    "cmp_returns": {"zh": "返贫户数", "en": "returns to poverty"},
    "cmp_outlays_in": {"zh": "{year} 年支出（万元）", "en": "outlays {year}, 10,000 yuan"},
    "cmp_outlays_total": {"zh": "支出合计（万元）", "en": "outlays total, 10,000 yuan"},
    "cmp_outlays_on": {"zh": "{line}支出（万元）", "en": "outlays on {line}, 10,000 yuan"},
    "cmp_difference": {"zh": "较{first}：新增稳定脱贫户数差值（配对 95% 置信区间）",
                       "en": "against {first}: difference in added stable exits (paired 95 % CI)"},
    "differences_title": {"zh": "与{first}相比：新增稳定脱贫户数之差（同一模拟情形）",
                          "en": "Against {first}: paired difference in added stable exits"},
    "differences_axis": {"zh": "差值（户，配对 95% 置信区间）",
                         "en": "difference (households, paired 95 % CI)"},
    "cmp_added": {"zh": "新增稳定脱贫户数（较无扶持）",
                  "en": "stable exits added over no support, households"},
    "cmp_cost": {"zh": "每新增一户稳定脱贫成本（元）", "en": "cost per added stable exit, yuan"},
    "cmp_net_cost": {"zh": "每新增一户稳定脱贫净成本（元）",
                     "en": "net cost per added stable exit, yuan"},
    "cmp_by_safety_net": {"zh": "其中政策兜底脱贫户数", "en": "of which through the safety net"},
    "cmp_without_support": {"zh": "无扶持时稳定脱贫户数", "en": "stable exits with no support"},
    "cmp_coverage": {"zh": "{town}覆盖率", "en": "coverage in {town}"},
}

def _instrument_labels() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Names of the instruments and of their budget lines and recoveries, as each instrument
    module declares them (one home: the module)."""
    from simulator.interventions import INSTRUMENTS as MODULES

    names = {m.KEY: {"zh": m.LABEL_ZH, "en": m.LABEL} for m in MODULES}
    lines = {key: {"zh": line.zh, "en": line.en} for m in MODULES
             for key, line in {**m.LINES, **m.RECOVERIES}.items()}
    return names, lines


INSTRUMENTS, LINES = _instrument_labels()
"""Instrument key → {"zh", "en"} name; budget line → {"zh", "en"} name."""


PLANS: dict[str, dict[str, str]] = {
    "optimised": {"zh": "优化方案", "en": "optimised plan"},
    "county_programme": {"zh": "县里原定方案", "en": "the county's own programme"},
    "by_village": {"zh": "按村平均分配", "en": "per-village equal split"},
    "uniform_reward": {"zh": "人均1500元统一奖补", "en": "uniform 1,500 yuan per person"},
    "greedy": {"zh": "成本效益排序", "en": "greedy cost-effectiveness"},
}

NO_SUPPORT = {"zh": "不安排", "en": "none"}
SAFETY_NET_MEASURE = {"zh": "政策兜底（低保/特困供养）", "en": "safety net (dibao / 特困供养)"}
"""The measure of a household the safety net carries, where the fund gives it nothing."""
YEAR_WORD = {"zh": "第{n}年起", "en": "from year {n}"}


def text(key: str, lang: Language = "zh", **values: object) -> str:
    """The label ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    return TEXT[key][lang].format(**values)


def instrument(key: str, lang: Language = "zh") -> str:
    """Name of an instrument (``"pv"`` → 光伏收益)."""
    return INSTRUMENTS[key][lang]


def line(key: str, lang: Language = "zh") -> str:
    """Name of a budget line; unknown lines are shown by their key."""
    return LINES.get(key, {}).get(lang, key)


def plan(key: str, lang: Language = "zh") -> str:
    """Name of the optimised plan or of a baseline rule."""
    return PLANS.get(key, {}).get(lang, key)


def package(name: str, lang: Language = "zh", joiner: str = " + ") -> str:
    """A package name such as ``"equity+pv@2"`` in words (股权分红 + 光伏收益（第3年起）);
    ``joiner`` goes between the instruments (a printed list uses 、)."""
    from simulator.packages import Package

    variants = Package.parse(name).variants
    if not variants:
        return NO_SUPPORT[lang]
    parts = []
    for variant in variants:
        words = instrument(variant.key, lang)
        if variant.start_year > 0:
            start = YEAR_WORD[lang].format(n=variant.start_year + 1)
            words += f"（{start}）" if lang == "zh" else f" ({start})"
        parts.append(words)
    return joiner.join(parts)


def every_label() -> list[str]:
    """Every string this module can show (for the font-coverage test)."""
    out = [v for table in (TEXT, INSTRUMENTS, LINES, PLANS) for entry in table.values()
           for v in entry.values()]
    return out + list(NO_SUPPORT.values()) + list(SAFETY_NET_MEASURE.values()) \
        + list(YEAR_WORD.values())
