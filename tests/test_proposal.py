"""Budget proposals: the xlsx agrees with summary.json, the HTML is one self-contained file with
every section, renders in a browser, and Chinese labels never fall back to missing glyphs."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from simulator import labels
from simulator.fonts import CJK_FAMILY, missing_glyphs, use_cjk_font
from simulator.proposal import write_proposal
from simulator.proposal.text import every_word
from simulator.scenario import bundled_scenarios, load_scenario
from simulator.vocabulary import CATEGORY_LABELS_ZH

SECTIONS = ("cover", "allocation", "asking", "comparison", "sensitivity", "risks", "method")


def _sheet(workbook, title: str) -> list[list]:
    """A sheet's values, with the workbook's SUM formulas worked out (openpyxl writes formulas
    without results; Excel and WPS compute them on opening)."""
    sheet = workbook[title]

    def value(cell):
        text = cell.value
        if isinstance(text, str) and text.startswith("=SUM("):
            return sum(c.value or 0 for (c,) in sheet[text[5:-1]])
        return text

    return [[value(c) for c in row] for row in sheet.iter_rows()]


def test_xlsx_totals_equal_summary_json(written: Path) -> None:
    from openpyxl import load_workbook

    summary = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    workbook = load_workbook(written / "proposal.xlsx")
    assert workbook.sheetnames[:7] == ["摘要", "按扶持方式", "按乡镇", "按年度",
                                       "兜底与防返贫帮扶（县级资金）", "预算测算", "农户名单"]
    # totals are formulas an office can follow; lists can be filtered; sheets print on A4
    assert str(workbook["按年度"].cell(row=len(summary["budgets_yuan"]) + 2, column=3).value
               ).startswith("=SUM(C2:")
    assert workbook["农户名单"].auto_filter.ref
    for sheet in workbook.worksheets:
        assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows
    total = summary["outlays_total"]["mean"] / 1e4
    years = list(summary["budgets_yuan"])

    by_year = _sheet(workbook, "按年度")
    for row, year in zip(by_year[1:-1], years, strict=True):
        assert row[0] == year
        assert row[1] == pytest.approx(summary["budgets_yuan"][year] / 1e4)
        assert row[2] == pytest.approx(summary["outlays_by_year"][year]["mean"] / 1e4)
    assert by_year[-1][2] == pytest.approx(total)

    instruments = _sheet(workbook, "按扶持方式")
    assert instruments[-1][-1] == pytest.approx(total, abs=1e-6)
    for row in instruments[1:-1]:
        assert sum(row[3:3 + len(years)]) == pytest.approx(row[-1])
    towns = _sheet(workbook, "按乡镇")
    assert towns[-1][-1] == pytest.approx(total, abs=1e-6)
    assert sum(r[-1] for r in towns[1:-1]) == pytest.approx(total, abs=1e-6)

    cover = {row[0]: row[1] for row in _sheet(workbook, "摘要")[1:]}
    assert cover["预期稳定脱贫户数"] == pytest.approx(summary["stable_exits"]["mean"])
    assert cover["新增稳定脱贫户数（较无扶持）"] == pytest.approx(
        summary["added_stable_exits"]["mean"])
    assert cover["每新增一户稳定脱贫成本（元）"] == pytest.approx(
        summary["cost_per_added_stable_exit_yuan"])
    assert cover["净财政成本（万元）"] == pytest.approx(summary["net_fiscal_cost"]["mean"] / 1e4)
    households = _sheet(workbook, "农户名单")
    assert len(households) - 1 == summary["households"]
    no_fund_package = {labels.NO_SUPPORT["zh"], labels.SAFETY_NET_MEASURE["zh"]}
    assert sum(1 for r in households[1:] if r[5] not in no_fund_package) == instruments[-1][1]


def test_html_is_one_self_contained_file_with_every_section(written: Path) -> None:
    page = (written / "proposal.html").read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"id='{section}'" in page
    assert page.count("<svg") >= 6
    assert "@font-face" in page and "data:font/woff;base64," in page
    assert not re.search(r"(src|href)=['\"](?!data:|#)", page), "external resource referenced"
    assert "以奖代补资金预算方案" in page and "按村平均分配" in page
    assert "@page { size: A4" in page
    # the county's own programme beside the simple rules: in the table and the chart (which the
    # web page shows as it is)
    assert page.count("县里原定方案") >= 2
    assert "县里原定方案" in (written / "comparison.svg").read_text(encoding="utf-8")


def test_outputs_are_reproducible(proposal, written: Path, tmp_path: Path) -> None:
    write_proposal(proposal, tmp_path, lang="zh")
    for name in ("proposal.html", "proposal.xlsx", "proposal.docx", "summary.json",
                 "tornado.svg"):
        assert (tmp_path / name).read_bytes() == (written / name).read_bytes(), name


def test_english_proposal(proposal, tmp_path: Path) -> None:
    write_proposal(proposal, tmp_path, lang="en", formats=["html"])
    page = (tmp_path / "proposal.html").read_text(encoding="utf-8")
    assert "reward-instead-of-subsidy budget proposal" in page
    assert "Against other ways to spend the money" in page
    assert not (tmp_path / "proposal.xlsx").exists()


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def test_html_renders_in_headless_chromium(written: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get("TUOPIN_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (TUOPIN_REQUIRE_BROWSER) but not installed")
        pytest.skip("chromium not installed (.ci/run installs it)")
    page = (written / "proposal.html").as_uri()
    flags = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    shot = tmp_path / "shot.png"
    subprocess.run([*flags, "--window-size=1240,1754", f"--screenshot={shot}", page],
                   check=True, capture_output=True, timeout=120)
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3]
    assert pixels.shape[0] >= 1000
    ink = (pixels.mean(axis=2) < 0.5).mean()  # share of dark pixels: text, tables, charts
    assert 0.005 < ink < 0.5, ink
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # colours of charts, not blank
    dom = subprocess.run([*flags, "--dump-dom", page], check=True, capture_output=True,
                         timeout=120, text=True).stdout
    for section in SECTIONS:
        assert f'id="{section}"' in dom
    assert "稳定脱贫" in dom


def test_docx_holds_the_same_figures_as_summary_json(written: Path) -> None:
    import docx

    summary = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    document = docx.Document(str(written / "proposal.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    for section in ("一、资金安排", "二、申请多少资金", "三、与其他分配方式比较", "四、敏感性分析",
                    "五、风险与假设"):
        assert section in text
    cover = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows[1:]}
    # households are counted whole
    added = round(summary["added_stable_exits"]["mean"])
    assert cover["新增稳定脱贫户数（较无扶持）"] == f"{added:,}"
    cost = float(cover["每新增一户稳定脱贫成本（元）"].replace(",", ""))
    assert cost == pytest.approx(summary["cost_per_added_stable_exit_yuan"], abs=1)
    by_year = next(t for t in document.tables if t.rows[0].cells[0].text == "年度")
    total = by_year.rows[-1].cells[2].text
    assert float(total.replace(",", "")) == pytest.approx(summary["outlays_total"]["mean"] / 1e4,
                                                          abs=0.006)
    assert len(document.inline_shapes) == 6  # the charts


@pytest.mark.slow
def test_pdf_is_the_html_printed_on_a4(proposal, written: Path, tmp_path: Path) -> None:
    from simulator.proposal.pdf import page_count

    browser = _chromium()
    if browser is None:
        if os.environ.get("TUOPIN_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (TUOPIN_REQUIRE_BROWSER) but not installed")
        pytest.skip("chromium not installed (.ci/run installs it)")
    first = write_proposal(proposal, tmp_path / "a", formats=["pdf"])
    again = write_proposal(proposal, tmp_path / "b", formats=["pdf"])
    pdf = (tmp_path / "a" / "proposal.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and tmp_path / "a" / "proposal.pdf" in first
    assert pdf == (tmp_path / "b" / "proposal.pdf").read_bytes() and again  # reproducible
    printed = tmp_path / "printed.pdf"
    subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                    "--no-pdf-header-footer", f"--print-to-pdf={printed}",
                    (written / "proposal.html").as_uri()], check=True, capture_output=True,
                   timeout=120)
    assert page_count(pdf) == page_count(printed.read_bytes()) > 3
    if shutil.which("pdftotext"):  # the printed page's footer and the cover's provenance
        text = subprocess.run(["pdftotext", str(tmp_path / "a" / "proposal.pdf"), "-"],
                              check=True, capture_output=True, text=True).stdout
        pages = page_count(pdf)
        assert f"第 1 页 共 {pages} 页" in text and f"第 {pages} 页 共 {pages} 页" in text
        for label in ("数据来源", "编制日期", "编制单位", "净财政成本"):
            assert label in text, label


def test_cjk_font_covers_every_label() -> None:
    strings = [*labels.every_label(), *every_word(), *CATEGORY_LABELS_ZH.values()]
    for name in bundled_scenarios():
        scenario = load_scenario(name)
        strings += [scenario.name, scenario.county, scenario.display_name("zh")]
        strings += [t.name for t in scenario.population.synthetic.townships]
    from simulator.sensitivity import ASSUMPTIONS

    strings += [a.label_zh for a in ASSUMPTIONS]
    missing = set().union(*(missing_glyphs(s) for s in strings))
    assert not missing, f"the CJK font has no glyph for {sorted(missing)}"


def test_charts_draw_chinese_with_the_cjk_font(proposal) -> None:
    from matplotlib import font_manager

    from simulator import plots
    from simulator.files import figure_bytes

    assert use_cjk_font() == CJK_FAMILY
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]),
                                  fallback_to_default=False)
    assert Path(found).name == "NotoSansSC-Regular.otf"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        figure_bytes(plots.tornado(proposal.sensitivity, lang="zh"), "png")
        figure_bytes(plots.outlays_by_year(proposal.plan_result, lang="zh"), "png")


@pytest.mark.slow
def test_the_default_plan_stays_within_every_budget_at_the_stated_confidence() -> None:
    from simulator.optimizer import optimize
    from simulator.proposal.content import OVER_BUDGET_TOLERANCE_WAN

    scenario = load_scenario("ruyuan-2016")
    assert scenario.budget.rule == "confidence" and scenario.budget.confidence == 0.95
    # at the scenario's own replications, as `tuopin run` files it: the 95 % quantile of outlays
    # is estimated from the replications, and at 80 of them the fresh estimate of 2016's (lumpy:
    # 50,000-yuan loan-loss compensations) exceeded the in-sample one by 0.02 %
    summary = optimize(scenario).summary()
    assert summary["budget_rule"] == {"rule": "confidence", "confidence": 0.95}
    for year, budget in summary["budgets_yuan"].items():
        assert summary["outlays_at_confidence_by_year"][year] <= \
            budget + OVER_BUDGET_TOLERANCE_WAN * 1e4, year


def test_every_household_reason_is_true_of_its_figures(proposal, written: Path) -> None:
    from openpyxl import load_workbook

    from simulator.proposal.reasons import household_reasons, reason_holds

    table = proposal.allocation.allocation_table()
    reasons = household_reasons(table, proposal.plan_years())
    assert len(reasons) == len(table["household_id"])
    assert all(reason_holds(r) for r in reasons)
    assert len({r.kind for r in reasons}) >= 2
    sheet = load_workbook(written / "proposal.xlsx")["一户一策"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[-2:] == ["安排理由", "户主签字"] and len(rows) == len(reasons) + 1
    villages = [r[1] for r in rows[1:]]
    changes = sum(a != b for a, b in itertools.pairwise(villages))
    assert len(sheet.row_breaks.brk) == changes  # one printed page per village
    short = {household_reasons(table, proposal.plan_years())[i].short
             for i in range(len(reasons))}
    assert all(r[-2] in short and not r[-1] for r in rows[1:])  # the reason; a blank to sign
    # the money placed in an enterprise or a PV plant is part of the household's money
    total, placed = header.index("资金合计（元）"), header.index("其中投入企业/电站（元）")
    assert all(0 <= r[placed] <= r[total] + 1 for r in rows[1:])
    assert any(r[placed] > 0 for r in rows[1:])
    measures = header.index("帮扶措施（起始年月；就业奖补为1名劳动力）")
    assert any("年" in r[measures] and "月起" in r[measures] for r in rows[1:])


@pytest.mark.parametrize(("package", "p_with", "p_without", "other", "p_other", "cost",
                          "cost_other", "kind"), [
    ("none", 0.95, 0.95, "pv", 0.97, 0, 500, "exits_anyway"),
    ("none", 0.10, 0.10, "pv", 0.12, 0, 500, "nothing_helps"),
    ("none", 0.10, 0.10, "employment", 0.60, 0, 3000, "not_funded"),
    ("pv", 0.80, 0.10, "equity", 0.70, 500, 60000, "best_choice"),
    ("pv", 0.60, 0.10, "equity", 0.90, 500, 60000, "dearer_alternative"),
    ("equity", 0.60, 0.10, "employment", 0.90, 60000, 3000, "held_back_integer"),
    ("equity", 0.90, 0.10, "pv", 0.60, 60000, 500, "cheaper_alternative")])
def test_each_kind_of_reason(package, p_with, p_without, other, p_other, cost, cost_other,
                             kind) -> None:
    from simulator.proposal.reasons import reason, reason_holds

    r = reason(package, p_with, p_without, other, p_other, cost, cost_other)
    assert r.kind == kind and reason_holds(r)
    assert f"{p_other:.0%}" in r.text or f"{p_without:.0%}" in r.text


@pytest.mark.parametrize(("package", "p_with", "p_without", "facts", "kind", "words"), [
    ("none", 0.0, 0.0, {"measure": "safety_net"}, "safety_net", "政策兜底"),
    ("none", 0.10, 0.10, {"limits": "2017年预算"}, "not_funded_by", "受2017年预算限制"),
    ("pv", 0.01, 0.0, {"rule": "coverage"}, "coverage_rule", "帮扶全覆盖"),
    ("pv", 0.01, 0.0, {"exit_with": 0.6, "exit_without": 0.1}, "for_target", "年度脱贫目标"),
    ("pv", 0.01, 0.0, {}, "no_gain", "效果有限"),
    ("equity", 0.60, 0.10, {"limits": "2016年年度新增岗位上限"}, "held_back",
     "受2016年年度新增岗位上限限制")])
def test_reasons_name_what_decided(package, p_with, p_without, facts, kind, words) -> None:
    """A reason names the rule or the limit that decided, never a generic list."""
    from simulator.proposal.reasons import reason, reason_holds

    r = reason(package, p_with, p_without, "employment", 0.90 if kind != "no_gain" else 0.02,
               60000, 3000, **facts)
    assert r.kind == kind and reason_holds(r) and words in r.text
    assert "等限制" not in r.text


def test_no_package_without_a_gain_is_bought_unless_a_rule_requires_it(proposal) -> None:
    """A package that adds nothing in any replication the model saw is taken back, unless a
    rule needs it — and then the household's reason names the rule."""
    from simulator.optimizer.idle import idle_packages
    from simulator.proposal.reasons import household_reasons

    allocation = proposal.allocation
    table = allocation.allocation_table()
    idle = idle_packages(allocation.candidates, allocation.optimised.choice)
    rules = np.array(table["rule"])
    assert not (idle & (rules == "")).any()
    reasons = household_reasons(table, proposal.plan_years())
    for h in np.flatnonzero(idle):
        assert reasons[h].kind in ("coverage_rule", "policy_rule", "for_target"), reasons[h]
    if (idle & (rules != "coverage")).any():  # the tiny scenario's equal-treatment rule
        named = [r.text for r, i in zip(reasons, idle, strict=True)
                 if i and r.kind == "policy_rule"]
        assert all("非贫困村覆盖差距上限" in text for text in named)


