"""Calibration: simulated figures, target files, the fit and its report."""

from __future__ import annotations

import filecmp
import math
from pathlib import Path

import numpy as np
import pytest

from simulator.calibration import calibrate, load_targets
from simulator.calibration.figures import (
    exit_share_of_people,
    income_share,
    inpatient_incidence,
    return_rate_after_exit,
    return_rate_in_year,
)
from simulator.calibration.fit import run_programme
from simulator.calibration.report import scenario_toml
from simulator.errors import ScenarioError
from simulator.scenario import bundled_scenarios_dir, load_scenario

from .conftest import WITHOUT_ASSISTANCE

TARGETS = """
name = "tiny targets"
calibrated_name = "tiny, calibrated"
replications = 6
report_replications = 8
max_evaluations = 12

[[parameters]]
path = "income.volatility_log_sd"
low = 0.05
high = 0.6

[[parameters]]
path = "shocks.illness_probability_per_person_year"
low = 0.05
high = 0.4

[[targets]]
name = "exits_2016"
figure = "exit_share_of_people"
year = 2016
value = 0.5
low = 0.3
high = 0.7
use = "fit"
source = "made up for the test"

[[targets]]
name = "inpatient"
figure = "inpatient_incidence"
value = 0.2
low = 0.15
high = 0.25
use = "fit"
source = "made up for the test"

[[targets]]
name = "wages_2018"
figure = "income_share"
component = "wages"
year = 2018
value = 0.4
low = 0.3
high = 0.5
use = "validation"
source = "made up for the test"
"""


@pytest.fixture
def targets_path(tmp_path: Path) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(TARGETS, encoding="utf-8")
    return path


@pytest.fixture
def programme(tiny_scenario_path, tiny_registry):
    # every source counted, the one-off industry reward too, so that per-capita income and the
    # four statistical components describe the same money
    from simulator.vocabulary import INCOME_SOURCES

    every_source = tuple(INCOME_SOURCES)
    scenario = load_scenario(tiny_scenario_path,
                             [f"exit_rule.counted_sources={list(every_source)!r}"])
    return run_programme(scenario, tiny_registry, reps=6, seed=4)


# -- simulated figures --------------------------------------------------------------------------

def test_exit_shares_count_people_exiting_each_year(programme, tiny_registry) -> None:
    years = [int(y) for y in programme.years]
    shares = np.stack([exit_share_of_people(programme, y) for y in years], axis=1)
    exit_year = programme.outcome_with_help().exit_year  # exits as the county counts them
    for r in range(programme.reps):
        for j in range(len(years)):
            people = tiny_registry.size[exit_year[r] == j].sum()
            assert shares[r, j] == pytest.approx(people / tiny_registry.size.sum())
    assert np.all(shares.sum(axis=1) <= 1 + 1e-9)


def test_return_rates_agree_with_a_household_by_household_count(programme) -> None:
    # safety-net exits cannot fall back, so they are left out of return rates
    by_income = ~programme.by_safety_net
    assert by_income.any() and not by_income.all()
    county = programme.outcome_with_help()  # returns as the county counts them
    exit_year = county.exit_year[:, by_income]
    return_year = county.return_year[:, by_income]
    n_years = len(programme.years)
    for k in (1, 2):
        rates = return_rate_after_exit(programme, k)
        for r in range(programme.reps):
            at_risk = returned = 0
            for e, back in zip(exit_year[r], return_year[r], strict=True):
                if e < 0 or e + k >= n_years or (0 <= back < e + k):
                    continue
                at_risk += 1
                returned += back == e + k
            assert rates[r] == pytest.approx(returned / max(at_risk, 1))
    year = int(programme.years[2])
    in_year = return_rate_in_year(programme, year)
    for r in range(programme.reps):
        stock = [(e, b) for e, b in zip(exit_year[r], return_year[r], strict=True)
                 if 0 <= e < 2 and (b < 0 or b >= 2)]
        assert in_year[r] == pytest.approx(sum(b == 2 for _, b in stock) / max(len(stock), 1))


