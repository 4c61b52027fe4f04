"""The allocation MILP, written with PuLP (the only module of tuopin that imports it).

Variables: ``x[h,k]`` binary — household h gets package k (one package per household; only
packages the household is eligible for); ``sites[t,y]`` integer — PV sites opened in township t
in plan year y when sites are lumpy (a site of ≥ ``site_min_kw`` serves ``site_min_kw /
land_kw_per_household`` households and costs a fixed amount); ``short[y]`` ≥ 0 — shortfall
against the soft exit targets.

Objective ``expected``: maximise Σ P(stable exit)·x − penalty · shortfall.
Objective ``cvar``: maximise (1 − λ)·E[S] + λ·T − penalty · shortfall, where S is the number of
stable exits in a replication and T is bounded by cutting planes T ≤ Σ_r w_r S_r for the worst
(1 − α) share of replications (sample-average CVaR of the lower tail; the expected shortfall
E[S] − T is what λ weighs). Budgets under the ``confidence`` rule are kept with the same kind of
cuts on the CVaR of each year's outlays. Cuts are added until the modelled and true values agree,
or a round cap is reached, in which case the remaining difference is reported.

Every constraint has a stable name so reports can say which limit binds; anything but an optimal
(or time-limited feasible) status raises, infeasibility with a diagnosis of what cannot be met.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pulp

from simulator.errors import InfeasibleError, Problem, TuopinError
from simulator.interventions.pv import households_per_site
from simulator.optimizer.candidates import MONEY_TOLERANCE_YUAN, CandidateSet
from simulator.optimizer.lagrangian import Tail, price_rows
from simulator.optimizer.rows import MONEY_UNIT, coupling_rows

INTEGRALITY_TOLERANCE = 1e-6
"""A relaxed variable within this of 0 or 1 counts as integral."""

LP_CUT_ROUNDS = 60
"""Most cutting-plane rounds on the LP relaxation (each a warm re-solve) before integer rounds.
Kelley's cutting planes converge slowly on the CVaR term; past this cap the residual (how far
the modelled tail is above the true one) is reported rather than hidden."""

INTEGER_CUT_ROUNDS = 8
"""Most rounds of cuts on integer solutions (each an LP-first solve)."""

REDUCED_COST_NEIGHBOURHOOD = 0.02
"""Packages whose LP reduced cost is within this many stable exits of a household's LP choice
are offered to the heuristic MILP (on ruyuan-2016: about 11,000 of 70,000 pairs, and an
allocation within 0.002 % of the LP bound)."""

PRICED_NEIGHBOURHOOD = 0.002
"""The same neighbourhood around the Lagrangian's priced choice. Narrower, because the priced
values have many near-ties that the LP's basis breaks: at 20,000 households, 0.02 offered
69,000 pairs and the MILP took 75 s; 0.002 offered 31,000 and it took 6 s, and the allocation
was as close to the bound."""


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
    return Cut("tail", np.tensordot(weights, cands.stable, axes=([0], [1])).T)


def budget_cut(cands: CandidateSet, year: int, weights: np.ndarray,
               cost_reps: np.ndarray) -> Cut:
    """Cut of the upper-tail mean of a plan year's outlays; ``cost_reps`` is (K, R, H, P)."""
    coefficient = np.tensordot(weights, cost_reps[..., year], axes=([0], [1])).T
    return Cut("budget", coefficient / MONEY_UNIT, year)


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


_highs_banner_shown = False


def _swallow_highs_banner() -> None:
    """Make the process's first HiGHS object with the C-level stdout closed.

    HiGHS prints a copyright banner once per process, straight to file descriptor 1, when its
    first ``Highs`` object is made — whatever ``msg`` or ``output_flag`` say — so ``--json``
    output would not parse and every run would carry it. Making that first object with the
    descriptor pointed at /dev/null consumes the banner; later objects print nothing.
    """
    global _highs_banner_shown
    if _highs_banner_shown:
        return
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _highs_banner_shown = True


