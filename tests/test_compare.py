"""Scenario comparison: every scenario on the same replications, differences paired."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.compare import compare
from simulator.scenario import load_scenario
from simulator.statistics import paired


@pytest.fixture
def plan_file(tmp_path, tiny_scenario, tiny_registry):
    path = tmp_path / "plan.csv"
    packages = ["equity+employment" if laborers else "none"
                for laborers in tiny_registry.laborers]
    path.write_text("household_id,package\n" + "".join(
        f"{h},{p}\n" for h, p in zip(tiny_registry.household_id, packages, strict=True)),
        encoding="utf-8")
    return path


def test_differences_are_paired_over_common_replications(tiny_scenario_path, tiny_registry,
                                                         plan_file) -> None:
    low = load_scenario(tiny_scenario_path, ["instruments.equity.dividend_rate=0.03"])
    high = load_scenario(tiny_scenario_path, ["instruments.equity.dividend_rate=0.12"])
    comparison = compare([low, high], plan=plan_file, registries=[tiny_registry] * 2, reps=30,
                         seed=5)
    a, b = (o.stable_exits for o in comparison.outcomes)
    difference = comparison.differences()[0]["stable_exits"]
    assert difference == paired(b, a)
    assert difference["mean"] == pytest.approx(float((b - a).mean()), abs=0.01)
    # common random numbers: a higher dividend never turns a stable exit into none, the two
    # scenarios' replications move together, and the paired interval is the narrower one
    assert np.all(b >= a)
    unpaired = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / len(a))
    assert np.corrcoef(a, b)[0, 1] > 0.3
    assert 0 < difference["se"] < unpaired
    # the two scenarios share their no-support outcomes here, so added exits differ alike
    added = comparison.differences()[0]["added_stable_exits"]
    assert added["mean"] == pytest.approx(difference["mean"], abs=0.01)
    table = comparison.table("en")
    assert table["measure"][0].startswith("stable exits added over no support")
    assert comparison.names() == ["tiny [instruments.equity.dividend_rate=0.03]",
                                  "tiny [instruments.equity.dividend_rate=0.12]"]
    first, second = comparison.names()
    assert len(table[second]) == len(table[first]) == len(table["measure"])
    coverage = comparison.outcomes[0].coverage_by_township()
    assert all(0 <= v <= 1 for v in coverage.values()) and coverage


def test_compare_needs_two_scenarios(tiny_scenario) -> None:
    with pytest.raises(ValueError, match="at least two"):
        compare([tiny_scenario])


def test_compare_and_optimize_charge_the_same_plan_the_same(tiny_scenario_path,
                                                            tiny_registry) -> None:
    """PV sites have a fixed cost: compare charges the plan's sites as optimize does."""
    from simulator.optimizer import optimize
    from simulator.registry import Registry

    scenario = load_scenario(tiny_scenario_path, ["instruments.pv.site_fixed_cost_yuan=50000"])
    registry = Registry.from_columns({**tiny_registry.columns(),
                                      "pv_site": np.ones(tiny_registry.n_households, bool)})
    optimised = optimize(scenario, registry=registry, reps=4, seed=3).summary()
    assert optimised["pv_sites"]  # the plan opens sites, at a cost
    comparison = compare([scenario, scenario], registries=[registry, registry], reps=4, seed=3)
    summary = comparison.summaries[0]
    assert summary["outlays_total"]["mean"] == pytest.approx(optimised["outlays_total"]["mean"],
                                                             abs=0.02)
    assert sum(summary["outlays_by_line"]["pv_sites"].values()) == 50_000 * sum(
        optimised["pv_sites"].values())