def test_the_countys_exits_include_its_help_and_the_plans_do_not(programme, tiny_scenario_path,
                                                                  tiny_registry) -> None:
    """Published figures count exits with the county's 防返贫 help; a plan is judged before
    it. Help only raises incomes: it never delays an exit, and it does make some."""
    county = programme.outcome_with_help()
    exited = county.exit_year >= 0
    for y in range(len(programme.years)):  # the engine's chances of having exited, with help
        np.testing.assert_allclose(programme.exited_by_with_help[0, :, y],
                                   (exited & (county.exit_year <= y)).mean(axis=0), atol=1e-6)
    fund = programme.exit_year[0]
    earlier = (county.exit_year >= 0) & ((fund < 0) | (county.exit_year <= fund))
    assert np.all(earlier | (fund < 0) & (county.exit_year < 0))
    assert (county.exit_year != fund).any()
    # without help the two counts are one
    own = run_programme(load_scenario(tiny_scenario_path, WITHOUT_ASSISTANCE), tiny_registry,
                        reps=6, seed=4)
    assert own.exited_by_with_help is None
    assert np.array_equal(own.outcome_with_help().exit_year, own.exit_year[0])
    assert np.array_equal(own.outcome_with_help().stable, own.stable[0])


def test_income_components_add_up_to_the_households_income(programme, tiny_registry) -> None:
    year = int(programme.years[-1])
    shares = [income_share(programme, c, year)
              for c in ("wages", "business", "property", "transfers")]
    np.testing.assert_allclose(np.sum(shares, axis=0), 1.0, rtol=1e-9)
    # every source the programme pays is counted here, so the four components together are the
    # households' counted income (dividends, PV and jobs included, dibao top-up a transfer)
    total = (programme.per_capita[0] * tiny_registry.size[None, :, None]).sum(axis=1)  # (R, Y)
    np.testing.assert_allclose(programme.income_by_category.sum(axis=2), total, rtol=1e-4)
    assert (programme.income_by_category[:, :, 2] > 0).all()  # dividends and PV: property


def test_inpatient_incidence_matches_the_hazards(tiny_scenario_path, tiny_registry) -> None:
    from simulator.engine import simulate

    scenario = load_scenario(tiny_scenario_path, ["shocks.illness_probability_per_person_year=0.2",
                                                  "shocks.chronic_illness_relative_risk=3"])
    result = simulate(scenario, registry=tiny_registry, reps=60, seed=8)
    size = tiny_registry.size.astype(float)
    ill = np.minimum(tiny_registry.chronically_ill, tiny_registry.size).astype(float)
    hazard = (size - ill) * -math.log(0.8) + ill * -math.log(1 - 0.6)
    expected = (12 * (1 - np.exp(-hazard / 12))).sum() / size.sum()  # episodes per person-year
    simulated = inpatient_incidence(result)
    assert simulated.mean() == pytest.approx(expected, rel=0.03)


# -- target files --------------------------------------------------------------------------------

def test_the_bundled_target_file_loads_and_separates_fit_from_validation() -> None:
    targets = load_targets(bundled_scenarios_dir() / "targets" / "ruyuan-2016.toml")
    assert targets.fitted and targets.held_out
    assert not {t.name for t in targets.fitted} & {t.name for t in targets.held_out}
    assert all(t.source.strip() for t in targets.targets)