def test_every_named_limit_is_a_priced_row_the_better_package_would_use_more_of(
        proposal) -> None:
    """Each household's reason against the solved model's duals: the limits it names are
    exactly the rows with a positive LP price that its best other package would use more of
    than its own, and a reason that says a limit held it back names one."""
    from simulator.optimizer.rows import describe_row
    from simulator.proposal.reasons import household_reasons

    allocation = proposal.allocation
    table = allocation.allocation_table()
    years = proposal.plan_years()
    prices = allocation.lp_prices
    packages = {p.name: k for k, p in enumerate(allocation.candidates.packages)}
    priced = [(row, price) for row, price in zip(prices.rows, prices.multipliers, strict=True)
              if price > 1e-9 and row.kind != "exit_target"]
    assert priced, "the tiny scenario prices at least one row"
    named_somewhere = False
    for h, (own, other) in enumerate(zip(table["package"], table["best_other_package"],
                                         strict=True)):
        expected = set()
        for row, _price in priced:
            more = row.coefficient(h, packages[other]) - row.coefficient(h, packages[own])
            if (more if row.sense == "<=" else -more) > 1e-9:
                expected.add(describe_row(row.name, row.limit, years, "zh"))
        named = {n for n in table["limited_by_zh"][h].split("、") if n}
        assert named == expected, (h, named, expected)
        named_somewhere |= bool(named)
    assert named_somewhere
    for r in household_reasons(table, years):
        if r.kind in ("held_back", "not_funded_by"):
            assert r.limits and r.limits in r.text


