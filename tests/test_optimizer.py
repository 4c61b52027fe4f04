"""The allocation model: brute force, an independent MILP solver, monotonicity, infeasibility,
risk-aware and confidence rules, and the honest comparison with baselines on Ruyuan."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from simulator.engine import simulate
from simulator.optimizer import build_candidates, optimize
from simulator.optimizer.baselines import rule_packages
from simulator.optimizer.candidates import fold_to_plan_years
from simulator.optimizer.lagrangian import price_rows
from simulator.optimizer.model import (
    AllocationModel,
    _Settings,
    tail_mean,
)
from simulator.optimizer.strategies import solve_allocation
from simulator.packages import Package
from simulator.registry import Registry
from simulator.scenario import load_scenario


def realised_stable_exits(cands, choice: np.ndarray) -> np.ndarray:
    """(R,) stable exits in each replication under a choice of packages, worked out directly
    from the candidate arrays (an independent check of the library's evaluation)."""
    households = np.arange(cands.n_households)
    return cands.stable[choice, :, households].sum(axis=0).astype(float)


def cost_per_replication(cands, k: int) -> np.ndarray:
    """(R, H, P) outlays of package k in each replication, charged to plan years, worked out
    from the engine run's per-package view (independent of the optimiser's per-variant sums)."""
    return fold_to_plan_years(cands.result.household_outlays(k), cands.plan_years)


TINY_PACKAGES = [Package(), Package.parse("pv"), Package.parse("equity"),
                 Package.parse("employment")]
SIMPLE = ["policy.exit_targets_share_of_people=[]", "policy.non_poor_village_gap_max=1",
          "instruments.pv.site_fixed_cost_yuan=0", "instruments.pv.fund_capex_yuan_per_kw=2000"]


@pytest.fixture(scope="module")
def tiny_case(tmp_path_factory):
    """8 households × 4 packages with budgets, PV land and job slots that bind."""
    from .conftest import TINY_SCENARIO

    path = tmp_path_factory.mktemp("tiny") / "tiny.toml"
    path.write_text(TINY_SCENARIO, encoding="utf-8")
    scenario = load_scenario(path, [*SIMPLE, "capacities.pv_land_kw=60",
                                    "capacities.job_slots_per_year=3"])
    from simulator.population import generate_population

    full = generate_population(scenario, seed=3)
    labour = np.flatnonzero(full.laborers > 0)[:6]
    without = np.flatnonzero(full.laborers == 0)[:2]
    registry = full.subset(np.concatenate([labour, without]))
    registry = Registry.from_columns({**registry.columns(), "pv_site": np.ones(8, dtype=bool)})
    cands = build_candidates(scenario, registry, reps=6, seed=2, packages=TINY_PACKAGES)
    return scenario, cands


def feasible_choices(cands, budgets):
    """Every assignment that keeps budgets, PV land and job slots (tiny instances)."""
    scenario = cands.scenario
    pv_land = scenario.capacities.pv_land_kw
    land = scenario.instruments.pv.land_kw_per_household
    slots = scenario.capacities.job_slots_per_year
    uses_pv, uses_job = cands.uses("pv"), cands.uses("employment", 0)
    options = [np.flatnonzero(cands.feasible[h]) for h in range(cands.n_households)]
    for choice in itertools.product(*options):
        choice = np.array(choice)
        households = np.arange(len(choice))
        cost = cands.cost[households, choice].sum(axis=0)
        if np.any(cost > np.asarray(budgets) + 1e-6):
            continue
        if uses_pv[choice].sum() * land > pv_land + 1e-9 or uses_job[choice].sum() > slots:
            continue
        yield choice


def brute_force(cands, budgets) -> float:
    """Best total P(stable exit) over every assignment that keeps budgets and capacities."""
    households = np.arange(cands.n_households)
    return max(float(cands.p_stable[households, choice].sum())
               for choice in feasible_choices(cands, budgets))


@pytest.mark.parametrize("budget", [0.0, 8_000.0, 30_000.0, 1e9])
def test_optimum_equals_brute_force(tiny_case, budget: float) -> None:
    scenario, cands = tiny_case
    budgets = [budget] * scenario.horizon.plan_years
    solution, _ = solve_allocation(cands, budgets)
    assert solution.objective == pytest.approx(brute_force(cands, budgets), abs=1e-6)


def _scipy_from_mps(path: Path) -> float:
    """Read an MPS file with a minimal parser and solve it with scipy.optimize.milp."""
    sense, section, integer = 1.0, "", False
    rows: dict[str, str] = {}
    columns: dict[str, int] = {}
    entries: dict[tuple[str, int], float] = {}
    objective_row = ""
    rhs: dict[str, float] = {}
    lower: dict[int, float] = {}
    upper: dict[int, float] = {}
    integers: set[int] = set()
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("*"):
            continue
        if not line[0].isspace():
            section = line.split()[0]
            continue
        fields = line.split()
        if section == "OBJSENSE":
            sense = -1.0 if fields[0] == "MAX" else 1.0
        elif section == "ROWS":
            rows[fields[1]] = fields[0]
            if fields[0] == "N":
                objective_row = fields[1]
        elif section == "COLUMNS":
            if "'MARKER'" in fields:
                integer = "'INTORG'" in fields
                continue
            j = columns.setdefault(fields[0], len(columns))
            if integer:
                integers.add(j)
            for row, value in zip(fields[1::2], fields[2::2], strict=True):
                entries[(row, j)] = float(value)
        elif section == "RHS":
            for row, value in zip(fields[1::2], fields[2::2], strict=True):
                rhs[row] = float(value)
        elif section == "BOUNDS":
            kind, j = fields[0], columns[fields[2]]
            if kind == "BV":
                lower[j], upper[j] = 0.0, 1.0
                integers.add(j)
            elif kind == "LO":
                lower[j] = float(fields[3])
            elif kind == "UP":
                upper[j] = float(fields[3])
            elif kind == "FR":
                lower[j], upper[j] = -np.inf, np.inf
            elif kind == "MI":
                lower[j] = -np.inf
    n = len(columns)
    c = np.zeros(n)
    names = [r for r, kind in rows.items() if kind != "N"]
    a = np.zeros((len(names), n))
    index = {r: i for i, r in enumerate(names)}
    for (row, j), value in entries.items():
        if row == objective_row:
            c[j] = sense * value
        else:
            a[index[row], j] = value
    b = np.array([rhs.get(r, 0.0) for r in names])
    kinds = [rows[r] for r in names]
    low = np.where([k in ("E", "G") for k in kinds], b, -np.inf)
    high = np.where([k in ("E", "L") for k in kinds], b, np.inf)
    bounds = Bounds([lower.get(j, 0.0) for j in range(n)],
                    [upper.get(j, np.inf) for j in range(n)])
    integrality = np.array([j in integers for j in range(n)], dtype=int)
    result = milp(c, constraints=LinearConstraint(a, low, high), integrality=integrality,
                  bounds=bounds, options={"mip_rel_gap": 1e-9})
    assert result.success, result.message
    return sense * result.fun


MEDIUM_BUDGETS = [150_000.0, 100_000.0]


@pytest.fixture(scope="module")
def medium_cands(tmp_path_factory):
    """60 households, every kind of coupling row: budgets with lumpy PV sites, capacities,
    organisation coverage, equal treatment, the cap on returns after exit and exit targets."""
    from simulator.population import generate_population

    from .conftest import TINY_SCENARIO, WITHOUT_ASSISTANCE

    path = tmp_path_factory.mktemp("medium") / "tiny.toml"
    path.write_text(TINY_SCENARIO, encoding="utf-8")
    tiny_registry = generate_population(load_scenario(path), seed=7)
    scenario = load_scenario(path, [
        "capacities.pv_land_kw=300", "capacities.job_slots_per_year=10",
        "instruments.pv.fund_capex_yuan_per_kw=2000", "instruments.pv.site_fixed_cost_yuan=5000",
        "capacities.pv_sites_per_township_max=1", "policy.organisation_coverage_min_share=0.2",
        "policy.first_year_return_max_share=0.05",
        # households' own incomes: with 防返贫 help from 2019, too few fall back for the cap
        # on returns to bind
        *WITHOUT_ASSISTANCE])
    registry = Registry.from_columns({**tiny_registry.columns(),
                                      "pv_site": np.ones(60, dtype=bool)})
    return build_candidates(scenario, registry, reps=6, seed=4)


@pytest.mark.parametrize("share", [0.3, 1.0, 3.0])
def test_lagrangian_bound_equals_the_lp_relaxation(medium_cands, share: float) -> None:
    """The decomposition prices the same rows as the PuLP model: its minimum is the LP bound."""
    budgets = [b * share for b in MEDIUM_BUDGETS]
    lp, _ = solve_allocation(medium_cands, budgets, relax=True)
    prices = price_rows(medium_cands, budgets)
    assert prices.bound >= lp.objective - 1e-6
    assert prices.bound == pytest.approx(lp.objective, rel=1e-5)
    assert prices.budget_duals() == pytest.approx(lp.budget_duals, abs=1e-3)


def test_medium_instance_agrees_with_scipy_milp(tmp_path, medium_cands) -> None:
    cands = medium_cands
    budgets = MEDIUM_BUDGETS
    ours, _ = solve_allocation(cands, budgets, mip_gap=1e-9)
    settings_ = _Settings(budgets=np.array(budgets), objective="expected", solver="highs",
                          time_limit=60, mip_gap=1e-9)
    model = AllocationModel(cands, settings_)
    path = tmp_path / "medium.mps"
    model.prob.writeMPS(str(path), with_objsense=True)
    assert _scipy_from_mps(path) == pytest.approx(ours.objective, abs=1e-6)
    cbc, _ = solve_allocation(cands, budgets, solver="cbc", mip_gap=1e-9)
    assert cbc.objective == pytest.approx(ours.objective, abs=1e-6)


def test_the_cap_on_returns_after_exit_binds_and_holds(medium_cands) -> None:
    """Supported households exiting by income fall back in the following year no more often
    than the cap allows, counted from the candidate arrays; without the cap the same optimum
    breaks it (the rule is not idle) and buys more expected stable exits."""
    capped, _ = solve_allocation(medium_cands, MEDIUM_BUDGETS)
    cap = medium_cands.scenario.policy.first_year_return_max_share
    households = np.arange(medium_cands.n_households)

    def rate(choice: np.ndarray) -> tuple[float, float]:
        result = medium_cands.result
        judged = medium_cands.registered() & ~result.by_safety_net & (choice > 0)
        returned = medium_cands.p_return_first_year[households, choice][judged].sum()
        return returned, medium_cands.p_at_risk_first_year[households, choice][judged].sum()

    returned, at_risk = rate(capped.choice)
    assert returned <= cap * at_risk + 1e-6
    scenario = medium_cands.scenario
    free = dataclasses.replace(medium_cands, scenario=dataclasses.replace(
        scenario, policy=dataclasses.replace(scenario.policy, first_year_return_max_share=None)))
    uncapped, _ = solve_allocation(free, MEDIUM_BUDGETS)
    returned, at_risk = rate(uncapped.choice)
    assert returned > cap * at_risk
    assert uncapped.objective > capped.objective


@given(st.floats(0, 40_000), st.floats(0, 40_000))
@settings(max_examples=15, deadline=None)
def test_more_budget_never_fewer_stable_exits(tiny_case, budget: float, extra: float) -> None:
    scenario, cands = tiny_case
    years = scenario.horizon.plan_years
    low, _ = solve_allocation(cands, [budget] * years)
    high, _ = solve_allocation(cands, [budget + extra] * years)
    assert high.objective >= low.objective - 1e-6


def test_infeasible_coverage_names_the_rule_and_shortfall(cli, tmp_path,
                                                         tiny_scenario_path) -> None:
    result = cli("optimize", tiny_scenario_path, "--reps", "4", "--budget", "1000,1000",
                 "--set", "policy.organisation_coverage_min_share=0.9", "-o", tmp_path / "o")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "policy.organisation_coverage_min_share" in result.stderr
    assert "short by" in result.stderr and "people" in result.stderr
    assert not (tmp_path / "o" / "allocation.csv").exists()


def test_cvar_objective_is_solved_to_its_true_tail(tiny_case) -> None:
    scenario, cands = tiny_case
    budgets = [20_000.0] * scenario.horizon.plan_years
    risky, _model = solve_allocation(cands, budgets, objective="cvar")
    exits = realised_stable_exits(cands, risky.choice)
    alpha, weight = scenario.optimizer.cvar_alpha, scenario.optimizer.cvar_weight
    true_value = (1 - weight) * exits.mean() + weight * tail_mean(exits, 1 - alpha, lower=True)
    assert risky.objective == pytest.approx(true_value, abs=scenario.optimizer.cvar_tolerance)
    plain, _ = solve_allocation(cands, budgets, objective="expected")
    plain_exits = realised_stable_exits(cands, plain.choice)
    plain_value = (1 - weight) * plain_exits.mean() + weight * tail_mean(
        plain_exits, 1 - alpha, lower=True)
    assert true_value >= plain_value - 1e-6


@pytest.mark.parametrize("budget", [8_000.0, 30_000.0])
def test_cvar_solution_and_bound_bracket_the_brute_force_optimum(tiny_case,
                                                                  budget: float) -> None:
    """The risk-aware solve returns a feasible allocation's true value and a valid bound."""
    scenario, cands = tiny_case
    budgets = [budget] * scenario.horizon.plan_years
    alpha, weight = scenario.optimizer.cvar_alpha, scenario.optimizer.cvar_weight

    def value(choice: np.ndarray) -> float:
        exits = realised_stable_exits(cands, choice)
        return (1 - weight) * exits.mean() + weight * tail_mean(exits, 1 - alpha, lower=True)

    best = max(value(np.array(choice)) for choice in feasible_choices(cands, budgets))
    solution, _ = solve_allocation(cands, budgets, objective="cvar")
    assert solution.objective == pytest.approx(value(solution.choice), abs=1e-6)
    assert solution.objective <= best + 1e-6
    assert solution.bound >= best - 1e-6
    assert solution.objective >= best * (1 - solution.gap) - 1e-6


def test_lagrangian_cvar_bound_equals_the_cvar_lp(medium_cands) -> None:
    from simulator.optimizer.lagrangian import Tail

    scenario = medium_cands.scenario
    lp, _ = solve_allocation(medium_cands, MEDIUM_BUDGETS, objective="cvar", relax=True,
                             max_rounds=200)
    assert lp.cvar_residual < 1e-6  # the LP's cuts converged: its value is the CVaR LP's
    prices = price_rows(medium_cands, MEDIUM_BUDGETS,
                        Tail(scenario.optimizer.cvar_alpha, scenario.optimizer.cvar_weight))
    assert prices.bound >= lp.objective - 1e-6
    assert prices.bound == pytest.approx(lp.objective, rel=1e-3)


def test_confidence_budget_holds_in_enough_replications(tiny_case, tmp_path) -> None:
    scenario, cands = tiny_case
    scenario = load_scenario(scenario.origin.path, [
        *SIMPLE, "capacities.pv_land_kw=60", "capacities.job_slots_per_year=3",
        'budget.rule="confidence"', "budget.confidence=0.8"])
    cands = build_candidates(scenario, cands.registry, reps=10, seed=2,
                             packages=TINY_PACKAGES)
    budgets = [6_000.0] * scenario.horizon.plan_years
    solution, _ = solve_allocation(cands, budgets)
    outlays = sum(cost_per_replication(cands, int(k))[:, solution.choice == k].sum(axis=1)
                  for k in np.unique(solution.choice))  # (R, plan years)
    within = (outlays <= np.asarray(budgets) + 1e-6).all(axis=1).mean()
    assert within >= 0.8 - 1e-9


def _confidence_case(tiny_case, confidence: float = 0.8):
    scenario, cands = tiny_case
    scenario = load_scenario(scenario.origin.path, [
        *SIMPLE, "capacities.pv_land_kw=60", "capacities.job_slots_per_year=3",
        'budget.rule="confidence"', f"budget.confidence={confidence}"])
    return build_candidates(scenario, cands.registry, reps=10, seed=2, packages=TINY_PACKAGES)


def test_outlays_of_an_allocation_sum_its_packages(tiny_case) -> None:
    """Outlays and cut coefficients kept per instrument variant agree with the packages'
    own per-replication outlays, for one-hot and for relaxed allocations."""
    cands = _confidence_case(tiny_case)
    rng = np.random.default_rng(5)
    per_package = np.stack([cost_per_replication(cands, k) for k in range(cands.n_packages)])
    for _ in range(3):
        x = rng.random(cands.feasible.shape) * cands.feasible
        x /= x.sum(axis=1, keepdims=True)
        expected = np.einsum("hk,krhp->rp", x, per_package)
        assert np.allclose(cands.outlays_per_replication(x), expected, rtol=1e-9)
        weights = rng.random(cands.result.reps)
        for year in range(cands.plan_years):
            reference = np.einsum("r,krh->hk", weights, per_package[..., year])
            assert np.allclose(cands.tail_cost(weights, year), reference, rtol=1e-9)
        exits = np.einsum("hk,krh->r", x, cands.stable.astype(float))
        assert np.allclose(cands.stable_exits_per_replication(x), exits)


@pytest.mark.parametrize("budget", [5_000.0, 8_000.0, 12_000.0])
def test_confidence_rule_optimum_equals_brute_force(tiny_case, budget: float) -> None:
    """The confidence rule's MILP (cut rounds on the LP, its LP kept as the bound, then integer
    rounds) finds the best allocation whose upper-tail mean outlay keeps every year's budget."""
    cands = _confidence_case(tiny_case)
    budgets = [budget] * cands.plan_years
    share = 1 - cands.scenario.budget.confidence
    per_package = np.stack([cost_per_replication(cands, k) for k in range(cands.n_packages)])
    households = np.arange(cands.n_households)
    best = -np.inf
    for choice in feasible_choices(cands, budgets):
        outlays = per_package[choice, :, households].sum(axis=0)  # (R, P)
        if all(tail_mean(outlays[:, year], share, lower=False) <= budgets[year] + 1e-6
               for year in range(cands.plan_years)):
            best = max(best, float(cands.p_stable[households, choice].sum()))
    assert best < brute_force(cands, budgets) - 0.1  # the rule binds: it costs exits here
    solution, _ = solve_allocation(cands, budgets, mip_gap=1e-9)
    assert solution.objective == pytest.approx(best, abs=1e-6)


def test_ruyuan_optimised_plan_beats_every_baseline_out_of_sample() -> None:
    scenario = load_scenario("ruyuan-2016", ["budget.rule=expected"])  # confidence: slow test
    allocation = optimize(scenario, reps=12, seed=5)
    summary = allocation.summary()
    assert summary["out_of_sample"]["seed"] != summary["in_sample"]["seed"]
    assert set(summary["baselines"]) == {"county_programme", "by_village", "uniform_reward",
                                         "greedy"}
    for name, baseline in summary["baselines"].items():
        gain = baseline["optimised_gain"]
        # the county's own programme is not held to the budgets: it is compared, not beaten
        assert name == "county_programme" or gain["ci95"][0] > 0, (name, gain)
        # gains over a baseline are gains in *added* stable exits too (same replications)
        assert summary["added_stable_exits"]["mean"] - baseline["added_stable_exits"]["mean"] \
            == pytest.approx(gain["mean"], abs=0.02)
    # honest headline: safety-net exits apart; added exits over no support; cost per added
    stable = summary["stable_exits"]["mean"]
    assert summary["stable_exits_by_income"]["mean"] \
        + summary["stable_exits_by_safety_net"]["mean"] == pytest.approx(stable, abs=0.02)
    without = summary["stable_exits_without_support"]["mean"]
    assert summary["stable_exits_by_safety_net"]["mean"] <= without
    added = summary["added_stable_exits"]["mean"]
    assert added == pytest.approx(stable - without, abs=0.02)
    assert summary["cost_per_added_stable_exit_yuan"] == pytest.approx(
        summary["outlays_total"]["mean"] / added, rel=1e-3)
    assert summary["net_fiscal_cost"]["mean"] < summary["outlays_total"]["mean"]
    # the plan keeps every yearly budget in expectation (in-sample)
    plan_cost = allocation.candidates.cost[np.arange(len(allocation.optimised.choice)),
                                           allocation.optimised.choice].sum(axis=0)
    assert np.all(plan_cost <= allocation.budgets + 1e-3)
    # the allocation table explains every household
    table = allocation.allocation_table()
    assert len(table["household_id"]) == 2944
    for column in ("package", "p_stable_exit", "p_stable_exit_without_support",
                   "best_other_package", "cost_best_other"):
        assert column in table
    # the evaluation equals a plan-mode simulation on the same fresh seed
    evaluation = allocation.evaluation_set.result
    again = simulate(scenario, allocation.plan, registry=allocation.registry,
                     reps=evaluation.reps, seed=evaluation.seed)
    assert np.array_equal(again.stable_exit_households(), allocation.optimised.stable_exits)


def test_budget_dual_counts_the_confidence_cuts(tiny_case) -> None:
    """Under the confidence rule a year's budget binds through its cuts while the expected-
    spending row keeps slack: the marginal value of that year's money must still show, and
    agree with re-solving the LP relaxation with a little more money."""
    scenario, cands = tiny_case
    scenario = load_scenario(scenario.origin.path, [
        *SIMPLE, "capacities.pv_land_kw=60", "capacities.job_slots_per_year=3",
        'budget.rule="confidence"', "budget.confidence=0.9"])
    cands = build_candidates(scenario, cands.registry, reps=10, seed=2,
                             packages=TINY_PACKAGES)
    budgets = np.array([6_000.0] * scenario.horizon.plan_years)
    lp, model = solve_allocation(cands, budgets, relax=True, max_rounds=200)
    year = 1
    expected_row = model.prob.get_constraint_by_name(f"budget_{year}")
    assert expected_row.slack > 0 and not expected_row.pi  # the mean stays within the budget
    assert lp.budget_duals[year] > 0
    step = np.zeros_like(budgets)
    step[year] = 10.0  # yuan: small enough to stay on the faces next to the LP's budget
    more, _ = solve_allocation(cands, budgets + step, relax=True, max_rounds=200)
    less, _ = solve_allocation(cands, budgets - step, relax=True, max_rounds=200)
    right = (more.objective - lp.objective) / (step[year] / 1e4)
    left = (lp.objective - less.objective) / (step[year] / 1e4)
    # The LP's value is concave in the budget: at a kink the dual may be any slope between the
    # one to the right and the one to the left (a degenerate optimum), but never outside them.
    assert right > 0
    assert right - 1e-6 <= lp.budget_duals[year] <= left + 1e-6


def test_budget_frontier_is_monotone_and_evaluated_out_of_sample(tiny_scenario) -> None:
    from simulator.optimizer.frontier import TARGET_TOLERANCE_PEOPLE

    scenario = load_scenario(tiny_scenario.origin.path,
                             ["policy.exit_targets_share_of_people=[0.05, 0.05]"])
    class Recorder:  # a stage reporter: hears every stage of the run, and its counts
        def __init__(self) -> None:
            self.stages: list[tuple[str, str]] = []
            self.last: dict[str, tuple[int, int]] = {}

        def stage(self, label: str, unit: str) -> None:
            self.stages.append((label, unit))

        def __call__(self, done: int, total: int) -> None:
            self.last[self.stages[-1][0]] = (done, total)

    recorder = Recorder()
    allocation = optimize(scenario, reps=6, seed=3, frontier=True,
                          budgets=[200_000.0, 100_000.0], progress=recorder)
    labels = [label for label, _ in recorder.stages]
    assert labels == ["simulating every package (in-sample)", "solving the allocation",
                      "simulating every package (fresh replications)",
                      "the plan's incomes (fresh replications)", "budget frontier",
                      "smallest budget meeting the exit targets"]
    households = allocation.registry.n_households
    assert recorder.last["simulating every package (in-sample)"] == (households, households)
    levels = len(scenario.optimizer.frontier_budget_factors)
    assert recorder.last["budget frontier"] == (levels, levels)
    points = allocation.frontier
    factors = [p.factor for p in points]
    assert factors == sorted(scenario.optimizer.frontier_budget_factors)
    penalty = scenario.optimizer.exit_target_penalty
    objective = [p.in_sample - penalty * sum(p.exit_target_shortfall) for p in points]
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(objective))
    # one budget, one figure: the 1× level is the filed plan itself
    at_one = next(p for p in points if p.factor == 1.0)
    assert np.array_equal(at_one.evaluation.choice, allocation.optimised.choice)
    for point in points:  # each level's plan is its own allocation, evaluated on fresh numbers
        assert point.evaluation.outlays.shape == (6, 2)
        assert np.array_equal(point.evaluation.stable_exits,
                              realised_stable_exits(allocation.evaluation_set,
                                                    point.evaluation.choice))
    target = allocation.target_budget
    assert target is not None and target.met
    assert max(target.exit_target_shortfall) < TARGET_TOLERANCE_PEOPLE
    first = next(p for p in points if max(p.exit_target_shortfall) < TARGET_TOLERANCE_PEOPLE)
    assert target.factor <= first.factor
    assert target.budgets == pytest.approx([200_000.0 * target.factor,
                                            100_000.0 * target.factor])


