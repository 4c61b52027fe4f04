"""optimize(): candidates → MILP → honest out-of-sample figures → baselines → report.

1. One candidate-mode engine run (seed s) gives every household's outcomes under every package.
2. The MILP chooses one package per household (:mod:`simulator.optimizer.model`).
3. The LP relaxation gives the budget's shadow price (extra stable exits per 10,000 yuan).
4. A second candidate run on fresh random numbers (seed s + offset) evaluates the chosen plan and
   the baselines on the same replications: in-sample figures overstate (the optimiser's curse),
   so only these are reported as the plan's results, and gains are paired differences.
5. With ``frontier=True``: the budget–added-stable-exits frontier and the smallest budget that
   meets the exit targets (:mod:`simulator.optimizer.frontier`).
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from simulator.engine import simulate
from simulator.interventions import INSTRUMENTS
from simulator.optimizer.baselines import BASELINES, rule_packages
from simulator.optimizer.candidates import (
    CandidateSet,
    build_candidates,
    candidate_packages,
    fold_to_plan_years,
)
from simulator.optimizer.evaluation import Evaluation, evaluate
from simulator.optimizer.frontier import (
    FrontierPoint,
    TargetBudget,
    budget_frontier,
    frontier_summary,
    smallest_budget_for_targets,
    target_budget_summary,
)
from simulator.optimizer.lagrangian import price_rows
from simulator.optimizer.meet_targets import TargetPlan
from simulator.optimizer.model import Solution
from simulator.optimizer.rows import (
    BUDGET_FIELD,
    binding_limits,
    broken_rows,
    describe_row,
    limiting_rows,
    row_prices,
)
from simulator.optimizer.strategies import solve_allocation
from simulator.packages import Package, Plan
from simulator.population import population_of
from simulator.progress import stage
from simulator.registry import Registry
from simulator.results import SimulationResult
from simulator.scenario.model import Scenario
from simulator.schema import to_plain
from simulator.statistics import headline, paired, spread
from simulator.units import YUAN_PER_WAN


@dataclass(frozen=True, eq=False)
class AllocationResult:
    """The optimised allocation, its honest evaluation and the baselines."""

    scenario: Scenario
    registry: Registry
    budgets: np.ndarray
    candidates: CandidateSet
    """In-sample candidate data (what the model saw)."""
    evaluation_set: CandidateSet
    """The same candidates on fresh random numbers."""
    solution: Solution
    shadow_price: list[float]
    """Extra expected stable exits per extra 10,000 yuan in each plan year (LP relaxation)."""
    optimised: Evaluation
    baselines: dict[str, Evaluation]
    prices: list[dict[str, Any]] = field(default_factory=list)
    """The capacities and policy rules that bind at the LP optimum, with what one more unit of
    each buys (:func:`simulator.optimizer.rows.row_prices`)."""
    lp_prices: Any = None
    """The coupling rows' prices at the LP optimum (:class:`~simulator.optimizer.lagrangian.
    Prices`): what each household's reason names as keeping it from a better package."""
    without_coverage_rule: Evaluation | None = None
    """Under ``policy.every_household_a_measure``: the plan the same money buys without the
    rule, on the same fresh replications (what the rule costs)."""
    frontier: list[FrontierPoint] = field(default_factory=list)
    """The budget–added-stable-exits frontier (``optimize(..., frontier=True)``)."""
    objective: str = ""
    """The objective optimised ("expected" or "cvar"; empty: the scenario's)."""
    solver: str = ""
    """The MILP solver used (empty: the scenario's)."""
    target_budget: TargetBudget | None = None
    """The smallest multiple of the budgets that meets the exit targets (with the frontier)."""
    target_plan: TargetPlan | None = None
    """Under the goal "targets": what meeting the targets takes, additions included."""
    plan_run: SimulationResult | None = None
    """The allocation's run on the fresh replications, as a plan: per-capita incomes and
    income by category included."""

    @property
    def goal(self) -> str:
        """"exits" (the most stable exits the budgets buy) or "targets" (the least-cost plan
        that meets the yearly exit targets: :attr:`target_plan`)."""
        return "exits" if self.target_plan is None else "targets"

    @property
    def plan(self) -> Plan:
        """The allocation as a plan (one package per household)."""
        return Plan.from_choice(self.candidates.packages, self.optimised.choice, "optimised")

    def allocation_table(self) -> dict[str, list[Any]]:
        """Per household: package, cost by year, P(stable exit) with it, with nothing, and with
        the best package it did not get (and that package's cost) — out-of-sample figures."""
        cands, evaluation = self.candidates, self.evaluation_set
        registry = self.registry
        choice = self.optimised.choice
        years = [int(y) for y in self.scenario.calendar_years[:cands.plan_years]]
        p = evaluation.p_stable
        households = np.arange(cands.n_households)
        others = np.where(cands.feasible, p, -1.0)
        others[households, choice] = -1.0
        best_other = others.argmax(axis=1)
        table: dict[str, list[Any]] = {**registry.identity_table(),
                                        "package": [cands.packages[k].name for k in choice],
                                        "measure": self.measures().tolist()}
        for j, year in enumerate(years):
            table[f"cost_{year}"] = [round(float(v), 2) for v in cands.cost[households, choice, j]]
        table["placed_yuan"] = [round(float(v), 2) for v in self._placed(choice)]
        table["p_stable_exit"] = [round(float(v), 4) for v in p[households, choice]]
        table["p_stable_exit_without_support"] = [round(float(v), 4) for v in p[:, 0]]
        # the county's count: exited by the end of the plan, 防返贫 help included
        exits = evaluation.p_exit_by[:, :, -1]
        table["p_exit_in_plan"] = [round(float(v), 4) for v in exits[households, choice]]
        table["p_exit_in_plan_without_support"] = [round(float(v), 4) for v in exits[:, 0]]
        covered = self.scenario.policy.every_household_a_measure & \
            registry.registered_with_labour
        # the rule that asks for the household's measure: 帮扶全覆盖, or the policy rule that
        # kept a package adding nothing in-sample (its scenario field)
        kept = self.solution.kept_for_rule
        table["rule"] = ["coverage" if c else kept.get(h, "") for h, c in enumerate(covered)]
        table["best_other_package"] = [cands.packages[k].name for k in best_other]
        table["p_stable_exit_best_other"] = [round(float(v), 4)
                                             for v in p[households, best_other]]
        table["cost_best_other"] = [round(float(v), 2) for v in
                                    cands.cost[households, best_other].sum(axis=1)]
        # what kept each household from its best other package: the priced rows it would
        # use more of (a budget year, a yearly job-slot cap…)
        names = {"zh": [], "en": []}
        if self.lp_prices is not None:
            plan_years = [str(y) for y in years]
            limits = limiting_rows(cands, self.budgets, self.lp_prices.multipliers,
                                   self.lp_prices.rows, choice, best_other)
            for lang in names:
                sep = "、" if lang == "zh" else ", "
                names[lang] = [sep.join(dict.fromkeys(
                    describe_row(row.name, row.limit, plan_years, lang) for row in rows))
                    for rows in limits]
        for lang, words in names.items():
            table[f"limited_by_{lang}"] = words or [""] * cands.n_households
        return table

    def _placed(self, choice: np.ndarray) -> np.ndarray:
        """(H,) money of each household's package that is placed in an asset rather than paid
        to the household [yuan, mean over in-sample replications]: the budget lines the
        instruments mark ``placed`` (equity principal, PV capital cost)."""
        cands = self.candidates
        placed_lines = {key for module in INSTRUMENTS for key, line in module.LINES.items()
                        if line.placed}
        names = [{v.name for v in package.variants} for package in cands.packages]
        placed = np.zeros(len(choice))
        for (variant, line), amount in sorted(cands.result.outlays.items()):
            if line not in placed_lines:
                continue
            households = np.asarray(amount.households)
            holds = np.array([variant in n for n in names])[choice[households]]
            per_household = np.broadcast_to(
                np.asarray(amount.amount).mean(axis=0).sum(axis=-1), households.shape)
            placed[households[holds]] += per_household[holds]
        return placed

    def measures(self) -> np.ndarray:
        """(H,) each household's measure: "package" (the fund's), "safety_net" — a household
        the fund gives nothing has a measure still when the safety net carries it (政策兜底) — or
        "none"."""
        choice = self.optimised.choice
        by_safety_net = self.evaluation_set.result.by_safety_net
        return np.where(choice != 0, "package", np.where(by_safety_net, "safety_net", "none"))

    def to_frame(self, what: str = "households") -> Any:
        """A tidy pandas table (:func:`simulator.tidy.allocation_frame`): ``"households"``
        (the allocation table) or ``"plans"`` (optimised plan and baselines per replication)."""
        from simulator.tidy import allocation_frame

        return allocation_frame(self, what)

    def plot(self, kind: str = "comparison", lang: str = "zh", ax: Any = None) -> Any:
        """``"comparison"`` (the plan against the baselines) or ``"frontier"`` (needs
        ``optimize(..., frontier=True)``); returns the Figure."""
        from simulator import plots

        if kind == "comparison":
            return plots.baseline_comparison(self, ax=ax, lang=lang)
        if kind == "frontier":
            if not self.frontier:
                raise ValueError("no frontier: run optimize(..., frontier=True)")
            return plots.frontier(self, ax=ax, lang=lang)
        raise ValueError(f"unknown chart {kind!r}; choose comparison or frontier")

    def _by_plan_year(self, amounts: dict[str, np.ndarray], site_key: str
                      ) -> dict[str, dict[str, float]]:
        """Mean outlays per key and plan year (later years charged to the last plan year), with
        the fixed cost of PV sites added under ``site_key`` [yuan]."""
        cands = self.evaluation_set
        plan_years = [str(int(y)) for y in self.scenario.calendar_years[:cands.plan_years]]
        means = {key: fold_to_plan_years(amount, cands.plan_years).mean(axis=0)
                 for key, amount in amounts.items()}
        sites = cands.site_costs(self.optimised.choice)
        if sites.any():
            means[site_key] = means.get(site_key, 0) + sites
        return {key: {y: round(float(v), 2) for y, v in zip(plan_years, mean, strict=True)}
                for key, mean in means.items()}

    def _run(self, plan: Evaluation) -> SimulationResult:
        return self.plan_run if plan is self.optimised and self.plan_run is not None else \
            self.evaluation_set.result.chosen(plan.choice)

    def net_cost(self, plan: Evaluation) -> np.ndarray:
        """(R,) a plan's gross outlays less what the county keeps or recovers (equity principal)
        in each fresh replication [yuan]."""
        return plan.outlays.sum(axis=1) - self._run(plan).recovered().sum(axis=1)

    def county_help(self, plan: Evaluation) -> np.ndarray:
        """(R,) the county's 防返贫 help under a plan [yuan] (expected, for an allocation
        picked from the fresh candidate run)."""
        return self._run(plan).county_help()

    def coverage_rule_summary(self) -> dict[str, Any]:
        """What 帮扶全覆盖 costs: the registered households with labour the plan without the
        rule leaves without a measure, and the stable exits and money the rule costs (the plan
        without it minus the plan, paired over the fresh replications)."""
        free = self.without_coverage_rule
        registry = self.registry
        covered = registry.registered_with_labour
        measure = self.measures()
        return {
            "households_with_a_measure": int((measure != "none").sum()),
            "households_with_the_safety_net_as_measure": int((measure == "safety_net").sum()),
            "registered_with_labour_without_a_measure": int((covered & (measure == "none")).sum()),
            "households_given_a_measure": int((covered & (free.choice == 0)).sum()),
            "stable_exits_given_up": paired(free.stable_exits, self.optimised.stable_exits),
            "outlays_difference_yuan": paired(free.outlays.sum(axis=1),
                                              self.optimised.outlays.sum(axis=1)),
        }

    def request(self) -> dict[str, Any]:
        """What the proposal asks for, by plan year [yuan]: what the plan spends at the budget
        rule's level (the confidence quantile of fresh outlays, or their mean) rounded up to
        whole 万元 — or the budget itself under ``budget.request = "budget"`` — and the rest of
        the budget as unspent (结余), each year's with what stops the plan spending it: the
        rows that bind while the year's money does not (its shadow price is zero)."""
        scenario = self.scenario
        plan_years = [str(int(y)) for y in scenario.calendar_years[:self.evaluation_set.plan_years]]
        outlays = self.optimised.outlays  # (R, P) fresh replications, PV sites included
        level = np.quantile(outlays, scenario.budget.confidence, axis=0) \
            if scenario.budget.rule == "confidence" else outlays.mean(axis=0)
        needed = np.ceil(np.round(level, 2) / YUAN_PER_WAN) * YUAN_PER_WAN
        asked = np.asarray(self.budgets, dtype=float) if scenario.budget.request == "budget" \
            else np.minimum(needed, self.budgets)
        # what stops spending: the hard rows that bind, and those the LP prices (a rule such
        # as the one on first-year returns holds the plan back without being tight at the
        # integer solution); a budget is the money itself, not a limit on it
        limits = {str(entry["limit"]) for entry in binding_limits(
            self.candidates, self.budgets, self.solution.binding)}
        limits |= {str(entry["limit"]) for entry in self.prices}
        limits.discard(BUDGET_FIELD)
        unspent, causes = {}, {}
        for year, budget, ask, price in zip(plan_years, self.budgets, asked, self.shadow_price,
                                            strict=True):
            left = float(budget - ask)
            unspent[year] = round(left, 2)
            if left > 0:
                causes[year] = {"shadow_price_stable_exits_per_10000_yuan": round(price, 4) + 0.0,
                                "binding": sorted(limits)}
        return {"basis": scenario.budget.request,
                "by_year_yuan": {y: round(float(v), 2) for y, v in zip(plan_years, asked,
                                                                      strict=True)},
                "total_yuan": round(float(asked.sum()), 2),
                "unspent_by_year_yuan": unspent, "unspent_causes": causes}

    def timings(self) -> dict[str, float]:
        """Seconds spent building and solving the model: they vary from run to run, so they go
        to the manifest's run record, not summary.json (which stays byte-identical)."""
        return {"build_seconds": round(self.solution.build_seconds, 2),
                "solve_seconds": round(self.solution.solve_seconds, 2)}

    def summary(self) -> dict[str, Any]:
        """Everything summary.json reports (out-of-sample unless marked in-sample)."""
        scenario = self.scenario
        cands = self.evaluation_set
        years = [int(y) for y in scenario.calendar_years]
        plan_years = years[:cands.plan_years]
        result = cands.result
        choice = self.optimised.choice
        plan = self.plan_run  # the allocation, summed up like any plan run
        exits_by_year = plan.exits_by_year()  # (R, Y)
        returned = plan.returns()
        lines = plan.outlays_by_line()
        townships = sorted(set(self.registry.township.tolist()))
        by_township = {}
        for town in townships:
            mask = self.registry.township == town
            total = np.zeros((result.reps, cands.plan_years))
            for amount in plan.outlays_by_line(households=mask).values():
                total += fold_to_plan_years(amount, cands.plan_years)
            total += cands.site_costs(choice, mask)[None, :]
            by_township[town] = {str(y): round(float(v), 2) for y, v in
                                 zip(plan_years, total.mean(axis=0), strict=True)}
        stable = self.optimised.stable_exits
        total_outlays = self.optimised.outlays.sum(axis=1)
        without_support = result.stable_exits_without_support()
        net_cost = self.net_cost(self.optimised)
        counts = np.bincount(choice, minlength=len(cands.packages))
        solution = self.solution
        summary: dict[str, Any] = {
            "scenario": scenario.name,
            "households": self.registry.n_households,
            "people": self.registry.n_people,
            "objective": self.objective or scenario.optimizer.objective,
            "solver": self.solver or scenario.optimizer.solver,
            "budgets_yuan": {str(y): float(b) for y, b in zip(plan_years, self.budgets,
                                                              strict=True)},
            "in_sample": {"seed": self.candidates.result.seed,
                          "replications": self.candidates.result.reps,
                          "objective": round(solution.objective, 3),
                          "bound": None if solution.bound is None else round(solution.bound, 3),
                          "gap": solution.gap, "status": solution.status,
                          "cut_rounds": solution.cut_rounds,
                          "cvar_residual_stable_exits": round(solution.cvar_residual, 4),
                          "expected_stable_exits": round(
                              self.candidates.expected_stable_exits(choice), 2)},
            "out_of_sample": {"seed": cands.result.seed, "replications": cands.result.reps},
            "packages": {cands.packages[k].name: int(n) for k, n in enumerate(counts) if n},
            **headline(stable, without_support, total_outlays, net_cost,
                       self.county_help(self.optimised)),
            "stable_exits": spread(stable),
            "stable_exits_by_income": spread(plan.stable_exits_by_income()),
            "stable_exits_by_safety_net": spread(plan.stable_exits_by_safety_net()),
            "exits_by_year": {str(y): spread(v) for y, v in zip(years, exits_by_year.T,
                                                                  strict=True)},
            "returns_to_poverty": spread(returned),
            "county_assistance": plan.assistance_summary(),
            "returns_in_year_after_exit_percent": spread(
                100 * cands.first_year_return_rate(choice)),
            "outlays_by_year": {str(y): spread(v) for y, v in
                                zip(plan_years, self.optimised.outlays.T, strict=True)},
            "budget_rule": {"rule": scenario.budget.rule,
                            "confidence": scenario.budget.confidence},
            "outlays_at_confidence_by_year": {
                str(y): round(float(np.quantile(v, scenario.budget.confidence)), 2)
                for y, v in zip(plan_years, self.optimised.outlays.T, strict=True)},
            "request": self.request(),
            "outlays_by_line": self._by_plan_year(lines, site_key="pv_sites"),
            "outlays_by_instrument": self._by_plan_year(
                plan.outlays_by_line(by_instrument=True), site_key="pv"),
            "outlays_by_township": by_township,
            "shadow_price_stable_exits_per_10000_yuan": {
                # + 0.0: a price rounded from a hair below zero reads 0, not -0
                str(y): round(v, 4) + 0.0
                for y, v in zip(plan_years, self.shadow_price, strict=True)},
            "exit_target_shortfall_people": {
                str(y): round(v, 1) for y, v in zip(plan_years, solution.exit_target_shortfall,
                                                    strict=False)},
            "binding_constraints": solution.binding,
            # where each binding row's number comes from, a guessed one named as such
            "binding_limits": binding_limits(self.candidates, self.budgets, solution.binding),
            # what one more unit of each binding capacity or rule buys (LP duals, in-sample)
            "prices": self.prices,
            # The fewest sites the plan needs: the solver may open spare sites when a year's
            # budget has room (they cost nothing in the objective), so its counts are not used.
            "pv_sites": {f"{town} {plan_years[year]}": n for (town, year), n
                         in cands.sites_opened(choice).items()},
            "baselines": {},
        }
        for name, baseline in self.baselines.items():
            outlays = baseline.outlays.sum(axis=1)
            summary["baselines"][name] = {
                **headline(baseline.stable_exits, without_support, outlays,
                           self.net_cost(baseline), self.county_help(baseline)),
                "stable_exits": spread(baseline.stable_exits),
                "returns_in_year_after_exit_percent": spread(
                    100 * cands.first_year_return_rate(baseline.choice)),
                "optimised_gain": paired(stable, baseline.stable_exits),
                # the rows it breaks (the county's own programme ignores budgets and caps)
                "breaks": broken_rows(self.candidates, self.budgets, baseline.choice),
            }
        if self.without_coverage_rule is not None:
            summary["coverage_rule"] = self.coverage_rule_summary()
        if self.frontier:
            summary["frontier"] = frontier_summary(self.frontier, without_support, plan_years,
                                                   scenario.budget.confidence)
            summary["target_budget"] = target_budget_summary(self.target_budget, plan_years)
        summary["goal"] = self.goal
        if self.target_plan is not None:
            summary["targets"] = self.targets_summary()
        return summary

    def targets_summary(self) -> dict[str, Any]:
        """Under the goal "targets": each year's target against what any allocation can reach
        and what the plan reaches, in-sample and on the fresh replications, and the additions
        of money and capacity it takes (each with the ``--set`` that makes it)."""
        from simulator.optimizer.meet_targets import met_shares
        from simulator.parameter_texts import parameter_text

        target = self.target_plan
        assert target is not None
        plan_years = [str(int(y)) for y in
                      self.scenario.calendar_years[:self.evaluation_set.plan_years]]
        fresh = self.plan_run.people_exited_totals[0][:, :len(plan_years)]
        confidence = target.confidence
        fresh_share = met_shares(fresh, target.targets_people)
        in_sample_share = target.share_met()
        by_year = {}
        for y, year in enumerate(plan_years):
            # one word for the year's state, read by the CLI and the proposal alike
            state = ("out_of_reach" if y in target.out_of_reach else
                     "met" if y not in target.failing_years else
                     "needs_additions" if target.reachable else "unmet")
            by_year[year] = {
                "state": state,
                "target_people": round(target.targets_people[y], 1),
                "reachable_people": round(target.reach_people[y], 1),
                "without_support_people": round(target.without_support_people[y], 1),
                "out_of_reach": y in target.out_of_reach,
                "met_within_limits": y not in target.failing_years,
                "in_sample_share_met": round(in_sample_share[y], 4),
                "fresh_share_met": round(fresh_share[y], 4),
                "fresh_people_exited_mean": round(float(fresh[:, y].mean()), 1),
                "fresh_people_exited_at_confidence": round(float(np.quantile(
                    fresh[:, y], 1 - confidence, method="inverted_cdf")), 1)}
        additions = []
        for addition in target.additions:
            zh, en = parameter_text(addition.field, "zh"), parameter_text(addition.field, "en")
            additions.append({"field": addition.field, "name_zh": zh.name, "unit_zh": zh.unit,
                              "unit_en": en.unit, "before": to_plain(addition.before),
                              "after": to_plain(addition.after),
                              "added": round(addition.added, 2),
                              "cost_yuan": round(addition.cost_yuan, 2),
                              "set": addition.set_argument()})
        return {"confidence": confidence,
                "cost_basis": self.scenario.optimizer.goal_cost,
                "met_within_limits": target.met, "reachable": target.reachable,
                "by_year": by_year, "additions": additions,
                "additions_cost_yuan": round(sum(a.cost_yuan for a in target.additions), 2),
                "set": target.set_arguments(),
                "blocked_by": target.blocked_by}


def check_budgets(budgets: np.ndarray, plan_years: int) -> None:
    """One finite, non-negative budget per plan year [yuan], or a ScenarioError saying which."""
    from simulator.errors import Problem, ScenarioError

    problems = []
    if len(budgets) != plan_years:
        problems.append(Problem("--budget", f"expected one budget per plan year ({plan_years}), "
                                f"found {len(budgets)}"))
    for year, value in enumerate(budgets, start=1):
        if not np.isfinite(value) or value < 0:
            problems.append(Problem(f"--budget (plan year {year})",
                                    f"expected a finite amount in yuan ≥ 0, found {value}"))
    if problems:
        raise ScenarioError(problems)


def optimize(scenario: Scenario, *, registry: Registry | None = None,
             budgets: Sequence[float] | None = None, objective: str | None = None,
             solver: str | None = None, time_limit: float | None = None,
             reps: int | None = None, seed: int | None = None, frontier: bool = False,
             workers: int = 1, goal: str | None = None, progress=None) -> AllocationResult:
    """Allocate the yearly budgets to maximise stable exits — or, under the goal "targets", to
    meet the yearly exit targets at least cost — and evaluate the plan honestly.

    Parameters
    ----------
    scenario : Scenario
    registry : Registry, optional
        Households (default: the scenario's population).
    budgets : sequence of float, optional
        Budget for each plan year [yuan] (default: ``budget.yearly_yuan``).
    objective : {"expected", "cvar"}, optional
    solver : {"highs", "cbc"}, optional
    time_limit : float, optional
        Solver time limit per solve [s].
    reps, seed : int, optional
        Replications and seed of the in-sample run; the evaluation uses
        ``seed + optimizer.evaluation_seed_offset``.
    frontier : bool
        Also solve over ``optimizer.frontier_budget_factors`` × the budgets (the
        budget–added-stable-exits frontier) and find the smallest multiple of the budgets whose
        plan meets the exit targets (goal "exits" only).
    goal : {"exits", "targets"}, optional
        Default ``optimizer.goal``. "targets": the least-cost allocation meeting every yearly
        exit target in ``budget.confidence`` of replications, or the cheapest additions of
        money and capacity that make one possible
        (:func:`simulator.optimizer.meet_targets.meet_targets`); the plan is evaluated with the
        additions made.
    progress : callable, optional
        ``progress(done, total)``, or a :class:`simulator.progress.StageReporter` that is also
        told when each stage starts.

    Returns
    -------
    AllocationResult
    """
    registry = population_of(scenario) if registry is None else registry
    reps = scenario.simulation.replications if reps is None else reps
    seed = scenario.simulation.seed if seed is None else seed
    budgets = np.asarray(scenario.budget.yearly_yuan if budgets is None else budgets, float)
    check_budgets(budgets, scenario.horizon.plan_years)
    packages = allocation_packages(scenario, registry)
    cands = build_candidates(scenario, registry, reps=reps, seed=seed, packages=packages,
                             workers=workers,
                             progress=stage(progress, "simulating every package (in-sample)"))
    goal = goal or scenario.optimizer.goal
    if goal == "targets":
        return _for_targets(cands, budgets, solver=solver, time_limit=time_limit, seed=seed,
                            workers=workers, progress=progress)
    stage(progress, "solving the allocation", unit="")
    # The model itself is not kept (about 30 MB of PuLP objects on ruyuan-2016): nothing reads
    # it after the solve, and the fresh candidate run comes next.
    solution = solve_allocation(cands, budgets, objective=objective, solver=solver,
                                time_limit=time_limit)[0]
    free = None
    if scenario.policy.every_household_a_measure:
        # what 帮扶全覆盖 costs: the same candidates with 'none' open to every household (solved
        # before the fresh run, whose arrays would otherwise be held beside the second model)
        stage(progress, "the plan without the coverage rule", unit="")
        feasible = cands.feasible.copy()
        feasible[:, 0] = True
        free = solve_allocation(replace(cands, feasible=feasible), budgets,
                                objective=objective, solver=solver,
                                time_limit=time_limit)[0]
    # The solves' PuLP objects are cyclic garbage until a full collection: collected now, the
    # fresh run reuses their memory instead of growing the process beside them
    gc.collect()
    result = judge_allocation(cands, budgets, solution,
                              objective=objective or scenario.optimizer.objective,
                              solver=solver or scenario.optimizer.solver,
                              evaluation_seed=seed + scenario.optimizer.evaluation_seed_offset,
                              workers=workers, progress=progress)
    if free is not None:
        result = replace(result, without_coverage_rule=evaluate(
            result.evaluation_set, "without_coverage_rule", free.choice))
    if not frontier:
        return result
    points = budget_frontier(cands, result.evaluation_set, budgets,
                             scenario.optimizer.frontier_budget_factors, solver=solver,
                             time_limit=time_limit,
                             progress=stage(progress, "budget frontier", unit="levels"),
                             plan=solution)
    stage(progress, "smallest budget meeting the exit targets", unit="")
    target = smallest_budget_for_targets(cands, budgets, points, solver=solver,
                                         time_limit=time_limit)
    return replace(result, frontier=points, target_budget=target)


def _for_targets(cands: CandidateSet, budgets: np.ndarray, *, solver: str | None,
                 time_limit: float | None, seed: int, workers: int, progress=None
                 ) -> AllocationResult:
    """The goal "targets": the least-cost plan meeting the exit targets (with the additions it
    takes made to the scenario and budgets it is judged under), evaluated like any plan."""
    from simulator.optimizer.meet_targets import meet_targets

    scenario = cands.scenario
    stage(progress, "meeting the exit targets at least cost", unit="")
    target = meet_targets(cands, budgets, solver=solver, time_limit=time_limit,
                          workers=workers)
    raised = replace(cands, scenario=target.scenario)
    result = judge_allocation(raised, target.budgets, target.solution, objective="expected",
                              solver=solver or scenario.optimizer.solver,
                              evaluation_seed=seed + scenario.optimizer.evaluation_seed_offset,
                              workers=workers, progress=progress)
    return replace(result, target_plan=target)


def allocation_packages(scenario: Scenario, registry: Registry) -> list[Package]:
    """The packages an allocation chooses from: the candidates, and the packages of the simple
    rules it is compared with (so that they are evaluated on the same replications)."""
    packages = candidate_packages(scenario, registry)
    for package in rule_packages(scenario):
        if package not in packages:
            packages.append(package)
    return packages


def judge_allocation(cands: CandidateSet, budgets: np.ndarray, solution: Solution, *,
                     objective: str, solver: str, evaluation_seed: int, workers: int = 1,
                     progress=None) -> AllocationResult:
    """A solved allocation's honest figures: the budgets' shadow prices, and the allocation and
    the simple rules with the same money on fresh replications (seed ``evaluation_seed``)."""
    scenario = cands.scenario
    # Shadow prices: the budget rows' prices at the minimum of the Lagrangian, which equals the
    # LP relaxation of the expected objective (its duals, in 万元). The expected solve has them
    # already; the risk-aware one prices other rows, so the expected prices are computed anew.
    prices = price_rows(cands, budgets)
    shadow = solution.budget_duals if objective == "expected" and solution.budget_duals else \
        prices.budget_duals()
    # Every package on fresh replications (the same run whatever the allocation: a budget
    # changed, it is the cached one), then the allocation itself as a plan, incomes kept — on
    # the same random numbers, so its figures are the candidate run's for its packages.
    evaluation_set = build_candidates(
        scenario, cands.registry, reps=cands.result.reps, seed=evaluation_seed,
        packages=cands.packages, workers=workers,
        progress=stage(progress, "simulating every package (fresh replications)"))
    plan_run = simulate(scenario, Plan.from_choice(cands.packages, solution.choice, "optimised"),
                        registry=cands.registry, reps=cands.result.reps, seed=evaluation_seed,
                        workers=workers,
                        progress=stage(progress, "the plan's incomes (fresh replications)"))
    optimised = evaluate(evaluation_set, "optimised", solution.choice)
    baselines = {name: evaluate(evaluation_set, name, rule(cands, budgets))
                 for name, rule in BASELINES.items()}
    return AllocationResult(scenario=scenario, registry=cands.registry, budgets=budgets,
                            candidates=cands, evaluation_set=evaluation_set, solution=solution,
                            shadow_price=shadow, optimised=optimised, baselines=baselines,
                            objective=objective, solver=solver,
                            prices=row_prices(cands, budgets, prices.rows, prices.multipliers),
                            lp_prices=prices, plan_run=plan_run)
