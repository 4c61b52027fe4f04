"""One-at-a-time sensitivity: common random numbers, and a central run passed in is the same."""

from __future__ import annotations

import numpy as np

from simulator.engine import simulate
from simulator.packages import plan_from_rule
from simulator.schema import value_at, with_value
from simulator.sensitivity import ASSUMPTIONS, sensitivity


def test_central_run_passed_in_gives_the_same_answer(tiny_scenario, tiny_registry) -> None:
    plan = plan_from_rule(tiny_scenario, tiny_registry)
    chosen = [a for a in ASSUMPTIONS if a.path.startswith("instruments.equity")]
    own_central, own = sensitivity(tiny_scenario, plan, tiny_registry, reps=6, seed=3,
                                   assumptions=chosen)
    run = simulate(tiny_scenario, plan, registry=tiny_registry, reps=6, seed=3)
    given_central, given = sensitivity(tiny_scenario, plan, tiny_registry, reps=6, seed=3,
                                       assumptions=chosen,
                                       central=run.added_stable_exits(0))
    assert np.array_equal(own_central, given_central)
    assert [(r.low, r.high) for r in own] == [(r.low, r.high) for r in given]
    # widest swing first
    swings = [r.swing for r in own]
    assert swings == sorted(swings, reverse=True)


def test_same_answer_whatever_the_workers(tiny_scenario, tiny_registry) -> None:
    plan = plan_from_rule(tiny_scenario, tiny_registry)
    chosen = [a for a in ASSUMPTIONS if a.path.startswith(("instruments.pv", "shocks"))]
    counts: list[tuple[int, int]] = []
    one_central, one = sensitivity(tiny_scenario, plan, tiny_registry, reps=6, seed=3,
                                   assumptions=chosen)
    two_central, two = sensitivity(tiny_scenario, plan, tiny_registry, reps=6, seed=3,
                                   assumptions=chosen, workers=2,
                                   progress=lambda done, total: counts.append((done, total)))
    assert np.array_equal(one_central, two_central)
    assert [(r.assumption.path, r.low, r.high) for r in one] == \
        [(r.assumption.path, r.low, r.high) for r in two]
    assert counts[-1] == (2 * len(chosen), 2 * len(chosen))


def test_with_value_replaces_one_field_only(tiny_scenario) -> None:
    path = "instruments.pv.tariff_yuan_per_kwh"
    changed = with_value(tiny_scenario, path, 0.5)
    assert value_at(changed, path) == 0.5
    assert value_at(tiny_scenario, path) != 0.5
    assert changed.instruments.equity == tiny_scenario.instruments.equity


def test_sweep_runs_one_field_over_values_on_the_same_random_numbers(tiny_scenario,
                                                                     tiny_registry) -> None:
    from simulator import paired, plan_from_rule, sweep

    plan = plan_from_rule(tiny_scenario, tiny_registry)
    runs = sweep(tiny_scenario, "instruments.equity.dividend_rate", [0.03, 0.12], plan=plan,
                 registry=tiny_registry, reps=6, seed=3)
    (low, low_run), (high, high_run) = runs
    assert (low, high) == (0.03, 0.12)
    gain = paired(high_run.added_stable_exits(), low_run.added_stable_exits())
    assert gain["mean"] >= 0 and isinstance(gain["ci95"][0], float)
    # same random numbers: without support, both runs are the same
    assert np.array_equal(low_run.stable_without_support, high_run.stable_without_support)


def test_the_cached_candidate_runs_give_the_plan_runs_answer(tiny_scenario, tiny_registry,
                                                             tmp_path) -> None:
    """With a run cache the tornado simulates every candidate package and picks the plan's
    (a run another allocation can read): the same numbers as the plan's own runs, and a
    second allocation reads the runs the first one left."""
    from simulator.cache import RunCache, caching
    from simulator.optimizer.solve import allocation_packages
    from simulator.packages import Plan

    packages = allocation_packages(tiny_scenario, tiny_registry)
    rng = np.random.default_rng(5)
    choice = rng.integers(0, len(packages), tiny_registry.n_households)
    plan = Plan.from_choice(packages, choice)
    chosen = [a for a in ASSUMPTIONS if a.path.startswith(("instruments.pv", "shocks"))]
    own_central, own = sensitivity(tiny_scenario, plan, tiny_registry, reps=6, seed=3,
                                   assumptions=chosen)
    kept = RunCache(tmp_path / "cache")
    with caching(kept):
        cached_central, cached = sensitivity(tiny_scenario, plan, tiny_registry, reps=6, seed=3,
                                             assumptions=chosen, choice=(packages, choice))
        runs = len(kept.entries())
        other = rng.integers(0, len(packages), tiny_registry.n_households)
        sensitivity(tiny_scenario, Plan.from_choice(packages, other), tiny_registry, reps=6,
                    seed=3, assumptions=chosen, choice=(packages, other))
    assert np.array_equal(own_central, cached_central)
    assert [(r.assumption.path, r.low, r.high) for r in own] == \
        [(r.assumption.path, r.low, r.high) for r in cached]
    assert runs == 1 + 2 * len(chosen)  # the central case's and each variant's
    assert len(kept.entries()) == runs  # another allocation reads them all