def test_instruments_the_county_does_not_offer_are_given_to_no_one(tiny_scenario) -> None:
    offered = ("employment", "loans")
    scenario = load_scenario(tiny_scenario.origin.path,
                             [f"optimizer.instruments={list(offered)!r}".replace("'", '"')])
    allocation = optimize(scenario, reps=4, seed=3, budgets=[400_000.0, 200_000.0])
    cands = allocation.candidates
    assert {key for p in cands.packages for key in p.keys} <= {
        *offered, *(key for p in rule_packages(scenario) for key in p.keys)}
    # neither the optimised plan nor any simple rule gives an instrument not offered
    for name, evaluation in {"optimised": allocation.optimised, **allocation.baselines}.items():
        given = {key for k in set(evaluation.choice.tolist()) for key in cands.packages[k].keys}
        assert given <= set(offered), name
    assert any(cands.packages[k].keys for k in allocation.optimised.choice)  # it still acts


def test_the_summary_names_the_objective_and_solver_used(tiny_scenario) -> None:
    assert tiny_scenario.optimizer.objective == "expected"
    allocation = optimize(tiny_scenario, reps=4, seed=3, objective="cvar",
                          budgets=[400_000.0, 200_000.0])
    summary = allocation.summary()
    assert (summary["objective"], summary["solver"]) == ("cvar", "highs")