def _solver(settings: _Settings) -> pulp.LpSolver:
    if settings.solver == "highs":
        _swallow_highs_banner()
        return pulp.HiGHS(msg=False, timeLimit=settings.time_limit, gapRel=settings.mip_gap,
                          mip=not settings.relax)
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
        self.cuts = 0
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
        scenario = self.cands.scenario
        pv = scenario.instruments.pv
        capacities = scenario.capacities
        self.site_vars: dict[tuple[str, int], pulp.LpVariable] = {}
        if pv.site_fixed_cost_yuan <= 0 and capacities.pv_sites_per_township_max is None:
            return
        per_site = households_per_site(pv)
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
            if capacities.pv_sites_per_township_max is not None:
                self._add(self._expr([(v, 1.0) for v, _ in opened])
                          <= capacities.pv_sites_per_township_max, f"pv_site_cap_{t_index}")

    def _pv_start(self, k: int) -> int:
        return next(v.start_year for v in self.cands.packages[k].variants if v.key == "pv")

    def _rows(self) -> None:
        """Budgets, capacities and policy rules (:mod:`simulator.optimizer.rows`)."""
        site_cost = self.cands.scenario.instruments.pv.site_fixed_cost_yuan / MONEY_UNIT
        households = np.array([h for h, _ in self.pairs], dtype=np.int64)
        packages = np.array([k for _, k in self.pairs], dtype=np.int64)
        variables = [self.x[pair] for pair in self.pairs]
        self.budget_names = []
        self.short = []
        for row in coupling_rows(self.cands, self.settings.budgets):
            coefficients = row.at(households, packages)
            expression = pulp.LpAffineExpression(
                [(variables[i], float(coefficients[i])) for i in np.flatnonzero(coefficients)])
            if row.kind == "budget":
                self.budget_names.append(row.name)
                expression += self._expr([(site, site_cost) for (_, y), site
                                          in self.site_vars.items() if y == row.year])
            elif row.kind == "exit_target":
                short = self.prob.add_variable(f"exit_shortfall_{row.year}", 0, None)
                self.short.append(short)
                expression += short
            elif row.elastic is not None:
                slack = self._elastic(row.elastic)
                expression += slack if row.sense == ">=" else -slack
            if row.sense == "<=":
                self._add(expression <= row.rhs, row.name)
            else:
                self._add(expression >= row.rhs, row.name)

    def _elastic(self, name: str) -> pulp.LpAffineExpression:
        """A non-negative slack on a policy row, used only when diagnosing infeasibility."""
        if not self.settings.elastic:
            return pulp.LpAffineExpression()
        slack = self.prob.add_variable(f"elastic_{name}", 0, None)
        self.elastic[name] = slack
        return pulp.LpAffineExpression([(slack, 1.0)])

    def _objective(self) -> None:
        cands, settings = self.cands, self.cands.scenario.optimizer
        expected = [(self.x[h, k], cands.p_stable[h, k]) for h, k in self.pairs]
        penalty = [(s, -settings.exit_target_penalty) for s in self.short]
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

    # -- cuts ---------------------------------------------------------------------------------

    def apply(self, cut: Cut) -> None:
        """Add a cutting plane to this model."""
        terms = [(self.x[h, k], cut.coefficient[h, k]) for h, k in self.pairs]
        self.cuts += 1
        if cut.kind == "tail":
            self._add(pulp.LpAffineExpression([(self.tail, 1.0)]) - self._expr(terms) <= 0,
                      f"tail_cut_{self.cuts}")
            return
        site_cost = self.cands.scenario.instruments.pv.site_fixed_cost_yuan / MONEY_UNIT
        terms += [(site, site_cost) for (_, y), site in self.site_vars.items()
                  if y == cut.year]
        self._add(self._expr(terms) <= float(self.settings.budgets[cut.year]) / MONEY_UNIT,
                  f"budget_confidence_{cut.year}_{self.cuts}")

    def resolve_with(self, cut: Cut) -> bool:
        """Add ``cut`` to the solver's copy of a solved LP relaxation and re-solve it warm.

        Returns False when the model cannot be re-solved in place (not a HiGHS LP); the caller
        then rebuilds. Much faster than rebuilding when cuts are added one round at a time.
        """
        highs = getattr(self.prob, "solverModel", None)
        if not self.settings.relax or self.settings.solver != "highs" or highs is None:
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
        else:
            site_cost = self.cands.scenario.instruments.pv.site_fixed_cost_yuan / MONEY_UNIT
            columns += [(site.index, site_cost) for (_, y), site in self.site_vars.items()
                        if y == cut.year]
            low = -highspy.kHighsInf
            high = float(self.settings.budgets[cut.year]) / MONEY_UNIT
        indices, values = zip(*columns, strict=True)
        highs.addRow(low, high, len(indices), np.array(indices, dtype=np.int32),
                     np.array(values, dtype=float))
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return False
        solution = highs.getSolution().col_value
        for var in self.prob.variables():
            if getattr(var, "index", None) is not None and var.index < len(solution):
                var.varValue = solution[var.index]
        return True

    def values(self) -> np.ndarray:
        """(H, K) solved values of x (0 where a pair is not in the model)."""
        out = np.zeros(self.cands.feasible.shape)
        for (h, k), var in self.x.items():
            out[h, k] = var.varValue or 0.0
        return out

    def site_cost_by_year(self) -> np.ndarray:
        """(P,) fixed cost of the PV sites the solution opens in each plan year [yuan]."""
        cost = np.zeros(self.cands.plan_years)
        site_cost = self.cands.scenario.instruments.pv.site_fixed_cost_yuan
        for (_, year), site in self.site_vars.items():
            cost[year] += site_cost * (site.varValue or 0.0)
        return cost

    # -- solving ------------------------------------------------------------------------------

    def solve(self, write_on_failure: Path | None = None, *,
              fail_quietly: bool = False) -> tuple[str, float]:
        """Solve; return (status name, seconds). Raises unless a usable solution exists —
        or, with ``fail_quietly``, returns "Not solved" (for a caller that keeps a solution
        from an earlier round and does not need the model written out)."""
        started = time.perf_counter()
        self.prob.solve(_solver(self.settings))
        seconds = time.perf_counter() - started
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
        duals = [0.0] * len(self.budget_names)
        for year, name in enumerate(self.budget_names):
            cut = f"budget_confidence_{year}_"
            for cname, constraint in self.prob._constraints.items():
                if cname == name or cname.startswith(cut):
                    duals[year] += abs(constraint.pi or 0.0)
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
        return names


