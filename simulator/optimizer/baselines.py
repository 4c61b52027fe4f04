"""The allocations 以奖代补 is measured against, built from the same candidate set.

* **The county's own programme** — every household gets the package the scenario's ``[plan]``
  rule gives it (what the county planned: Ruyuan's equity, PV, a job and an own industry for
  every household with labour), whatever the budgets and capacities: the planner's first
  question is how the optimised plan compares with it, and what it would have cost.
* **按村分配 (per-village equal split)** — what counties did before 以奖代补 [Jishou2016]: each
  plan year's budget is split equally between all villages; within a village, households in
  registry order get the county's own package (the scenario's ``[plan]`` rule) while the
  village's money lasts.
* **Uniform reward** — every household with labour gets the 1,500-yuan-per-person industry
  reward [Jishou2016], in registry order while the budget lasts.
* **Greedy cost-effectiveness** — packages ranked by extra stable-exit probability per yuan,
  taken one by one while every yearly budget and capacity allows.

Each returns one package index per household; all are then evaluated on the same replications as
the optimised plan.
"""

from __future__ import annotations

import numpy as np

from simulator.interventions.base import Variant
from simulator.optimizer.candidates import MONEY_TOLERANCE_YUAN, CandidateSet
from simulator.optimizer.rows import MONEY_UNIT, coupling_rows
from simulator.optimizer.sites import SiteRules
from simulator.packages import Package
from simulator.scenario.model import Scenario


def package_index(cands: CandidateSet, package: Package) -> int | None:
    """Index of ``package`` among the candidates, or None."""
    try:
        return cands.packages.index(package)
    except ValueError:
        return None


def rule_packages(scenario: Scenario) -> tuple[Package, Package]:
    """The county's own packages for households with and without labour."""
    rule = scenario.plan
    return (Package(tuple(Variant(k) for k in rule.with_labour)),
            Package(tuple(Variant(k) for k in rule.without_labour)))


def county_programme(cands: CandidateSet, budgets: np.ndarray) -> np.ndarray:
    """The county's own rule for every household it is feasible for, budgets not applied."""
    choice = np.zeros(cands.n_households, dtype=np.int64)
    with_labour, without_labour = (package_index(cands, p)
                                   for p in rule_packages(cands.scenario))
    for k, households in ((with_labour, cands.registry.laborers > 0),
                          (without_labour, cands.registry.laborers == 0)):
        if k is not None:
            choice[households & cands.feasible[:, k]] = k
    return choice


def by_village(cands: CandidateSet, budgets: np.ndarray) -> np.ndarray:
    """按村分配: equal money per village per year, spent on the county's own packages."""
    registry = cands.registry
    choice = np.zeros(cands.n_households, dtype=np.int64)
    with_labour, without_labour = (package_index(cands, p)
                                   for p in rule_packages(cands.scenario))
    keys = np.char.add(np.char.add(registry.township.astype(str), "/"),
                       registry.village.astype(str))
    villages = sorted(set(keys.tolist()))
    share = np.asarray(budgets, dtype=float) / len(villages)
    for village in villages:
        remaining = share.copy()
        for h in np.flatnonzero(keys == village):
            k = with_labour if registry.laborers[h] > 0 else without_labour
            if k is None or not cands.feasible[h, k]:
                continue
            cost = cands.cost[h, k]
            if np.all(cost <= remaining + MONEY_TOLERANCE_YUAN):
                choice[h] = k
                remaining -= cost
    return choice


def uniform_reward(cands: CandidateSet, budgets: np.ndarray) -> np.ndarray:
    """The uniform industry reward for every household with labour, while money lasts."""
    choice = np.zeros(cands.n_households, dtype=np.int64)
    k = package_index(cands, Package((Variant("industry"),)))
    if k is None:
        return choice
    remaining = np.asarray(budgets, dtype=float).copy()
    for h in range(cands.n_households):
        if cands.feasible[h, k] and np.all(cands.cost[h, k] <= remaining + MONEY_TOLERANCE_YUAN):
            choice[h] = k
            remaining -= cands.cost[h, k]
    return choice


class _Capacities:
    """What a greedy allocation uses up, checked package by package: the model's own budget and
    capacity rows (:mod:`simulator.optimizer.rows`, the one home of those rules), plus the PV
    sites opened as PV households arrive (a site's fixed cost is charged to the budget of the
    year the household's PV starts, and a township's cap on sites is kept)."""

    def __init__(self, cands: CandidateSet, budgets: np.ndarray) -> None:
        scenario = cands.scenario
        self.cands = cands
        self.rows = [row for row in coupling_rows(cands, budgets)
                     if row.kind in ("budget", "capacity")]
        self.limit = np.array([row.rhs for row in self.rows])
        self.used = np.zeros(len(self.rows))
        self.budget_row = {row.year: i for i, row in enumerate(self.rows)
                           if row.kind == "budget"}
        self.sites = SiteRules.of(scenario)
        self.pv_households: dict[str, int] = {}

    def _new_sites(self, h: int) -> tuple[int, bool]:
        """Sites household h's PV would open, and whether the township's cap allows them."""
        served = self.pv_households.get(self.cands.registry.township[h], 0)
        return self.sites.new_sites(served), self.sites.allows(self.sites.sites_for(served + 1))

    def try_take(self, h: int, k: int) -> bool:
        """Give household h package k if every row still allows it."""
        add = np.array([row.coefficient(h, k) for row in self.rows])
        keys = {v.key: v.start_year for v in self.cands.packages[k].variants}
        if "pv" in keys:
            sites, allowed = self._new_sites(h)
            if not allowed:
                return False
            add[self.budget_row[keys["pv"]]] += sites * self.sites.fixed_cost_yuan / MONEY_UNIT
        if np.any(self.used + add > self.limit + MONEY_TOLERANCE_YUAN / MONEY_UNIT):
            return False
        self.used += add
        if "pv" in keys:
            town = self.cands.registry.township[h]
            self.pv_households[town] = self.pv_households.get(town, 0) + 1
        return True


def greedy(cands: CandidateSet, budgets: np.ndarray) -> np.ndarray:
    """Take packages in order of extra P(stable exit) per yuan while money and capacity last."""
    choice = np.zeros(cands.n_households, dtype=np.int64)
    gain = cands.p_stable - cands.p_stable[:, :1]
    total_cost = cands.cost.sum(axis=2)
    households, packages = np.nonzero(cands.feasible & (gain > 1e-9))
    ratio = gain[households, packages] / np.maximum(total_cost[households, packages], 1.0)
    order = np.lexsort((packages, households, -ratio))
    capacities = _Capacities(cands, budgets)
    for index in order:
        h, k = int(households[index]), int(packages[index])
        if choice[h] == 0 and capacities.try_take(h, k):
            choice[h] = k
    return choice


BASELINES = {"county_programme": county_programme, "by_village": by_village,
             "uniform_reward": uniform_reward, "greedy": greedy}
"""Baseline allocation rules by name (the county's own programme, 按村分配, uniform 1,500-yuan
reward, greedy)."""