@pytest.mark.parametrize("share", [0.3, 1.0])
def test_the_priced_allocation_keeps_every_row_and_is_valued_as_the_model_would(
        medium_cands, share: float) -> None:
    from simulator.optimizer.priced import priced_allocation
    from simulator.optimizer.rows import MONEY_UNIT, coupling_rows

    cands = medium_cands
    budgets = [b * share for b in MEDIUM_BUDGETS]
    prices = price_rows(cands, budgets)
    found = priced_allocation(cands, prices)
    assert found is not None
    choice = found.choice
    households = np.arange(cands.n_households)
    assert cands.feasible[households, choice].all()
    sites = cands.site_costs(choice) / MONEY_UNIT
    for row in coupling_rows(cands, budgets):
        if row.kind == "exit_target":
            continue
        activity = row.at(households, choice).sum() + (sites[row.year] if row.kind == "budget"
                                                       else 0.0)
        assert activity <= row.rhs + 1e-6 if row.sense == "<=" else activity >= row.rhs - 1e-6
    # the model restricted to this allocation values it the same, and the bound is above it
    only = np.zeros(cands.feasible.shape, dtype=bool)
    only[households, choice] = True
    settings_ = _Settings(budgets=np.array(budgets), objective="expected", solver="highs",
                          time_limit=60, mip_gap=1e-9)
    fixed = AllocationModel(cands, settings_, allowed=only)
    assert fixed.solve()[0] == "Optimal"
    assert found.objective == pytest.approx(fixed.objective_value(), abs=1e-6)
    assert found.objective <= prices.bound + 1e-6


