"""Optimiser benchmark: build and solve times and proven gaps on ruyuan-2016.

    python benchmarks/optimizer.py             # 200 replications, expected and CVaR objectives
    python benchmarks/optimizer.py --reps 40   # quicker

The candidate simulation (one engine run) is timed separately from the model: the targets are
about the allocation model — build included, solve to the scenario's gap (0.01 %).
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
    args = parser.parse_args()

    from simulator import load_scenario, population_of
    from simulator.optimizer.candidates import build_candidates, candidate_packages
    from simulator.optimizer.model import solve_allocation

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


if __name__ == "__main__":
    main()
