"""``tuopin serve`` driven in a real headless browser (the system's Chromium through Playwright):
a planner uploads a scenario and a registry with Chinese file names, sets the budgets, runs,
reads the cover figures, downloads the workbook, opens the household list and one household,
runs again with another budget and compares the two runs, cancels a run, and uploads a broken
registry. Every request the browser makes must go to 127.0.0.1.

Screenshots of each page, at desktop width and at a 390-px phone width, are written into
``$TUOPIN_SCREENSHOT_DIR`` (default: the test's temporary directory, ``screenshots/``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import TINY_SCENARIO

pytestmark = pytest.mark.slow

EXPORTS = Path(__file__).parent / "data" / "exports"
ROSTER = EXPORTS / "花名册-标题行-合计.csv"
BROKEN_ROSTER = EXPORTS / "花名册-错误.csv"

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
RUN_TIMEOUT_MS = 180_000
"""Longest a small run may take on a slow machine [ms]."""
BUDGETS_WAN = (80, 60)
SECOND_BUDGETS_WAN = (10, 5)
"""Budgets that bind (the first run spends about 25 万元), so the two runs differ."""
REPLICATIONS = 4
LONG_REPLICATIONS = 10_000
"""A run long enough to be cancelled while it is going (about 20 s uncancelled)."""


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, object]]:
    """The application served by uvicorn on a free port of 127.0.0.1, in a thread."""
    import uvicorn

    from simulator.web.app import create_app
    from simulator.web.server import bind, page_address
    from simulator.web.settings import LOOPBACK_NAMES

    app = create_app(tmp_path / "work", allowed_hosts=LOOPBACK_NAMES)
    sock = bind("127.0.0.1", 0)
    served = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=served.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    ready = threading.Event()

    def wait_started() -> None:
        while not served.started and thread.is_alive():
            ready.wait(0.05)

    wait_started()
    assert served.started, "the server did not start"
    yield page_address(sock).rstrip("/"), app
    served.should_exit = True
    thread.join()
    sock.close()


@pytest.fixture
def browser_page(tmp_path: Path):
    browser_path = _chromium()
    if browser_path is None:
        if os.environ.get("TUOPIN_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (TUOPIN_REQUIRE_BROWSER) but not installed")
        pytest.skip("chromium not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=DESKTOP, accept_downloads=True,
                                      locale="zh-CN")
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        yield page, requests
        context.close()
        browser.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    directory = Path(os.environ.get("TUOPIN_SCREENSHOT_DIR") or tmp_path / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _shoot(page, directory: Path, name: str) -> None:
    """The page at desktop width and at phone width, whole pages, fonts loaded."""
    assert page.evaluate("document.fonts.ready.then(() => "
                         "document.fonts.check('16px \"Noto Sans SC\"'))")
    wider = "document.documentElement.scrollWidth > window.innerWidth + 1"
    page.screenshot(path=directory / f"{name}-desktop.png", full_page=True)
    assert not page.evaluate(wider), f"{name}: the page is wider than the window"
    page.set_viewport_size(PHONE)
    page.screenshot(path=directory / f"{name}-phone.png", full_page=True)
    # nothing cut off at the right: a wide table scrolls inside its card, not the page
    assert not page.evaluate(wider), f"{name}: the page is wider than a phone"
    page.set_viewport_size(DESKTOP)


def _cover(page) -> dict[str, float | str | None]:
    """The cover's rows: figures as numbers, the provenance rows as text."""
    rows = page.locator("#cover tr")
    values = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        text = row.locator("td").get_attribute("data-value")
        try:
            values[row.locator("th").inner_text()] = float(text) if text else None
        except ValueError:
            values[row.locator("th").inner_text()] = text
    return values


def _summary(app, run_id: str) -> dict:
    run = app.state.manager.get(run_id)
    return json.loads((run.output_dir / "summary.json").read_text(encoding="utf-8"))


def _upload(page, base: str, scenario: bytes, registry: Path) -> None:
    """The start page: a scenario file with a Chinese name and ``registry``, submitted."""
    page.goto(base + "/")
    page.set_input_files("input[name=scenario_file]", files=[{
        "name": "测试县情景.toml", "mimeType": "application/toml", "buffer": scenario}])
    page.set_input_files("input[name=registry_file]", registry)
    page.click("button[type=submit]")


def _upload_and_set(page, base: str, budgets: tuple[int, int], scenario: bytes) -> None:
    _upload(page, base, scenario, ROSTER)
    page.wait_for_url("**/settings")
    for year, amount in enumerate(budgets):
        page.fill(f"input[name='f:budget.yearly_yuan[{year}]']", str(amount))
    page.fill("input[name='f:simulation.replications']", str(REPLICATIONS))


