"""The vectorised engine agrees with the naive one-process-per-household reference."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from simulator.engine import simulate
from simulator.packages import plan_from_rule
from simulator.scenario import load_scenario

NAIVE = Path(__file__).resolve().parent.parent / "benchmarks" / "naive.py"


def _naive():
    spec = importlib.util.spec_from_file_location("naive_reference", NAIVE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_engine_matches_naive_reference(tiny_scenario_path, tiny_registry) -> None:
    # every shock on, settlement delays too, so every mechanism is compared
    scenario = load_scenario(tiny_scenario_path, [
        "instruments.pv.settlement_delay_probability=0.5",
        "shocks.disaster_probability_per_village_year=0.3",
        "shocks.disability_probability_per_person_year=0.05",
        "instruments.equity.failure_probability_over_term=0.3",
        # lead times, job changes and chronic illness too
        "horizon.plan_start_month=11", "instruments.employment.job_to_job_share=0.5",
        "shocks.chronic_illness_relative_risk=3", "income.volatility_persistence=0.6"])
    registry = tiny_registry
    plan = plan_from_rule(scenario, registry)
    engine = simulate(scenario, plan, registry=registry, reps=3, seed=21)
    naive = _naive().simulate_naive(scenario, registry, plan, reps=3, seed=21)
    np.testing.assert_allclose(engine.per_capita[0], naive, rtol=1e-4, atol=0.05)
    # the county's assistance is compared too: 防返贫 help was paid, and households with labour
    # were topped up to the dibao standard
    assert engine.assistance_by_year()["prevention_help_yuan"].sum() > 0
    top_up = engine.assistance[0, :, :, 0]  # (H, Y) expected dibao top-up
    assert top_up[registry.laborers > 0].sum() > 0