def test_a_priced_allocation_is_taken_only_within_the_requested_gap(medium_cands) -> None:
    exact, _ = solve_allocation(medium_cands, MEDIUM_BUDGETS, mip_gap=1e-9)
    loose, model = solve_allocation(medium_cands, MEDIUM_BUDGETS, mip_gap=0.05)
    assert "priced allocation" in loose.status and model is None
    assert loose.gap <= 0.05
    assert exact.objective * (1 - 0.05) - 1e-6 <= loose.objective <= exact.objective + 1e-6
    assert "priced allocation" not in exact.status


def test_mending_a_row_may_break_a_tight_one_when_nothing_else_can() -> None:
    from types import SimpleNamespace

    from simulator.optimizer.priced import _mend
    from simulator.optimizer.rows import Row

    # three households, packages 0 (none) and 1; all take package 1 at first
    cands = SimpleNamespace(feasible=np.ones((3, 2), dtype=bool), n_households=3)
    priced = np.array([[0.0, 0.3], [0.0, 0.2], [0.0, 0.5]])
    budget = Row("budget_0", "budget", "<=", 2.0, full=np.array([[0, 1.0]] * 3))
    coverage = Row("coverage", "policy", ">=", 3.0, household=np.ones(3),
                   package=np.array([0.0, 1.0]))
    choice = np.ones(3, dtype=np.int64)
    excess = np.array([1.0, 0.0])  # the budget is 1 over; coverage is exactly met
    mended = _mend(cands, priced, [budget, coverage], 0, choice, excess)
    # every move that saves money lowers coverage: the cheapest one (household 1) is made
    assert mended is not None and mended.tolist() == [1, 0, 1]
    # with room on the coverage row the same move is made without breaking it
    room = _mend(cands, priced, [budget, coverage], 0, choice, np.array([1.0, -5.0]))
    assert room is not None and room.tolist() == [1, 0, 1]
    # a row no move can win back
    stuck = Row("budget_1", "budget", "<=", 0.0, full=np.zeros((3, 2)))
    assert _mend(cands, priced, [stuck, coverage], 0, choice, np.array([1.0, 0.0])) is None


