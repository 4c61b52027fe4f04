"""Synthetic registries: calibration to the published counts, plausibility, reproducibility."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.errors import ScenarioError
from simulator.population import calibration_table, distribute, generate_population
from simulator.registry import load_registry, write_registry
from simulator.scenario import Scenario, bundled_scenarios, load_scenario


@pytest.fixture(scope="module")
def ruyuan_households(ruyuan: Scenario):
    return generate_population(ruyuan, seed=1)


def _count(mask: np.ndarray, size: np.ndarray) -> tuple[int, int]:
    return int(mask.sum()), int(size[mask].sum())


def test_ruyuan_reproduces_every_published_count(ruyuan_households) -> None:
    """[Ruyuan2016 §一(二)], checked on the registry itself, not on its own report."""
    r = ruyuan_households
    size, labour, cat = r.size, r.laborers > 0, r.category
    assert (r.n_households, r.n_people) == (2944, 7508)
    assert _count(cat == "general", size) == (880, 3021)
    assert _count(cat == "dibao", size) == (1634, 4042)
    assert _count(cat == "wubao", size) == (430, 445)
    assert _count(labour, size) == (1530, 5352)
    assert _count(~labour, size) == (1414, 2156)
    assert _count(~labour & np.isin(cat, ["dibao", "wubao"]), size) == (1277, 1903)
    assert _count(~labour & (cat == "general"), size) == (137, 253)
    assert _count(r.disabled > 0, size) == (949, 2539)
    assert int((r.chronically_ill > 0).sum()) == 1735
    assert int(r.chronically_ill.sum()) == 2251
    assert int(r.housing_renovation.sum()) == 1398


def test_ruyuan_households_are_plausible(ruyuan_households) -> None:
    r = ruyuan_households
    pc = r.per_capita_net_income
    assert pc.max() < 4000 and pc.min() >= 300  # registered: below the 2015 line of 4,000
    assert 1500 < np.median(pc) < 3500
    assert np.all(r.laborers <= r.size) and np.all(r.disabled <= r.size)
    assert np.all(r.chronically_ill <= r.size)
    for column in ("wages", "business", "property", "transfers", "production_expenses"):
        assert np.all(getattr(r, column) >= 0), column
    # households with labour earn wages; households without live mostly on transfers
    labour = r.laborers > 0
    assert r.wages[labour].mean() > 3 * r.wages[~labour].mean()
    assert r.transfers[~labour].sum() > r.wages[~labour].sum()


def test_ruyuan_geography(ruyuan_households) -> None:
    r = ruyuan_households
    assert len(set(r.township.tolist())) == 9
    villages = set(zip(r.township.tolist(), r.village.tolist(), strict=True))
    assert len({v for _, v in villages}) == len(villages)  # a village lies in one township
    flags = {}
    for village, poor in zip(r.village.tolist(), r.poor_village.tolist(), strict=True):
        assert flags.setdefault(village, poor) == poor  # one flag per village
    assert 0.3 < r.poor_village.mean() < 0.5
    assert len(set(r.household_id.tolist())) == r.n_households


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.name)
def test_every_bundled_scenario_calibrates(path: Path) -> None:
    scenario = load_scenario(path)
    registry = generate_population(scenario, seed=3)
    rows = calibration_table(registry, scenario)
    assert rows and all(row.ok for row in rows), [r for r in rows if not r.ok]


def test_edge_incomes_lie_in_the_edge_band() -> None:
    scenario = load_scenario("changchun-edge")
    registry = generate_population(scenario, seed=5)
    pc = registry.per_capita_net_income
    line = scenario.poverty_line
    assert pc.min() >= line.registration_line_yuan_per_capita
    assert pc.max() < line.edge_ceiling_yuan_per_capita


def test_same_seed_same_registry_other_seed_other_registry(tiny_scenario: Scenario) -> None:
    a, b = generate_population(tiny_scenario, 11), generate_population(tiny_scenario, 11)
    c = generate_population(tiny_scenario, 12)
    assert a.equals(b)
    assert not a.equals(c)


def test_population_file_is_byte_identical_and_reads_back(cli, tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "h.csv", tmp_path / "b" / "h.csv"
    for path in (first, second):
        result = cli("population", "ruyuan-2016", "-o", path, "--seed", "1")
        assert result.exit_code == 0, result.stderr
    assert first.read_bytes() == second.read_bytes()
    registry = load_registry(first)
    assert (registry.n_households, registry.n_people) == (2944, 7508)
    # saved again as GB18030 with Chinese headers (as WPS or Excel would), it reads back the same
    chinese = write_registry(registry, tmp_path / "gb.csv", header="zh", encoding="gb18030")
    assert load_registry(chinese).equals(registry)
    assert "户编号" in chinese.read_bytes().decode("gb18030")


def test_unreachable_people_total_is_a_scenario_error(tiny_scenario_path: Path) -> None:
    scenario = load_scenario(tiny_scenario_path,
                             ["population.synthetic.people_in_disabled_households=150"])
    with pytest.raises(ScenarioError) as caught:
        generate_population(scenario, 1)
    assert "population.synthetic.people_in_disabled_households" in str(caught.value)
    assert "possible:" in str(caught.value)


@given(st.integers(0, 60), st.lists(st.integers(0, 9), min_size=1, max_size=30),
       st.integers(0, 2**32 - 1))
def test_distribute_respects_total_and_capacity(total: int, capacity: list[int],
                                                seed: int) -> None:
    capacity_array = np.array(capacity)
    total = min(total, int(capacity_array.sum()))
    placed = distribute(np.random.default_rng(seed), total, capacity_array)
    assert placed.sum() == total
    assert np.all(placed <= capacity_array) and np.all(placed >= 0)