def test_taking_back_an_idle_package_breaks_no_rule(tiny_scenario) -> None:
    """Every idle package is put back on an allocation: the take-back removes all that no rule
    needs, and the allocation it leaves keeps every row the original kept."""
    from simulator.optimizer.candidates import build_candidates
    from simulator.optimizer.idle import idle_packages, take_back_idle
    from simulator.optimizer.rows import broken_rows
    from simulator.optimizer.solve import allocation_packages
    from simulator.population import generate_population

    registry = generate_population(tiny_scenario, seed=3)
    cands = build_candidates(tiny_scenario, registry, reps=10, seed=3,
                             packages=allocation_packages(tiny_scenario, registry))
    budgets = tiny_scenario.budget.yearly_yuan
    # the most expensive feasible package that adds nothing, for every household that has one
    spend = np.where(cands.feasible, cands.cost.sum(axis=2), -1.0)
    gains = cands.stable & ~cands.stable[:1]  # (K, R, H)
    no_gain = ~gains.any(axis=1).T & np.all(cands.p_exit_by <= cands.p_exit_by[:, :1] + 1e-9,
                                            axis=2)
    spend[~no_gain] = -1.0
    spend[:, 0] = -1.0
    padded = np.where(spend.max(axis=1) >= 0, spend.argmax(axis=1), 0)
    assert idle_packages(cands, padded).sum() > 5
    choice, kept = take_back_idle(cands, budgets, padded)
    left = idle_packages(cands, choice)
    assert set(np.flatnonzero(left)) == set(kept)
    assert all(kept.values())
    before = {row["constraint"] for row in broken_rows(cands, budgets, padded)}
    assert {row["constraint"] for row in broken_rows(cands, budgets, choice)} <= before