def tail_weights(values: np.ndarray, share: float, lower: bool) -> np.ndarray:
    """Weights of the CVaR tail: mean over the worst ``share`` of replications (fractional)."""
    count = len(values)
    mass = share * count
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


def solve_allocation(cands: CandidateSet, budgets: Sequence[float], *,
                     objective: str | None = None, solver: str | None = None,
                     time_limit: float | None = None, mip_gap: float | None = None,
                     relax: bool = False, max_rounds: int = INTEGER_CUT_ROUNDS,
                     budget_rule: str | None = None,
                     write_on_failure: Path | None = None) -> tuple[Solution, AllocationModel]:
    """Build and solve the allocation model.

    Every solve goes LP-first (:func:`_lp_first`). The CVaR objective and confidence budgets
    add cutting planes: first on the LP relaxation (cheap rounds), then on integer solutions
    until the modelled tail values agree with the true ones. ``budget_rule`` ("expected" or
    "confidence") overrides the scenario's ``budget.rule``.
    """
    scenario = cands.scenario
    settings = _Settings(
        budgets=np.asarray(budgets, dtype=float),
        objective=objective or scenario.optimizer.objective,
        solver=solver or scenario.optimizer.solver,
        time_limit=time_limit if time_limit is not None else scenario.optimizer.time_limit_seconds,
        mip_gap=mip_gap if mip_gap is not None else scenario.optimizer.mip_gap,
        relax=relax, budget_rule=budget_rule or scenario.budget.rule)
    checker = _CutChecker(cands, settings)
    if checker.cvar and not checker.confidence and not relax:
        solved = _cvar_by_prices(cands, settings, checker, write_on_failure)
        if solved is not None:
            return solved
    pool: list[Cut] = []
    rounds = 0
    if checker.active:
        lp = AllocationModel(cands, replace(settings, relax=True))
        status, _seconds = lp.solve(write_on_failure)
        if status == "Infeasible":
            raise diagnose_infeasibility(cands, settings)
        for _ in range(LP_CUT_ROUNDS):
            new = checker.violated(lp, lp.values())
            if not new:
                break
            pool += new
            in_place = all([lp.resolve_with(cut) for cut in new])
            if not in_place:
                lp = AllocationModel(cands, lp.settings, cuts=pool)
                lp.solve(write_on_failure)
        pool = _active_cuts(pool, lp)
    while True:
        if relax:
            model = AllocationModel(cands, settings, cuts=pool)
            status, seconds = model.solve(write_on_failure)
            if status == "Infeasible":
                raise diagnose_infeasibility(cands, settings)
            solution = _solution(model, model.choice(), status, None, None,
                                 model.build_seconds, seconds)
            solution.budget_duals = model.budget_duals()
        else:
            solution, model = _lp_first(cands, settings, write_on_failure, pool)
        one_hot = np.zeros(cands.feasible.shape)
        one_hot[np.arange(cands.n_households), solution.choice] = 1.0
        x = model.values() if relax else one_hot
        new = checker.violated(model, x)
        rounds += 1
        if not new or rounds >= max_rounds:
            solution.cut_rounds = rounds - 1
            if checker.cvar:
                checker.report_true_objective(solution, model, x)
            return solution, model
        pool += new


