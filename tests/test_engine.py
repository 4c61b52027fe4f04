"""Engine properties: common random numbers, shared shocks, reproducibility, instrument contract."""

from __future__ import annotations

import json

import numpy as np
import pytest

from simulator.engine import simulate
from simulator.interventions import INSTRUMENTS
from simulator.packages import Package, Plan, default_packages, plan_from_packages
from simulator.registry import Registry
from simulator.scenario import Scenario, load_scenario

from .conftest import WITHOUT_ASSISTANCE

REPS = 6


def test_package_difference_is_exactly_the_pv_income(tiny_scenario_path, tiny_registry) -> None:
    """With PV variability off (and every other shock on), equity+pv − equity = PV income."""
    scenario = load_scenario(tiny_scenario_path, [
        *WITHOUT_ASSISTANCE,
        "instruments.pv.yield_year_sd=0", "instruments.pv.weak_year_probability=0",
        "instruments.pv.settlement_delay_probability=0", "instruments.pv.construction_months=0"])
    registry = Registry.from_columns({**tiny_registry.columns(),
                                      "pv_site": np.ones(60, dtype=bool)})
    packages = [Package.parse("equity"), Package.parse("equity+pv")]
    result = simulate(scenario, registry=registry, packages=packages, reps=REPS, seed=3)
    pv = scenario.instruments.pv
    ages = np.arange(scenario.horizon.years)
    net = (pv.kw_per_household * pv.specific_yield_kwh_per_kwp * pv.tariff_yuan_per_kwh
           * (1 - pv.degradation_first_year) * (1 - pv.degradation_per_year) ** ages
           - pv.om_cost_yuan_per_kw_year * pv.kw_per_household)
    difference = (result.per_capita[1] - result.per_capita[0]) * registry.size[None, :, None]
    # households without labour are topped up to the dibao standard, which PV can cross
    labour = registry.laborers > 0
    np.testing.assert_allclose(difference[:, labour], np.broadcast_to(
        net, difference[:, labour].shape), rtol=1e-4)
    assert result.per_capita.std(axis=1).max() > 0  # other shocks are really on


def test_same_results_whatever_block_size_and_workers(tiny_scenario, tiny_registry) -> None:
    runs = [simulate(tiny_scenario, registry=tiny_registry, reps=REPS, seed=5,
                     block_households=b, workers=w)
            for b, w in ((60, 1), (7, 1), (16, 2))]
    first = runs[0]
    for other in runs[1:]:
        assert np.array_equal(first.per_capita, other.per_capita)
        assert np.array_equal(first.stable, other.stable)
        for key, amount in first.outlays.items():
            assert np.array_equal(amount.full(), other.outlays[key].full())
        assert json.dumps(first.summary()) == json.dumps(other.summary())


def test_lines_some_blocks_never_record_are_joined_in_place(tiny_scenario_path,
                                                           tiny_registry) -> None:
    """Failure recoveries are recorded only in blocks whose enterprise failed: with several
    enterprises and small blocks, some blocks have no such line at all. Every household's
    amounts must be those of one block for the whole registry (none shifted, none left
    unwritten)."""
    tables = "".join(f'\n[[instruments.equity.enterprises]]\nname = "企业{i}"\n'
                     f"absorption_yuan = 1e9\n" for i in range(6))
    path = tiny_scenario_path.parent / "enterprises.toml"
    path.write_text(tiny_scenario_path.read_text(encoding="utf-8") + tables, encoding="utf-8")
    scenario = load_scenario(path, ["instruments.equity.failure_probability_over_term=0.05"])
    packages = [Package(), Package.parse("equity")]
    one, many = (simulate(scenario, registry=tiny_registry, packages=packages, reps=REPS,
                          seed=11, block_households=b) for b in (60, 5))
    recovered = one.recoveries[("equity", "equity_recoveries")].full()
    assert recovered.any() and not recovered.all()  # some enterprises failed, not all
    for key, amount in one.recoveries.items():
        assert np.array_equal(amount.full(), many.recoveries[key].full()), key
    assert np.array_equal(one.recovered(1), many.recovered(1))


