"""Optimiser benchmark: build and solve times and proven gaps on ruyuan-2016.

    python benchmarks/optimizer.py             # 200 replications, expected and CVaR objectives
    python benchmarks/optimizer.py --reps 40   # quicker
    python benchmarks/optimizer.py --households 100000 --reps 8   # the large-registry case

The candidate simulation (one engine run) is timed separately from the model: the targets are
about the allocation model — build included, solve to the scenario's gap (0.01 %).

The large-registry case tiles the Ruyuan registry to ``--households`` households and scales the
capacities with it; the budgets are scaled to ``--budget-share`` of the Ruyuan money per
household so that they bind (at the Ruyuan budgets every household can be served). The expected
objective goes through the Lagrangian bound (benchmarks the decomposition); its gap is measured
against that bound, which is never below the LP bound.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--solver", default="highs", choices=["highs", "cbc"])
    parser.add_argument("--households", type=int, help="large-registry case of this size")
    parser.add_argument("--budget-share", type=float, default=0.3,
                        help="large case: budgets as a share of Ruyuan's money per household")
    parser.add_argument("--mip-gap", type=float,
                        help="large case: relative gap to stop at (default: the scenario's)")
    args = parser.parse_args()
    if args.households:
        large_case(args.households, args.reps, args.budget_share, args.solver, args.mip_gap)
        return

    from simulator import load_scenario, population_of
    from simulator.optimizer.candidates import build_candidates, candidate_packages
    from simulator.optimizer.strategies import solve_allocation

    scenario = load_scenario("ruyuan-2016")
    registry = population_of(scenario)
    start = time.perf_counter()
    cands = build_candidates(scenario, registry, reps=args.reps, seed=1)
    simulation = time.perf_counter() - start
    print(f"ruyuan-2016: {registry.n_households:,} households × {len(candidate_packages(scenario))}"
          f"+ candidate packages, {args.reps} replications; {int(cands.feasible.sum()):,} "
          f"household-package pairs after pruning; candidate simulation {simulation:.1f} s")
    print(f"{'objective':>10} {'build s':>8} {'solve s':>8} {'total s':>8} {'gap':>10} "
          f"{'cut rounds':>10}  status")
    for objective in ("expected", "cvar"):
        start = time.perf_counter()
        solution, _ = solve_allocation(cands, scenario.budget.yearly_yuan, objective=objective,
                                       solver=args.solver, time_limit=600)
        total = time.perf_counter() - start
        gap = "n/a" if solution.gap is None else f"{solution.gap:.4%}"
        print(f"{objective:>10} {solution.build_seconds:>8.1f} {solution.solve_seconds:>8.1f} "
              f"{total:>8.1f} {gap:>10} {solution.cut_rounds:>10}  {solution.status}")


def scaled_scenario(scenario, factor: float, budget_share: float):
    """Ruyuan with capacities × ``factor`` and budgets × ``factor × budget_share``."""
    from dataclasses import replace

    from simulator.schema import value_at, with_value

    edits = {
        "budget.yearly_yuan": tuple(b * factor * budget_share
                                    for b in scenario.budget.yearly_yuan),
        "capacities.pv_land_kw": scenario.capacities.pv_land_kw * factor,
        "capacities.loan_risk_fund_yuan": scenario.capacities.loan_risk_fund_yuan * factor,
        "capacities.job_slots_per_year": round(scenario.capacities.job_slots_per_year * factor),
        "capacities.pv_sites_per_township_max": round(
            scenario.capacities.pv_sites_per_township_max * factor),
        "instruments.equity.enterprises": tuple(
            replace(e, absorption_yuan=e.absorption_yuan * factor)
            for e in value_at(scenario, "instruments.equity.enterprises")),
    }
    for path, value in edits.items():
        scenario = with_value(scenario, path, value)
    return scenario


def large_case(households: int, reps: int, budget_share: float, solver: str,
               mip_gap: float | None) -> None:
    import resource

    from engine import tiled_registry

    from simulator import population_of
    from simulator.optimizer.candidates import build_candidates
    from simulator.optimizer.lagrangian import price_rows
    from simulator.optimizer.strategies import solve_allocation

    base, registry = tiled_registry(households)
    scenario = scaled_scenario(base, households / population_of(base).n_households,
                               budget_share)
    start = time.perf_counter()
    cands = build_candidates(scenario, registry, reps=reps, seed=1)
    simulation = time.perf_counter() - start
    print(f"{households:,} households (Ruyuan tiled), {reps} replications, budgets "
          f"{[round(b / 1e6, 1) for b in scenario.budget.yearly_yuan]} M yuan; "
          f"{int(cands.feasible.sum()):,} household-package pairs; candidate simulation "
          f"{simulation:.1f} s")
    start = time.perf_counter()
    prices = price_rows(cands, scenario.budget.yearly_yuan)
    print(f"Lagrangian bound {prices.bound:,.2f} after {prices.evaluations} evaluations in "
          f"{prices.seconds:.1f} s; budget prices {[round(d, 4) for d in prices.budget_duals()]}"
          f" stable exits per 万元")
    start = time.perf_counter()
    solution, _ = solve_allocation(cands, scenario.budget.yearly_yuan, objective="expected",
                                   solver=solver, time_limit=600, mip_gap=mip_gap)
    total = time.perf_counter() - start
    gap = "n/a" if solution.gap is None else f"{solution.gap:.4%}"
    print(f"expected objective: {solution.objective:,.2f}, gap {gap} against the bound, "
          f"{total:.1f} s in all (build {solution.build_seconds:.1f} s, solve "
          f"{solution.solve_seconds:.1f} s); {solution.status}")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