@pytest.mark.parametrize("change, words", [
    (("figure = \"inpatient_incidence\"", "figure = \"inpatient_incidense\""),
     ["targets[1].figure", "did you mean", "inpatient_incidence"]),
    (("year = 2016\n", ""), ["targets[0].year", "needs year"]),
    (("value = 0.2\n", "value = 0.9\n"), ["targets[1].value", "inside its band"]),
    (("path = \"income.volatility_log_sd\"", "path = \"instruments.pv.tariff_yuan_per_kwh\""),
     ["parameters[0].path", "guess or a low-confidence figure", "tariff_yuan_per_kwh"]),
    (("path = \"income.volatility_log_sd\"", "path = \"income.volatility_log_sdd\""),
     ["parameters[0].path", "did you mean", "income.volatility_log_sd"]),
    (("high = 0.6\n", "high = 5.0\n"), ["parameters[0].high", "field's own range"]),
    (("max_evaluations = 12", "max_evaluation = 12"), ["max_evaluation", "did you mean"]),
])
def test_broken_target_files_name_the_field_and_the_rule(tmp_path: Path, change, words) -> None:
    path = tmp_path / "broken.toml"
    old, new = change
    assert old in TARGETS
    path.write_text(TARGETS.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_targets(path)
    message = str(caught.value)
    assert str(path) in message
    for word in words:
        assert word in message, message


# -- the fit -------------------------------------------------------------------------------------

def test_fit_improves_is_deterministic_and_never_sees_validation_targets(
        tiny_scenario, tiny_registry, targets_path: Path, tmp_path: Path) -> None:
    targets = load_targets(targets_path)
    first = calibrate(tiny_scenario, targets, registry=tiny_registry, seed=3)
    assert first.objective <= first.objective_start + 1e-9
    assert first.simulations <= targets.max_evaluations
    again = calibrate(tiny_scenario, targets, registry=tiny_registry, seed=3)
    assert again.fitted_values == first.fitted_values
    # a validation target's value cannot move the fit
    moved = tmp_path / "moved.toml"
    moved.write_text(TARGETS.replace("value = 0.4", "value = 0.45"), encoding="utf-8")
    held_out = calibrate(tiny_scenario, load_targets(moved), registry=tiny_registry, seed=3)
    assert held_out.fitted_values == first.fitted_values
    # every target is reported, on fresh random numbers, raw and calibrated
    assert [c.target.name for c in first.checks] == ["exits_2016", "inpatient", "wages_2018"]
    assert first.evaluation_seed != first.seed
    for path, value in first.fitted_values.items():
        parameter = next(p for p in targets.parameters if p.path == path)
        assert parameter.low <= value <= parameter.high


def test_calibrated_scenario_extends_the_raw_one_and_says_what_was_fitted(
        tiny_scenario_path: Path, tiny_registry, targets_path: Path) -> None:
    raw = load_scenario(tiny_scenario_path)
    calibration = calibrate(raw, load_targets(targets_path), registry=tiny_registry, seed=3)
    text = scenario_toml(calibration, tiny_scenario_path.parent, targets_path.name)
    written = tiny_scenario_path.parent / "tiny-calibrated.toml"
    written.write_text(text, encoding="utf-8")
    loaded = load_scenario(written)
    assert loaded.name == "tiny, calibrated"
    assert [p.name for p in loaded.origin.files] == ["tiny-calibrated.toml", "tiny.toml"]
    for path, value in calibration.fitted_values.items():
        section, field = path.split(".")
        assert getattr(getattr(loaded, section), field) == value
        assert loaded.source_of(path).startswith("fitted by tuopin calibrate")
        assert "share of registered people exiting in 2016 = 0.5" in loaded.source_of(path)
    assert loaded.source_of("income.growth_per_year") == raw.source_of("income.growth_per_year")


def test_cli_calibrate_writes_scenario_report_and_manifest(cli, tmp_path: Path,
                                                           tiny_scenario_path: Path,
                                                           targets_path: Path,
                                                           monkeypatch) -> None:
    out = tmp_path / "cal"
    monkeypatch.setenv("TUOPIN_LANG", "zh")  # what it prints, in Chinese
    result = cli("calibrate", tiny_scenario_path, "--targets", targets_path, "-o", out,
                 "--seed", "3")
    assert result.exit_code == 0, result.stderr
    assert "拟合了" in result.stdout and "验证目标" in result.stdout and "已写出" in result.stdout
    monkeypatch.setenv("TUOPIN_LANG", "en")
    for name in ("tiny-calibrated.toml", "calibration.csv", "calibration.html",
                 "calibration.svg", "calibration.png", "summary.json", "manifest.json"):
        assert (out / name).is_file(), name
    page = (out / "calibration.html").read_text(encoding="utf-8")
    assert "<svg" in page and "Held-out targets" in page and "http" not in page.split(
        "<svg")[0].split("<style>")[0]
    bad = tmp_path / "bad.toml"
    bad.write_text(TARGETS.replace("use = \"validation\"", "use = \"check\""), encoding="utf-8")
    failed = cli("calibrate", tiny_scenario_path, "--targets", bad, "-o", tmp_path / "x")
    assert failed.exit_code == 1
    assert "targets[2].use" in failed.stderr and "'validation'" in failed.stderr


@pytest.mark.slow
def test_calibrate_reproduces_the_bundled_default_scenario(cli, tmp_path: Path) -> None:
    """`tuopin calibrate` on the raw Ruyuan scenario writes the bundled ruyuan-2016.toml."""
    bundled = bundled_scenarios_dir()
    result = cli("calibrate", "ruyuan-2016-raw", "--targets",
                 bundled / "targets" / "ruyuan-2016.toml", "-o", tmp_path)
    assert result.exit_code == 0, result.stderr
    assert filecmp.cmp(tmp_path / "ruyuan-2016.toml", bundled / "ruyuan-2016.toml",
                       shallow=False)