def test_money_is_kept_for_eligible_households_only(tiny_scenario, tiny_registry) -> None:
    packages = default_packages()
    result = simulate(tiny_scenario, registry=tiny_registry, packages=packages, reps=REPS,
                      seed=4)
    index = {v.name: j for j, v in enumerate(result.variants)}
    weight = np.linspace(0.5, 2.0, tiny_registry.n_households)
    assert result.outlays and result.recoveries
    for (variant, _line), amount in [*result.outlays.items(), *result.recoveries.items()]:
        eligible = result.eligible[:, index[variant]]
        assert np.array_equal(amount.households, np.flatnonzero(eligible))
        full = amount.full()
        assert full.shape == (REPS, tiny_registry.n_households, len(result.years))
        assert np.all(full[:, ~eligible] == 0)
        np.testing.assert_allclose(amount.weighted_sum(weight),
                                   np.einsum("rhy,h->ry", full, weight), rtol=1e-12)
    # a package's outlays per household are its variants' amounts, zero where not eligible
    k = next(k for k, p in enumerate(packages) if len(p.variants) == 2)
    expected = sum(amount.full().astype(np.float64) * result.weights[k][:, index[v], None]
                   for (v, _line), amount in result.outlays.items())
    np.testing.assert_array_equal(result.household_outlays(k), expected)


def test_first_replications_do_not_depend_on_the_count(tiny_scenario, tiny_registry) -> None:
    few = simulate(tiny_scenario, registry=tiny_registry, reps=3, seed=9)
    many = simulate(tiny_scenario, registry=tiny_registry, reps=8, seed=9)
    assert np.array_equal(few.per_capita, many.per_capita[:, :3])


def test_other_seed_other_results(tiny_scenario, tiny_registry) -> None:
    a = simulate(tiny_scenario, registry=tiny_registry, reps=REPS, seed=1)
    b = simulate(tiny_scenario, registry=tiny_registry, reps=REPS, seed=2)
    assert not np.array_equal(a.per_capita, b.per_capita)


def test_enterprise_shocks_hit_every_shareholder(tiny_scenario_path, tiny_registry) -> None:
    scenario = load_scenario(tiny_scenario_path, [
        *WITHOUT_ASSISTANCE,
        "instruments.equity.underpay_probability_per_year=0.5", "income.volatility_log_sd=0",
        "shocks.illness_probability_per_person_year=0",
        "shocks.disability_probability_per_person_year=0",
        "shocks.disaster_probability_per_village_year=0"])
    result = simulate(scenario, registry=tiny_registry, packages=[Package(), Package.parse(
        "equity")], reps=REPS, seed=4)
    gain = result.per_capita[1] - result.per_capita[0]  # (reps, households, years)
    holders = tiny_registry.laborers > 0
    paid = gain[:, holders] > 1.0
    # one county-wide enterprise: in each replication-year all shareholders are paid or none is
    assert np.all(paid.all(axis=1) | ~paid.any(axis=1))
    assert paid.any() and not paid.all()


def test_disasters_hit_whole_villages(tiny_scenario_path, tiny_registry) -> None:
    scenario = load_scenario(tiny_scenario_path, [
        *WITHOUT_ASSISTANCE,
        "shocks.disaster_probability_per_village_year=0.5", "income.volatility_log_sd=0",
        "shocks.illness_probability_per_person_year=0",
        "shocks.disability_probability_per_person_year=0"])
    calm = load_scenario(tiny_scenario_path, [
        *WITHOUT_ASSISTANCE,
        "shocks.disaster_probability_per_village_year=0", "income.volatility_log_sd=0",
        "shocks.illness_probability_per_person_year=0",
        "shocks.disability_probability_per_person_year=0"])
    packages = [Package()]
    hit = simulate(scenario, registry=tiny_registry, packages=packages, reps=REPS, seed=8)
    base = simulate(calm, registry=tiny_registry, packages=packages, reps=REPS, seed=8)
    damaged = (hit.per_capita[0] < base.per_capita[0] - 1e-3)
    # households without labour are topped up to the dibao standard, which can hide a loss
    has_business = (tiny_registry.business > 0) & (tiny_registry.laborers > 0)
    for village in np.unique(tiny_registry.village):
        members = (tiny_registry.village == village) & has_business
        if members.sum() > 1:
            block = damaged[:, members]  # (reps, members, years)
            assert np.all(block.all(axis=1) | ~block.any(axis=1))
    assert damaged.any()