# -- every word of the Chinese documents in Chinese ---------------------------------------------

URL = re.compile(r"https?://\S+")
CODE = re.compile(r"\b[A-Z]+\d[\w-]*")
"""Household numbers and similar codes (T0001, RY00042): the reader's own identifiers."""


def _visible_html_text(page: str) -> list[str]:
    """Text a reader of the HTML sees: not styles, scripts or the charts' metadata."""
    from html.parser import HTMLParser

    class Visible(HTMLParser):
        hidden = ("style", "script", "metadata", "title")

        def __init__(self) -> None:
            super().__init__()
            self.depth, self.texts = 0, []

        def handle_starttag(self, tag, attrs):
            self.depth += tag in self.hidden

        def handle_endtag(self, tag):
            self.depth -= tag in self.hidden

        def handle_data(self, data):
            if not self.depth:
                self.texts.append(data)

    parser = Visible()
    parser.feed(page)
    return parser.texts


def _chinese_output_texts(written: Path) -> dict[str, list[str]]:
    import csv

    import docx
    import openpyxl

    texts = {"proposal.html": _visible_html_text(
        (written / "proposal.html").read_text(encoding="utf-8"))}
    document = docx.Document(str(written / "proposal.docx"))
    texts["proposal.docx"] = [p.text for p in document.paragraphs] + [
        cell.text for table in document.tables for row in table.rows for cell in row.cells]
    workbook = openpyxl.load_workbook(written / "proposal.xlsx")
    for sheet in workbook:
        texts[f"proposal.xlsx › {sheet.title}"] = [
            sheet.title, *(v for row in sheet.iter_rows(values_only=True) for v in row
                           if isinstance(v, str) and not v.startswith("="))]
    for path in written.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            texts[path.name] = next(csv.reader(handle))
    return texts