CUT_ACTIVITY_TOLERANCE = 1e-6
"""A tail cut counts as active when the tail variable is within this of its bound."""


def _active_cuts(pool: list[Cut], lp: AllocationModel) -> list[Cut]:
    """Keep the budget cuts and the tail cuts that bind at the LP optimum.

    Every tail cut is a dense row (one coefficient per household and package); carrying the
    slack ones into the integer rounds only slows them. Dropping a cut relaxes the model, and
    the integer rounds add back any cut the solution then violates.
    """
    if not any(cut.kind == "tail" for cut in pool):
        return pool
    x = lp.values()
    tail = lp.tail.varValue or 0.0
    kept = [cut for cut in pool if cut.kind != "tail"
            or tail - float((cut.coefficient * x).sum()) >= -CUT_ACTIVITY_TOLERANCE]
    return kept


class _CutChecker:
    """Finds the cuts a solution violates (CVaR of exits, confidence budgets)."""

    def __init__(self, cands: CandidateSet, settings: _Settings) -> None:
        scenario = cands.scenario
        self.cands = cands
        self.settings = settings
        self.cvar = settings.objective == "cvar"
        self.confidence = settings.budget_rule == "confidence"
        self.active = self.cvar or self.confidence
        self.alpha = scenario.optimizer.cvar_alpha
        self.tolerance = scenario.optimizer.cvar_tolerance
        self.share = 1 - scenario.budget.confidence
        self._cost_reps: np.ndarray | None = None

    def cost_reps(self) -> np.ndarray:
        """(K, R, H, P) outlays per replication, float32 [yuan]."""
        if self._cost_reps is None:
            self._cost_reps = np.stack([self.cands.cost_per_replication(k).astype(np.float32)
                                        for k in range(self.cands.n_packages)])
        return self._cost_reps

    def _exits(self, x: np.ndarray) -> np.ndarray:
        """(R,) stable exits in each replication under the (H, K) allocation ``x``."""
        return np.einsum("hk,krh->r", x, self.cands.stable, optimize=True)

    def overstatement(self, model: AllocationModel, x: np.ndarray) -> float:
        """How far the model's tail variable is above the true lower-tail mean at ``x``."""
        true_tail = tail_mean(self._exits(x), 1 - self.alpha, lower=True)
        return (model.tail.varValue or 0.0) - true_tail

    def report_true_objective(self, solution: Solution, model: AllocationModel,
                              x: np.ndarray) -> None:
        """Replace the modelled CVaR objective by its true value at the solution, and record by
        how much the model overstated the tail (0 when the cuts converged)."""
        residual = max(0.0, self.overstatement(model, x))
        solution.objective -= self.cands.scenario.optimizer.cvar_weight * residual
        solution.cvar_residual = residual
        if residual > self.tolerance:
            solution.status += " (CVaR cuts not converged)"
            solution.gap = None

    def true_objective(self, model: AllocationModel, x: np.ndarray) -> float:
        """The model's objective at ``x`` with the CVaR term measured instead of modelled."""
        modelled = float(pulp.value(model.prob.objective) or 0.0)
        return modelled - self.cands.scenario.optimizer.cvar_weight * \
            self.overstatement(model, x)

    def violated(self, model: AllocationModel, x: np.ndarray) -> list[Cut]:
        cuts = []
        if self.cvar and self.overstatement(model, x) > self.tolerance:
            weights = tail_weights(self._exits(x), 1 - self.alpha, lower=True)
            cuts.append(tail_cut(self.cands, weights))
        if self.confidence:
            outlays = np.einsum("hk,krhp->rp", x, self.cost_reps(), optimize=True) \
                + model.site_cost_by_year()[None, :]
            for year in range(self.cands.plan_years):
                budget = self.settings.budgets[year]
                if tail_mean(outlays[:, year], self.share, lower=False) > \
                        budget + MONEY_TOLERANCE_YUAN:
                    cuts.append(budget_cut(self.cands, year, tail_weights(
                        outlays[:, year], self.share, lower=False), self.cost_reps()))
        return cuts


