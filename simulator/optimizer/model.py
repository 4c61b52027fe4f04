"""The allocation MILP, written with PuLP (the only module of tuopin that imports it).

Variables: ``x[h,k]`` binary — household h gets package k (one package per household; only
packages the household is eligible for); ``sites[t,y]`` integer — PV sites opened in township t
in plan year y when sites are lumpy (a site of ≥ ``site_min_kw`` serves ``site_min_kw /
land_kw_per_household`` households and costs a fixed amount); ``short[y]`` ≥ 0 — shortfall
against the soft exit targets.

Objective ``expected``: maximise Σ P(stable exit)·x − penalty · shortfall.
Goal ``targets``: minimise the plan's cost (outlays, gross or net, and PV sites) subject to each
year's exit target plus a margin, with ``add[l]`` ≥ 0 — units added to a limit l at its cost —
when the limits may be raised (then a heavily penalised shortfall says a target is out of reach).
Objective ``cvar``: maximise (1 − λ)·E[S] + λ·T − penalty · shortfall, where S is the number of
stable exits in a replication and T is bounded by cutting planes T ≤ Σ_r w_r S_r for the worst
(1 − α) share of replications (sample-average CVaR of the lower tail; the expected shortfall
E[S] − T is what λ weighs). Budgets under the ``confidence`` rule are kept with the same kind of
cuts on the CVaR of each year's outlays. Cuts are added until the modelled and true values agree,
or a round cap is reached, in which case the remaining difference is reported.

Every constraint has a stable name so reports can say which limit binds; anything but an optimal
(or time-limited feasible) status raises. How the model is solved is in
:mod:`simulator.optimizer.strategies`; why it has no solution, in
:mod:`simulator.optimizer.diagnosis`.
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pulp

from simulator.errors import TuopinError
from simulator.optimizer.candidates import CandidateSet
from simulator.optimizer.highs import consume_banner
from simulator.optimizer.rows import BUDGET_FIELD, MONEY_UNIT, SITE_CAP_FIELD, coupling_rows
from simulator.optimizer.sites import SiteRules

INTEGRALITY_TOLERANCE = 1e-6
"""A relaxed variable within this of 0 or 1 counts as integral."""

TARGET_SHORTFALL_PENALTY = 1e6
"""Goal "targets" with limits that may be raised: 万元 per person short of an exit target —
above any plan's cost, so a shortfall is left only where no addition can close it (engineering
choice: 100 亿元 a person, beyond any county budget)."""

TARGET_TIE_BREAK = 1e-4
"""Goal "targets": 万元 (1 yuan) per expected stable exit, so that of two allocations of
equal cost the one with more stable exits is taken (engineering choice: far below any
package's cost difference)."""






@dataclass
class Solution:
    """A solved allocation."""

    choice: np.ndarray
    """(H,) index of the package each household gets."""
    objective: float
    """Objective value of the model (in-sample)."""
    bound: float | None
    """Best proven bound on the objective (None when the solver does not report one)."""
    gap: float | None
    """Relative optimality gap proven by the solver."""
    status: str
    build_seconds: float
    solve_seconds: float
    cut_rounds: int = 0
    sites: dict[tuple[str, int], int] = field(default_factory=dict)
    """PV sites opened per (township, plan year)."""
    exit_target_shortfall: list[float] = field(default_factory=list)
    """People short of the cumulative exit target by the end of each plan year."""
    binding: list[str] = field(default_factory=list)
    """Names of constraints with (near) zero slack."""
    cvar_residual: float = 0.0
    """How far the modelled lower-tail mean is above the true one at the solution."""
    budget_duals: list[float] = field(default_factory=list)
    """Shadow price of each plan year's budget in the LP relaxation [objective per 万元]."""
    kept_for_rule: dict[int, str] = field(default_factory=dict)
    """Households whose package adds nothing in-sample but a policy rule needs, with the
    scenario field of that rule (:func:`simulator.optimizer.idle.take_back_idle`)."""


@dataclass(frozen=True, eq=False)
class Cut:
    """A cutting plane kept across models: ``tail`` (T ≤ Σ coefficient·x) or ``budget``
    (Σ coefficient·x + site costs ≤ budget of ``year``)."""

    kind: str
    coefficient: np.ndarray
    """(H, K) coefficient of each x[h,k] (stable exits, or 万元)."""
    year: int = 0


def tail_cut(cands: CandidateSet, weights: np.ndarray) -> Cut:
    """Cut of the lower-tail mean of stable exits for tail weights over replications."""
    coefficient = np.stack([weights @ cands.stable[k] for k in range(cands.n_packages)])
    return Cut("tail", coefficient.T)


def budget_cut(cands: CandidateSet, year: int, weights: np.ndarray) -> Cut:
    """Cut of the upper-tail mean of a plan year's outlays for tail weights over
    replications."""
    return Cut("budget", cands.tail_cost(weights, year) / MONEY_UNIT, year)


class SolverError(TuopinError):
    """The solver stopped without a usable answer (the model is written for inspection)."""


@dataclass
class _Settings:
    budgets: np.ndarray
    objective: str
    solver: str
    time_limit: float
    mip_gap: float
    relax: bool = False
    elastic: bool = False
    budget_rule: str = "expected"
    goal: str = "exits"
    """"exits" (the most stable exits), "targets" (the least cost that meets the exit targets:
    :mod:`simulator.optimizer.meet_targets`) or "closest" (the fewest people short of the
    targets out of reach, the others kept)."""
    target_margin: tuple[float, ...] = ()
    """Under "targets": people added to each plan year's cumulative exit target, so that the
    target is met in enough replications, not only on average."""
    budget_margin: tuple[float, ...] = ()
    """Under "targets": yuan taken off each plan year's budget, so that outlays fit it in enough
    replications (``budget.rule = "confidence"``)."""
    soft_targets: tuple[bool, ...] = ()
    """Under "targets": plan years whose target no allocation reaches, even in expectation: their
    rows get a heavily penalised shortfall (the plan comes as close as it can)."""
    soft_shortfall_cap: float | None = None
    """Under "targets": most people short, summed over the years out of reach (what the goal
    "closest" found possible): the least-cost plan comes that close."""
    additions: dict[str, float] | None = None
    """Under "targets": the limits that may be raised (dotted path of the field that sets each
    — ``budget.yearly_yuan``, ``capacities.job_slots_per_year``…) with what one more unit of
    the field costs [yuan]; None keeps every limit hard."""


class _StartedHiGHS(pulp.HiGHS):
    """HiGHS through PuLP, handed an allocation to start from before it runs: a MILP that
    begins with a good incumbent prunes its search from the first node."""

    def __init__(self, start: Callable[[], tuple[np.ndarray, np.ndarray]], **options: Any):
        super().__init__(**options)
        self.start = start

    def callSolver(self, lp: pulp.LpProblem) -> None:
        # the columns' indices are known once PuLP has built the solver's model, just before
        indices, values = self.start()
        with contextlib.suppress(TypeError):  # a HiGHS without partial starts solves without
            lp.solverModel.setSolution(len(indices), indices, values)
        super().callSolver(lp)


def _solver(settings: _Settings,
            start: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None) -> pulp.LpSolver:
    if settings.solver == "highs":
        consume_banner()
        options = dict(msg=False, timeLimit=settings.time_limit, gapRel=settings.mip_gap,
                       mip=not settings.relax)
        return pulp.HiGHS(**options) if start is None or settings.relax \
            else _StartedHiGHS(start, **options)
    if settings.solver == "cbc":
        # PuLP 3.x bundles CBC as PULP_CBC_CMD and warns that 4.x will not (pulp[cbc] and
        # COIN_CMD then); tuopin pins pulp < 4, so the warning is noise here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return pulp.PULP_CBC_CMD(msg=False, timeLimit=settings.time_limit,
                                     gapRel=settings.mip_gap, mip=not settings.relax)
    raise ValueError(f"unknown solver {settings.solver!r}")


