"""``tuopin serve`` without a browser (Starlette's TestClient): pages, path checks, upload
limits, the form generated from the schema, located errors, and the run manager's one worker
(a stand-in job, so no model runs here; the browser test in test_web_browser.py runs the real
one)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from simulator.errors import ScenarioError
from simulator.interventions import OFFERED_BY_DEFAULT
from simulator.parameter_texts import parameter_text
from simulator.scenario import load_scenario
from simulator.scenario.model import INSTRUMENT_KEYS
from simulator.web import forms
from simulator.web.runs import Busy, RunManager, Status
from simulator.web.views import nice_step, output_file
from tests.conftest import TINY_SCENARIO

EXPORTS = Path(__file__).parent / "data" / "exports"

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2")  # Starlette's plan for its client
    from starlette.testclient import TestClient


@pytest.fixture
def client(tmp_path: Path):
    from simulator.web.app import create_app

    with TestClient(create_app(tmp_path / "work", max_upload_bytes=4096)) as test_client:
        yield test_client


def _start(client, registry: Path | None = None, registry_name: str | None = None,
           content: bytes | None = None):
    files = {"scenario_file": ("测试县.toml", TINY_SCENARIO.encode("utf-8"))}
    if registry is not None or content is not None:
        data = content if content is not None else registry.read_bytes()
        files["registry_file"] = (registry_name or registry.name, data)
    return client.post("/start", files=files, data={"scenario_name": "ruyuan-2016"},
                       follow_redirects=False)


def test_the_start_page_is_chinese_and_loads_only_its_own_files(client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "第一步：选择情景和农户名册" in page.text and "ruyuan-2016" in page.text
    references = re.findall(r"(?:src|href|action)=\"([^\"]*)\"", page.text)
    assert references and all(r.startswith("/") for r in references), references
    assert client.get("/static/htmx.min.js").text.startswith("/* htmx 2")
    css = client.get("/static/style.css").text
    assert "url(\"/font/cjk.otf\")" in css and "http" not in css
    assert client.get("/font/cjk.otf").content[:4] == b"OTTO"


def test_the_language_switch_stays_on_this_server(client) -> None:
    switched = client.get("/lang/en?next=/", follow_redirects=False)
    assert switched.headers["location"] == "/"
    assert "Step 1: scenario and registry" in client.get("/").text
    elsewhere = client.get("/lang/zh?next=//example.org/x", follow_redirects=False)
    assert elsewhere.headers["location"] == "/"


def test_paths_from_requests_never_reach_the_file_system(client, tmp_path: Path) -> None:
    for path in ("/static/../pyproject.toml", "/static/%2e%2e/app.py", "/runs/run-1",
                 "/runs/..%2Fwork/files/summary.json", "/runs/run-1/files/summary.json"):
        assert client.get(path).status_code == 404, path
    assert _start(client, EXPORTS / "花名册-标题行-合计.csv").status_code == 303
    run = client.app.state.manager.get("run-1")
    assert {p.name for p in run.upload_dir.iterdir()} == {"scenario.toml", "registry.csv"}
    assert run.registry_label == "花名册-标题行-合计.csv"  # kept as text only
    run.output_dir.mkdir()
    (run.output_dir / "households.csv").write_text("secret", encoding="utf-8")
    (run.output_dir / "summary.json").write_text("{}", encoding="utf-8")
    run.status = Status.DONE
    assert output_file(run, "households.csv") is None  # not on the list of downloads
    assert output_file(run, "../upload/scenario.toml") is None
    assert output_file(run, "summary.json") == run.output_dir / "summary.json"
    assert client.get("/runs/run-1/files/households.csv").status_code == 404
    assert client.get("/runs/run-1/files/%2E%2E%2Fupload%2Fscenario.toml").status_code == 404


def test_uploads_are_size_limited_and_typed(client) -> None:
    too_big = _start(client, registry_name="名册.csv", content=b"x" * 5000)
    assert too_big.status_code == 413 and "文件太大：名册.csv" in too_big.text
    manager = client.app.state.manager
    assert not manager.runs and not any(manager.root.rglob("registry*"))  # nothing kept
    program = _start(client, registry_name="名册.exe", content=b"MZ")
    assert program.status_code == 400 and "不支持的文件类型" in program.text


def test_a_legacy_xls_registry_is_read_like_the_cli_reads_it(tmp_path: Path) -> None:
    from simulator.web.app import create_app

    with TestClient(create_app(tmp_path / "work")) as client:  # the default size limit
        assert _start(client, EXPORTS / "花名册.xls").status_code == 303
        run = client.app.state.manager.get("run-1")
    assert run.registry_path.name == "registry.xls" and run.households == 12
    assert any("header" in note for note in run.reading_notes)


def test_a_broken_registry_is_shown_next_to_its_rows(client) -> None:
    page = _start(client, EXPORTS / "花名册-错误.csv")
    assert page.status_code == 400
    # in the page's language, the column by its header as the file has it
    assert "第 10 行“劳动力人数”列" in page.text
    assert "应为不小于 0 的整数，实际为“三”" in page.text
    assert "花名册-错误.csv" in page.text and "/work/" not in page.text  # no server paths
    assert re.search(r'class="cell bad">三<', page.text)
    assert re.search(r'class="cell bad">0人<', page.text)  # row 13: 家庭人口
    assert not client.app.state.manager.runs  # a refused upload leaves no draft behind


def test_a_broken_scenario_is_located_in_the_uploaded_file(client) -> None:
    broken = Path(__file__).parent / "data" / "broken_scenarios" / "out-of-range.toml"
    page = client.post("/start", files={"scenario_file": ("我的情景.toml", broken.read_bytes())},
                       data={"scenario_name": "ruyuan-2016"})
    assert page.status_code == 400
    assert "我的情景.toml" in page.text and "应为" in page.text and "/work/" not in page.text


def test_forms_from_other_sites_and_other_host_names_are_refused(tmp_path: Path) -> None:
    from simulator.web.app import create_app

    app = create_app(tmp_path / "work", allowed_hosts=["127.0.0.1"])
    with TestClient(app, base_url="http://127.0.0.1") as local:
        assert local.get("/").status_code == 200
        foreign = local.post("/start", headers={"Origin": "http://example.org"})
        assert foreign.status_code == 403
        assert local.get("/", headers={"Host": "rebound.example.org"}).status_code == 400


def test_a_bug_shows_its_traceback_on_the_page(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.web.app import create_app

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("simulator.web.app._population", broken)
    with TestClient(create_app(tmp_path / "work"), raise_server_exceptions=False) as client:
        page = client.post("/start", data={"scenario_name": "ruyuan-2016"})
    assert page.status_code == 500
    assert "程序内部错误" in page.text and "RuntimeError: boom" in page.text


def test_the_form_is_the_schemas(tiny_scenario) -> None:
    sections = dict(forms.form_fields(tiny_scenario, "zh"))
    fields = {f.path: f for section in sections.values() for f in section}
    budget = fields["budget.yearly_yuan"]
    assert budget.label == "年度预算" and budget.unit == "万元"
    assert budget.values == ("100", "100") and budget.item_labels == ("2016", "2017")
    assert budget.source == parameter_text("budget.yearly_yuan", "zh").source
    targets = fields["policy.exit_targets_share_of_people"]
    assert targets.range_text == "0 到 1 之间" and targets.values == ("0.5", "0.5")
    assert dict(fields["budget.rule"].choices)["confidence"] == "按置信水平逐年控制在预算内"
    assert fields["capacities.job_slots_per_year"].optional
    english = {f.path: f for _t, section in forms.form_fields(tiny_scenario, "en")
               for f in section}
    assert english["budget.confidence"].range_text == "in (0, 1)"
    switches = forms.switches(tiny_scenario, "zh")
    assert [s.key for s in switches] == list(INSTRUMENT_KEYS)
    # the instruments a scenario offers by default are on; one added later (posts) is off
    assert [s.key for s in switches if s.on] == list(OFFERED_BY_DEFAULT)
    assert switches[0].label == "股权分红"
    assert [s.label for s in switches if not s.on] == ["公益岗位"]


def test_a_submitted_form_becomes_overrides_validated_like_set(tiny_scenario,
                                                               tiny_scenario_path) -> None:
    form = {"f:budget.yearly_yuan[0]": "80", "f:budget.yearly_yuan[1]": "100",
            "f:budget.rule": "confidence", "f:simulation.replications": "4",
            "f:capacities.job_slots_per_year": "", "switches": "1", "on:employment": "1",
            "on:loans": "1"}
    overrides = forms.overrides_from_form(form, tiny_scenario)
    assert overrides == ["budget.yearly_yuan=[800000.0, 1000000.0]", 'budget.rule="confidence"',
                         "simulation.replications=4",
                         'optimizer.instruments=["employment", "loans"]']
    loaded = load_scenario(tiny_scenario_path, overrides)
    assert loaded.budget.yearly_yuan == (800_000, 1_000_000)
    assert loaded.optimizer.instruments == ("employment", "loans")
    every = {**form, **{f"on:{key}": "1" for key in OFFERED_BY_DEFAULT}}
    assert not any(o.startswith("optimizer.") for o in forms.overrides_from_form(every,
                                                                                 tiny_scenario))
    # the goal: meet the exit targets at least cost, with what a job slot costs
    goal = forms.overrides_from_form({**every, "f:optimizer.goal": "targets",
                                      "f:capacity_costs.job_slots_per_year": "6000"},
                                     tiny_scenario)
    assert 'optimizer.goal="targets"' in goal and "capacity_costs.job_slots_per_year=6000.0" in goal
    aimed = load_scenario(tiny_scenario_path, goal)
    assert aimed.optimizer.goal == "targets" and aimed.capacity_costs.job_slots_per_year == 6000
    wrong = forms.overrides_from_form({**form, "f:budget.yearly_yuan[1]": "很多"}, tiny_scenario)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tiny_scenario_path, wrong)
    placed = forms.problems_by_field(caught.value.problems)
    assert list(placed) == ["budget.yearly_yuan"]
    assert "budget.yearly_yuan[1]" in placed["budget.yearly_yuan"][0]
    assert "'很多'" in placed["budget.yearly_yuan"][0]


def test_a_wrong_setting_is_shown_at_its_field(client) -> None:
    assert _start(client, EXPORTS / "花名册-标题行-合计.csv").status_code == 303
    settings = client.get("/runs/run-1/settings")
    assert "已读入 12 户" in settings.text and "年度预算" in settings.text
    page = client.post("/runs/run-1/start", data={
        "f:budget.yearly_yuan[0]": "80", "f:budget.yearly_yuan[1]": "-5", "switches": "1",
        "on:pv": "1", "on:employment": "1", "on:loans": "1"})
    assert page.status_code == 400
    opening = '<div class="field invalid" id="field-budget.yearly_yuan">'
    assert opening in page.text
    field = page.text.split(opening, 1)[1].split('<div class="field', 1)[0]
    assert "年度预算（第 2 项）：应为不小于 0 的数字，实际为“-50000.0”" in field
    assert 'value="-5"' in field  # what the planner typed stays in the box
    assert client.app.state.manager.get("run-1").status == Status.DRAFT


def test_nice_grid_steps() -> None:
    assert [nice_step(v) for v in (0.7, 3, 4519, 18076 / 4)] == [1, 5, 5000, 5000]


# -- the run manager, with stand-in jobs in forked workers -----------------------------------

def _fails(spec, queue) -> None:
    queue.put(("progress", "solving the allocation", "", 0, 0))
    queue.put(("failed", [("s.toml", "budget.yearly_yuan", "too little")]))


def _waits(spec, queue) -> None:
    queue.put(("progress", "budget frontier", "levels", 1, 3))
    import threading

    threading.Event().wait()  # until cancelled


def _dies(spec, queue) -> None:
    import os

    os._exit(3)


def _finish(manager: RunManager) -> None:
    manager._process.join()
    manager.refresh()


def test_a_failed_run_keeps_the_last_good_one(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    manager = RunManager(tmp_path, start_method="fork")
    good = manager.new_run("tiny", "tiny")
    good.status = Status.DONE
    monkeypatch.setattr("simulator.web.runs.run_job", _fails)
    failing = manager.new_run("tiny", "tiny")
    manager.start(failing, ("html",))
    _finish(manager)
    assert failing.status == Status.FAILED
    assert failing.problems == [("s.toml", "budget.yearly_yuan", "too little")]
    assert manager.last_good() is good and manager.active is None
    monkeypatch.setattr("simulator.web.runs.run_job", _dies)
    dying = manager.new_run("tiny", "tiny")
    manager.start(dying, ("html",))
    _finish(manager)
    assert dying.status == Status.FAILED and "exit code 3" in dying.crash
    assert manager.last_good() is good


def test_one_run_at_a_time_and_cancelling(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    manager = RunManager(tmp_path, start_method="fork")
    monkeypatch.setattr("simulator.web.runs.run_job", _waits)
    first, second = manager.new_run("a", "a"), manager.new_run("b", "b")
    manager.start(first, ("html",))
    with pytest.raises(Busy) as busy:
        manager.start(second, ("html",))
    assert busy.value.run is first and second.status == Status.DRAFT
    process = manager._process
    assert manager.cancel(first)
    assert first.status == Status.CANCELLED and not process.is_alive()
    assert manager.active is None and not manager.cancel(first)
    again = manager.derive(first)
    assert again.status == Status.DRAFT and again.id != first.id


def _finished_run(client, households: int) -> str:
    """A run marked finished whose files are written by hand (the browser test makes real
    ones): ``households`` households in two townships."""
    import json

    run = client.app.state.manager.new_run("tiny", "tiny")
    run.output_dir.mkdir()
    table = {"household_id": [f"H{i:04d}" for i in range(households)],
             "head_name": [f"户主{i}" for i in range(households)],
             "township": ["甲镇" if i % 3 else "乙镇" for i in range(households)],
             "village": [f"村{i % 5}" for i in range(households)],
             "category": ["general" if i % 2 else "dibao" for i in range(households)],
             "size": [2] * households,
             "package": ["pv@2016" if i % 4 == 0 else "none" for i in range(households)],
             "cost_2016": [100.0] * households, "p_stable_exit": [0.5] * households,
             "p_stable_exit_without_support": [0.1] * households,
             "best_other_package": ["none"] * households,
             "p_stable_exit_best_other": [0.1] * households,
             "cost_best_other": [0.0] * households}
    record = {"scenario": {"zh": "测试", "en": "test"}, "plan_years": ["2016"],
              "calendar_years": [2016, 2017], "exit_line": [3000.0, 3200.0],
              "cover": {"zh": [["户数", households]], "en": [["households", households]]},
              "households": table, "reasons": {"zh": ["理由"] * households,
                                               "en": ["reason"] * households},
              "seed": 1, "reps": 4, "added_stable_exits": [1.0, 2.0, 3.0, 4.0]}
    (run.output_dir / "web-results.json").write_text(json.dumps(record, ensure_ascii=False),
                                                     encoding="utf-8")
    summary = {"added_stable_exits": {"mean": 2.5, "ci95": [1.0, 4.0]}}
    (run.output_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    run.status = Status.DONE
    return run.id


def test_the_household_table_pages_searches_and_filters(client) -> None:
    run_id = _finished_run(client, 150)
    first = client.get(f"/runs/{run_id}/households")
    assert 'data-count="150"' in first.text and "显示第 1–100 户" in first.text
    assert first.text.count("<tr>") == 1 + 100
    second = client.get(f"/runs/{run_id}/households?page=2")
    assert "显示第 101–150 户" in second.text and second.text.count("<tr>") == 1 + 50
    town = client.get(f"/runs/{run_id}/households", params={"township": "乙镇"})
    assert 'data-count="50"' in town.text and "甲镇</td>" not in town.text
    pv = client.get(f"/runs/{run_id}/households",
                    params={"package": "pv@2016", "category": "dibao"})
    assert 'data-count="38"' in pv.text and "光伏收益" in pv.text
    found = client.get(f"/runs/{run_id}/households", params={"q": "h0042"},
                       headers={"HX-Request": "true", "HX-Target": "table"})
    assert found.text.startswith('<section id="table" data-count="1">')  # the fragment only
    assert client.get(f"/runs/{run_id}/households/H9999").status_code == 404


@pytest.mark.parametrize(("typed", "share"), [("33.3%", 0.333), ("33.3", 0.333), ("0.333", 0.333),
                                              ("30％", 0.3)])
def test_a_share_may_be_typed_as_a_percentage(typed: str, share: float) -> None:
    from simulator.scenario import load_scenario
    from simulator.web.forms import INPUT_PREFIX, overrides_from_form

    scenario = load_scenario("ruyuan-2016")
    form = {f"{INPUT_PREFIX}policy.exit_targets_share_of_people[0]": typed,
            f"{INPUT_PREFIX}policy.exit_targets_share_of_people[1]": "40%",
            f"{INPUT_PREFIX}policy.exit_targets_share_of_people[2]": "26.7"}
    overrides = overrides_from_form(form, scenario)
    loaded = load_scenario("ruyuan-2016", overrides)
    targets = loaded.policy.exit_targets_share_of_people
    assert targets[0] == pytest.approx(share) and targets[1:] == pytest.approx((0.4, 0.267))


@pytest.mark.parametrize("typed", ["1e999999", "-1e999999", "sNaN", "五千"])
def test_a_number_beyond_reason_is_reported_not_a_crash(typed: str) -> None:
    from simulator.errors import TuopinError
    from simulator.scenario import load_scenario
    from simulator.web.forms import INPUT_PREFIX, overrides_from_form

    scenario = load_scenario("ruyuan-2016")
    overrides = overrides_from_form({f"{INPUT_PREFIX}budget.yearly_yuan[0]": typed}, scenario)
    with pytest.raises(TuopinError) as caught:
        load_scenario("ruyuan-2016", overrides)
    assert any(p.where == "budget.yearly_yuan[0]" for p in caught.value.problems)


def test_a_registry_template_with_chinese_headers_reads_back(client, tmp_path: Path) -> None:
    from simulator.registry import load_registry

    response = client.get("/registry-template.xlsx")
    assert response.status_code == 200
    assert "filename*=utf-8''" in response.headers["content-disposition"]
    path = tmp_path / "模板.xlsx"
    path.write_bytes(response.content)
    import openpyxl

    header = [c.value for c in next(openpyxl.load_workbook(path).active.iter_rows())]
    assert header[:3] == ["户编号", "乡镇", "行政村"] and "致贫原因" in header
    registry = load_registry(path)  # the template itself is a valid registry
    assert registry.n_households == 1 and registry.poverty_cause.tolist() == ["因病"]
    assert "registry-template.xlsx" in client.get("/").text


def test_a_preview_run_asks_for_few_replications_and_the_mark(client) -> None:
    from simulator.scenario import load_scenario
    from simulator.web.forms import precision_overrides
    from simulator.web.settings import PREVIEW_REPLICATIONS

    assert precision_overrides({"precision": "final"}) == []
    overrides = precision_overrides({"precision": "preview"})
    loaded = load_scenario("ruyuan-2016", overrides)
    assert loaded.simulation.preview and loaded.simulation.replications == PREVIEW_REPLICATIONS
    assert load_scenario("ruyuan-2016").simulation.preview is False


def test_enterprises_are_edited_row_by_row() -> None:
    from simulator.scenario import load_scenario
    from simulator.web.forms import ENTERPRISE_PREFIX as E
    from simulator.web.forms import enterprise_overrides, enterprise_rows

    scenario = load_scenario("ruyuan-2016")
    rows = enterprise_rows(scenario)
    form = {f"{E}{r.index}:{key}": value for r in rows
            for key, value in (("name", r.name), ("absorption", r.absorption_wan),
                               ("dividend_rate", r.dividend_percent))}
    assert enterprise_overrides(form, scenario) == []  # nothing changed, nothing set
    form[f"{E}0:dividend_rate"] = "8%"  # the first enterprise pays 8 %
    form[f"{E}1:name"] = ""  # the second is removed
    form[f"{E}3:name"], form[f"{E}3:absorption"] = "乳源县某合作社", "1,500"  # one is added
    loaded = load_scenario("ruyuan-2016", enterprise_overrides(form, scenario))
    enterprises = loaded.instruments.equity.enterprises
    assert [e.name for e in enterprises] == [rows[0].name, rows[2].name, "乳源县某合作社"]
    assert enterprises[0].dividend_rate == pytest.approx(0.08)
    assert enterprises[2].absorption_yuan == pytest.approx(15_000_000)
    assert enterprises[2].dividend_rate is None


def test_a_workspace_keeps_its_runs_for_the_next_server(tmp_path: Path) -> None:
    from simulator.web.runs import RunManager, Status

    first = RunManager(tmp_path / "runs")
    done = first.new_run("ruyuan-2016", "ruyuan-2016")
    done.name, done.note, done.status, done.overrides = "基准", "县里下达", Status.DONE, (
        "budget.yearly_yuan=[1, 2, 3]",)
    done.save()
    going = first.new_run("ruyuan-2016", "ruyuan-2016")
    going.status = Status.RUNNING
    going.save()
    first.new_run("ruyuan-2016", "ruyuan-2016")  # a draft: not kept for the list
    first.shutdown()
    second = RunManager(tmp_path / "runs")
    assert sorted(second.runs) == ["run-1", "run-2"]
    kept = second.get("run-1")
    assert (kept.name, kept.note, kept.status) == ("基准", "县里下达", Status.DONE)
    assert kept.overrides == ("budget.yearly_yuan=[1, 2, 3]",)
    assert second.get("run-2").status == Status.FAILED  # stopped with the server
    assert second.new_run("ruyuan-2016", "ruyuan-2016").number == 4  # numbers go on
    assert second.delete(kept) and not (tmp_path / "runs" / "run-1").exists()
    assert "run-1" not in RunManager(tmp_path / "runs").runs


def test_settings_saved_as_a_file_open_again_as_a_scenario(tmp_path: Path) -> None:
    from simulator.scenario import load_scenario
    from simulator.web.forms import settings_toml

    overrides = ("budget.yearly_yuan=[10000000.0, 5000000.0, 3000000.0]",
                 'instruments.equity.enterprises=[{name = "某合作社", absorption_yuan = 1e6}]',
                 "simulation.replications=50")
    text = settings_toml("ruyuan-2016", overrides, "压缩预算", "2017年起减半")
    path = tmp_path / "压缩预算.toml"
    path.write_text(text, encoding="utf-8")
    saved = load_scenario(path)
    assert saved.budget.yearly_yuan == (10_000_000, 5_000_000, 3_000_000)
    assert [e.name for e in saved.instruments.equity.enterprises] == ["某合作社"]
    assert saved.simulation.replications == 50 and saved.name_zh == "压缩预算"
    assert saved.instruments.pv == load_scenario("ruyuan-2016").instruments.pv


def test_the_time_left_follows_the_runs_own_pace() -> None:
    from simulator.web.runs import Run, seconds_left

    typical = {"a": 10.0, "b": 20.0, "c": 30.0}
    run = Run(1, Path("/nowhere"), "ruyuan-2016", "ruyuan-2016")
    run.stage, run.stage_started, run.done, run.total = "a", 100.0, 0, 10
    assert seconds_left(run, 101.0, typical) is None  # nothing to go on yet
    run.done = 5  # half of the first stage in 4 s: it will take 8 s, 0.8 of its typical 10
    assert seconds_left(run, 104.0, typical) == pytest.approx(4 + 0.8 * (20 + 30))
    run.stage_seconds = {"a": 5.0}  # the first stage took half its typical time
    run.stage, run.stage_started, run.done, run.total = "b", 105.0, 0, 0
    assert seconds_left(run, 107.0, typical) == pytest.approx((20 * 0.5 - 2) + 0.5 * 30)
    run.stage, run.stage_started = "c", 120.0
    assert seconds_left(run, 150.0, typical) == pytest.approx(0.0)  # late: nothing more known


def test_an_instrument_switched_on_with_no_household_to_take_it_says_so() -> None:
    from simulator.population import population_of
    from simulator.scenario import load_scenario
    from simulator.web.forms import switches

    scenario = load_scenario("ruyuan-2016", [
        'optimizer.instruments=["equity", "pv", "employment", "loans", "industry", '
        '"relocation"]'])
    registry = population_of(scenario)
    shown = {s.key: s for s in switches(scenario, "zh", registry)}
    assert shown["relocation"].on and shown["relocation"].idle  # no village listed
    assert shown["equity"].on and not shown["equity"].idle
    listed = load_scenario("ruyuan-2016", [
        'optimizer.instruments=["equity", "relocation"]', 'instruments.relocation.villages=["*"]'])
    assert not {s.key: s for s in switches(listed, "zh", registry)}["relocation"].idle


def test_a_preview_is_checked_against_a_formal_run_of_the_same_settings(client) -> None:
    import json

    manager = client.app.state.manager
    formal, preview = (manager.get(_finished_run(client, 6)) for _ in range(2))

    def answer(run, added: float, low: float, high: float, is_preview: bool) -> None:
        summary = {"added_stable_exits": {"mean": added, "ci95": [low, high]}}
        (run.output_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
        record = json.loads((run.output_dir / "web-results.json").read_text(encoding="utf-8"))
        record["preview"] = is_preview
        (run.output_dir / "web-results.json").write_text(json.dumps(record), encoding="utf-8")

    answer(formal, 1103, 1095, 1111, False)
    answer(preview, 1072, 1052, 1092, True)
    formal.overrides = ("budget.yearly_yuan=[1000000, 1000000]",)
    preview.overrides = (*formal.overrides, "simulation.preview=true",
                         "simulation.replications=20")
    shown = client.get(f"/runs/{preview.id}").text
    assert f"第 {formal.number} 号" in shown and "1,103" in shown and "之外" in shown
    assert "preview-precision" not in client.get(f"/runs/{formal.id}").text
    # another budget is another plan: the preview only says what its interval covers
    formal.overrides = ("budget.yearly_yuan=[2000000, 1000000]",)
    shown = client.get(f"/runs/{preview.id}").text
    assert "1,103" not in shown and "可能落在这个区间之外" in shown
    closer = manager.get(_finished_run(client, 6))  # a later 正式 run of the same settings
    answer(closer, 1080, 1072, 1088, False)
    closer.overrides = preview.overrides[:1]
    shown = client.get(f"/runs/{preview.id}").text
    assert f"第 {closer.number} 号" in shown and "之内" in shown


def test_a_finished_run_is_renamed_and_kept(client) -> None:
    from simulator.web.runs import Run

    manager = client.app.state.manager
    run = manager.get(_finished_run(client, 4))
    response = client.post(f"/runs/{run.id}/rename", data={"run_name": " 提高光伏电价 ",
                                                          "run_note": "按新电价" + "很" * 900})
    assert response.status_code in (200, 303)
    assert run.name == "提高光伏电价" and run.note.startswith("按新电价")
    assert len(run.note) < 900  # cut to its limit
    kept = Run.load(run.directory)
    assert (kept.name, kept.note) == (run.name, run.note)
    assert "提高光伏电价" in client.get("/runs").text


def test_downloads_are_named_by_the_plan_and_the_planners_run_name(client) -> None:
    from simulator.web.views import Results

    run = client.app.state.manager.get(_finished_run(client, 4))
    run.name = "提高/光伏电价"  # a slash cannot stand in a file name
    saved = Results(run).download_name("proposal.xlsx")
    assert saved.startswith("测试_提高") and "光伏电价_" in saved and "/" not in saved
    assert saved.endswith(f"_第{run.number}次_预算方案.xlsx")
    run.name = ""
    assert "__" not in Results(run).download_name("proposal.xlsx")
