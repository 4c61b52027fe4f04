"""The tuopin command: exit codes, JSON summaries, manifests and atomic outputs."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import simulator.cli.inputs
from simulator.registry import load_registry, write_registry
from simulator.scenario import bundled_scenarios


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.name)
def test_validate_bundled_scenarios(cli, path: Path) -> None:
    result = cli("validate", path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok:")


def test_validate_json(cli) -> None:
    result = cli("validate", "ruyuan-2016", "jishou-2016", "--json")
    payload = json.loads(result.stdout)
    assert payload["ok"] is True
    assert [s["name"] for s in payload["scenarios"]] == ["Ruyuan 2016–2018",
                                                         "Jishou 2016–2017, non-poor villages"]


def test_errors_are_json_too(cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('extends = "ruyuan-2016.toml"\n[horizon]\nyears = 0\n', encoding="utf-8")
    result = cli("validate", path, "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert payload["errors"][0]["where"] == "horizon.years"
    assert payload["errors"][0]["source"] == str(path)


def test_show_resolves_set_overrides(cli) -> None:
    result = cli("show", "ruyuan-2016", "--set", "instruments.pv.tariff_yuan_per_kwh=0.75")
    assert result.exit_code == 0
    resolved = tomllib.loads(result.stdout)
    assert resolved["instruments"]["pv"]["tariff_yuan_per_kwh"] == 0.75
    assert "with --set instruments.pv.tariff_yuan_per_kwh=0.75" in result.stdout


def test_show_defaults_and_columns(cli) -> None:
    defaults = cli("show", "--defaults")
    assert defaults.exit_code == 0
    assert "[Ruyuan2016 §二(一)9]" in defaults.stdout
    tomllib.loads(defaults.stdout)
    records = json.loads(cli("show", "--defaults", "--json").stdout)["schema"]
    assert any(r["path"] == "instruments.pv.kw_per_household" and r["unit"] == "kW/household"
               for r in records)
    columns = cli("show", "--columns")
    assert "家庭人口" in columns.stdout and "劳动力人数" in columns.stdout


def test_population_writes_manifest_with_hashes(cli, tmp_path: Path) -> None:
    out = tmp_path / "out" / "h.csv"
    result = cli("population", "ruyuan-2016", "-o", out, "--seed", "4", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["households"] == 2944 and summary["calibrated"] is True
    manifest = json.loads((out.parent / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["files"]["h.csv"]
    assert entry["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert entry["seed"] == 4
    assert entry["scenario"]["path"].endswith("ruyuan-2016.toml")
    assert entry["registry"] == {"synthetic": True}


def test_population_from_a_real_registry(cli, tmp_path: Path, tiny_scenario_path: Path) -> None:
    source = tmp_path / "source.csv"
    assert cli("population", tiny_scenario_path, "-o", source).exit_code == 0
    out = tmp_path / "converted.xlsx"
    result = cli("population", tiny_scenario_path, "--registry", source, "-o", out)
    assert result.exit_code == 0, result.stderr
    entry = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert entry["converted.xlsx"]["registry"]["path"] == str(source)
    assert "source.csv" in entry  # earlier outputs in the same directory stay traceable


def test_run_writes_everything(cli, tmp_path: Path, tiny_scenario_path: Path) -> None:
    # the bundled default scenario runs in the slow step (calibration, budget confidence)
    out = tmp_path / "out"
    result = cli("run", tiny_scenario_path, "-o", out, "--reps", "4", "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"households.csv", "calibration.csv", "manifest.json", "summary.json",
            "allocation.csv", "comparison.png", "income_fan.png", "outlays_by_year.svg",
            "proposal.html", "proposal.xlsx", "tornado.png"} <= names
    # --lang zh: every line Chinese, but for the files' names, the scenario's own name
    # ("tiny") and the solver's
    assert "比不扶持新增稳定脱贫" in result.stdout and "预算方案：" in result.stdout
    text = re.sub(r"\S+\.(json|html|xlsx|csv)", "", result.stdout.replace(str(out), ""))
    assert set(re.findall(r"[A-Za-z_]{3,}", text)) <= {"tiny", "highs"}, text
    # a Chinese run's tables are Chinese, headers and values; --header en keeps English
    households = (tmp_path / "out" / "households.csv").read_text(encoding="utf-8-sig")
    assert households.startswith("户编号,乡镇,行政村") and ",是," in households
    calibration = (tmp_path / "out" / "calibration.csv").read_text(encoding="utf-8-sig")
    assert calibration.startswith("汇总项,目标值,生成值,是否一致\n户数,")
    from simulator.population import calibration_table, population_of
    from simulator.registry import write_registry
    from simulator.scenario import load_scenario
    from simulator.writers import write_calibration_table

    scenario = load_scenario(tiny_scenario_path)  # what --header en writes
    registry = population_of(scenario)
    english = write_registry(registry, tmp_path / "households-en.csv", header="en")
    assert english.read_text(encoding="utf-8-sig").startswith("household_id,township,village")
    rows = calibration_table(registry, scenario)
    table = write_calibration_table(tmp_path / "calibration-en.csv", rows, "en")
    assert table.read_text(encoding="utf-8-sig").startswith(
        "aggregate,target,generated,ok\nhouseholds,")
    assert "--header" in cli("run", "--help").stdout


@pytest.mark.slow
def test_run_with_no_arguments_takes_the_bundled_default(cli, tmp_path: Path) -> None:
    result = cli("run", "-o", tmp_path / "out", "--reps", "4")
    assert result.exit_code == 0, result.stderr
    assert "Ruyuan 2016–2018" in result.stdout
    assert (tmp_path / "out" / "proposal.docx").exists()


def test_usage_errors_exit_1(cli, tmp_path: Path) -> None:
    assert cli("population", "ruyuan-2016").exit_code == 1  # -o missing
    assert cli("frobnicate").exit_code == 1
    assert cli("show").exit_code == 1


def test_internal_errors_exit_2(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(simulator.cli.inputs, "load_scenario", broken)
    result = cli("validate", "ruyuan-2016")
    assert result.exit_code == 2
    assert "boom" in result.stderr and "bug in tuopin" in result.stderr


def test_failed_write_keeps_the_old_file(cli, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "h.csv"
    assert cli("population", "ruyuan-2016", "-o", out).exit_code == 0
    good = out.read_bytes()

    def failing_rows(*args, **kwargs):
        yield ["household_id"]
        raise RuntimeError("disk trouble half-way")

    monkeypatch.setattr("simulator.registry.writing.registry_rows", failing_rows)
    result = cli("population", "ruyuan-2016", "-o", out, "--seed", "99")
    assert result.exit_code == 2
    assert out.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_python_dash_m_simulator() -> None:
    completed = subprocess.run([sys.executable, "-m", "simulator", "--help"],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0
    assert "tuopin" in completed.stdout and "population" in completed.stdout


def test_show_with_a_registry_names_it(cli, tmp_path: Path) -> None:
    registry = tmp_path / "h.csv"
    assert cli("population", "ruyuan-2016", "-o", registry).exit_code == 0
    result = cli("show", "ruyuan-2016", "--registry", registry)
    assert result.exit_code == 0
    assert tomllib.loads(result.stdout)["population"]["registry"] == str(registry.resolve())
    registry.write_text("household_id\n", encoding="utf-8")
    assert cli("show", "ruyuan-2016", "--registry", registry).exit_code == 1


def test_simulate_writes_summary_households_and_plots(cli, tmp_path: Path,
                                                      tiny_scenario_path: Path) -> None:
    out_a, out_b = tmp_path / "a", tmp_path / "b"
    first = cli("simulate", tiny_scenario_path, "--reps", "5", "--seed", "3", "-o", out_a)
    assert first.exit_code == 0, first.stderr
    second = cli("simulate", tiny_scenario_path, "--reps", "5", "--seed", "3", "-o", out_b,
                 "--block-households", "7")
    assert second.exit_code == 0, second.stderr
    assert (out_a / "summary.json").read_bytes() == (out_b / "summary.json").read_bytes()
    assert (out_a / "households.csv").read_bytes() == (out_b / "households.csv").read_bytes()
    summary = json.loads((out_a / "summary.json").read_text(encoding="utf-8"))
    for key in ("stable_exits", "exits_by_year", "returns_to_poverty", "outlays_by_line",
                "outlays_by_year", "cost_per_added_stable_exit_yuan", "net_fiscal_cost"):
        assert key in summary
    low, high = summary["stable_exits"]["households"]["interval_95"]
    assert low <= summary["stable_exits"]["households"]["mean"] <= high
    # the honest headline: exits the plan adds, safety-net exits apart, cost per added exit
    stable = summary["stable_exits"]["households"]["mean"]
    split = (summary["stable_exits_by_income"]["mean"]
             + summary["stable_exits_by_safety_net"]["mean"])
    assert split == pytest.approx(stable, abs=0.02)
    added = summary["added_stable_exits"]["mean"]
    assert added == pytest.approx(stable - summary["stable_exits_without_support"]["mean"],
                                  abs=0.02)
    assert summary["cost_per_added_stable_exit_yuan"] == pytest.approx(
        summary["outlays_total"]["mean"] / added, rel=1e-3)
    assert "cost per added stable exit" in first.stdout
    for stem in ("income_fan", "exits_by_year", "outlays_by_year"):
        assert (out_a / f"{stem}.png").read_bytes().startswith(b"\x89PNG")
        assert b"<svg" in (out_a / f"{stem}.svg").read_bytes()[:500]
    manifest = json.loads((out_a / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"]["summary.json"]["replications"] == 5


def test_simulate_with_a_plan_file(cli, tmp_path: Path, tiny_scenario_path: Path) -> None:
    registry = tmp_path / "h.csv"
    assert cli("population", tiny_scenario_path, "-o", registry).exit_code == 0
    households = load_registry(registry)
    ids = households.household_id.tolist()
    chosen = ["equity+employment" if laborers else "none" for laborers in households.laborers]
    plan = tmp_path / "allocation.csv"
    plan.write_text("household_id,package\n" + "".join(
        f"{i},{p}\n" for i, p in zip(ids, chosen, strict=True)), encoding="utf-8")
    result = cli("simulate", tiny_scenario_path, "--registry", registry, "--plan", plan,
                 "--reps", "3", "-o", tmp_path / "out", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["packages"] == {
        "equity+employment": int((households.laborers > 0).sum()),
        "none": int((households.laborers == 0).sum())}
    plan.write_text("household_id,package\n" + "".join(f"{i},pv+employmnt\n" for i in ids),
                    encoding="utf-8")
    bad = cli("simulate", tiny_scenario_path, "--registry", registry, "--plan", plan,
              "--reps", "3", "-o", tmp_path / "out2")
    assert bad.exit_code == 1
    assert "allocation.csv" in bad.stderr and "row 2, column package" in bad.stderr
    assert "did you mean `employment`" in bad.stderr


PLAN_PROBLEMS = [
    ("after-the-plan-years", lambda p: p.replace(",equity+employment", ",pv@9", 1),
     ["row 2, column package", "pv@9 starts in plan year 9", "2 plan years"]),
    ("instrument-twice", lambda p: p.replace(",equity+employment", ",equity+equity@2", 1),
     ["row 2, column package", "'equity' appears twice"]),
    ("empty-cell", lambda p: p.replace(",equity+employment", ",", 1),
     ["row 2, column package", "empty cell", "none for no support"]),
    ("not-eligible", lambda p: p.replace(",none", ",employment", 1),
     ["column package", "not eligible for employment", "labour capacity"]),
    ("blank-rows-keep-numbers", lambda p: p.replace("\n", "\n\n", 3).replace(
        ",equity+employment", ",pv@9", 1), ["row 3, column package", "pv@9"]),
    ("household-missing", lambda p: "\n".join(p.splitlines()[:-1]) + "\n",
     ["registry households have no package, e.g. 'T"]),
    ("huge-cell", lambda p: p.replace(",equity+employment", "," + "x" * 140_000, 1),
     ["not a readable CSV file", "field larger than field limit"]),
]


@pytest.mark.parametrize(("name", "change", "words"), PLAN_PROBLEMS,
                         ids=[c[0] for c in PLAN_PROBLEMS])
def test_plans_are_checked_against_the_registry_and_the_horizon(
        cli, tmp_path: Path, tiny_scenario_path: Path, tiny_registry, name, change,
        words) -> None:
    registry = write_registry(tiny_registry, tmp_path / "h.csv")
    order = np.argsort(tiny_registry.laborers == 0, kind="stable")  # labour households first
    lines = [f"{tiny_registry.household_id[i]},"
             f"{'equity+employment' if tiny_registry.laborers[i] else 'none'}" for i in order]
    plan = tmp_path / f"{name}.csv"
    plan.write_text(change("household_id,package\n" + "\n".join(lines) + "\n"),
                    encoding="utf-8")
    result = cli("simulate", tiny_scenario_path, "--registry", registry, "--plan", plan,
                 "--reps", "2", "-o", tmp_path / "out")
    assert result.exit_code == 1, result.stdout
    assert f"{name}.csv" in result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    assert "np.str_" not in result.stderr


def test_a_plan_in_neither_utf8_nor_gb18030_is_refused(cli, tmp_path: Path,
                                                       tiny_scenario_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_bytes(b"household_id,package\nT00001,\x80\xff\xfe\n")
    result = cli("simulate", tiny_scenario_path, "--plan", plan, "--reps", "2",
                 "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "expected text in UTF-8 or GB18030" in result.stderr


def test_optimize_json_parses_in_a_fresh_process(tmp_path: Path,
                                                tiny_scenario_path: Path) -> None:
    """No solver banner on stdout: HiGHS prints one per process unless it is swallowed."""
    completed = subprocess.run(
        [sys.executable, "-m", "simulator", "optimize", str(tiny_scenario_path), "--reps", "3",
         "-o", str(tmp_path / "opt"), "--json"], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    payload = json.loads(completed.stdout)
    assert payload["ok"] is True
    assert "HiGHS" not in completed.stdout + completed.stderr


def test_optimize_writes_allocation_and_frontier(cli, tmp_path: Path,
                                                 tiny_scenario_path: Path) -> None:
    out = tmp_path / "opt"
    result = cli("optimize", tiny_scenario_path, "--reps", "4", "--frontier", "--budget",
                 "200000,100000", "-o", out, "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    factors = [p["budget_factor"] for p in summary["frontier"]]
    assert factors == [0.5, 1.0, 2.0]  # the tiny scenario's optimizer.frontier_budget_factors
    assert all(p["out_of_sample_stable_exits"]["mean"] > 0 for p in summary["frontier"])
    assert summary["budgets_yuan"] == {"2016": 200000.0, "2017": 100000.0}
    for stem in ("comparison", "frontier", "income_fan"):
        assert (out / f"{stem}.png").exists() and (out / f"{stem}.svg").exists()
    header = (out / "allocation.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("household_id,township,village,category,size,laborers,package")
    assert "best_other_package" in header and "cost_2017" in header
    bad = cli("optimize", tiny_scenario_path, "--budget", "1,2,3", "-o", tmp_path / "bad")
    assert bad.exit_code == 1 and "--budget" in bad.stderr


def test_propose_options(cli, tmp_path: Path, tiny_scenario_path: Path) -> None:
    bad = cli("propose", tiny_scenario_path, "--format", "html,odt", "-o", tmp_path / "bad")
    assert bad.exit_code == 1 and "--format" in bad.stderr and "odt" in bad.stderr
    assert not (tmp_path / "bad").exists()
    out = tmp_path / "en"
    result = cli("propose", tiny_scenario_path, "--reps", "4", "--sensitivity-reps", "3",
                 "--lang", "en", "--format", "html", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "most sensitive to:" in result.stdout
    assert (out / "proposal.html").exists() and not (out / "proposal.xlsx").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "proposal.html" in manifest["files"] and "tornado.svg" in manifest["files"]


def test_compare_prints_a_paired_difference(cli, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    # the expected budget rule keeps this quick; the confidence rule has its own (slow) test
    result = cli("compare", "ruyuan-pv-heavy", "ruyuan-employment-heavy", "--reps", "4",
                 "--set", "budget.rule=expected",
                 "-o", out)
    assert result.exit_code == 0, result.stderr
    line = result.stdout.splitlines()[-2]
    match = re.search(r"([+-][\d,.]+) ± ([\d,.]+) added stable exits \(paired 95 % CI "
                      r"([+-][\d,.]+) to ([+-][\d,.]+)\)", line)
    assert match, result.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    gain = summary["paired_differences"][0]["added_stable_exits"]
    assert float(match.group(1).replace(",", "")) == pytest.approx(gain["mean"], abs=0.06)
    table = (out / "comparison.csv").read_text(encoding="utf-8-sig").splitlines()
    assert table[0].startswith("指标,") and "PV-heavy" in table[0]
    assert any("新增稳定脱贫户数差值" in row for row in table)
    assert any(row.startswith("支出合计（万元）") for row in table)
    assert (out / "compare_differences.png").exists()
    assert cli("compare", "ruyuan-2016", "-o", tmp_path / "one").exit_code == 1


@pytest.mark.parametrize("budget", ["nan,1", "inf,1", "1,-5"])
def test_non_finite_or_negative_budgets_are_refused(cli, tmp_path: Path,
                                                    tiny_scenario_path: Path,
                                                    budget: str) -> None:
    result = cli("optimize", tiny_scenario_path, "--budget", budget, "-o", tmp_path / "o")
    assert result.exit_code == 1
    assert "expected finite amounts in yuan ≥ 0" in result.stderr
    assert not (tmp_path / "o").exists()


def test_a_dollar_sign_in_a_name_is_drawn_as_text(cli, tmp_path: Path,
                                                  tiny_scenario_path: Path) -> None:
    """Two $ signs would start matplotlib's TeX parser, which fails on a lone backslash."""
    result = cli("simulate", tiny_scenario_path, "--reps", "2", "-o", tmp_path / "s",
                 "--set", "name=Plan $\\frac{ A $ B")
    assert result.exit_code == 0, result.stderr
    assert b"<svg" in (tmp_path / "s" / "income_fan.svg").read_bytes()[:500]


