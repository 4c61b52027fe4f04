"""Scenario files: bundled scenarios, schema documentation, extends, --set and broken files."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from simulator.errors import ScenarioError
from simulator.interventions import INSTRUMENTS
from simulator.scenario import bundled_scenarios, load_scenario
from simulator.scenario.model import Scenario
from simulator.scenario.render import scenario_to_toml, schema_as_toml
from simulator.schema import to_plain, walk

from .conftest import DATA

BROKEN = DATA / "broken_scenarios"


def test_three_bundled_scenarios_are_shipped() -> None:
    names = {p.name for p in bundled_scenarios()}
    assert {"ruyuan-2016.toml", "jishou-2016.toml", "changchun-edge.toml"} <= names


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.name)
def test_bundled_scenarios_load(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.origin is not None and scenario.origin.path == path
    assert len(scenario.lines_yuan_per_capita) == scenario.horizon.years
    assert len(scenario.budget.yearly_yuan) == scenario.horizon.plan_years


def test_every_field_documents_unit_meaning_and_source() -> None:
    entries = list(walk(Scenario))
    assert len(entries) > 100
    for entry in entries:
        assert entry.doc.doc.strip(), entry.path
        assert entry.doc.source.strip(), entry.path


def test_every_instrument_has_a_table_in_the_schema() -> None:
    paths = {e.path.split(".")[1] for e in walk(Scenario) if e.path.startswith("instruments.")}
    assert paths == {m.KEY for m in INSTRUMENTS if m.Parameters is not None}


def test_defaults_listing_is_valid_toml_holding_the_defaults() -> None:
    listed = tomllib.loads(schema_as_toml())
    assert listed["instruments"]["pv"]["kw_per_household"] == 3.0
    assert listed["rewards"]["household_industry_yuan"] == 1500.0
    defaults = to_plain(Scenario())
    assert listed["horizon"] == defaults["horizon"]
    assert listed["exit_rule"]["counted_sources"] == defaults["exit_rule"]["counted_sources"]


def test_ruyuan_figures_come_from_the_seed(ruyuan: Scenario) -> None:
    assert ruyuan.instruments.equity.principal_yuan_per_person == 20_000
    assert ruyuan.instruments.equity.dividend_rate == pytest.approx(0.10)
    assert ruyuan.instruments.pv.kw_per_household == 3
    assert ruyuan.instruments.pv.land_kw_per_household == 15
    assert ruyuan.capacities.pv_land_kw == 44_160
    assert ruyuan.instruments.employment.award_yuan_per_worker == 2_000
    assert ruyuan.policy.exit_targets_share_of_people == (0.333, 0.40, 0.267)
    # 45 % of a provincial average growing 7 % a year, 7,365 in 2018 [Ruyuan2016 §一(三)]
    lines = dict(zip(ruyuan.calendar_years.tolist(), ruyuan.lines_yuan_per_capita, strict=True))
    assert lines[2018] == pytest.approx(7365)
    assert lines[2016] == pytest.approx(7365 / 1.07**2)


def test_jishou_rules(tmp_path: Path) -> None:
    jishou = load_scenario("jishou-2016")
    assert jishou.rewards.household_industry_yuan == 1500
    assert (jishou.rewards.organisation_direct_yuan_per_person,
            jishou.rewards.organisation_equity_yuan_per_person,
            jishou.instruments.employment.award_yuan_per_worker) == (100, 300, 500)
    assert jishou.policy.organisation_coverage_min_share == pytest.approx(0.20)
    assert jishou.population.synthetic.poor_village_household_share == 0


def test_extends_merges_tables_and_replaces_arrays(tmp_path: Path) -> None:
    variant = tmp_path / "pv-cheap.toml"
    variant.write_text('extends = "ruyuan-2016.toml"\nname = "cheap PV"\n'
                       "[instruments.pv]\ntariff_yuan_per_kwh = 0.75\n"
                       "[budget]\nyearly_yuan = [1, 2, 3]\n", encoding="utf-8")
    scenario = load_scenario(variant)
    base = load_scenario("ruyuan-2016")
    assert scenario.name == "cheap PV"
    assert scenario.instruments.pv.tariff_yuan_per_kwh == 0.75
    assert scenario.instruments.pv.kw_per_household == base.instruments.pv.kw_per_household
    assert scenario.budget.yearly_yuan == (1.0, 2.0, 3.0)
    assert scenario.population == base.population
    assert [p.name for p in scenario.origin.files] == ["pv-cheap.toml", "ruyuan-2016.toml",
                                                      "ruyuan-2016-raw.toml"]
    assert scenario.origin.sha256 != base.origin.sha256


def test_set_overrides_are_applied_and_change_the_hash(ruyuan: Scenario) -> None:
    changed = load_scenario("ruyuan-2016", ["instruments.pv.tariff_yuan_per_kwh=0.75",
                                            "name=Ruyuan what-if", "budget.yearly_yuan=[1,2,3]"])
    assert changed.instruments.pv.tariff_yuan_per_kwh == 0.75
    assert changed.name == "Ruyuan what-if"
    assert changed.budget.yearly_yuan == (1.0, 2.0, 3.0)
    assert changed.origin.sha256 != ruyuan.origin.sha256


@pytest.mark.parametrize(("override", "words"), [
    ("instruments.pv.tarif=0.75", ["--set instruments.pv.tarif=0.75", "unknown field",
                                   "did you mean `instruments.pv.tariff_yuan_per_kwh`"]),
    ("tariff_yuan_per_kwh=0.75", ["did you mean `instruments.pv.tariff_yuan_per_kwh`"]),
    ("horizon.years=abc", ["--set horizon.years=abc", "horizon.years",
                           "expected a whole number", "'abc' (text)"]),
    ("instruments.pv.tariff_yuan_per_kwh=-1", ["expected a number in [0, 5]", "found -1"]),
    ("no-equals-sign", ["expected dotted.path=value"]),
])
def test_bad_overrides_name_the_option(override: str, words: list[str]) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("ruyuan-2016", [override])
    for word in words:
        assert word in str(caught.value)


def test_resolved_scenario_reads_back_identically(tmp_path: Path, ruyuan: Scenario) -> None:
    changed = load_scenario("ruyuan-2016", ["instruments.pv.tariff_yuan_per_kwh=0.75"])
    path = tmp_path / "resolved.toml"
    path.write_text(scenario_to_toml(changed), encoding="utf-8")
    again = load_scenario(path)
    assert to_plain(again) == to_plain(changed)
    assert again.origin.sha256 == changed.origin.sha256


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "many.toml"
    path.write_text('extends = "ruyuan-2016.toml"\n[horizon]\nyears = "x"\n'
                    "[instruments.pv]\ntarif = 1\nkw_per_household = -3\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    paths = {p.where for p in caught.value.problems}
    assert {"horizon.years", "instruments.pv.tarif", "instruments.pv.kw_per_household"} <= paths
    assert all(p.source == str(path) for p in caught.value.problems)


def _broken_cases() -> list[tuple[Path, list[str]]]:
    cases = []
    for path in sorted(BROKEN.glob("*.toml")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        if path.name == "empty.toml":
            cases.append((path, ["empty"]))
        elif first.startswith("# expect:"):
            cases.append((path, [w.strip() for w in first[len("# expect:"):].split("|")]))
    return cases


@pytest.mark.parametrize(("path", "words"), _broken_cases(), ids=lambda v: getattr(v, "name", ""))
def test_broken_scenario_exits_1_naming_file_and_field(cli, path: Path, words: list[str]) -> None:
    result = cli("validate", path)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert path.name in result.stderr
    for word in words:
        assert word in result.stderr, f"{word!r} not in {result.stderr!r}"


def test_at_least_ten_kinds_of_broken_scenario() -> None:
    assert len(_broken_cases()) >= 10


def test_scenario_that_is_not_utf8(cli, tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes('name = "乳源"\n'.encode("gbk"))
    result = cli("validate", path)
    assert result.exit_code == 1
    assert "gbk.toml" in result.stderr and "UTF-8" in result.stderr


def test_unknown_scenario_name_suggests_bundled(cli) -> None:
    result = cli("validate", "ruyuan-2017")
    assert result.exit_code == 1
    assert "did you mean `ruyuan-2016" in result.stderr


@pytest.mark.parametrize(("path", "value", "where"), [
    ("optimizer.instruments", '["pv", "loans", "pv"]', "optimizer.instruments[2]"),
    ("exit_rule.counted_sources", '["wages", "wages"]', "exit_rule.counted_sources[1]"),
])
def test_a_list_that_names_something_twice_is_refused(path: str, value: str,
                                                      where: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("ruyuan-2016", [f"{path}={value}"])
    assert [p.where for p in caught.value.problems] == [where]
    assert "listed twice" in caught.value.problems[0].message
