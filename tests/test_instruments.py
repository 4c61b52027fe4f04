"""The instrument contract: what each module declares is what the rest of tuopin is built from
(income sources, statistical components, default counting, report labels), and the engine stops
an instrument that pays or books anything it does not declare."""

from __future__ import annotations

import pytest

from simulator import labels
from simulator.engine import UndeclaredError, simulate
from simulator.interventions import INSTRUMENTS
from simulator.interventions.base import Line, Source
from simulator.packages import Package
from simulator.scenario import load_scenario
from simulator.vocabulary import (
    COUNTED_BY_DEFAULT,
    INCOME_CATEGORIES,
    INCOME_CATEGORY,
    INCOME_SOURCES,
)

CONTRACT = ("KEY", "LABEL", "LABEL_ZH", "Parameters", "INCOME_SOURCES", "SOURCES", "LINES",
            "BRINGS_IN_BY_ORGANISATION", "ZERO_EFFECT", "SENSITIVITY", "parameters", "eligible",
            "capacity_rows", "process")


@pytest.mark.parametrize("module", INSTRUMENTS, ids=lambda m: m.KEY)
def test_module_declares_the_contract(module) -> None:
    missing = [name for name in CONTRACT if not hasattr(module, name)]
    assert not missing, missing
    assert all(isinstance(s, Source) for s in module.SOURCES.values())
    assert all(isinstance(line, Line) for line in module.LINES.values())
    assert all(isinstance(line, Line) for line in module.RECOVERIES.values())
    # what it introduces, it pays; what it pays is a known source with a statistical component
    assert set(module.SOURCES) <= set(module.INCOME_SOURCES)
    for source in module.INCOME_SOURCES:
        assert source in INCOME_SOURCES and INCOME_CATEGORY[source] in INCOME_CATEGORIES
    # its own income counts unless it says why not (a one-off reward)
    for name, source in module.SOURCES.items():
        assert (name in COUNTED_BY_DEFAULT) == source.counted_by_default, name
    # its sensitivity ranges vary its own parameters
    assert all(a.path.startswith(("instruments.", "rewards.")) for a in module.SENSITIVITY)
    # every report can name it and every line it books
    for lang in ("zh", "en"):
        assert labels.instrument(module.KEY, lang)
        for line in (*module.LINES, *module.RECOVERIES):
            assert labels.LINES[line][lang], line


def test_no_two_instruments_introduce_the_same_source_or_key() -> None:
    keys = [m.KEY for m in INSTRUMENTS]
    sources = [name for m in INSTRUMENTS for name in m.SOURCES]
    assert len(set(keys)) == len(keys) and len(set(sources)) == len(sources)


@pytest.mark.parametrize("module", INSTRUMENTS, ids=lambda m: m.KEY)
def test_an_undeclared_source_or_line_stops_the_engine(module, monkeypatch, tiny_scenario_path,
                                                       tiny_registry) -> None:
    """Drop one declared name from the module: the engine must refuse, not count nothing."""
    scenario = load_scenario(tiny_scenario_path, list(module.ACTIVE))
    packages = [Package(), Package.parse(module.KEY)]
    simulate(scenario, registry=tiny_registry, packages=packages, reps=2, seed=3)  # declared: ok
    own = next(iter(module.SOURCES))
    monkeypatch.setattr(module, "INCOME_SOURCES",
                        tuple(s for s in module.INCOME_SOURCES if s != own))
    with pytest.raises(UndeclaredError, match=own):
        simulate(scenario, registry=tiny_registry, packages=packages, reps=2, seed=3)
    monkeypatch.undo()
    booked = next(k for k in module.LINES if k != "pv_sites")  # sites are booked by the optimiser
    monkeypatch.setattr(module, "LINES", {k: v for k, v in module.LINES.items() if k != booked})
    with pytest.raises(UndeclaredError, match=booked):
        simulate(scenario, registry=tiny_registry, packages=packages, reps=2, seed=3)


def test_every_declared_capacity_row_is_in_the_model(tiny_scenario_path, tiny_registry) -> None:
    """A capacity row an instrument declares is a constraint of the PuLP model and a price of
    the decomposition (declared but unused would be a silent no-op)."""
    from simulator.optimizer import build_candidates, candidate_packages
    from simulator.optimizer.lagrangian import price_rows
    from simulator.optimizer.model import AllocationModel, _Settings

    scenario = load_scenario(tiny_scenario_path, [
        "capacities.pv_land_kw=60", "capacities.job_slots_per_year=3",
        "capacities.loan_risk_fund_yuan=100000"])
    cands = build_candidates(scenario, tiny_registry, reps=2, seed=1,
                             packages=candidate_packages(scenario))
    declared = [row.name for m in INSTRUMENTS for row in m.capacity_rows(cands)]
    assert {"pv_land", "job_slots_0", "loan_volume"} <= set(declared)
    budgets = [1e6, 1e6]
    model = AllocationModel(cands, _Settings(budgets=budgets, objective="expected",
                                             solver="highs", time_limit=10, mip_gap=1e-4))
    assert set(declared) <= set(model.prob._constraints)
    priced = {row.name for row in price_rows(cands, budgets).rows}
    assert set(declared) <= priced


def test_the_capacities_table_is_built_from_the_modules() -> None:
    import dataclasses

    from simulator.scenario.model import Capacities

    declared = [name for m in INSTRUMENTS for name in m.CAPACITIES]
    assert [f.name for f in dataclasses.fields(Capacities)] == declared
    assert "pv_land_kw" in declared and "job_slots_per_year" in declared
