"""Hand-computed household cases (tests/cases/*.toml), one parametrised test.

Each case gives one household, a package, scenario overrides and the per-capita income (and
optionally the fund outlays, the money coming back to the county, the medical out-of-pocket
spending, the county's dibao top-up and 防返贫 help, and the exit year, 0 for never) expected in
every simulated year. Unless a case says
otherwise, every shock, volatility, growth, degradation, variability and lead time is switched
off first (QUIET), so
the expected figures can be worked out by hand; the case's own overrides then switch on what it
tests.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from simulator.engine import simulate
from simulator.packages import plan_from_packages
from simulator.registry import Registry
from simulator.scenario import load_scenario

CASES = sorted((Path(__file__).parent / "cases").glob("*.toml"))

QUIET = [
    "income.growth_per_year=0", "income.volatility_log_sd=0",
    "shocks.illness_probability_per_person_year=0",
    "shocks.disability_probability_per_person_year=0",
    "shocks.disaster_probability_per_village_year=0",
    "instruments.equity.underpay_probability_per_year=0",
    "instruments.equity.failure_probability_over_term=0",
    "instruments.pv.yield_year_sd=0", "instruments.pv.weak_year_probability=0",
    "instruments.pv.degradation_first_year=0", "instruments.pv.degradation_per_year=0",
    "instruments.pv.settlement_delay_probability=0",
    # lead times and wage dynamics off too; cases of their own switch them on
    "horizon.plan_start_month=1", "instruments.pv.construction_months=0",
    "instruments.employment.training_months=0",
    "instruments.employment.wage_growth_per_year=0",
    "instruments.employment.replaced_income_share=0",
    "instruments.loans.project_lead_months=0", "safety_net.standard_growth_per_year=0",
    # the county's own assistance beyond the dibao of households without labour, and the
    # health-assistance cap, off too (after the horizon); cases of their own switch them on
    'safety_net.covers="without_labour"', "prevention.start_year=2100",
    "prevention.remaining_poor_from_year=2100",
    "shocks.out_of_pocket_cap_from_year=2100",
]


def household(spec: dict) -> Registry:
    """A one-household registry from a case's [household] table (missing amounts are 0)."""
    columns = {
        "household_id": ["case"], "township": ["镇"], "village": ["村"],
        "poor_village": [True], "size": [spec["size"]], "laborers": [spec["laborers"]],
        "category": [spec.get("category", "general")],
        **{k: [float(spec.get(k, 0))] for k in ("wages", "business", "property", "transfers",
                                                 "production_expenses")},
        "pv_site": [spec.get("pv_site", False)],
        "chronically_ill": [spec.get("chronically_ill", 0)],
    }
    return Registry.from_columns(columns, source="case")


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_hand_computed_case(path: Path) -> None:
    case = tomllib.loads(path.read_text(encoding="utf-8"))
    scenario = load_scenario(case.get("scenario", "ruyuan-2016"), QUIET + case.get("set", []))
    registry = household(case["household"])
    plan = plan_from_packages([case["package"]], registry, source=path.name)
    result = simulate(scenario, plan, registry=registry, reps=3, seed=11)
    expected = np.array(case["expected_per_capita"])
    assert result.per_capita.shape == (1, 3, 1, len(expected))
    for rep in range(3):
        np.testing.assert_allclose(result.per_capita[0, rep, 0], expected,
                                   atol=case["tolerance"], err_msg=case["name"])
    shape = (3, len(expected))
    if "expected_outlays" in case:
        np.testing.assert_allclose(result.household_outlays()[:, 0, :],
                                   np.broadcast_to(case["expected_outlays"], shape),
                                   atol=case["tolerance"], err_msg=case["name"])
    if "expected_recoveries" in case:
        recovered = sum(result.recoveries_by_line().values(), np.zeros(shape))
        np.testing.assert_allclose(recovered, np.broadcast_to(case["expected_recoveries"], shape),
                                   atol=case["tolerance"], err_msg=case["name"])
    if "expected_medical" in case:
        np.testing.assert_allclose(result.medical[:, 0, :],
                                   np.broadcast_to(case["expected_medical"], shape),
                                   atol=case["tolerance"], err_msg=case["name"])
    assistance = result.assistance_by_year()
    for key, name in (("expected_top_up", "dibao_topup_yuan"),
                      ("expected_help", "prevention_help_yuan")):
        if key in case:
            np.testing.assert_allclose(assistance[name], np.broadcast_to(case[key], shape),
                                       atol=case["tolerance"], err_msg=case["name"])
    years = list(scenario.calendar_years)
    # the exit year as the county counts it (防返贫 help included), and — where a case gives it —
    # before the help, on which a plan is judged
    for key, exit_years in (("expected_exit_year", result.outcome_with_help().exit_year),
                            ("expected_exit_year_before_help", result.exit_year[0])):
        if key in case:
            index = years.index(case[key]) if case[key] else -1
            assert (exit_years[:, 0] == index).all(), case["name"]


def test_there_is_a_case_for_every_instrument_and_shock() -> None:
    from simulator.interventions import INSTRUMENTS

    texts = [p.read_text(encoding="utf-8") for p in CASES]
    for module in INSTRUMENTS:
        assert any(f'package = "{module.KEY}"' in t for t in texts), module.KEY
    shocks = ["ill", "disabled", "disaster", "enterprise fails", "job ends", "weak sun",
              "settled", "no dividend"]
    for shock in shocks:
        assert any(t.startswith('name = "shock: ') and shock in t.split("\n", 1)[0]
                   for t in texts), shock