def test_chinese_documents_hold_no_english_words(written: Path) -> None:
    """Every word a county reader sees is Chinese, except units (kW), the solver's name,
    web addresses and the reader's own codes (household numbers)."""
    from .test_bibliography import latin_words

    found = {}
    for where, texts in _chinese_output_texts(written).items():
        words = set()
        for text in texts:
            words |= latin_words(CODE.sub("", URL.sub("", text)))
        if words:
            found[where] = sorted(words)[:12]
    assert not found, f"English words in the Chinese documents: {found}"


def test_chinese_allocation_csv_reads_back_as_the_plan(proposal, written: Path) -> None:
    from simulator.packages import load_plan

    allocation = proposal.allocation
    plan = load_plan(written / "allocation.csv", allocation.registry, allocation.scenario)
    chosen = [allocation.candidates.packages[k].name for k in allocation.optimised.choice]
    assert [plan.packages[k].name for k in plan.assignment] == chosen


def test_docx_annex_has_one_page_of_per_household_plans_per_village(proposal,
                                                                    written: Path) -> None:
    import docx

    document = docx.Document(str(written / "proposal.docx"))
    assert document.sections[-1].page_width > document.sections[-1].page_height  # landscape
    body = document.element.body
    annex = [p for p in document.paragraphs if p.text == "附件：一户一策"]
    assert len(annex) == 1
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"
                and body.index(p._p) > body.index(annex[0]._p)]
    source = proposal.allocation.allocation_table()
    counts = Counter(f"{t} {v}" for t, v in zip(source["township"], source["village"],
                                                 strict=True))
    assert sorted(headings) == sorted(f"{v}（{n} 户）" for v, n in counts.items())
    tables = [t for t in document.tables if body.index(t._tbl) > body.index(annex[0]._p)]
    assert len(tables) == len(counts)
    listed = [row.cells[0].text for t in tables for row in t.rows[1:]]
    assert sorted(listed) == sorted(source["household_id"])
    assert body.xml.count("<w:pageBreakBefore/>") >= len(counts) - 1  # a page per village
    # a form the village signs, whose header row repeats on a second page
    signatures = [p.text for p in document.paragraphs if "驻村工作队签字" in p.text]
    assert len(signatures) == len(counts)
    assert all("<w:tblHeader/>" in t.rows[0]._tr.xml for t in tables)
    assert all('w:type="fixed"' in t._tbl.xml for t in tables)


def test_budget_levels_sheet_agrees_with_summary_json(proposal, written: Path) -> None:
    """The 预算测算 sheet holds the frontier of summary.json, and the section's sentences are
    true of those figures."""
    from openpyxl import load_workbook

    summary = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    levels = _sheet(load_workbook(written / "proposal.xlsx"), "预算测算")
    frontier = summary["frontier"]
    assert [row[0] for row in levels[1:]] == [p["budget_factor"] for p in frontier]
    for row, point in zip(levels[1:], frontier, strict=True):
        assert row[1] == pytest.approx(sum(point["budgets_yuan"].values()) / 1e4)
        assert row[4] == pytest.approx(point["added_stable_exits"]["mean"])
        assert row[6] == pytest.approx(point["added_stable_exits"]["mean"]
                                       / summary["added_stable_exits"]["mean"])
    texts = proposal.asking_texts(summary, "zh")
    page = (written / "proposal.html").read_text(encoding="utf-8")
    assert all(text in page for text in texts)
    for year, value in summary["shadow_price_stable_exits_per_10000_yuan"].items():
        if value > 0:
            assert f"约 {1 / value:,.0f} 万元一户" in texts[0]
        else:
            assert f"{year} 年增加预算不再增加稳定脱贫" in texts[0]
    claim = re.search(r"申请预算的 ([\d.]+) 倍时，即可实现本方案新增稳定脱贫户数的 (\d+)%", page)
    if claim:
        point = next(p for p in frontier if p["budget_factor"] == float(claim[1]))
        share = point["added_stable_exits"]["mean"] / summary["added_stable_exits"]["mean"]
        assert share >= 0.9 and round(share * 100) == int(claim[2])
    target = summary["target_budget"]
    if target["met"]:
        assert max(target["exit_target_shortfall_people"].values()) < 1
    else:
        assert max(target["exit_target_shortfall_people"].values()) >= 1
        assert "达不到各年脱贫目标" in texts[-1]


