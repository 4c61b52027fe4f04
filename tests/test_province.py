"""Province scale: the province file, the split of the province fund, and the same results on a
Dask cluster as in one process."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import numpy as np
import pytest

from simulator.errors import ScenarioError
from simulator.province import load_province, optimize_province, scaled_scenario
from simulator.scenario import load_scenario

SMALL = Path(__file__).parent / "data" / "province-small.toml"


@pytest.fixture(scope="module")
def small_result():
    return optimize_province(load_province(SMALL))


def test_the_split_keeps_the_province_rows(small_result) -> None:
    """Each year's county budgets fit the province fund and each county's own ceiling; the
    earmark holds; the counties' allocations spend within their budgets (in expectation,
    in-sample) and the bound is above what they reach."""
    province = small_result.province
    budgets = small_result.budgets
    assert np.all(budgets.sum(axis=0) <= province.budget_yuan + 1e-6)
    ceilings = np.array([c.scenario.budget.yearly_yuan for c in province.counties])
    assert np.all(budgets <= ceilings + 1e-6)
    deep = province.in_group("deep")
    assert budgets[deep].sum() >= 0.5 * budgets.sum() - 1e-6
    assert small_result.bound >= small_result.objective
    for county, budget in zip(small_result.counties, budgets, strict=True):
        cands_cost = county.summary["in_sample"]["objective"]
        assert cands_cost == pytest.approx(county.objective, abs=1e-3)
        assert sum(county.summary["budgets_yuan"].values()) == pytest.approx(budget.sum())


def test_province_figures_add_up_over_counties(small_result) -> None:
    summary = small_result.summary()
    counties = summary["by_county"].values()
    assert summary["households"] == sum(c["households"] for c in counties) == 400
    added = sum(c["added_stable_exits"]["mean"] for c in counties)
    assert summary["added_stable_exits"]["mean"] == pytest.approx(added, abs=0.05)
    assert summary["added_stable_exits"]["mean"] > 0
    for baseline in summary["baselines"].values():  # paired over the same replications
        gain = baseline["optimised_gain"]["mean"]
        assert gain == pytest.approx(summary["stable_exits"]["mean"]
                                     - baseline["stable_exits"]["mean"], abs=0.05)
    table = small_result.allocation_table()
    assert len(table["county"]) == 400 and set(table["county"]) == {"甲县", "乙县", "丙县"}
    json.dumps(summary, allow_nan=False)


def test_a_county_alone_is_not_changed_by_its_neighbours(small_result, tmp_path) -> None:
    """Random numbers are keyed by county: a province without 丙县 gives 甲县 the same
    candidate outcomes (its budget may differ, its households' fortunes do not)."""
    text = SMALL.read_text(encoding="utf-8")
    without = text[:text.index('[[counties]]\nname = "丙县"')]
    path = tmp_path / "two.toml"
    path.write_text(without.replace('scenario = "ruyuan-2016"',
                                    f'scenario = "{load_scenario("ruyuan-2016").origin.path}"'),
                    encoding="utf-8")
    two = load_province(path)
    from simulator.province.counties import CountyTask, build_county, release_run

    def first(province, run):
        county = province.counties[0]
        return build_county(CountyTask(0, county, reps=3, seed=5, evaluation_seed=6,
                                       run=run)).candidates()

    try:
        alone, among = first(two, "test-alone"), first(load_province(SMALL), "test-among")
    finally:
        release_run("test-alone"), release_run("test-among")
    assert np.array_equal(alone.stable, among.stable)
    assert alone.registry.equals(among.registry)


def test_scaled_counties_have_the_size_asked_for() -> None:
    base = load_scenario("ruyuan-2016")
    for households in (80, 5_000, 40_000):
        scaled = scaled_scenario(base, households)
        strata = scaled.population.synthetic.strata
        total = sum(s.households for s in strata)
        assert abs(total - households) <= len(strata)
        factor = total / sum(s.households for s in base.population.synthetic.strata)
        assert scaled.budget.yearly_yuan[0] == pytest.approx(
            base.budget.yearly_yuan[0] * households / 2_944, rel=0.01)
        assert factor == pytest.approx(households / 2_944, rel=0.02)


@pytest.mark.parametrize(("change", "where", "says"), [
    (("min_share = 0.5", "min_shar = 0.5"), "earmarks[0].min_shar", "did you mean"),
    (('group = "deep"', 'group = "deeep"'), "earmarks[0].group", "did you mean"),
    (('name = "丙县"', 'name = "甲县"'), "counties[2].name", "twice"),
    (("households = 80", "households = -3"), "counties[2].households", "≥ 1"),
    (("[budget]", "[budgett]"), "budgett", "did you mean"),
    (("yearly_yuan = [1_200_000, 1_000_000, 800_000]", "yearly_yuan = [1, 2]"),
     "budget.yearly_yuan", "one amount per plan year"),
    (('scenario = "ruyuan-2016"\nhouseholds = 200',
      'scenario = "ruyuan-2016"\nset = ["horizon.years=7"]\nhouseholds = 200'),
     "counties[1].scenario", "same horizon"),
])
def test_bad_province_files_say_where(tmp_path, change, where, says) -> None:
    old, new = change
    text = SMALL.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_province(path)
    message = str(caught.value)
    assert str(path) in message and where in message and says in message, message


def test_a_cluster_that_is_not_there_is_a_user_error(cli, tmp_path) -> None:
    bad = cli("province", SMALL, "-o", tmp_path / "out", "--cluster", "nowhere")
    assert bad.exit_code == 1 and "scheduler address" in bad.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_files(cli, tmp_path) -> None:
    """The same province and seed on a LocalCluster(n_workers=2, threads_per_worker=1), reached
    through its scheduler address as any existing cluster would be, writes byte-identical
    summary.json, allocation.csv, counties.csv and the province proposal to the single-process
    run (whose --json output lists them)."""
    from dask.distributed import LocalCluster

    one = cli("province", SMALL, "-o", tmp_path / "one", "--reps", "3", "--json")
    assert one.exit_code == 0, one.stderr
    payload = json.loads(one.stdout)
    names = {Path(p).name for p in payload["outputs"]}
    assert names == {"summary.json", "allocation.csv", "counties.csv", "proposal.html",
                     "proposal.xlsx", "counties.png", "counties.svg",
                     "province_comparison.png", "province_comparison.svg"}
    assert payload["summary"]["in_sample"]["replications"] == 3
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        many = cli("province", SMALL, "-o", tmp_path / "many", "--reps", "3", "--cluster",
                   cluster.scheduler_address)
    assert many.exit_code == 0, many.stderr
    for name in ("summary.json", "allocation.csv", "counties.csv", "proposal.html",
                 "proposal.xlsx"):
        assert filecmp.cmp(tmp_path / "one" / name, tmp_path / "many" / name, shallow=False)


def test_county_files_are_removed_after_a_failed_run(monkeypatch, tmp_path) -> None:
    """Each county's candidates wait on the local disk between the stages; a run that fails
    after building them leaves nothing behind (and nothing of another run is touched)."""
    import tempfile

    from simulator.province import solve

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    other = tmp_path / "tuopin-county-otherrun-0000-x"
    other.mkdir()
    seen: list[str] = []

    def failing(model, budgets):
        seen.append(model.folder)
        raise RuntimeError("a county's solve failed")

    monkeypatch.setattr(solve, "solve_county", failing)
    with pytest.raises(RuntimeError, match="solve failed"):
        optimize_province(load_province(SMALL), reps=2)
    assert len(seen) == 1 and Path(seen[0]).parent == tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name]