def _solution(model: AllocationModel, choice: np.ndarray, status: str, bound: float | None,
              gap: float | None, build_seconds: float, solve_seconds: float,
              rounds: int = 0) -> Solution:
    sites = {key: round(v.varValue or 0) for key, v in model.site_vars.items()}
    return Solution(
        choice=choice, objective=float(pulp.value(model.prob.objective) or 0.0), bound=bound,
        gap=gap, status=status, build_seconds=build_seconds, solve_seconds=solve_seconds,
        cut_rounds=rounds, sites=sites,
        exit_target_shortfall=[float(s.varValue or 0.0) for s in model.short],
        binding=model.binding())


def _integral(model: AllocationModel) -> bool:
    values = [v.varValue or 0.0 for v in model.x.values()]
    values += [v.varValue or 0.0 for v in model.site_vars.values()]
    return all(abs(v - round(v)) <= INTEGRALITY_TOLERANCE for v in values)


@dataclass
class _Bound:
    """An upper bound on the allocation model and what it says about each pair."""

    upper: float
    near: np.ndarray
    """(H, K) pairs offered to the heuristic MILP (used or nearly used by the bound)."""
    keep: Callable[[float], np.ndarray]
    """Given the value L of an allocation, the (H, K) pairs that a better one may use."""
    duals: list[float]
    name: str
    build_seconds: float
    solve_seconds: float


def _lp_first(cands: CandidateSet, settings: _Settings, write_on_failure: Path | None,
              cuts: Sequence[Cut] = ()) -> tuple[Solution, AllocationModel]:
    """Exact MILP solution through a bound and reduced-cost fixing.

    1. Bound: the Lagrangian of the coupling rows for the expected objective
       (:func:`_lagrangian_bound`, numpy), else the LP relaxation (:func:`_lp_bound`). Its
       value U bounds every allocation.
    2. Solve a small MILP over the packages the bound uses or nearly would (reduced cost within
       :data:`REDUCED_COST_NEIGHBOURHOOD`), plus 'none', for a good allocation of value L. If
       U − L is within the requested gap, L's allocation is returned: proven.
    3. Any allocation better than L uses a pair only if U minus the pair's reduced cost is at
       least L: every other pair is fixed at 0, and the MILP over what is left is solved to the
       requested gap. Its optimum is the optimum of the full model.
    """
    if not cuts and settings.objective == "expected":
        solved = _close_gap(cands, settings, _lagrangian_bound(cands, settings), cuts,
                            write_on_failure)
        if solved is not None:
            return solved
    bound = _lp_bound(cands, settings, cuts, write_on_failure)
    if isinstance(bound, tuple):
        return bound
    solved = _close_gap(cands, settings, bound, cuts, write_on_failure)
    if solved is None:
        raise diagnose_infeasibility(cands, settings)
    return solved


def _lagrangian_bound(cands: CandidateSet, settings: _Settings) -> _Bound:
    """Bound and priced values from :func:`simulator.optimizer.lagrangian.price_rows`: seconds
    at 100,000 households, where the LP alone would not fit the time. Forcing x[h,k] = 1 lowers
    the bound by at least the pair's margin below the household's best priced package."""
    prices = price_rows(cands, settings.budgets)
    margin = prices.margin()

    def keep(lower: float) -> np.ndarray:
        return cands.feasible & (prices.bound - margin >= lower - 1e-9)

    return _Bound(prices.bound, margin <= PRICED_NEIGHBOURHOOD, keep,
                  prices.budget_duals(), "Lagrangian", prices.seconds, 0.0)