def test_a_planner_runs_looks_compares_and_takes_away(server, browser_page, shots: Path,
                                                      tmp_path: Path) -> None:
    import openpyxl

    base, app = server
    page, requests = browser_page
    scenario = TINY_SCENARIO.encode("utf-8")

    # 1. start: a scenario and a registry with Chinese file names
    page.goto(base + "/")
    assert "第一步" in page.inner_text("h1")
    _shoot(page, shots, "1-start")
    _upload_and_set(page, base, BUDGETS_WAN, scenario)
    inputs = page.inner_text("section.inputs")
    assert "花名册-标题行-合计.csv" in inputs and "测试县情景.toml" in inputs
    assert "12" in inputs  # the roster's twelve households
    # the form is the schema's: units, ranges and sources beside each field
    budget_field = page.locator("[id='field-budget.yearly_yuan']")
    assert "万元" in budget_field.inner_text() and "来源" in budget_field.inner_text()
    _shoot(page, shots, "2-settings")

    # a budget typed in Chinese numerals is refused at its field, in Chinese; a target typed
    # as a percentage is taken
    page.fill("input[name='f:budget.yearly_yuan[0]']", "五千")
    page.fill("input[name='f:policy.exit_targets_share_of_people[0]']", "33.3%")
    page.click("#run")
    page.wait_for_selector("#problems")
    refused = page.inner_text("[id='field-budget.yearly_yuan']")
    assert "应为" in refused and "“五千”" in refused, refused
    assert not re.search(r"[A-Za-z_]{3,}", page.inner_text("#problems")), \
        page.inner_text("#problems")
    assert not page.locator("[id='field-policy.exit_targets_share_of_people'] .error").count()
    page.fill("input[name='f:budget.yearly_yuan[0]']", str(BUDGETS_WAN[0]))

    # 2. named, run and wait for the results
    page.fill("#run-name", "基准方案")
    page.fill("#run-note", "按县里下达的预算")
    page.click("#run")
    page.wait_for_selector("#cover", timeout=RUN_TIMEOUT_MS)
    run_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert "policy.exit_targets_share_of_people=[0.333, 0.5]" in \
        app.state.manager.get(run_id).overrides
    summary = _summary(app, run_id)
    cover = _cover(page)
    # the cover asks for what the plan needs, at most the budgets the form set
    asked_wan = summary["request"]["total_yuan"] / 1e4
    assert cover["申请资金 合计（万元）"] == pytest.approx(asked_wan)
    assert 0 < asked_wan <= sum(BUDGETS_WAN)
    assert sum(summary["budgets_yuan"].values()) == pytest.approx(sum(BUDGETS_WAN) * 1e4)
    # households counted whole
    assert cover["新增稳定脱贫户数（较无扶持）"] == round(summary["added_stable_exits"]["mean"])
    assert cover["95% 置信区间 低值"] == round(summary["added_stable_exits"]["ci95"][0])
    assert cover["每新增一户稳定脱贫成本（元）"] == summary["cost_per_added_stable_exit_yuan"]
    assert cover["预期支出 合计（万元）"] == pytest.approx(summary["outlays_total"]["mean"] / 1e4)
    assert cover["预期稳定脱贫户数"] == round(summary["stable_exits"]["mean"])
    assert cover["户数"] == 12
    # the cover names the file the planner uploaded (not the server's name for it)
    assert str(cover["数据来源"]).startswith("登记文件 花名册-标题行-合计.csv（12 户；SHA-256 ")
    charts = page.locator("section.charts img")
    assert charts.count() >= 5
    for i in range(charts.count()):  # the charts load as they come into view (loading=lazy)
        charts.nth(i).scroll_into_view_if_needed()
    page.wait_for_function("[...document.querySelectorAll('section.charts img')]"
                           ".every(img => img.complete && img.naturalWidth > 0)")
    _shoot(page, shots, "4-results")

    # 3. take away: the workbook's totals are the run's
    with page.expect_download() as downloading:
        page.click("#downloads a[href$='proposal.xlsx']")
    workbook_path = tmp_path / "proposal.xlsx"
    downloading.value.save_as(workbook_path)
    # saved under the county's and the plan's names, so runs do not overwrite one another
    saved = downloading.value.suggested_filename
    assert saved.startswith("测试县") and saved.endswith("_第1次_预算方案.xlsx"), saved
    assert "_基准方案_" in saved, saved  # the planner's name for the run
    workbook = openpyxl.load_workbook(workbook_path)
    sheet = dict(row for row in workbook["摘要"].iter_rows(min_row=2, values_only=True))
    assert sheet["申请资金 合计（万元）"] == pytest.approx(asked_wan)
    assert sheet["预期支出 合计（万元）"] == pytest.approx(summary["outlays_total"]["mean"] / 1e4)
    years = [row for row in workbook["按年度"].iter_rows(min_row=2, values_only=True)
             if row[0] and row[0] != "合计"]
    assert sum(row[1] for row in years) == pytest.approx(sum(BUDGETS_WAN))
    assert sum(row[2] for row in years) == pytest.approx(summary["outlays_total"]["mean"] / 1e4)
    assert workbook["农户名单"].max_row == 1 + 12
    for name in ("proposal.html", "proposal.docx", "allocation.csv"):
        assert page.locator(f"#downloads a[href$='{name}']").count() == 1
    # the files for scripts are folded away under 技术文件
    assert page.locator("details.technical a[href$='manifest.json']").count() == 1
    assert "技术文件" in page.inner_text("details.technical summary")

    # 4. the allocation table: search and filters
    page.click("a[href$='/households']")
    page.wait_for_selector("#table")
    assert page.get_attribute("#table", "data-count") == "12"
    _shoot(page, shots, "5-households")
    page.fill("input[name=q]", "RY0003")
    page.wait_for_function("document.querySelector('#table').dataset.count === '1'")
    page.fill("input[name=q]", "")
    page.wait_for_function("document.querySelector('#table').dataset.count === '12'")
    page.select_option("select[name=township]", "大桥镇")
    page.wait_for_function("document.querySelector('#table').dataset.count !== '12'")
    towns = page.locator("table.households tbody tr td:nth-child(3)").all_inner_texts()
    assert towns and set(towns) == {"大桥镇"}
    assert page.get_attribute("#table", "data-count") == str(len(towns))

    # 5. one household: its reason and its income paths
    page.locator("table.households tbody a").first.click()
    page.wait_for_selector("#reason")
    assert "稳定脱贫" in page.inner_text("#reason")
    assert page.locator("svg.paths polyline.mean").count() == 2
    _shoot(page, shots, "6-household")

    # 6. run again with another budget and compare the two runs
    page.goto(f"{base}/runs/{run_id}")
    page.click("form[action$='/again'] button")
    page.wait_for_url("**/settings")
    assert page.input_value("input[name='f:simulation.replications']") == str(REPLICATIONS)
    for year, amount in enumerate(SECOND_BUDGETS_WAN):
        page.fill(f"input[name='f:budget.yearly_yuan[{year}]']", str(amount))
    page.click("#run")
    page.wait_for_selector("#cover", timeout=RUN_TIMEOUT_MS)
    second_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    second = _summary(app, second_id)
    page.goto(f"{base}/compare?a={run_id}&b={second_id}")
    paired_mean = float(page.get_attribute("#paired .paired", "data-mean"))
    expected = second["added_stable_exits"]["mean"] - summary["added_stable_exits"]["mean"]
    assert paired_mean == pytest.approx(expected, abs=0.011)
    assert paired_mean < 0  # less money, fewer added stable exits
    changed = page.inner_text("#changed")
    assert "年度预算" in changed and "budget.yearly_yuan" not in changed  # what differed
    _shoot(page, shots, "7-compare")

    # 7. a run is cancelled while it goes; the last good results stay
    page.goto(f"{base}/runs/{second_id}")
    page.click("form[action$='/again'] button")
    page.wait_for_url("**/settings")
    page.fill("input[name='f:simulation.replications']", str(LONG_REPLICATIONS))
    page.click("#run")
    page.wait_for_selector("#progress")
    page.wait_for_function("document.querySelector('#progress')?.dataset.stage",
                           timeout=RUN_TIMEOUT_MS)
    assert "剩余时间" in page.inner_text("#time-left") or "预计还需" in page.inner_text(
        "#time-left")
    _shoot(page, shots, "3-progress")
    page.click("#cancel")
    page.wait_for_selector("#cancelled")
    assert app.state.manager.active is None  # the worker process is gone
    _shoot(page, shots, "11-cancelled")
    assert page.get_attribute("#last-good a", "href") == f"/runs/{second_id}"
    page.click("#last-good a")
    page.wait_for_selector("#cover")

    page.goto(base + "/runs")
    assert page.locator("td.status.cancelled").count() == 1
    assert page.locator("td.status.done").count() == 2
    _shoot(page, shots, "10-runs")

    # a 预览 run: quick, and every page and document it writes says it is not for filing
    page.goto(f"{base}/runs/{second_id}")
    page.click("form[action$='/again'] button")
    page.wait_for_url("**/settings")
    page.check("#precision-preview")
    # an enterprise, with its own dividend rate, typed into the form
    page.fill("input[name='e:0:name']", "某合作社")
    page.fill("input[name='e:0:absorption']", "100")
    page.fill("input[name='e:0:dividend_rate']", "9%")
    page.click("#run")
    page.wait_for_selector("#cover", timeout=RUN_TIMEOUT_MS)
    assert "不可报送" in page.inner_text("#preview-mark")
    preview_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    preview_html = app.state.manager.get(preview_id).output_dir / "proposal.html"
    preview_page = preview_html.read_text(encoding="utf-8")
    assert "不可报送" in preview_page
    # the proposal's assumptions table has the enterprise as typed (9 % a year, 1,000,000 yuan)
    assumptions = preview_page.split("id='table-assumptions'", 1)[1]
    assert "某合作社：1,000,000：0.09" in assumptions

    # 8. a registry with a header typo and two bad cells: three Chinese messages at once
    typo = tmp_path / "花名册-表头有误.csv"
    typo.write_text("户编号,乡镇,行政村,是否贫困村,家庭人口,劳力人数X,贫困户属性,工资性收入,"
                    "家庭经营收入,财产性收入,转移性收入,生产经营性支出\n"
                    "A1,大桥镇,大桥1村,是,四,1,一般贫困户,0,0,0,0,0\n"
                    "A2,大桥镇,大桥1村,是,3,1,一般户贫困,0,0,0,0,0\n", encoding="utf-8")
    _upload(page, base, scenario, typo)
    page.wait_for_selector("#problems")
    texts = page.locator("#problems tr.problem").all_inner_texts()
    assert len(texts) == 3, texts
    assert any("劳力人数X" in t and "无法识别的列名" in t for t in texts)
    assert any("“家庭人口”列" in t and "“四”" in t for t in texts)
    assert any("贫困户属性" in t and "“一般户贫困”" in t for t in texts)
    # no English word outside what the file holds (its name, its cells, quoted values)
    messages = page.locator("#problems td.message").all_inner_texts()
    assert not any(re.search(r"[A-Za-z_]{3,}", re.sub(r"“[^”]*”", "", m)) for m in messages), \
        messages

    # 9. a broken registry: the located error beside the offending row
    _upload(page, base, scenario, BROKEN_ROSTER)
    page.wait_for_selector("#problems")
    problems = page.locator("#problems tr.problem")
    texts = problems.all_inner_texts()
    # in Chinese, the columns by the headers the file has, no English field name
    assert any("第 10 行“劳动力人数”列" in t and "“三”" in t for t in texts)
    assert any("第 13 行“家庭人口”列" in t for t in texts)
    assert not any(re.search(r"laborers|size|expected", t) for t in texts)
    assert "花名册-错误.csv" in page.inner_text("#problems")
    assert "三" in page.locator("#problems .cell.bad").all_inner_texts()
    _shoot(page, shots, "8-registry-error")

    # 10. the switch to English
    page.click("a.lang")
    page.wait_for_selector("text=Step 1")
    _shoot(page, shots, "9-start-en")

    # 11. the workspace outlives the server: a new server on it lists the named run with its
    # headline, and its settings reopen
    from starlette.testclient import TestClient

    from simulator.web.app import create_app

    with TestClient(create_app(tmp_path / "work"), base_url="http://127.0.0.1") as again:
        listed = again.get("/runs").text
        assert "基准方案" in listed and "按县里下达的预算" in listed
        added = round(summary["added_stable_exits"]["mean"])
        assert f"新增稳定脱贫 {added:,} 户" in listed
        reopened = again.post(f"/runs/{run_id}/again", follow_redirects=True)
        assert reopened.status_code == 200 and "基准方案" in reopened.text
        assert f'value="{BUDGETS_WAN[0]}"' in reopened.text  # the budgets as they were set
        kept = again.get(f"/runs/{run_id}/settings.toml")  # and kept as a file of its own
        assert kept.status_code == 200 and "# 基准方案" in kept.text
        assert f"budget.yearly_yuan = [{BUDGETS_WAN[0] * 10_000:.1f}" in kept.text

    visited = {urlparse(url).hostname for url in requests
               if urlparse(url).scheme not in ("data", "blob")}
    assert visited == {"127.0.0.1"}, visited
    assert len(requests) > 20