def test_budgets_can_be_given_in_wan(cli, tmp_path: Path, tiny_scenario_path: Path) -> None:
    out = tmp_path / "o"
    result = cli("optimize", tiny_scenario_path, "--budget", "20万,10万元", "--reps", "3",
                 "-o", out, "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["budgets_yuan"] == {"2016": 200000.0, "2017": 100000.0}
    bad = cli("optimize", tiny_scenario_path, "--budget", "20万,ten", "-o", tmp_path / "x")
    assert bad.exit_code == 1 and "5000万,4000万,3000万" in bad.stderr


def test_compare_applies_set_and_registry_to_every_scenario(cli, tmp_path: Path,
                                                            tiny_scenario_path: Path,
                                                            tiny_registry) -> None:
    registry = write_registry(tiny_registry, tmp_path / "h.csv")
    other = tmp_path / "other.toml"
    other.write_text(f'extends = "{tiny_scenario_path}"\nname = "tiny, cheap equity"\n'
                     "[instruments.equity]\ndividend_rate = 0.03\n", encoding="utf-8")
    result = cli("compare", tiny_scenario_path, other, "--registry", registry, "--reps", "3",
                 "--set", "name=override wins", "-o", tmp_path / "cmp", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert len(summary["scenarios"]) == 2
    assert all(name.startswith("override wins") for name in summary["scenarios"])