class AllocationModel:
    """The MILP for one candidate set and one set of budgets."""

    def __init__(self, cands: CandidateSet, settings: _Settings,
                 allowed: np.ndarray | None = None, cuts: Sequence[Cut] = ()) -> None:
        started = time.perf_counter()
        self.cands = cands
        self.settings = settings
        self.site_rules = SiteRules.of(cands.scenario)
        self.prob = pulp.LpProblem("tuopin_allocation", pulp.LpMaximize)
        cat = pulp.LpContinuous if settings.relax else pulp.LpBinary
        allowed = cands.feasible if allowed is None else allowed
        self.pairs = [(int(h), int(k)) for h, k in zip(*np.nonzero(allowed), strict=True)]
        self.x = {(h, k): self.prob.add_variable(f"x_{h}_{k}", 0, 1, cat)
                  for h, k in self.pairs}
        self.by_package: dict[int, list[int]] = {k: [] for k in range(cands.n_packages)}
        for h, k in self.pairs:
            self.by_package[k].append(h)
        self.elastic: dict[str, pulp.LpVariable] = {}
        self.added: dict[tuple[str, Any], pulp.LpVariable] = {}
        """Units added to each limit that may be raised (goal "targets"): (field, year, row
        name or None) → variable."""
        self.cuts = 0
        self.solve_seconds = 0.0
        """Seconds spent solving (and re-solving in place) so far."""
        self.solver_rows: dict[str, tuple[int, float, float, float]] = {}
        """Cuts added to the solver's copy only (:meth:`resolve_with`): name → (row index,
        right-hand side, row dual, row slack)."""
        self._assignment()
        self._sites()
        self._rows()
        self._objective()
        for cut in cuts:
            self.apply(cut)
        self.build_seconds = time.perf_counter() - started

    # -- pieces -------------------------------------------------------------------------------

    def _expr(self, terms: Sequence[tuple[pulp.LpVariable, float]]) -> pulp.LpAffineExpression:
        return pulp.LpAffineExpression([(v, float(c)) for v, c in terms if c != 0])

    def _add(self, constraint: pulp.LpConstraint, name: str) -> None:
        self.prob += constraint, name

    def _assignment(self) -> None:
        rows: dict[int, list] = {}
        for h, k in self.pairs:
            rows.setdefault(h, []).append((self.x[h, k], 1.0))
        for h, terms in rows.items():
            self._add(self._expr(terms) == 1, f"one_package_{h}")

    def _packages_with(self, key: str, start_year: int | None = None) -> list[int]:
        uses = self.cands.uses(key, start_year)
        return [k for k in range(self.cands.n_packages) if uses[k]]

    def _sites(self) -> None:
        """PV sites: integer counts per township and plan year where sites are lumpy."""
        rules = self.site_rules
        self.site_vars: dict[tuple[str, int], pulp.LpVariable] = {}
        if not rules.lumpy:
            return
        per_site = rules.households_per_site
        townships = self.cands.registry.township
        cat = pulp.LpContinuous if self.settings.relax else pulp.LpInteger
        for t_index, town in enumerate(sorted(set(townships.tolist()))):
            members = townships == town
            opened = []
            for year in range(self.cands.plan_years):
                site = self.prob.add_variable(f"sites_{t_index}_{year}", 0, None, cat)
                self.site_vars[(town, year)] = site
                opened.append((site, float(per_site)))
                served = [(self.x[h, k], 1.0) for k in self._packages_with("pv")
                          for h in self.by_package[k]
                          if members[h] and self._pv_start(k) <= year]
                self._add(self._expr(served) - self._expr(opened) <= 0,
                          f"pv_sites_{t_index}_{year}")
            if rules.cap_per_township is not None:
                raised = self._site_cap_addition()
                self._add(self._expr([(v, 1.0) for v, _ in opened]) - raised
                          <= rules.cap_per_township, f"pv_site_cap_{t_index}")

    def _site_cap_addition(self) -> pulp.LpAffineExpression:
        """Sites added to every township's cap (goal "targets", when the cap may be raised)."""
        additions = self.settings.additions
        if additions is None or SITE_CAP_FIELD not in additions:
            return pulp.LpAffineExpression()
        key = (SITE_CAP_FIELD, None)
        if key not in self.added:
            self.added[key] = self.prob.add_variable(f"add_{len(self.added)}", 0, None)
        return pulp.LpAffineExpression([(self.added[key], 1.0)])

    def _pv_start(self, k: int) -> int:
        return next(v.start_year for v in self.cands.packages[k].variants if v.key == "pv")

    def _rows(self) -> None:
        """Budgets, capacities and policy rules (:mod:`simulator.optimizer.rows`)."""
        site_cost = self.site_rules.fixed_cost_yuan / MONEY_UNIT
        households = np.array([h for h, _ in self.pairs], dtype=np.int64)
        packages = np.array([k for _, k in self.pairs], dtype=np.int64)
        variables = [self.x[pair] for pair in self.pairs]
        self.budget_names = []
        self.short: list[pulp.LpVariable | None] = []
        """Each plan year's shortfall against its exit target (None where the target is hard)."""
        settings = self.settings
        targets = settings.goal in ("targets", "closest")
        for row in coupling_rows(self.cands, settings.budgets):
            coefficients = row.at(households, packages)
            expression = pulp.LpAffineExpression(
                [(variables[i], float(coefficients[i])) for i in np.flatnonzero(coefficients)])
            rhs = row.rhs
            if row.kind == "budget":
                self.budget_names.append(row.name)
                expression += self._expr([(site, site_cost) for (_, y), site
                                          in self.site_vars.items() if y == row.year])
                if settings.budget_margin:
                    rhs -= settings.budget_margin[row.year] / MONEY_UNIT
            elif row.kind == "exit_target":
                if targets and settings.target_margin:
                    rhs += settings.target_margin[row.year]
                short = None
                if not targets or settings.additions is not None or self._soft(row.year) \
                        or settings.goal == "closest":
                    short = self.prob.add_variable(f"exit_shortfall_{row.year}", 0, None)
                    expression += short
                self.short.append(short)
            elif row.elastic is not None:
                slack = self._elastic(row.elastic)
                expression += slack if row.sense == ">=" else -slack
            added = self._addition(row)
            if added is not None:
                expression += -added if row.sense == "<=" else added
            if row.sense == "<=":
                self._add(expression <= rhs, row.name)
            else:
                self._add(expression >= rhs, row.name)

    def _soft(self, year: int) -> bool:
        """Whether a plan year's target is out of reach (goal "targets": soft)."""
        soft = self.settings.soft_targets
        return bool(soft) and soft[year]

    def _addition(self, row: Any) -> pulp.LpAffineExpression | None:
        """How much a raised limit adds to ``row``'s right-hand side, in the row's units (None
        where its limit may not be raised). One variable per field, in the field's units, shared
        by every row the field sets (each year's job slots); a limit that is no one field's value
        (an enterprise's absorption) gets a variable per row, in the row's units."""
        additions = self.settings.additions
        if additions is None or row.limit not in additions or row.kind == "exit_target":
            return None
        if row.kind == "budget":
            key = (row.limit, row.year)  # money is added year by year
            scale = 1.0
        elif row.per_limit is not None:
            key, scale = (row.limit, None), float(row.per_limit)
        else:
            key, scale = (row.limit, row.name), 1.0
        if key not in self.added:
            name = f"add_{len(self.added)}"
            self.added[key] = self.prob.add_variable(name, 0, None)
        return pulp.LpAffineExpression([(self.added[key], scale)])

    def _elastic(self, name: str) -> pulp.LpAffineExpression:
        """A non-negative slack on a policy row, used only when diagnosing infeasibility."""
        if not self.settings.elastic:
            return pulp.LpAffineExpression()
        slack = self.prob.add_variable(f"elastic_{name}", 0, None)
        self.elastic[name] = slack
        return pulp.LpAffineExpression([(slack, 1.0)])

    def _objective(self) -> None:
        if self.settings.goal in ("targets", "closest"):
            self._least_cost()
            return
        cands, settings = self.cands, self.cands.scenario.optimizer
        expected = [(self.x[h, k], cands.p_stable[h, k]) for h, k in self.pairs]
        penalty = [(s, -settings.exit_target_penalty) for s in self.short if s is not None]
        objective = self._expr(expected + penalty)
        if self.settings.objective == "cvar":
            weight = settings.cvar_weight
            self.tail = self.prob.add_variable("tail_mean_stable_exits", None, None)
            objective = self._expr([(v, (1 - weight) * c) for v, c in expected] + penalty
                                   + [(self.tail, weight)])
            # initial cut: the lower-tail mean never exceeds the mean
            self._add(pulp.LpAffineExpression([(self.tail, 1.0)]) - self._expr(expected) <= 0,
                      "tail_cut_0")
        if self.settings.elastic:
            objective = pulp.LpAffineExpression(
                [(slack, -1.0) for slack in self.elastic.values()])
        self.prob.setObjective(objective)

    def _least_cost(self) -> None:
        """Goal "targets": minimise outlays (gross or net of what comes back), PV sites and the
        cost of raised limits [万元], a stable exit breaking ties."""
        cands = self.cands
        cost = cands.cost.sum(axis=2)
        if cands.scenario.optimizer.goal_cost == "net":
            cost = cost - cands.recovered
        terms = [(self.x[h, k], cost[h, k] / MONEY_UNIT - TARGET_TIE_BREAK * cands.p_stable[h, k])
                 for h, k in self.pairs]
        site_cost = self.site_rules.fixed_cost_yuan / MONEY_UNIT
        terms += [(site, site_cost) for site in self.site_vars.values()]
        prices = self.settings.additions or {}
        for (limit, where), variable in self.added.items():
            # money added to a budget costs nothing more: what it buys is counted as outlays
            if limit != BUDGET_FIELD:
                # a limit raised row by row is a money row (an enterprise's absorption, in 万元
                # priced per yuan); one raised field by field is in the field's units
                unit = MONEY_UNIT if isinstance(where, str) else 1.0
                terms.append((variable, prices[limit] * unit / MONEY_UNIT))
        soft = [(s, 1.0) for y, s in enumerate(self.short) if s is not None and self._soft(y)]
        hard = [(s, TARGET_SHORTFALL_PENALTY) for y, s in enumerate(self.short)
                if s is not None and not self._soft(y)]
        cap = self.settings.soft_shortfall_cap
        if soft and cap is not None:
            self._add(self._expr(soft) <= cap, "closest_to_targets")
        if self.settings.goal == "closest":
            # the targets out of reach come as close as they can (people short, not cost); the
            # others do not bind here
            self.prob.setObjective(self._expr([(v, -c) for v, c in soft]))
            return
        terms += hard
        self.prob.setObjective(self._expr([(v, -c) for v, c in terms]))

    def additions(self) -> dict[tuple[str, Any], float]:
        """Units added to each raised limit at the solution (goal "targets")."""
        return {key: float(v.varValue or 0.0) for key, v in self.added.items()}

    # -- cuts ---------------------------------------------------------------------------------

    def apply(self, cut: Cut) -> None:
        """Add a cutting plane to this model."""
        terms = [(self.x[h, k], cut.coefficient[h, k]) for h, k in self.pairs]
        self.cuts += 1
        if cut.kind == "tail":
            self._add(pulp.LpAffineExpression([(self.tail, 1.0)]) - self._expr(terms) <= 0,
                      f"tail_cut_{self.cuts}")
            return
        site_cost = self.site_rules.fixed_cost_yuan / MONEY_UNIT
        terms += [(site, site_cost) for (_, y), site in self.site_vars.items()
                  if y == cut.year]
        self._add(self._expr(terms) <= float(self.settings.budgets[cut.year]) / MONEY_UNIT,
                  f"budget_confidence_{cut.year}_{self.cuts}")

    def resolve_with(self, cut: Cut) -> bool:
        """Add ``cut`` to the solver's copy of a solved model and re-solve it (an LP warm from
        its basis; a MILP anew, without building it again through PuLP).

        Returns False when the model cannot be re-solved in place (not HiGHS, or no optimal
        solution); the caller then rebuilds. Much faster than rebuilding when cuts are added
        one round at a time.
        """
        highs = getattr(self.prob, "solverModel", None)
        if self.settings.solver != "highs" or highs is None:
            return False
        import highspy

        # Only the solver's copy gets the row: building the PuLP expression too would cost
        # as much as the re-solve. A model that cannot be re-solved in place is rebuilt from
        # the cut pool by the caller.
        self.cuts += 1
        columns = [(var.index, cut.coefficient[h, k]) for (h, k), var in self.x.items()
                   if cut.coefficient[h, k] != 0]
        if cut.kind == "tail":
            columns = [(i, -c) for i, c in columns] + [(self.tail.index, 1.0)]
            low, high = -highspy.kHighsInf, 0.0
            name = f"tail_cut_{self.cuts}"
        else:
            site_cost = self.site_rules.fixed_cost_yuan / MONEY_UNIT
            columns += [(site.index, site_cost) for (_, y), site in self.site_vars.items()
                        if y == cut.year]
            low = -highspy.kHighsInf
            high = float(self.settings.budgets[cut.year]) / MONEY_UNIT
            name = f"budget_confidence_{cut.year}_{self.cuts}"
        indices, values = zip(*columns, strict=True)
        start = self._start_after_tail_cut(highs, indices, values) \
            if cut.kind == "tail" and not self.settings.relax else None
        highs.addRow(low, high, len(indices), np.array(indices, dtype=np.int32),
                     np.array(values, dtype=float))
        self.solver_rows[name] = (highs.getNumRow() - 1, high, 0.0, high)
        if start is not None:
            highs.setSolution(start)
        started = time.perf_counter()
        highs.run()
        self.solve_seconds += time.perf_counter() - started
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return False
        # every value, reduced cost, dual and slack, as after a solve through PuLP
        self.prob.solver.findSolutionValues(self.prob)
        solution = highs.getSolution()
        for name, (row, rhs, _dual, _slack) in self.solver_rows.items():
            self.solver_rows[name] = (row, rhs, solution.row_dual[row],
                                      rhs - solution.row_value[row])
        return True

    def _start_after_tail_cut(self, highs: Any, indices: Sequence[int],
                              values: Sequence[float]) -> Any:
        """The MILP's last solution with its tail value lowered to what the new cut allows
        (the cut's row is ``tail − Σ coefficient·x ≤ 0``): still feasible, so the re-solve
        starts from a good allocation instead of searching for one."""
        solution = highs.getSolution()
        if not solution.value_valid:
            return None
        columns = list(solution.col_value)
        tail = self.tail.index
        allowed = -sum(c * columns[i] for i, c in zip(indices, values, strict=True)
                       if i != tail)
        columns[tail] = min(columns[tail], allowed)
        solution.col_value = columns
        return solution

    def values(self) -> np.ndarray:
        """(H, K) solved values of x (0 where a pair is not in the model)."""
        out = np.zeros(self.cands.feasible.shape)
        for (h, k), var in self.x.items():
            out[h, k] = var.varValue or 0.0
        return out

    def site_cost_by_year(self) -> np.ndarray:
        """(P,) fixed cost of the PV sites the solution opens in each plan year [yuan]."""
        cost = np.zeros(self.cands.plan_years)
        site_cost = self.site_rules.fixed_cost_yuan
        for (_, year), site in self.site_vars.items():
            cost[year] += site_cost * (site.varValue or 0.0)
        return cost

    # -- solving ------------------------------------------------------------------------------

    def solve(self, write_on_failure: Path | None = None, *, fail_quietly: bool = False,
              start: np.ndarray | None = None) -> tuple[str, float]:
        """Solve; return (status name, seconds). Raises unless a usable solution exists —
        or, with ``fail_quietly``, returns "Not solved" (for a caller that keeps a solution
        from an earlier round and does not need the model written out). ``start`` (H,): an
        allocation the model allows, handed to HiGHS as its first incumbent (the solver fills
        in the other columns)."""
        started = time.perf_counter()
        self.prob.solve(_solver(self.settings, None if start is None
                                else lambda: self._start_columns(start)))
        seconds = time.perf_counter() - started
        self.solve_seconds += seconds
        status = pulp.LpStatus[self.prob.status]
        if self.prob.status == pulp.LpStatusInfeasible:
            return "Infeasible", seconds
        if self.prob.status != pulp.LpStatusOptimal or \
                self.prob.sol_status not in (pulp.LpSolutionOptimal,
                                             pulp.LpSolutionIntegerFeasible):
            if fail_quietly:
                return "Not solved", seconds
            path = write_on_failure or Path("tuopin-failed-model.mps")
            self.prob.writeMPS(str(path))
            raise SolverError(f"the solver stopped with status {status!r} and no usable "
                              f"solution; the model is written to {path}")
        if self.prob.sol_status == pulp.LpSolutionIntegerFeasible:
            status = "Feasible (time limit)"
        return status, seconds

    def _start_columns(self, choice: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The assignment columns of the allocation ``choice``: (column indices, 0/1 values)."""
        indices = np.fromiter((var.index for var in self.x.values()), dtype=np.int32,
                              count=len(self.x))
        values = np.fromiter((float(choice[h] == k) for h, k in self.x), dtype=float,
                             count=len(self.x))
        return indices, values

    def objective_value(self) -> float:
        """The objective at the solver's solution (0 when there is none)."""
        return float(pulp.value(self.prob.objective) or 0.0)

    def choice(self) -> np.ndarray:
        """(H,) the package with the largest x for each household."""
        best = np.zeros(self.cands.n_households, dtype=np.int64)
        value = np.full(self.cands.n_households, -1.0)
        for (h, k), var in self.x.items():
            v = var.varValue or 0.0
            if v > value[h] + 1e-9:
                value[h], best[h] = v, k
        return best

    def bound_and_gap(self) -> tuple[float | None, float | None]:
        """Best bound and relative gap as the solver reports them."""
        model = getattr(self.prob, "solverModel", None)
        if self.settings.solver != "highs" or model is None or self.settings.relax:
            return None, None
        info = model.getInfo()
        bound = -info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None
        gap = info.mip_gap if math.isfinite(info.mip_gap) else None
        return bound, gap

    def budget_duals(self) -> list[float]:
        """What one more 万元 in each plan year adds to the objective (LP relaxations).

        A year's budget is the right-hand side of its expected-spending row and of every
        confidence cut on that year's spending (``budget.rule = "confidence"``), so the
        derivative of the optimum with respect to the budget is the sum of their duals: under
        the confidence rule the cuts bind while the expected-spending row has slack.
        """
        rows = [(name, constraint.pi) for name, constraint in self.prob._constraints.items()]
        rows += [(name, dual) for name, (_row, _rhs, dual, _slack) in self.solver_rows.items()]
        duals = [0.0] * len(self.budget_names)
        for year, name in enumerate(self.budget_names):
            cut = f"budget_confidence_{year}_"
            for cname, pi in rows:
                if cname == name or cname.startswith(cut):
                    duals[year] += abs(pi or 0.0)
        return duals

    def binding(self, tolerance: float = 1e-6) -> list[str]:
        """Names of inequality rows (other than one-package rows) with no slack left."""
        names = []
        for name, constraint in self.prob._constraints.items():
            if name.startswith("one_package_") or constraint.slack is None:
                continue
            if constraint.sense != pulp.LpConstraintEQ and abs(constraint.slack) <= \
                    tolerance * max(1.0, abs(constraint.constant)):
                names.append(name)
        for name, (_row, rhs, _dual, slack) in self.solver_rows.items():
            if abs(slack) <= tolerance * max(1.0, abs(rhs)):
                names.append(name)
        return names


def tail_weights(values: np.ndarray, share: float, lower: bool) -> np.ndarray:
    """Weights of the CVaR tail: mean over the worst ``share`` of replications (fractional; a
    share below one replication's is the worst one, the limit of the tail mean)."""
    count = len(values)
    mass = max(share * count, 1.0)
    order = np.argsort(values if lower else -values, kind="stable")
    weights = np.zeros(count)
    full = math.floor(mass)
    weights[order[:full]] = 1.0
    if full < count and mass > full:
        weights[order[full]] = mass - full
    return weights / mass


def tail_mean(values: np.ndarray, share: float, lower: bool) -> float:
    """Mean of the worst ``share`` of values (lower tail of exits, upper tail of outlays)."""
    return float(tail_weights(values, share, lower) @ values)
