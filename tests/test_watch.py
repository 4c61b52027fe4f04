"""Return-to-poverty monitoring: records files, the official triggers (hand cases), the model's
risk given records, the recalibration and the backtest's acceptance figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit

from simulator.engine import simulate
from simulator.errors import RegistryError
from simulator.packages import Package, Plan
from simulator.population import population_of
from simulator.registry import Registry
from simulator.scenario import load_scenario
from simulator.watch.backtest import average_precision, backtest, list_size, top
from simulator.watch.records import SYNTHETIC_TITLE, load_records, write_records
from simulator.watch.risk import fit_recalibration, model_risk, replication_weights
from simulator.watch.rules import apply_rules, line_of
from simulator.watch.synthetic import synthetic_records

from .conftest import TINY_SCENARIO


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("watch") / "tiny.toml"
    path.write_text(TINY_SCENARIO, encoding="utf-8")
    return load_scenario(path)


def _registry(rows: list[dict]) -> Registry:
    """Households from a few hand-written fields (the rest plain defaults)."""
    n = len(rows)
    columns = {
        "household_id": np.array([r["id"] for r in rows]),
        "township": np.array(["甲镇"] * n), "village": np.array([r.get("village", "一村")
                                                               for r in rows]),
        "poor_village": np.zeros(n, dtype=bool), "size": np.array([r["size"] for r in rows]),
        "laborers": np.array([r.get("laborers", 1) for r in rows]),
        "category": np.array([r.get("category", "general") for r in rows]),
        "disabled": np.zeros(n, dtype=int), "chronically_ill": np.zeros(n, dtype=int),
        "wages": np.array([float(r["income"]) for r in rows]), "business": np.zeros(n),
        "property": np.zeros(n), "transfers": np.zeros(n), "production_expenses": np.zeros(n),
        "pv_site": np.zeros(n, dtype=bool), "housing_renovation": np.zeros(n, dtype=bool)}
    return Registry.from_columns(columns)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_official_triggers_on_hand_cases(tiny, tmp_path: Path) -> None:
    """A large medical bill is sudden severe hardship, with the bill and last year's income in
    the reason; a household comfortably above 1.5 × the line with no events is not flagged; low
    incomes are unstable exits (registered) or edge households (not registered); a halved
    income is sudden hardship."""
    line_2017 = line_of(tiny, 2017)
    band = 1.5 * line_2017
    registry = _registry([
        {"id": "A", "size": 3, "income": 3 * 2.5 * line_2017},   # comfortable, large bill
        {"id": "B", "size": 2, "income": 2 * 3 * line_2017},     # comfortable, nothing
        {"id": "C", "size": 4, "income": 4 * 1.2 * line_2017},   # registered, low
        {"id": "D", "size": 4, "income": 4 * 1.2 * line_2017, "category": "edge"},
        {"id": "E", "size": 2, "income": 2 * 3 * line_2017},     # income halves in 2017
    ])
    income_2016 = 3 * 2.5 * line_2017
    records = load_records(_write(tmp_path / "records.csv", (
        "户编号,年度,家庭纯收入,医疗自付费用\n"
        f"A,2016,{income_2016:.0f},0\n"
        f"A,2017,{income_2016:.0f},{income_2016 * 1.4:.0f}\n"
        f"B,2017,{2 * 3 * line_2017:.0f},0\n"
        f"E,2016,{2 * 3 * line_2017:.0f},0\n"
        f"E,2017,{2 * 1.45 * line_2017:.0f},0\n")), registry)
    flags = apply_rules(tiny, registry, records, 2018)
    assert flags.category.tolist() == ["sudden_hardship", "", "unstable_exit", "edge_at_risk",
                                       "sudden_hardship"]
    reason = flags.reasons[0]
    assert f"医疗自付费用{income_2016 * 1.4:,.0f}元" in reason
    assert f"超过上年家庭纯收入{income_2016:,.0f}元" in reason
    assert flags.reasons[1] == ""
    assert f"低于监测线{band:,.0f}元" in flags.reasons[2]
    assert "下降52%" in flags.reasons[4]
    # the bill, not the income band, is what flags A: its income is well above the band
    assert income_2016 / 3 > band


def test_records_name_the_row_and_column_of_every_problem(tmp_path: Path) -> None:
    registry = _registry([{"id": "H001", "size": 2, "income": 8000},
                          {"id": "H002", "size": 3, "income": 9000}])
    bad = _write(tmp_path / "bad.csv", (
        "户编号,年度,月份,家庭纯收入,医疗自负费用\n"
        "H001,2017,,8000,100\n"))
    with pytest.raises(RegistryError) as caught:
        load_records(bad, registry)
    assert "医疗自负费用" in str(caught.value) and "did you mean `medical_out_of_pocket`" \
        in str(caught.value)
    wrong = _write(tmp_path / "wrong.csv", (
        "户编号,年度,月份,家庭纯收入\n"
        "H001,2017,,8000\n"
        "H009,2017,,8000\n"
        "H002,17,,9000\n"
        "H002,2018,13,9000\n"
        "H001,2017,,-5\n"))
    with pytest.raises(RegistryError) as caught:
        load_records(wrong, registry)
    text = str(caught.value)
    assert "row 3, column 户编号 (household_id): household 'H009' is not in the registry" in text
    assert "row 4, column 年度 (year): expected a calendar year from 1949 to 2100, found '17'" \
        in text
    assert "row 5, column 月份 (month)" in text
    assert "row 6, column 家庭纯收入 (income)" in text and "negative" in text
    twice = _write(tmp_path / "twice.csv", "户编号,年度,家庭纯收入\nH001,2017,1\nH001,2017,2\n")
    with pytest.raises(RegistryError, match="a second record of household H001 for 2017 "
                                            r"\(the first is row 2\)"):
        load_records(twice, registry)


def test_synthetic_records_round_trip_and_say_they_are_synthetic(tiny, tmp_path: Path) -> None:
    registry = population_of(tiny)
    run = simulate(tiny, Plan.everyone(Package(), registry.n_households), registry=registry,
                   reps=3, seed=5)
    records = synthetic_records(run, world=1, through=2017)
    path = tmp_path / "synthetic.csv"
    write_records(records, registry, path)
    assert path.read_text(encoding="utf-8-sig").splitlines()[0] == SYNTHETIC_TITLE
    again = load_records(path, registry)
    assert again.synthetic
    for name in ("household", "year", "income", "medical_out_of_pocket"):
        assert np.array_equal(getattr(again, name), getattr(records, name)), name
    # one record per household and simulated year up to 2017, incomes from that replication
    size = registry.size.astype(float)
    assert np.allclose(again.of_year(2017, registry.n_households).income,
                       np.round(np.maximum(run.per_capita[0, 1, :, 1] * size, 0)))


def test_risk_without_records_is_the_share_of_paths_below_the_line(tiny) -> None:
    registry = population_of(tiny)
    plan = Plan.everyone(Package(), registry.n_households)
    paths = simulate(tiny, plan, registry=registry, reps=40, seed=9)
    truth = simulate(tiny, plan, registry=registry, reps=1, seed=10)
    nothing = synthetic_records(truth, 0, through=2015)  # no simulated year: no records
    risk = model_risk(paths, nothing, 2018)
    below = paths.per_capita[0, :, :, 2] < paths.lines[2]
    expected = below.mean(axis=0) * ~paths.by_safety_net
    assert np.allclose(risk.below, expected)
    assert np.allclose(risk.effective_replications, 40)
    # each path's weight, worked out by hand from the records of 2016 and 2017
    records = synthetic_records(truth, 0, through=2017)
    weights = replication_weights(paths, records, 2018)
    assert np.allclose(weights.sum(axis=0), 1)
    watch = tiny.watch
    size = registry.size.astype(float)
    for h in range(4):
        log_weight = np.zeros(40)
        for y, year in enumerate((2016, 2017)):
            seen = records.of_year(year, registry.n_households)
            income = np.maximum(paths.per_capita[0, :, h, y] * size[h], 100)
            log_weight -= 0.5 * ((np.log(income) - np.log(max(seen.income[h], 100)))
                                 / watch.record_income_log_sd) ** 2
            log_weight -= 0.5 * ((np.log1p(paths.medical[:, h, y])
                                  - np.log1p(seen.medical_out_of_pocket[h]))
                                 / watch.record_medical_log_sd) ** 2
        expected = np.exp(log_weight - log_weight.max())
        assert np.allclose(weights[:, h], expected / expected.sum())


def test_recalibration_recovers_a_known_distortion() -> None:
    rng = np.random.default_rng(3)
    truth = rng.uniform(0.02, 0.9, 20_000)
    outcome = rng.uniform(size=truth.size) < truth
    # a model whose risks are too extreme: logit doubled
    distorted = expit(2 * np.log(truth / (1 - truth)))
    fitted = fit_recalibration(distorted, outcome, 2019)
    assert fitted.slope == pytest.approx(0.5, abs=0.05)
    assert fitted.intercept == pytest.approx(0.0, abs=0.05)
    assert np.abs(fitted.apply(distorted) - truth).max() < 0.05


def test_ranking_helpers() -> None:
    assert top(np.array([0.1, 0.5, 0.5, 0.9]), 3).tolist() == [3, 1, 2]
    # positives ranked 1st and 3rd: precision 1 and 2/3
    assert average_precision(np.array([0.9, 0.8, 0.7, 0.1]),
                             np.array([True, False, True, False])) == pytest.approx(5 / 6)


def test_backtest_figures_hold_together() -> None:
    """A small backtest: every figure is where it must be (the acceptance figures are checked
    on a full one, marked slow)."""
    scenario = load_scenario("changchun-edge")
    result = backtest(scenario, worlds=4, reps=200)
    summary = result.summary()
    assert summary["worlds"] == 4 and summary["synthetic"] is True
    assert len(result.predicted) == 4 * population_of(scenario).n_households
    for block in (*summary["precision_at_k_percent"].values(),
                  *summary["recall_at_k_percent"].values()):
        assert 0 <= block["mean"] <= 100
    recall = summary["recall_at_k_percent"]
    assert recall["model_and_rules"]["mean"] >= recall["model"]["mean"]
    rows = summary["calibration_by_decile"]
    assert sum(r["households"] for r in rows) == len(result.predicted)
    assert [r["predicted"] for r in rows] == sorted(r["predicted"] for r in rows)


@pytest.mark.slow
def test_backtest_on_edge_households_beats_the_rules_and_is_calibrated() -> None:
    """The acceptance figures on the bundled edge-household scenario with synthetic records:
    the model's list finds more of the households that fall below the line than the official
    triggers at the same K (paired over worlds, interval above 0), and every decile's observed
    rate is inside the joint 95 % band of its predicted rate."""
    scenario = load_scenario("changchun-edge")
    result = backtest(scenario, worlds=50)
    summary = result.summary()
    assert result.k == list_size(result.worlds and population_of(scenario),
                                 scenario.watch.list_share_of_people)
    gain = summary["recall_gain_model_over_rules_points"]
    assert gain["ci95"][0] > 0, gain
    recall = summary["recall_at_k_percent"]
    assert recall["model_and_rules"]["mean"] >= recall["model"]["mean"]
    assert all(row["inside"] for row in summary["calibration_by_decile"]), \
        summary["calibration_by_decile"]
    assert summary["synthetic"] is True


def test_watch_command_writes_the_list_by_village(cli, tmp_path: Path) -> None:
    """The list joins the model's K with every flagged household, one sheet per village; the
    synthetic records it writes read back and give the same list."""
    import json

    import openpyxl

    from simulator.registry.writing import write_registry

    # a quarter of the bundled edge households keeps the test quick
    scenario = load_scenario("changchun-edge")
    households = write_registry(population_of(scenario).subset(np.arange(300)),
                                tmp_path / "registry.csv", header="zh")
    records = tmp_path / "records.csv"
    first = cli("watch", "changchun-edge", "--registry", households, "--write-monitoring",
                records, "--reps", 30, "-o", tmp_path / "a")
    assert first.exit_code == 0, first.stderr
    assert "synthetic" in first.stdout
    summary = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    flagged = sum(summary["flagged_by_rules"].values())
    assert flagged <= summary["households_listed"] \
        <= flagged + summary["list_size_model_households"]
    workbook = openpyxl.load_workbook(tmp_path / "a" / "watchlist.xlsx")
    every = workbook["全部监测户"]
    assert every.max_row - 1 == summary["households_listed"]
    by_village = sum(workbook[name].max_row - 1 for name in workbook.sheetnames[1:])
    assert by_village == summary["households_listed"]
    header = [c.value for c in every[1]]
    assert header[:7] == ["乡镇", "行政村", "户编号", "户主姓名", "家庭人口", "监测类别",
                          "预警理由"]
    second = cli("watch", "changchun-edge", "--registry", households, "--monitoring", records,
                 "--reps", 30, "-o", tmp_path / "b")
    assert second.exit_code == 0, second.stderr
    again = json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))
    for key in ("households_listed", "flagged_by_rules", "expected_households_below_line",
                "recalibration"):
        assert again[key] == summary[key], key
    assert again["records"]["synthetic"] is True
    assert (tmp_path / "a" / "watchlist.csv").read_bytes() \
        == (tmp_path / "b" / "watchlist.csv").read_bytes()
    # suggested support: within the budget (the last plan year's), never worse than none
    support = summary["suggested_support"]
    assert 0 < support["cost_yuan"] <= support["budget_yuan"] + 1e-6
    assert support["expected_households_kept_above_line"] > support["without_support"]
    import csv

    with open(tmp_path / "a" / "watchlist.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    # Chinese headers; money to the yuan, chances to 0.1 % (not 0.7350000000000005)
    assert sum(float(r["帮扶费用（元）"]) for r in rows) \
        == pytest.approx(support["cost_yuan"], abs=len(rows))
    for row in rows:
        assert float(row["帮扶后稳定在线上的概率"]) >= float(row["不帮扶时稳定在线上的概率"])
        assert all(len(v.partition(".")[2]) <= 3 for k, v in row.items() if "概率" in k)
        assert row["规则触发"] in ("是", "否")
    none = cli("watch", "changchun-edge", "--registry", households, "--monitoring", records,
               "--reps", 30, "--budget", 0, "-o", tmp_path / "c")
    assert none.exit_code == 0
    assert "suggested_support" not in json.loads(
        (tmp_path / "c" / "summary.json").read_text(encoding="utf-8"))


def test_watch_command_refuses_bad_input_with_located_errors(cli, tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.csv", "户编号,年度,家庭纯收入\nNOBODY,2019,5000\n")
    result = cli("watch", "changchun-edge", "--monitoring", bad, "-o", tmp_path / "o")
    assert result.exit_code == 1
    assert "row 2, column 户编号 (household_id): household 'NOBODY' is not in the registry" \
        in result.stderr
    late = _write(tmp_path / "late.csv", "户编号,年度,家庭纯收入\nCC00001,2021,5000\n")
    result = cli("watch", "changchun-edge", "--monitoring", late, "-o", tmp_path / "o")
    assert result.exit_code == 1
    assert "found 2022 (the year after the records' last, 2021)" in result.stderr
    result = cli("watch", "changchun-edge", "--year", 2030, "-o", tmp_path / "o")
    assert result.exit_code == 1 and "--year: expected a year from 2019 to 2021" in result.stderr
    short = cli("watch", "changchun-edge", "--backtest", "--set", "horizon.years=2",
                "--set", "exit_rule.monitoring_years=1", "-o", tmp_path / "o")
    assert short.exit_code == 1 and "needs at least 3 years" in short.stderr, short.stderr
    assert not (tmp_path / "o").exists()


def test_registered_households_still_poor_are_not_monitored(tiny, tmp_path: Path) -> None:
    """With exit years in the registry, a registered household that has not exited is in the
    main poverty work, not on the watch list; one that exited is an unstable exit when its
    income is low. The column reads Chinese headers and 2016年."""
    from simulator.registry import load_registry
    from simulator.registry.writing import write_registry

    line = line_of(tiny, 2017)
    base = _registry([{"id": "X", "size": 2, "income": 2 * line},
                      {"id": "Y", "size": 2, "income": 2 * line}])
    path = write_registry(base, tmp_path / "registry.csv", header="zh")
    text = path.read_text(encoding="utf-8-sig").splitlines()
    column = text[0].split(",").index("脱贫年度")
    rows = [line_.split(",") for line_ in text[1:]]
    rows[0][column] = "2016年"
    path.write_text("\n".join([text[0], *(",".join(r) for r in rows)]) + "\n",
                    encoding="utf-8-sig")
    registry = load_registry(path)
    assert registry.exit_year.tolist() == [2016, 0]
    flags = apply_rules(tiny, registry, load_records(_write(
        tmp_path / "r.csv", f"户编号,年度,家庭纯收入\nX,2017,{1.8 * line:.0f}\n"
                            f"Y,2017,{1.8 * line:.0f}\n"), registry), 2018)
    assert flags.category.tolist() == ["unstable_exit", ""]
    bad = path.read_text(encoding="utf-8-sig").replace("2016年", "16")
    with pytest.raises(RegistryError) as caught:
        load_registry(_write(tmp_path / "bad.csv", bad))
    assert "column 脱贫年度 (exit_year): expected a calendar year from 1949 to 2100, found '16'" \
        in str(caught.value)


def test_records_columns_a_county_export_adds_are_ignored(tmp_path: Path) -> None:
    """An export carries columns the records do not use (a remark, the village); like the
    registry, they are ignored — only a name close to a known column is an error."""
    registry = _registry([{"id": "H001", "size": 2, "income": 8000}])
    records = load_records(_write(tmp_path / "export.csv", (
        "乳源县防返贫监测记录\n"
        "户编号,行政村,年度,月份,家庭纯收入,备注\n"
        "H001,一村,2017,3,700,住院\n"
        "H001,一村,2017,4,650,\n")), registry)
    year = records.of_year(2017, 1)
    assert records.month.tolist() == [3, 4] and year.income.tolist() == [1350.0]
    assert not records.synthetic