def test_intervals_of_equal_replications_draw_without_error() -> None:
    """Every replication alike (a plan that changes nothing): the 95 % interval's ends differ
    from the mean only in the last bit, sometimes on the wrong side; the bars are still
    drawn, with no error bar."""
    import matplotlib.pyplot as plt

    from simulator.plots import _error_bars, _stable_exit_bars

    values = np.full(6, 0.7)
    low, high = np.percentile(values, [2.5, 97.5])
    assert values.mean() > high  # the float case that made matplotlib refuse the bars
    below, above = _error_bars(np.array([values.mean()]), np.array([low]), np.array([high]))
    assert below[0] >= 0 and above[0] == 0
    figure, ax = plt.subplots()
    _stable_exit_bars(ax, [values, values + 1], ["a", "b"], ["tab:green", "tab:gray"], "en")
    plt.close(figure)


def test_the_cover_asks_for_what_the_plan_needs(written: Path) -> None:
    from openpyxl import load_workbook

    summary = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    request = summary["request"]
    cover = [row for row in load_workbook(written / "proposal.xlsx")["摘要"].iter_rows(
        values_only=True)]
    asked = {label: value for label, value in cover[1:] if label}
    for year, amount in request["by_year_yuan"].items():
        assert asked[f"申请资金 {year} 年（万元）"] == pytest.approx(amount / 1e4)
    assert asked["申请资金 合计（万元）"] == pytest.approx(request["total_yuan"] / 1e4)
    html = (written / "proposal.html").read_text(encoding="utf-8")
    for year, left in request["unspent_by_year_yuan"].items():
        if left > 0:
            assert f"{year}年预算" in html and "结余" in html


def test_xlsx_totals_are_saved_with_their_values(written: Path) -> None:
    """A data-only reader (a phone's preview) sees every total as the number a spreadsheet
    would compute, and the year sheet's totals are summary.json's."""
    from openpyxl import load_workbook

    path = written / "proposal.xlsx"
    formulas, values = load_workbook(path), load_workbook(path, data_only=True)
    checked = 0
    for sheet in formulas.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if not (isinstance(cell.value, str) and cell.value.startswith("=SUM(")):
                    continue
                letter, first, last = re.fullmatch(r"=SUM\(([A-Z]+)(\d+):[A-Z]+(\d+)\)",
                                                   cell.value).groups()
                saved = values[sheet.title][cell.coordinate].value
                assert isinstance(saved, float | int), (sheet.title, cell.coordinate, saved)
                above = [values[sheet.title][f"{letter}{n}"].value
                         for n in range(int(first), int(last) + 1)]
                assert saved == pytest.approx(sum(v for v in above if v is not None))
                checked += 1
    assert checked >= 5
    summary = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    year_rows = list(values["按年度"].iter_rows(values_only=True))
    total = next(r for r in year_rows if r[0] == "合计")
    assert total[1] == pytest.approx(sum(summary["budgets_yuan"].values()) / 1e4)
    assert total[2] == pytest.approx(summary["outlays_total"]["mean"] / 1e4)


def _cover_texts(written: Path) -> dict[str, str]:
    """The cover of each format as text: the HTML up to the first section, the docx's cover
    table and title, the workbook's 摘要 sheet."""
    import docx
    from openpyxl import load_workbook

    page = (written / "proposal.html").read_text(encoding="utf-8")
    cover = re.sub(r"<[^>]+>", " ", page[page.index("id='cover'"):page.index("id='allocation'")])
    document = docx.Document(str(written / "proposal.docx"))
    table = " ".join(cell.text for row in document.tables[0].rows for cell in row.cells)
    sheet = load_workbook(written / "proposal.xlsx")["摘要"]
    cells = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row
                     if v is not None)
    return {"html": cover, "docx": table, "xlsx": cells}


def test_every_cover_says_where_the_proposal_comes_from_and_its_fiscal_risk(proposal,
                                                                          written: Path) -> None:
    summary = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    net = summary["net_fiscal_cost"]
    date = proposal.prepared_on()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", date)
    for where, text in _cover_texts(written).items():
        for label in ("数据来源", "合成示例数据", "编制日期", date, "编制单位", "待填写",
                      "脱贫预算模拟优化工具", "净财政成本"):
            assert label in text, (where, label)
        # the net fiscal cost's range across outcomes, in whole 万元 or with its decimals
        high = net["interval_95"][1] / 1e4
        assert f"{high:,.0f}" in text or f"{high:,.2f}" in text, where


