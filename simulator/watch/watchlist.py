"""The watch list: the model's K riskiest households joined with every household the official
triggers flag, for village cadres.

:func:`watch` reads a registry (last year's incomes) and, optionally, monitoring records; the
engine simulates every household through the scenario's years under ``plan`` (default: no new
support, as the registry's incomes already hold what households receive); each household's risk
of falling below the line in the watch year and the year after comes from those paths weighted
by its records (:mod:`simulator.watch.risk`), recalibrated on the year before when the records
hold that year's incomes. The list is written as a workbook with one sheet per village.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from simulator.engine import simulate
from simulator.errors import Problem, TuopinError
from simulator.packages import Package, Plan
from simulator.registry import Registry
from simulator.results import SimulationResult
from simulator.scenario.model import Scenario
from simulator.statistics import two_decimals
from simulator.watch import before_help
from simulator.watch.backtest import list_size, top
from simulator.watch.records import MonitoringRecords
from simulator.watch.risk import Recalibration, Risk, fit_recalibration, model_risk
from simulator.watch.rules import CATEGORIES_ZH, RuleFlags, apply_rules, line_of, monitored

MIN_HOUSEHOLDS_TO_RECALIBRATE = 30
"""Households with a recorded income in the year before the watch year needed to fit the
recalibration (two parameters; fewer leave the model's risks as they are)."""

MODEL_ONLY_ZH = "模型预警"
"""Category shown for a household on the list only because of its modelled risk."""


def empty_records() -> MonitoringRecords:
    """No monitoring records at all."""
    none = np.zeros(0, dtype=np.int64)
    return MonitoringRecords(household=none, year=none, month=none, income=np.zeros(0),
                             medical_out_of_pocket=np.zeros(0), newly_disabled=none,
                             disaster_loss=np.zeros(0), jobs_lost=none,
                             loan_arrears=np.zeros(0))


@dataclass(frozen=True, eq=False)
class WatchList:
    """Risks, triggers and the list for one watch year."""

    scenario: Scenario
    registry: Registry
    records: MonitoringRecords
    year: int
    k: int
    risk: Risk
    """The model's risks, recalibrated."""
    flags: RuleFlags
    recalibration: Recalibration
    seed: int
    reps: int

    @cached_property
    def in_model_list(self) -> np.ndarray:
        """(H,) among the model's K riskiest households."""
        covered = np.flatnonzero(monitored(self.registry, self.year))
        chosen = np.zeros(self.registry.n_households, dtype=bool)
        chosen[covered[top(self.risk.below_either[covered], self.k)]] = True
        return chosen

    @cached_property
    def listed(self) -> np.ndarray:
        """(H,) on the list: the model's K joined with every flagged household."""
        return self.in_model_list | self.flags.flagged

    def order(self) -> np.ndarray:
        """Listed households, riskiest first (ties in registry order)."""
        listed = np.flatnonzero(self.listed)
        return listed[top(self.risk.below_either[listed], len(listed))]

    def rows(self) -> list[dict[str, Any]]:
        """One row per listed household, riskiest first: where it is, its category and reason
        (Chinese), its risks and expected shortfall, and why it is listed."""
        registry, flags, risk = self.registry, self.flags, self.risk
        model = self.in_model_list
        rows = []
        for h in self.order():
            category = flags.category[h]
            reason = flags.reasons[h] or (
                f"模型估计{self.year}年跌破标准线的概率为{risk.below[h]:.0%}")
            rows.append({
                "household_id": str(registry.household_id[h]),
                "township": str(registry.township[h]), "village": str(registry.village[h]),
                "head_name": str(registry.head_name[h]),
                "size": int(registry.size[h]),
                "category": CATEGORIES_ZH[category] if category else MODEL_ONLY_ZH,
                "reason": reason,
                "risk_watch_year": float(risk.below[h]),
                "risk_year_after": None if risk.below_next is None
                else float(risk.below_next[h]),
                "expected_shortfall_yuan_per_person": float(risk.shortfall[h]),
                "in_model_list": bool(model[h]), "flagged_by_rules": bool(flags.flagged[h]),
            })
        return rows

    def summary(self) -> dict[str, Any]:
        """What summary.json reports."""
        flags = self.flags
        counts = {CATEGORIES_ZH[c]: int((flags.category == c).sum()) for c in CATEGORIES_ZH}
        return {
            "scenario": self.scenario.name, "watch_year": self.year,
            "line_yuan_per_capita": round(line_of(self.scenario, self.year), 2),
            "households": self.registry.n_households,
            "households_monitored": int(monitored(self.registry, self.year).sum()),
            "records": {"rows": len(self.records.household), "years": self.records.years,
                        "synthetic": self.records.synthetic, "source": self.records.source},
            "list_size_model_households": self.k,
            "households_listed": int(self.listed.sum()),
            "flagged_by_rules": counts,
            "model_list_also_flagged": int((self.in_model_list & flags.flagged).sum()),
            "expected_households_below_line": two_decimals(self.risk.below.sum()),
            "recalibration": {"fitted_on": self.recalibration.fitted_on,
                              "intercept": round(self.recalibration.intercept, 4),
                              "slope": round(self.recalibration.slope, 4)},
            "replications": self.reps, "seed": self.seed,
        }


def watch(scenario: Scenario, registry: Registry, records: MonitoringRecords | None = None, *,
          year: int | None = None, plan: Plan | None = None, reps: int | None = None,
          seed: int | None = None) -> WatchList:
    """The watch list for ``year`` (default: the year after the last record, else the
    scenario's second year)."""
    records = records if records is not None else empty_records()
    years = [int(y) for y in scenario.calendar_years]
    if year is None:
        year = records.years[-1] + 1 if records.years else years[min(1, len(years) - 1)]
    if year not in years[1:]:
        # a user error: the year given, or the records' last year, is outside the scenario
        raise TuopinError([Problem(
            "--year", f"expected a year from {years[0] + 1} to {years[-1]} (the watch year "
            f"needs a simulated year before it), found {year}" + (
                f" (the year after the records' last, {records.years[-1]})"
                if records.years and year == records.years[-1] + 1 else ""))])
    plan = plan if plan is not None else Plan.everyone(Package(), registry.n_households)
    seed = scenario.simulation.seed if seed is None else seed
    paths = simulate(before_help(scenario), plan, registry=registry, reps=reps, seed=seed)
    recalibration = _recalibration(paths, records, year)
    raw = model_risk(paths, records, year)
    risk = Risk(year=year, below=recalibration.apply(raw.below),
                below_next=None if raw.below_next is None
                else recalibration.apply(raw.below_next),
                below_either=recalibration.apply(raw.below_either),
                shortfall=raw.shortfall, effective_replications=raw.effective_replications)
    flags = apply_rules(scenario, registry, records, year)
    k = list_size(registry, scenario.watch.list_share_of_people)
    return WatchList(scenario, registry, records, year, k, risk, flags, recalibration, seed,
                     paths.reps)


def _recalibration(paths: SimulationResult, records: MonitoringRecords, year: int) -> Recalibration:
    """Fitted on the year before ``year`` when enough households' incomes were recorded then
    and the model can be run from records before it."""
    previous = year - 1
    years = [int(y) for y in paths.years]
    if previous not in years[1:]:
        return Recalibration()
    registry = paths.registry
    seen = records.of_year(previous, registry.n_households)
    checked = ~np.isnan(seen.income) & ~paths.by_safety_net
    if checked.sum() < MIN_HOUSEHOLDS_TO_RECALIBRATE:
        return Recalibration()
    fit_risk = model_risk(paths, records, previous).below
    below = seen.income / registry.size < paths.lines[years.index(previous)]
    return fit_recalibration(fit_risk[checked], below[checked], previous)