def _lp_bound(cands: CandidateSet, settings: _Settings, cuts: Sequence[Cut],
              write_on_failure: Path | None) -> _Bound | tuple[Solution, AllocationModel]:
    """Bound and reduced costs from the LP relaxation (or the solution, when it is integral)."""
    lp = AllocationModel(cands, replace(settings, relax=True), cuts=cuts)
    status, solve_seconds = lp.solve(write_on_failure)
    if status == "Infeasible":
        raise diagnose_infeasibility(cands, settings)
    upper = float(pulp.value(lp.prob.objective) or 0.0)
    duals = lp.budget_duals()
    if _integral(lp):
        solution = _solution(lp, lp.choice(), "Optimal (LP relaxation integral)", upper, 0.0,
                             lp.build_seconds, solve_seconds)
        solution.budget_duals = duals
        return solution, lp
    values = lp.values()
    reduced = np.full(cands.feasible.shape, np.inf)
    for (h, k), var in lp.x.items():
        reduced[h, k] = abs(var.dj or 0.0)

    def keep(lower: float) -> np.ndarray:
        allowed = cands.feasible.copy()
        fixable = upper - reduced < lower - 1e-9
        allowed[fixable & (values <= INTEGRALITY_TOLERANCE)] = False
        ones = np.nonzero(fixable & (values >= 1 - INTEGRALITY_TOLERANCE))
        allowed[ones[0]] = False
        allowed[ones] = True
        return allowed

    near = (values > INTEGRALITY_TOLERANCE) | (reduced <= REDUCED_COST_NEIGHBOURHOOD)
    return _Bound(upper, near, keep, duals, "LP", lp.build_seconds, solve_seconds)


def _close_gap(cands: CandidateSet, settings: _Settings, bound: _Bound, cuts: Sequence[Cut],
               write_on_failure: Path | None) -> tuple[Solution, AllocationModel] | None:
    """Steps 2 and 3 of :func:`_lp_first`; None when no allocation meets the rows."""
    near = bound.near & cands.feasible
    near[:, 0] = True
    heuristic = AllocationModel(cands, settings, allowed=near, cuts=cuts)
    build = bound.build_seconds + heuristic.build_seconds
    status, seconds = heuristic.solve(write_on_failure)
    solve_seconds = bound.solve_seconds + seconds
    found = status != "Infeasible"
    lower = float(pulp.value(heuristic.prob.objective) or 0.0) if found else -math.inf
    if found and bound.upper - lower <= settings.mip_gap * max(abs(lower), 1e-9):
        gap = max(0.0, (bound.upper - lower) / max(abs(lower), 1e-9))
        solution = _solution(heuristic, heuristic.choice(),
                             f"Optimal (within gap of the {bound.name} bound)", bound.upper,
                             gap, build, solve_seconds)
        solution.budget_duals = bound.duals
        return solution, heuristic
    allowed = bound.keep(lower)
    if found:
        allowed[np.arange(cands.n_households), heuristic.choice()] = True
    final = AllocationModel(cands, settings, allowed=allowed, cuts=cuts)
    build += final.build_seconds
    status, seconds = final.solve(write_on_failure)
    solve_seconds += seconds
    if status == "Infeasible":
        return None
    objective = float(pulp.value(final.prob.objective) or 0.0)
    upper, _ = final.bound_and_gap()
    upper = bound.upper if upper is None else min(bound.upper, max(upper, objective))
    gap = max(0.0, (upper - objective) / max(abs(objective), 1e-9))
    solution = _solution(final, final.choice(), status, upper, gap, build, solve_seconds)
    solution.budget_duals = bound.duals
    return solution, final


PRICED_CVAR_ROUNDS = 15
"""Most rounds of tail cuts on integer solutions (each a MILP over the priced neighbourhood,
2–4 s on ruyuan-2016 at 200 replications). Measured there: the true objective gains about
0.1 % over the first 10 rounds and 0.02 % over the next 30."""


