"""Suggested support for the households on the watch list: the package the optimiser picks
for each within a remaining budget.

The listed households are taken as a registry of their own, their incomes grown at the
scenario's trend to the year before the watch year; the scenario is moved to start in the watch
year, with one plan year whose budget is the remaining budget and a stable exit meaning staying
above the line from the watch year to the end of the scenario's years. The allocation model then
chooses one package per household (``none`` where money does more elsewhere), as for a county
plan: expected stable exits under the budget and the scenario's capacities.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from simulator.optimizer.candidates import build_candidates
from simulator.optimizer.strategies import solve_allocation
from simulator.registry import Registry
from simulator.scenario.model import Scenario
from simulator.vocabulary import REGISTRY_INCOME_COLUMNS
from simulator.watch import before_help
from simulator.watch.watchlist import WatchList

INCOME_PARTS = (*REGISTRY_INCOME_COLUMNS, "production_expenses")
"""The registry's money columns, grown together."""

SUPPORT_SEED_OFFSET = 3
"""The candidate run behind the suggestions uses the list's root seed + this: its own random
numbers, not the paths the risks came from."""


@dataclass(frozen=True, eq=False)
class Suggestions:
    """The optimiser's package for each listed household (in :meth:`WatchList.order`)."""

    households: np.ndarray
    """(L,) registry indices of the listed households."""
    package: list[str]
    """(L,) package names ("none": no new support)."""
    cost_yuan: np.ndarray
    """(L,) expected fund outlays of the package [yuan], all years."""
    p_stable: np.ndarray
    """(L,) P(above the line from the watch year on) with the package."""
    p_without: np.ndarray
    """(L,) the same with no new support."""
    budget_yuan: float


def from_watch_year(scenario: Scenario, year: int, budget_yuan: float) -> Scenario:
    """The scenario moved to start in ``year`` with one plan year of ``budget_yuan``."""
    years = [int(y) for y in scenario.calendar_years]
    first = years.index(year)
    remaining = len(years) - first
    horizon = dataclasses.replace(scenario.horizon, start_year=year, years=remaining,
                                  plan_years=1, plan_start_month=1)
    line = scenario.poverty_line
    net = scenario.safety_net
    return dataclasses.replace(
        before_help(scenario), horizon=horizon,
        poverty_line=dataclasses.replace(
            line, values_yuan_per_capita=tuple(line.values_yuan_per_capita[first:])),
        safety_net=dataclasses.replace(net, standard_values_yuan_per_capita=tuple(
            net.standard_values_yuan_per_capita[first:])),
        exit_rule=dataclasses.replace(scenario.exit_rule, monitoring_years=min(
            scenario.exit_rule.monitoring_years, remaining - 1)),
        budget=dataclasses.replace(scenario.budget, yearly_yuan=(float(budget_yuan),),
                                   rule="expected"),
        policy=dataclasses.replace(scenario.policy, exit_targets_share_of_people=()))


def grown_registry(registry: Registry, scenario: Scenario, year: int) -> Registry:
    """The registry with every income part grown at the scenario's trend to the year before
    ``year`` (the registry describes the year before the scenario's first): the level the
    engine's own paths have then. Last year's recorded income is not used as the level — most
    of a year's deviation is a shock that does not last (the risk weighs it instead)."""
    factor = (1.0 + scenario.income.growth_per_year) ** (year - scenario.horizon.start_year)
    columns = registry.columns()
    for name in INCOME_PARTS:
        columns[name] = np.round(np.asarray(columns[name], dtype=float) * factor)
    return Registry.from_columns(columns, source=registry.source)


def suggest_support(watchlist: WatchList, budget_yuan: float, *, reps: int | None = None,
                    seed: int | None = None) -> Suggestions:
    """One package per listed household within ``budget_yuan`` of new money."""
    scenario, registry, year = watchlist.scenario, watchlist.registry, watchlist.year
    listed = watchlist.order()
    if len(listed) == 0:
        empty = np.zeros(0)
        return Suggestions(listed, [], empty, empty, empty, budget_yuan)
    years = [int(y) for y in scenario.calendar_years]
    if years.index(year) == len(years) - 1:
        raise ValueError("suggested support needs a year after the watch year to judge it")
    moved = from_watch_year(scenario, year, budget_yuan)
    sub = grown_registry(registry.subset(listed), scenario, year)
    seed = watchlist.seed if seed is None else seed
    cands = build_candidates(moved, sub, reps=reps or watchlist.reps,
                             seed=seed + SUPPORT_SEED_OFFSET)
    solution, _ = solve_allocation(cands, [budget_yuan], objective="expected",
                                   budget_rule="expected")
    choice = solution.choice
    rows = np.arange(len(listed))
    return Suggestions(
        households=listed, package=[cands.packages[k].name for k in choice],
        cost_yuan=cands.cost[rows, choice].sum(axis=1),
        p_stable=cands.p_stable[rows, choice], p_without=cands.p_stable[:, 0],
        budget_yuan=float(budget_yuan))