def test_growth_changes_no_one_elses_numbers(tiny_scenario_path, tiny_registry) -> None:
    """A registry with households added at the end (some in a new village, some in old ones)
    gives the first households exactly the incomes they had: random numbers are addressed by
    the household's place in its county, and disasters by village name. Another county's name
    gives other numbers."""
    scenario = load_scenario(tiny_scenario_path, [
        "shocks.disaster_probability_per_village_year=0.3"])
    columns = tiny_registry.columns()
    n = tiny_registry.n_households
    extra = {name: np.concatenate([values, values[:25]]) for name, values in columns.items()}
    moved = np.where(np.arange(25) % 2, "新村", columns["village"][:25])  # half in a new village
    extra["village"] = np.concatenate([columns["village"], moved])
    extra["household_id"] = np.concatenate([columns["household_id"],
                                            [f"new-{i}" for i in range(25)]])
    grown = Registry.from_columns(extra)
    packages = [Package(), Package.parse("equity+pv")]
    before = simulate(scenario, registry=tiny_registry, packages=packages, reps=REPS, seed=9)
    after = simulate(scenario, registry=grown, packages=packages, reps=REPS, seed=9)
    assert np.array_equal(before.per_capita, after.per_capita[:, :, :n])
    assert np.array_equal(before.stable, after.stable[:, :, :n])
    other = simulate(load_scenario(tiny_scenario_path, [
        "shocks.disaster_probability_per_village_year=0.3", "county=另一县"]),
        registry=tiny_registry, packages=packages, reps=REPS, seed=9)
    assert not np.array_equal(before.per_capita, other.per_capita)


@pytest.mark.parametrize("module", INSTRUMENTS, ids=lambda m: m.KEY)
def test_instrument_contract(module, tiny_scenario_path, tiny_registry) -> None:
    active = list(module.ACTIVE)  # settings that give it eligible households
    scenario: Scenario = load_scenario(tiny_scenario_path, active)
    packages = [Package(), Package.parse(module.KEY)]
    result = simulate(scenario, registry=tiny_registry, packages=packages, reps=REPS, seed=6)
    assert result.per_capita.shape == (2, REPS, 60, scenario.horizon.years)
    assert np.isfinite(result.per_capita).all()
    eligible = module.eligible(tiny_registry, scenario)
    # not eligible: exactly the same as no package, and nothing spent
    assert np.array_equal(result.per_capita[1][:, ~eligible], result.per_capita[0][:, ~eligible])
    assert np.all(result.household_outlays(1)[:, ~eligible] == 0)
    # eligible: something changes
    assert not np.array_equal(result.per_capita[1][:, eligible],
                              result.per_capita[0][:, eligible])
    # every income source and budget line it uses is declared
    for (_variant, line) in result.outlays:
        assert line in module.LINES, line
    # zero parameters, zero effect
    zero = load_scenario(tiny_scenario_path, [*active, *module.ZERO_EFFECT])
    nothing = simulate(zero, registry=tiny_registry, packages=packages, reps=REPS, seed=6)
    np.testing.assert_allclose(nothing.per_capita[1], nothing.per_capita[0], atol=1e-3)
    assert np.abs(nothing.household_outlays(1)).max() == 0
    # deterministic for a seed
    again = simulate(scenario, registry=tiny_registry, packages=packages, reps=REPS, seed=6)
    assert np.array_equal(again.per_capita, result.per_capita)


def test_default_packages_cover_singles_and_pairs() -> None:
    from simulator.interventions import OFFERED_BY_DEFAULT

    names = [p.name for p in default_packages()]
    n = len(OFFERED_BY_DEFAULT)
    assert len(names) == 1 + n + n * (n - 1) // 2 and names[0] == "none"  # none, singles, pairs
    assert "equity+pv" in names and "pv+employment" in names
    assert Package.parse("pv+equity") == Package.parse("equity+pv")
    assert Package.parse("pv@2").variants[0].start_year == 1
    with pytest.raises(ValueError, match="did you mean `equity`"):
        Package.parse("equty")


def test_plan_mode_matches_candidate_mode(tiny_scenario, tiny_registry) -> None:
    names = ["equity+pv" if i % 2 else "employment" for i in range(60)]
    plan = plan_from_packages(names, tiny_registry)
    planned = simulate(tiny_scenario, plan, registry=tiny_registry, reps=REPS, seed=2)
    packages = [Package.parse("employment"), Package.parse("equity+pv")]
    each = simulate(tiny_scenario, registry=tiny_registry, packages=packages, reps=REPS, seed=2)
    chosen = np.array([i % 2 for i in range(60)])
    expected = each.per_capita[chosen, :, np.arange(60)].transpose(1, 0, 2)
    assert np.array_equal(planned.per_capita[0], expected)