def test_the_province_proposal_agrees_with_its_summary(small_result, tmp_path) -> None:
    """proposal.xlsx and proposal.html carry summary.json's figures: each county's share of the
    fund and the stable exits it adds, the province rows, the totals; the page is one
    self-contained file with every section."""
    import re

    from openpyxl import load_workbook

    from simulator.province.proposal import write_province_proposal

    from .test_proposal import _sheet

    summary = small_result.summary()
    written = write_province_proposal(summary, small_result.province, tmp_path, lang="zh")
    assert {p.name for p in written} >= {"proposal.html", "proposal.xlsx", "counties.png",
                                          "province_comparison.svg"}
    workbook = load_workbook(tmp_path / "proposal.xlsx")
    assert workbook.sheetnames == ["摘要", "分县资金", "省级约束", "按年度", "按扶持方式",
                                   "方案比较"]
    counties = _sheet(workbook, "分县资金")
    years = list(summary["budgets_yuan"])
    for row, (name, county) in zip(counties[1:-1], summary["by_county"].items(), strict=True):
        assert row[0] == name
        assert row[4 + len(years)] == pytest.approx(sum(county["budget_yuan"].values()) / 1e4)
        assert row[-3] == pytest.approx(county["added_stable_exits"]["mean"])
    assert counties[1][1] == "深度贫困县" and counties[2][1] in ("", None)
    total = counties[-1]
    assert total[4 + len(years)] == pytest.approx(small_result.budgets.sum() / 1e4)
    assert total[-1] == pytest.approx(summary["cost_per_added_stable_exit_yuan"])
    instruments = _sheet(workbook, "按扶持方式")
    assert instruments[-1][-1] == pytest.approx(summary["outlays_total"]["mean"] / 1e4,
                                                abs=1e-3)
    rows = {r[0]: r for r in _sheet(workbook, "省级约束")[1:]}
    earmark = rows["专项比例：深度贫困县类县不少于 50%"]
    assert earmark[2] == f"{summary['province_rows']['earmark_deep_poverty']['planned_share']:.1%}"
    cover = {r[0]: r[1] for r in _sheet(workbook, "摘要")[1:]}
    assert cover["新增稳定脱贫户数（较无扶持）"] == pytest.approx(
        summary["added_stable_exits"]["mean"])

    page = (tmp_path / "proposal.html").read_text(encoding="utf-8")
    for section in ("cover", "counties", "rows", "years", "comparison", "method"):
        assert f"id='{section}'" in page
    assert page.count("<svg") == 2 and "data:font/woff;base64," in page
    assert not re.search(r"(src|href)=['\"](?!data:|#)", page), "external resource referenced"
    assert all(name in page for name in summary["by_county"])
    english = write_province_proposal(summary, small_result.province, tmp_path / "en",
                                      lang="en")
    assert "Province fund" in english[0].read_text(encoding="utf-8")


def test_earmarks_hold_and_the_bound_bounds(small_result) -> None:
    """The earmarked counties get at least their share of the money split; every row kept, the
    counties' in-sample expected stable exits cannot exceed the province bound (they did when
    the bound counted only money spent against an earmark on money given)."""
    province = small_result.province
    for earmark in province.earmarks:
        member = province.in_group(earmark.group)
        given = small_result.budgets
        assert given[member].sum() >= earmark.min_share * given.sum() - 1.0
    assert small_result.objective <= small_result.bound + 1e-6
    assert np.all(small_result.budgets.sum(axis=0) <= province.budget_yuan + 1.0)