def test_a_proposal_from_a_registry_file_names_it_and_the_issuer(proposal) -> None:
    from dataclasses import replace

    registry = replace(proposal.allocation.registry, source="/data/乳源花名册.xlsx",
                       sha256="ab" * 32)
    scenario = replace(proposal.scenario, issuer="乳源瑶族自治县扶贫开发办公室",
                       prepared_on="2017-03-01")
    made = replace(proposal, allocation=replace(proposal.allocation, registry=registry,
                                                scenario=scenario))
    facts = dict(made.provenance("zh"))
    assert facts["数据来源"].startswith("登记文件 乳源花名册.xlsx（")
    assert "ab" * 32 in facts["数据来源"] and f"{registry.n_households:,} 户" in facts["数据来源"]
    assert facts["编制单位"] == "乳源瑶族自治县扶贫开发办公室"
    assert facts["编制日期"] == "2017-03-01"


def test_a_registry_read_from_a_file_keeps_its_digest(tmp_path: Path) -> None:
    import hashlib

    from simulator.registry import load_registry

    source = Path(__file__).parent / "data" / "exports" / "花名册-标题行-合计.csv"
    registry = load_registry(source)
    assert registry.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()


METHOD_TERMS = ("线性规划对偶价格", "对偶价格", "拉格朗日界", "优化者诅咒", "条件风险价值",
                "独立重复模拟", "配对差", "样本内")
"""Words of the method that the main text leaves to the method appendix (explained there)."""


def test_the_main_text_leaves_method_terms_to_the_appendix(written: Path) -> None:
    import docx

    page = (written / "proposal.html").read_text(encoding="utf-8")
    main = _visible_html_text(page[page.index("id='cover'"):page.index("id='risks'")])
    document = docx.Document(str(written / "proposal.docx"))
    paragraphs = [p.text for p in document.paragraphs]
    end = next(i for i, text in enumerate(paragraphs) if text.startswith("五、"))
    texts = {"html": " ".join(main),
             "docx": " ".join(paragraphs[:end])}
    for where, text in texts.items():
        found = [term for term in METHOD_TERMS if term in text]
        assert not found, (where, found)
    appendix = page[page.index("id='method'"):]
    assert all(term in appendix for term in ("独立重复模拟", "配对差", "对偶价格", "优化者诅咒"))


def test_household_counts_are_whole_in_every_format(written: Path) -> None:
    """"1,102.7 户" is not a number a county files: counts of households print whole."""
    import docx
    from openpyxl import load_workbook

    # a count, not a rate ("每增加 1 万元约多稳定脱贫 0.034 户")
    counted = re.compile(r"(?<!稳定脱贫 )(?<!稳定脱贫)\d[\d,]*\.\d+ ?户(?![/（])")
    whole = (written / "proposal.html").read_text(encoding="utf-8")
    # the main text (the parameter appendix lists values, not counts)
    page = _visible_html_text(whole[whole.index("id='cover'"):whole.index("id='risks'")])
    html_text = " ".join(page)
    document = docx.Document(str(written / "proposal.docx"))
    docx_text = " ".join([p.text for p in document.paragraphs] + [
        cell.text for table in document.tables[:1] for row in table.rows for cell in row.cells])
    for where, text in (("html", html_text), ("docx", docx_text)):
        assert not counted.findall(text), (where, counted.findall(text)[:3])
    cover = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows[1:]}
    sheet = dict(row[:2] for row in load_workbook(written / "proposal.xlsx")["摘要"].iter_rows(
        min_row=2, values_only=True))
    for label in ("新增稳定脱贫户数（较无扶持）", "预期稳定脱贫户数", "户数"):
        assert "." not in cover[label], (label, cover[label])
        assert float(sheet[label]).is_integer() or \
            load_workbook(written / "proposal.xlsx")["摘要"].cell(
                row=list(sheet).index(label) + 2, column=2).number_format == "#,##0", label


def test_equity_at_risk_by_enterprise_adds_up_and_is_in_every_document(proposal,
                                                                        written: Path) -> None:
    summary = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    rows = proposal.equity_exposure()
    params = proposal.scenario.instruments.equity
    assert rows, "the tiny plan places equity"
    placed = sum(r["principal_yuan"] for r in rows)
    # the principal the plan's households hold is what the fund pays into equity (fresh
    # replications pay it whatever happens: it is a fixed outlay)
    assert placed == pytest.approx(sum(summary["outlays_by_line"]["equity_principal"].values()),
                                   rel=1e-6)
    for r in rows:
        assert r["loss_if_failed_yuan"] == pytest.approx(
            r["principal_yuan"] * (1 - params.principal_recovery_share))
        assert r["expected_loss_yuan"] == pytest.approx(
            r["loss_if_failed_yuan"] * params.failure_probability_over_term)
    worst = sum(r["loss_if_failed_yuan"] for r in rows)
    assert 0 <= proposal.equity_loss_quantile() <= worst
    assert proposal.equity_loss_quantile(1.0) == pytest.approx(worst)
    import docx
    from openpyxl import load_workbook

    document = docx.Document(str(written / "proposal.docx"))
    texts = {"html": (written / "proposal.html").read_text(encoding="utf-8"),
             "docx": "\n".join(p.text for p in document.paragraphs),
             "xlsx": " ".join(load_workbook(written / "proposal.xlsx").sheetnames)}
    for where, text in texts.items():
        assert "股权资金风险" in text, where
    assert "明股实债" in texts["html"] and "明股实债" in texts["docx"]


