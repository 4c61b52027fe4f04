"""The official triggers of return-to-poverty monitoring, applied to last year's records (the
rules themselves: :mod:`simulator.triggers`, which the simulated 防返贫 help shares).

A household is flagged when, in the year before the watch year:

* its rigid spending (out-of-pocket medical costs and disaster losses) exceeds
  ``watch.rigid_spending_multiple`` × its household net income of the year before, or its net
  income fell by at least ``watch.income_drop_share`` — sudden severe hardship (突发严重困难户);
* otherwise, its per-capita net income is below ``poverty_line.at_risk_multiple`` × that year's
  line — an unstable exited household (脱贫不稳定户) when it is registered, an edge household
  prone to poverty (边缘易致贫户) when it is not [Anhui2020Monitoring], [MonitoringCategories].

Each flag carries its reason in Chinese, with the figures that triggered it. Disability, lost
work and loan arrears recorded that year are added to the reason; they trigger nothing alone.
Income not recorded in a year is taken from the latest year that recorded it, else from the
registry (the registry year's income). Registered households that have not exited (the
registry's exit year) are still poor and are not monitored (:func:`monitored`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.registry import Registry
from simulator.scenario.model import Scenario
from simulator.triggers import in_monitoring_band, sudden_hardship
from simulator.vocabulary import REGISTERED_CATEGORIES
from simulator.watch.records import MonitoringRecords

CATEGORIES_ZH: dict[str, str] = {
    "sudden_hardship": "突发严重困难户",
    "unstable_exit": "脱贫不稳定户",
    "edge_at_risk": "边缘易致贫户",
}
"""The three kinds of monitored household, in the order a flag is decided."""

CATEGORIES_EN: dict[str, str] = {
    "sudden_hardship": "sudden severe hardship",
    "unstable_exit": "unstable exited household",
    "edge_at_risk": "edge household prone to poverty",
}


SUDDEN_HARDSHIP_FIRST = 1.0
"""Severity added to sudden hardship: its flags rank before every income-band flag, whose
severity (a shortfall as a share of the band) is below 1."""


@dataclass(frozen=True, eq=False)
class RuleFlags:
    """The triggers' verdict on every household (H,) for one watch year."""

    year: int
    """The watch year; the triggers read the records of the year before."""
    category: np.ndarray
    """(H,) a key of :data:`CATEGORIES_ZH`, or "" when not flagged."""
    reasons: list[str]
    """(H,) why, in Chinese, with the figures ("" when not flagged)."""
    severity: np.ndarray
    """(H,) how far past its trigger the household is (rigid spending or income fall over the
    threshold, or the income band's shortfall, as a share) — orders the flagged households
    when a list of fixed length is taken from the rules alone."""

    @property
    def flagged(self) -> np.ndarray:
        return self.category != ""


def monitored(registry: Registry, year: int) -> np.ndarray:
    """(H,) households monitoring covers in ``year``: edge households, and registered ones that
    exited before it. A registered household with no exit year is still poor — in the main
    work, not on a watch list — when the registry gives exit years at all; a registry without
    them (every exit year empty) is taken as one of exited households."""
    registered = np.isin(registry.category, REGISTERED_CATEGORIES)
    exit_year = np.asarray(registry.exit_year)
    if not exit_year.any():
        return np.ones(registry.n_households, dtype=bool)
    exited = (exit_year > 0) & (exit_year < year)
    return ~registered | exited


def latest_income(records: MonitoringRecords, registry: Registry, before: int) -> np.ndarray:
    """(H,) household net income of the latest year before ``before`` that recorded it, else
    the registry's [yuan/year]."""
    income = registry.net_income.astype(float)
    for year in sorted(y for y in records.years if y < before):
        recorded = records.of_year(year, registry.n_households).income
        income = np.where(np.isnan(recorded), income, recorded)
    return income


def line_of(scenario: Scenario, year: int) -> float:
    """The exit line of a simulated calendar year [yuan/(person·year)]."""
    years = [int(y) for y in scenario.calendar_years]
    if year not in years:
        raise ValueError(f"{year} is outside the scenario's years ({years[0]}–{years[-1]})")
    return float(scenario.lines_yuan_per_capita[years.index(year)])


def apply_rules(scenario: Scenario, registry: Registry, records: MonitoringRecords,
                year: int) -> RuleFlags:
    """Flag the households the official triggers name for watch year ``year``."""
    watch = scenario.watch
    n = registry.n_households
    last = records.of_year(year - 1, n)
    income_last = latest_income(records, registry, year)  # the year before the watch year
    income_before = latest_income(records, registry, year - 1)
    size = registry.size.astype(float)
    line = line_of(scenario, year - 1)
    band = scenario.poverty_line.at_risk_multiple * line
    per_capita = income_last / size
    rigid = last.rigid_spending
    rigid_limit = watch.rigid_spending_multiple * np.maximum(income_before, 0.0)
    spending, falling = sudden_hardship(rigid, last.income, income_before,
                                        watch.rigid_spending_multiple, watch.income_drop_share)
    low = in_monitoring_band(per_capita, line, scenario.poverty_line.at_risk_multiple)
    registered = np.isin(registry.category, REGISTERED_CATEGORIES)
    covered = monitored(registry, year)
    low &= covered
    spending &= covered
    falling &= covered
    category = np.full(n, "", dtype=object)
    category[low & registered] = "unstable_exit"
    category[low & ~registered] = "edge_at_risk"
    category[spending | falling] = "sudden_hardship"
    severity = np.where(low, (band - per_capita) / band, 0.0)
    over = np.where(spending, rigid / np.maximum(rigid_limit, 1.0), 0.0)
    fall = np.where(falling, 1.0 - last.income / np.maximum(income_before, 1.0), 0.0)
    sudden = spending | falling
    severity[sudden] = SUDDEN_HARDSHIP_FIRST + np.maximum(over, fall)[sudden]
    reasons = []
    y = year - 1
    for h in range(n):
        if not category[h]:
            reasons.append("")
            continue
        parts = []
        if spending[h]:
            pieces = []
            if last.medical_out_of_pocket[h]:
                pieces.append(f"医疗自付费用{last.medical_out_of_pocket[h]:,.0f}元")
            if last.disaster_loss[h]:
                pieces.append(f"灾害损失{last.disaster_loss[h]:,.0f}元")
            parts.append(f"{y}年刚性支出{rigid[h]:,.0f}元（{'、'.join(pieces)}），超过上年家庭纯"
                         f"收入{max(income_before[h], 0.0):,.0f}元")
        if falling[h]:
            parts.append(f"{y}年家庭纯收入{last.income[h]:,.0f}元，较上年{income_before[h]:,.0f}"
                         f"元下降{1 - last.income[h] / income_before[h]:.0%}")
        if low[h]:
            parts.append(f"{y}年人均纯收入{per_capita[h]:,.0f}元，低于监测线{band:,.0f}元"
                         f"（标准线{line:,.0f}元的{scenario.poverty_line.at_risk_multiple:g}倍）")
        if last.newly_disabled[h]:
            parts.append(f"新增残疾{last.newly_disabled[h]}人")
        if last.jobs_lost[h]:
            parts.append(f"{last.jobs_lost[h]}人失去工作")
        if last.loan_arrears[h]:
            parts.append(f"贷款逾期{last.loan_arrears[h]:,.0f}元")
        reasons.append("；".join(parts))
    return RuleFlags(year=year, category=category.astype(str), reasons=reasons,
                     severity=severity)