def test_an_allocation_picked_from_a_candidate_run_is_its_plan_run(tiny_scenario,
                                                                    tiny_registry) -> None:
    """An allocation picked (``chosen``) from a candidate run has exactly the exits and money
    of that allocation's own plan run — whatever the block size — so the optimiser judges a
    plan from the candidate run and runs the plan only for its incomes."""
    packages = default_packages(["equity", "pv", "employment", "loans"], max_size=2)
    rng = np.random.default_rng(4)
    choice = rng.integers(0, len(packages), size=tiny_registry.n_households)
    plan = Plan.from_choice(packages, choice, "chosen")
    planned = simulate(tiny_scenario, plan, registry=tiny_registry, reps=REPS, seed=2)
    for block in (60, 7):
        run = simulate(tiny_scenario, registry=tiny_registry, packages=packages, reps=REPS,
                       seed=2, keep_income=False, block_households=block)
        picked = run.chosen(choice, "chosen")
        assert run.per_capita is None and picked.per_capita is None  # incomes: the plan's run
        assert np.array_equal(picked.stable, planned.stable)
        assert np.array_equal(picked.exit_year, planned.exit_year)
        assert np.array_equal(picked.added_stable_exits(), planned.added_stable_exits())
        for line, amount in planned.outlays_by_line().items():
            assert np.array_equal(picked.outlays_by_line()[line], amount)


def test_stable_exits_respond_to_the_line(tiny_scenario_path, tiny_registry) -> None:
    low = load_scenario(tiny_scenario_path, ["poverty_line.base_yuan_per_capita=3000"])
    high = load_scenario(tiny_scenario_path, ["poverty_line.base_yuan_per_capita=12000"])
    a = simulate(low, registry=tiny_registry, reps=REPS, seed=1)
    b = simulate(high, registry=tiny_registry, reps=REPS, seed=1)
    assert np.all(a.stable_exit_households() >= b.stable_exit_households())
    assert a.stable_exit_households().mean() > b.stable_exit_households().mean()


@pytest.mark.parametrize("rho", [0.0, 0.8])
def test_income_shocks_persist_as_the_scenario_says(tiny_scenario_path, rho: float) -> None:
    """Log wage income, trend removed, is σ·x with x an AR(1): year-on-year correlation ρ."""
    quiet = [*WITHOUT_ASSISTANCE, "shocks.illness_probability_per_person_year=0",
             "shocks.disability_probability_per_person_year=0",
             "shocks.disaster_probability_per_village_year=0",
             "income.volatility_log_sd=0.3", f"income.volatility_persistence={rho}"]
    scenario = load_scenario(tiny_scenario_path, quiet)
    n = 400
    registry = Registry.from_columns({
        "household_id": [f"W{i}" for i in range(n)], "township": ["镇"] * n,
        "village": ["村"] * n, "poor_village": [True] * n, "size": [2] * n,
        "laborers": [1] * n, "category": ["general"] * n, "wages": [6000.0] * n,
        **{k: [0.0] * n for k in ("business", "property", "transfers", "production_expenses")}})
    result = simulate(scenario, plan_from_packages(["none"] * n, registry), registry=registry,
                      reps=25, seed=2)
    log_income = np.log(result.per_capita[0]).reshape(-1, result.per_capita.shape[-1])
    stationary = log_income.std(axis=0)
    np.testing.assert_allclose(stationary, 0.3, rtol=0.05)  # the same spread every year
    correlation = np.corrcoef(log_income[:, 1], log_income[:, 2])[0, 1]
    assert correlation == pytest.approx(rho, abs=0.05)


def test_instrument_variants_draw_their_random_numbers_once(tiny_scenario, tiny_registry,
                                                            monkeypatch) -> None:
    from simulator.randomness import Streams

    calls: list[tuple[str, int]] = []
    original = Streams.household_uniforms

    def counted(self, source, year, *args, **kwargs):
        calls.append((source, year))
        return original(self, source, year, *args, **kwargs)

    monkeypatch.setattr(Streams, "household_uniforms", counted)
    # employment starting in each of three plan years: three processes, one set of draws
    packages = [Package(), *(Package.parse(f"employment@{year}") for year in (1, 2, 3))]
    simulate(tiny_scenario, registry=tiny_registry, packages=packages, reps=REPS, seed=2,
             block_households=tiny_registry.n_households)
    # one block: every (source, year) is drawn once, however many variants ask for it
    assert len(calls) == len(set(calls))
    assert ("job_search", 2) in calls