def test_the_comparison_chart_shows_the_confidence_interval_the_table_shows(proposal) -> None:
    from simulator import plots

    figure = plots.baseline_comparison(proposal.allocation, lang="zh")
    ax = figure.axes[0]
    from matplotlib.container import ErrorbarContainer

    whiskers = next(c for c in ax.containers if isinstance(c, ErrorbarContainer))
    segments = whiskers.lines[2][0].get_segments()
    summary = proposal.allocation.summary()
    plans = [summary, *summary["baselines"].values()]
    for segment, figures in zip(segments, plans, strict=True):
        low, high = sorted(segment[:, 0])
        assert (low, high) == pytest.approx(tuple(figures["added_stable_exits"]["ci95"]),
                                            abs=0.01)


def test_sensitivity_values_are_rounded_and_carry_their_units(proposal) -> None:
    table = proposal.sensitivity_table("zh")
    for row in table.rows:
        for value in row[1:3]:
            number = value.partition(" ")[0]
            digits = number.replace(",", "").replace(".", "").replace("-", "").lstrip("0")
            assert len(digits) <= 3 or "." not in number, value
    assert any(" " in row[1] for row in table.rows)  # a unit beside the value


def test_the_parameter_appendix_lists_assumptions_and_the_settings_stand_apart(proposal) -> None:
    from simulator.parameter_texts import parameter_text

    assumptions = {row[0] for row in proposal.assumption_table("zh").rows}
    settings = {row[0] for row in proposal.assumption_table("zh", settings=True).rows}
    assert not assumptions & settings
    for path in ("simulation.replications", "optimizer.evaluation_seed_offset"):
        name = parameter_text(path, "zh").name
        assert name in settings and name not in assumptions, path
    for path in ("instruments.pv.tariff_yuan_per_kwh", "optimizer.instruments"):
        name = parameter_text(path, "zh").name
        assert name in assumptions and name not in settings, path


def test_the_village_form_carries_the_registrys_cause_of_poverty_and_helper(proposal) -> None:
    from dataclasses import replace

    registry = proposal.allocation.registry
    n = registry.n_households
    causes = np.array(["因病", "缺劳力"] * n)[:n]
    helpers = np.array([f"帮扶人{i % 3}" for i in range(n)])
    made = replace(proposal, allocation=replace(proposal.allocation, registry=replace(
        registry, poverty_cause=causes, helper=helpers)))
    table = made.per_household_table("zh")
    cause, helper = table.columns.index("致贫原因"), table.columns.index("帮扶责任人")
    by_id = {row[2]: row for row in table.rows}
    for i, household in enumerate(registry.household_id):
        assert by_id[household][cause] == causes[i]
        assert by_id[household][helper] == helpers[i]
    assert "致贫原因" not in proposal.per_household_table("zh").columns  # none in the registry


def test_a_registry_reads_its_cause_of_poverty_and_helper(tmp_path: Path) -> None:
    from simulator.registry import load_registry

    path = tmp_path / "花名册.csv"
    path.write_text("户编号,乡镇,行政村,是否贫困村,家庭人口,劳动力人数,贫困户属性,工资性收入,"
                    "家庭经营收入,财产性收入,转移性收入,生产经营性支出,主要致贫原因,帮扶责任人\n"
                    "RY1,大桥镇,大桥1村,是,3,1,一般贫困户,0,0,0,0,0,因病,张三\n",
                    encoding="utf-8")
    registry = load_registry(path)
    assert registry.poverty_cause.tolist() == ["因病"] and registry.helper.tolist() == ["张三"]


def test_a_preview_is_marked_not_for_filing_in_every_format(proposal, written: Path,
                                                            tmp_path: Path) -> None:
    from dataclasses import replace

    import docx
    from openpyxl import load_workbook

    scenario = proposal.scenario
    preview = replace(scenario, simulation=replace(scenario.simulation, preview=True))
    made = replace(proposal, allocation=replace(proposal.allocation, scenario=preview))
    write_proposal(made, tmp_path, lang="zh")
    mark = "不可报送"
    page = (tmp_path / "proposal.html").read_text(encoding="utf-8")
    assert "id='preview-mark'" in page and mark in page.split("id='cover'")[0]
    assert mark in docx.Document(str(tmp_path / "proposal.docx")).paragraphs[0].text
    cover = dict(row[:2] for row in load_workbook(tmp_path / "proposal.xlsx")["摘要"].iter_rows(
        min_row=2, values_only=True))
    assert mark in cover["用途"]
    # a full-precision proposal carries no such mark
    assert all(mark not in text for text in _cover_texts(written).values())
