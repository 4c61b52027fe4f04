"""Engine benchmark: household-months per second and peak memory, and the naive reference.

    python benchmarks/engine.py            # all cases (a few minutes on 2 cores)
    python benchmarks/engine.py --quick    # smaller cases, for a smoke run

A household-month is one household, in one replication, under one package, for one month:
(households × replications × packages × months) / seconds. Each case runs in its own process so
its peak resident memory can be reported. The naive reference (benchmarks/naive.py: one SimPy
process per household, plain Python floats) runs on a small case, and the ratio of the two
rates is printed. Figures vary with the machine's load: compare ratios measured in one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from targets import TargetRow, print_targets  # noqa: E402

CASES = [(3_000, 200, 16), (100_000, 32, 1), (1_000_000, 8, 1)]
QUICK_CASES = [(3_000, 20, 16), (20_000, 8, 1)]
NAIVE_CASE = (3_000, 4)  # households, replications

TARGET_PLAN_RATE = 40e6
"""Target engine rate on one plan, 100,000 households × 32 replications [household-months/s]."""

TARGET_NAIVE_RATIO = 300.0
"""Target ratio of the engine's rate to the naive reference's, on the same case."""

TARGET_LARGE_SECONDS = 15.0
"""Target time of one plan on 1,000,000 households × 8 replications [s]."""

TARGET_LARGE_MIB = 2048.0
"""Target peak memory of the same case [MiB]."""


def tiled_registry(households: int):
    """The Ruyuan synthetic registry repeated to ``households`` households (unique ids)."""
    from simulator import generate_population, load_scenario
    from simulator.registry import COLUMNS, Registry

    scenario = load_scenario("ruyuan-2016")
    base = generate_population(scenario)
    copies = -(-households // base.n_households)
    columns = {c.name: np.tile(getattr(base, c.name), copies)[:households] for c in COLUMNS}
    columns["household_id"] = np.array([f"B{i:07d}" for i in range(households)])
    return scenario, Registry.from_columns(columns)


def run_case(households: int, reps: int, packages: int) -> dict:
    """Time one case in this process; report rate and peak memory."""
    from simulator.engine import simulate
    from simulator.packages import default_packages

    scenario, registry = tiled_registry(households)
    start = time.perf_counter()
    if packages > 1:
        result = simulate(scenario, registry=registry, packages=default_packages()[:packages],
                          reps=reps, seed=1)
    else:
        result = simulate(scenario, registry=registry, reps=reps, seed=1)
    seconds = time.perf_counter() - start
    months = scenario.horizon.years * 12
    return {
        "households": households, "replications": reps, "packages": packages,
        "months": months, "seconds": round(seconds, 2),
        "household_months_per_second": households * reps * packages * months / seconds,
        "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "stable_exits_mean": float(result.stable_exit_households(0).mean()),
    }


def run_naive(households: int, reps: int) -> dict:
    """Time the naive reference and the engine on the same small case."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from naive import simulate_naive

    from simulator.engine import simulate
    from simulator.packages import plan_from_rule

    scenario, registry = tiled_registry(households)
    plan = plan_from_rule(scenario, registry)
    months = scenario.horizon.years * 12
    start = time.perf_counter()
    naive = simulate_naive(scenario, registry, plan, reps=reps, seed=1)
    naive_seconds = time.perf_counter() - start
    start = time.perf_counter()
    engine = simulate(scenario, plan, registry=registry, reps=reps, seed=1)
    engine_seconds = time.perf_counter() - start
    agree = bool(np.allclose(engine.per_capita[0], naive, rtol=1e-4, atol=0.05))
    work = households * reps * months
    return {"households": households, "replications": reps,
            "naive_household_months_per_second": work / naive_seconds,
            "engine_household_months_per_second": work / engine_seconds,
            "results_agree": agree}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller cases")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: run one case, print JSON
    args = parser.parse_args()
    if args.case:
        households, reps, packages = map(int, args.case.split(","))
        print(json.dumps(run_case(households, reps, packages)))
        return
    cases = QUICK_CASES if args.quick else CASES
    print(f"{'households':>10} {'reps':>5} {'packages':>8} {'seconds':>8} "
          f"{'M household-months/s':>21} {'peak MiB':>9}")
    rates = []
    figures_by_case = []
    for households, reps, packages in cases:
        out = subprocess.run([sys.executable, __file__, "--case",
                              f"{households},{reps},{packages}"], capture_output=True,
                             text=True, check=True)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        rates.append(figures["household_months_per_second"])
        figures_by_case.append(figures)
        print(f"{households:>10,} {reps:>5} {packages:>8} {figures['seconds']:>8.1f} "
              f"{figures['household_months_per_second'] / 1e6:>21.1f} "
              f"{figures['peak_memory_mib']:>9,.0f}")
    naive = run_naive(*NAIVE_CASE)
    print(f"\nnaive reference (one SimPy process per household), {naive['households']} "
          f"households × {naive['replications']} replications, county default plan:")
    print(f"  naive  {naive['naive_household_months_per_second'] / 1e6:8.3f} M household-months/s")
    same_case = (naive["engine_household_months_per_second"]
                 / naive["naive_household_months_per_second"])
    print(f"  engine {naive['engine_household_months_per_second'] / 1e6:8.3f} M household-months/s"
          f" on the same case ({same_case:,.0f}×)")
    print(f"  engine at {cases[0][0]:,}×{cases[0][1]}×{cases[0][2]}: "
          f"{rates[0] / naive['naive_household_months_per_second']:,.0f}× the naive rate")
    print(f"  results agree: {naive['results_agree']}")
    by_case = dict(zip(cases, figures_by_case, strict=True))
    rows = []
    plan_case = (100_000, 32, 1)
    if plan_case in by_case:
        rate = by_case[plan_case]["household_months_per_second"] / 1e6
        rows.append(TargetRow("engine, one plan (100,000 hh × 32 reps)",
                              f"{rate:,.1f} M household-months/s",
                              f"≥ {TARGET_PLAN_RATE / 1e6:,.0f} M", rate * 1e6 >= TARGET_PLAN_RATE))
    rows.append(TargetRow("engine vs naive reference, same case, one run", f"{same_case:,.0f}×",
                          f"≥ {TARGET_NAIVE_RATIO:,.0f}×", same_case >= TARGET_NAIVE_RATIO))
    large_case = (1_000_000, 8, 1)
    if large_case in by_case:
        large = by_case[large_case]
        rows.append(TargetRow("engine, 1,000,000 hh × 8 reps: time", f"{large['seconds']:,.1f} s",
                              f"≤ {TARGET_LARGE_SECONDS:,.0f} s",
                              large["seconds"] <= TARGET_LARGE_SECONDS))
        rows.append(TargetRow("engine, 1,000,000 hh × 8 reps: peak memory",
                              f"{large['peak_memory_mib']:,.0f} MiB",
                              f"≤ {TARGET_LARGE_MIB:,.0f} MiB",
                              large["peak_memory_mib"] <= TARGET_LARGE_MIB))
    print_targets("targets (measured in this run)", rows)


if __name__ == "__main__":
    main()