def _cvar_by_prices(cands: CandidateSet, settings: _Settings, checker: _CutChecker,
                    write_on_failure: Path | None) -> tuple[Solution, AllocationModel] | None:
    """The risk-aware objective through the Lagrangian decomposition (with CVaR weights).

    1. :func:`~simulator.optimizer.lagrangian.price_rows` with the tail gives the bound U and
       the priced values; its replication weights are a point of the CVaR's risk envelope, so
       they give a valid first tail cut (T ≤ Σ_r weight_r·S_r) close to the optimum's.
    2. A MILP over each household's near-best packages (reduced cost within
       :data:`REDUCED_COST_NEIGHBOURHOOD`, and 'none') is solved; the true objective of its
       allocation (the tail measured, not modelled) is a lower bound L. Tail cuts are added on
       its integer solutions until U − L is within the requested gap, the restricted model's
       tail is exact, or :data:`PRICED_CVAR_ROUNDS` rounds have run. (The narrower
       neighbourhood of the expected objective loses 0.8 % here; fixing by margins leaves most
       pairs free, as U − L is tens of stable exits, and a MILP over all 70,000 pairs with
       dense tail cuts took 39 s a round.)
    The best allocation found is returned with its proven gap to U. Returns None when the
    restricted model has no solution (the LP route diagnoses why).
    """
    optimizer = cands.scenario.optimizer
    tail = Tail(optimizer.cvar_alpha, optimizer.cvar_weight)
    prices = price_rows(cands, settings.budgets, tail)
    upper = prices.bound
    allowed = (prices.margin() <= REDUCED_COST_NEIGHBOURHOOD) & cands.feasible
    allowed[:, 0] = True
    pool = [tail_cut(cands, prices.tail_weights / prices.tail_weights.sum())]
    build, solve_seconds, rounds = prices.seconds, 0.0, 0
    best: tuple[float, Solution, AllocationModel] | None = None
    for _ in range(PRICED_CVAR_ROUNDS):
        model = AllocationModel(cands, settings, allowed=allowed, cuts=pool)
        build += model.build_seconds
        # a round the solver cannot finish ends the rounds: the best allocation so far is kept
        # (its gap says how good it is); a first round that fails goes the LP route instead
        status, seconds = model.solve(write_on_failure, fail_quietly=best is not None)
        solve_seconds += seconds
        if status in ("Infeasible", "Not solved"):
            break
        rounds += 1
        x = np.zeros(cands.feasible.shape)
        x[np.arange(cands.n_households), model.choice()] = 1.0
        true = checker.true_objective(model, x)
        if best is None or true > best[0]:
            best = (true, _solution(model, model.choice(), status, upper, None, 0.0, 0.0),
                    model)
        if upper - best[0] <= settings.mip_gap * max(abs(best[0]), 1e-9):
            break
        new = checker.violated(model, x)
        if not new:
            break
        pool += new
    if best is None:
        return None
    true, solution, model = best
    gap = max(0.0, (upper - true) / max(abs(true), 1e-9))
    solution.objective, solution.gap, solution.cut_rounds = true, gap, rounds
    solution.build_seconds, solution.solve_seconds = build, solve_seconds
    solution.status = "Optimal (within gap of the Lagrangian bound)" \
        if gap <= settings.mip_gap else f"Feasible, {gap:.4%} from the Lagrangian bound"
    solution.budget_duals = prices.budget_duals()
    return solution, model


def realised_stable_exits(cands: CandidateSet, choice: np.ndarray) -> np.ndarray:
    """(R,) stable exits in each replication under a choice of packages."""
    households = np.arange(cands.n_households)
    return cands.stable[choice, :, households].sum(axis=0).astype(float)


def diagnose_infeasibility(cands: CandidateSet, settings: _Settings) -> InfeasibleError:
    """Find which policy rows cannot be met within the budgets, and by how much."""
    elastic = replace(settings, objective="expected", elastic=True)
    model = AllocationModel(cands, elastic)
    model.prob.solve(_solver(elastic))
    problems = []
    people = float(cands.registry.size[cands.registered()].sum())
    policy = cands.scenario.policy
    if model.prob.status != pulp.LpStatusOptimal:
        return InfeasibleError([Problem("", "the allocation model has no solution and no "
                                        "single policy rule explains it")])
    for name, slack in model.elastic.items():
        short = slack.varValue or 0.0
        if short <= 1e-6:
            continue
        if name == "organisation_coverage":
            need = policy.organisation_coverage_min_share * people
            problems.append(Problem(
                "policy.organisation_coverage_min_share",
                f"at least {policy.organisation_coverage_min_share:.0%} of registered poor "
                f"people ({need:,.0f}) must be brought in by organisations, but within the "
                f"budgets and capacities at most {need - short:,.0f} can be: short by "
                f"{short:,.0f} people"))
        else:
            problems.append(Problem(
                "policy.non_poor_village_gap_max",
                f"coverage of poor households in poor and non-poor villages cannot be kept "
                f"within {policy.non_poor_village_gap_max:.0%} of each other: short by "
                f"{short:.1%}"))
    if not problems:
        problems.append(Problem("", "the allocation model has no solution"))
    return InfeasibleError(problems)