def test_primal_recovery_mixes_the_answers_to_keep_the_row() -> None:
    """max x over x ∈ {0, 1} s.t. x ≤ 0.5: L(λ) = max(1 − λ, 0) + 0.5·λ is least at the kink
    λ = 1, where either answer (x = 0 or 1) breaks or wastes the row; the answers mixed by the
    model's cut weights give x = 0.5, which keeps it exactly."""
    from simulator.optimizer.lagrangian import minimise_dual

    def evaluate(v: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        x = 1.0 if v[0] < 1.0 else 0.0
        return max(1.0 - v[0], 0.0) + 0.5 * v[0], np.array([0.5 - x]), np.array([x])

    start, low, high = np.zeros(1), np.zeros(1), np.full(1, np.inf)
    centre, value, single, _evaluations, _step = minimise_dual(evaluate, start, low, high)
    assert value == pytest.approx(0.5, abs=1e-6) and centre[0] == pytest.approx(1.0, abs=1e-3)
    assert single[0] in (0.0, 1.0)
    _centre, _value, mixed, _evaluations, _step = minimise_dual(evaluate, start, low, high,
                                                                primal=True)
    assert mixed[0] == pytest.approx(0.5, abs=1e-6)


def test_the_method_keeps_no_payload_it_is_not_asked_for() -> None:
    """A county's payload is its (H, K) priced values: while it runs, the method holds only the
    best one unless asked for cuts or a mix (held, 120 of them took 1.5 GB at 35,000
    households)."""
    import gc
    import weakref

    from simulator.optimizer.lagrangian import minimise_dual

    class Payload:
        pass

    alive: weakref.WeakSet = weakref.WeakSet()
    most = [0]

    def evaluate(v: np.ndarray) -> tuple[float, np.ndarray, Payload]:
        gc.collect()
        most[0] = max(most[0], len(alive))  # payloads held while the method runs
        payload = Payload()
        alive.add(payload)
        x = np.clip(1.0 - v, 0.0, 1.0)  # a smooth-ish L with many evaluations to its minimum
        return float(((1.0 - v) * x).sum() + 0.3 * v.sum()), 0.3 - x, payload

    size = 6
    _centre, _value, best, evaluations, _step = minimise_dual(
        evaluate, np.zeros(size), np.zeros(size), np.full(size, np.inf))
    assert evaluations > 3 and isinstance(best, Payload)
    assert most[0] <= 2  # the best so far, and the one just made


def test_a_binding_limit_says_where_its_number_comes_from(medium_cands) -> None:
    from simulator.optimizer.rows import binding_limits

    limits = {entry["constraint"]: entry for entry in binding_limits(
        medium_cands, MEDIUM_BUDGETS, ["budget_0", "job_slots_1", "pv_site_cap_0", "nothing"])}
    assert set(limits) == {"budget_0", "job_slots_1", "pv_site_cap_0"}
    assert limits["budget_0"]["limit"] == "budget.yearly_yuan"
    assert limits["budget_0"]["guess"]  # the schema's budget is a guess
    assert limits["job_slots_1"]["limit"] == "capacities.job_slots_per_year"
    assert not limits["job_slots_1"]["guess"]
    assert limits["pv_site_cap_0"]["limit"] == "capacities.pv_sites_per_township_max"
    # every capacity row an instrument declares carries its limit
    from simulator.optimizer.rows import coupling_rows

    assert all(row.limit for row in coupling_rows(medium_cands, MEDIUM_BUDGETS))


def test_the_countys_own_programme_is_a_baseline_that_says_what_it_breaks() -> None:
    from simulator.optimizer.baselines import county_programme, rule_packages

    # without 帮扶全覆盖, whose cost would take a second solve
    scenario = load_scenario("ruyuan-2016", ["budget.rule=expected",
                                             "policy.every_household_a_measure=false"])
    allocation = optimize(scenario, reps=4, seed=5, budgets=[20_000_000.0] * 3)
    cands = allocation.candidates
    choice = county_programme(cands, allocation.budgets)
    with_labour = cands.packages.index(rule_packages(scenario)[0])
    labour = cands.registry.laborers > 0
    assert np.all(choice[labour & cands.feasible[:, with_labour]] == with_labour)
    assert np.all(choice[~labour] == 0)  # Ruyuan's rule gives them nothing: dibao carries them
    programme = allocation.summary()["baselines"]["county_programme"]
    # 20 million a year cannot pay for equity, PV, a job and an industry for 1,530 households
    broken = {row["constraint"]: row for row in programme["breaks"]}
    assert "budget_0" in broken and broken["budget_0"]["used"] > broken["budget_0"]["allowed"]
    assert broken["budget_0"]["allowed"] == 20_000_000.0


@pytest.mark.parametrize("basis", ["needed", "budget"])
def test_the_request_is_what_the_plan_needs_and_every_unspent_yuan_has_a_cause(
        tiny_scenario_path, tiny_registry, basis: str) -> None:
    scenario = load_scenario(tiny_scenario_path, ["budget.rule=confidence",
                                                  f'budget.request="{basis}"'])
    allocation = optimize(scenario, registry=tiny_registry, reps=6, seed=3)
    summary = allocation.summary()
    request = summary["request"]
    budgets = np.asarray(allocation.budgets, dtype=float)
    spending = np.quantile(allocation.optimised.outlays, 0.95, axis=0)
    needed = np.minimum(np.ceil(np.round(spending, 2) / 1e4) * 1e4, budgets)
    asked = np.array(list(request["by_year_yuan"].values()))
    assert asked == pytest.approx(needed if basis == "needed" else budgets)
    assert request["total_yuan"] == pytest.approx(asked.sum())
    for (year, left), budget, ask in zip(request["unspent_by_year_yuan"].items(), budgets, asked,
                                         strict=True):
        assert left == pytest.approx(budget - ask)
        if left > 0:  # every unspent yuan says what stops the plan spending it
            cause = request["unspent_causes"][year]
            assert cause["shadow_price_stable_exits_per_10000_yuan"] >= 0
            assert isinstance(cause["binding"], list)
    if basis == "needed":
        assert (asked < budgets).any()  # the tiny county's budget is more than the plan uses


def test_a_capacity_price_is_what_one_more_unit_buys_in_the_lp(tiny_scenario_path,
                                                                tiny_registry) -> None:
    """The job slots' price (its LP dual, per slot) against a finite difference of the LP
    relaxation: one more slot in each plan year."""
    import dataclasses

    from simulator.optimizer.lagrangian import price_rows
    from simulator.optimizer.rows import row_prices

    from .conftest import WITHOUT_ASSISTANCE

    def candidates(slots: int):
        scenario = load_scenario(tiny_scenario_path, [f"capacities.job_slots_per_year={slots}",
                                                      *WITHOUT_ASSISTANCE])
        return scenario, build_candidates(scenario, tiny_registry, reps=6, seed=4)

    budgets = [400_000.0, 200_000.0]
    _scenario, cands = candidates(5)
    prices = price_rows(cands, budgets)
    listed = {e["constraint"]: e for e in row_prices(cands, budgets, prices.rows,
                                                    prices.multipliers)}
    slots = [listed[f"job_slots_{year}"] for year in range(2)]
    assert all(e["per_field_unit"] and e["name_zh"] == "年度新增岗位上限" for e in slots)
    priced = sum(float(e["stable_exits_per_unit"]) for e in slots)
    more, _ = candidates(6)
    lp = solve_allocation(cands, budgets, relax=True)[0].objective
    lp_more = solve_allocation(dataclasses.replace(cands, scenario=more), budgets,
                               relax=True)[0].objective
    assert lp_more - lp == pytest.approx(priced, rel=0.05)
    assert priced > 0.5  # the slots bind: each one more buys a sizeable share of an exit


def test_every_registered_household_with_labour_gets_a_measure(tiny_scenario_path,
                                                               tiny_registry) -> None:
    """帮扶全覆盖: no registered household with labour is left without a measure where one is
    open to it; those the fund gives nothing have the safety net as theirs; and the rule's cost
    is the plan without it on the same replications."""
    from simulator.vocabulary import REGISTERED_CATEGORIES

    scenario = load_scenario(tiny_scenario_path, ["policy.every_household_a_measure=true",
                                                  "budget.yearly_yuan=[40000, 40000]"])
    allocation = optimize(scenario, registry=tiny_registry, reps=10, seed=3)
    table = allocation.allocation_table()
    cands = allocation.candidates
    registered = np.isin(tiny_registry.category, REGISTERED_CATEGORIES)
    with_labour = registered & (tiny_registry.laborers > 0) & cands.feasible[:, 1:].any(axis=1)
    packages = np.array(table["package"])
    assert with_labour.sum() > 10
    assert np.all(packages[with_labour] != "none")
    assert set(np.array(table["rule"])[with_labour]) == {"coverage"}
    measures = np.array(table["measure"])
    safety_net = allocation.evaluation_set.result.by_safety_net
    assert np.all(measures[(packages == "none") & safety_net] == "safety_net")
    assert np.all(measures[packages != "none"] == "package")
    # against the plan without the rule, on the same fresh replications
    free = allocation.without_coverage_rule
    assert free is not None and (free.choice[with_labour] == 0).any()
    rule = allocation.summary()["coverage_rule"]
    assert rule["households_given_a_measure"] == int((free.choice[with_labour] == 0).sum())
    given_up = rule["stable_exits_given_up"]["mean"]
    assert given_up == pytest.approx(float(np.mean(free.stable_exits
                                                   - allocation.optimised.stable_exits)))


@pytest.mark.parametrize(("share", "lower", "expected"), [
    (0.5, False, 3.5), (0.25, True, 1.0), (0.3, False, (4 + 0.2 * 3) / 1.2),
    # a share below one replication's is the worst one (many-sigma confidence at few runs)
    (0.0, False, 4.0), (0.1, True, 1.0)])
def test_tail_mean_is_the_mean_of_the_worst_share(share: float, lower: bool,
                                                    expected: float) -> None:
    values = np.array([3.0, 1.0, 4.0, 2.0])
    assert tail_mean(values, share, lower=lower) == pytest.approx(expected)
