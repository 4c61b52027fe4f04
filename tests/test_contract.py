"""The instrument contract checked on every registered module, each known mistake caught with a
message that names the fix, and a newly registered instrument that moves no existing scenario."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.interventions import INSTRUMENTS, employment, industry, pv, relocation
from simulator.interventions.base import Assumption, Line
from simulator.interventions.contract import check_instrument, unlisted_modules
from simulator.schema import param

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("module", INSTRUMENTS, ids=lambda m: m.KEY)
def test_every_registered_instrument_keeps_the_contract(module) -> None:
    assert [str(p) for p in check_instrument(module)] == []


def test_every_instrument_module_in_the_package_is_listed() -> None:
    assert unlisted_modules() == []


def _messages(module) -> str:
    return "\n".join(str(p) for p in check_instrument(module))


def test_a_module_written_but_not_listed_is_named(tmp_path) -> None:
    text = (ROOT / "simulator/interventions/industry.py").read_text(encoding="utf-8")
    (tmp_path / "village_posts.py").write_text(text.replace('KEY = "industry"',
                                                            'KEY = "village_posts"'), "utf-8")
    shutil.copy(ROOT / "simulator/interventions/base.py", tmp_path / "base.py")
    problems = [str(p) for p in unlisted_modules(tmp_path)]
    assert len(problems) == 1
    assert "village_posts.py declares instrument 'village_posts'" in problems[0]
    assert "add village_posts to INSTRUMENTS" in problems[0]


def test_a_capacity_with_no_rows_is_named(monkeypatch) -> None:
    monkeypatch.setattr(employment, "capacity_rows", lambda cands: [])
    assert "capacities.job_slots_per_year is declared but setting it adds no row" \
        in _messages(employment)


def test_a_cost_of_another_instruments_limit_is_named(monkeypatch) -> None:
    kind, spec, _limit = employment.CAPACITY_COSTS["job_slots_per_year"]
    monkeypatch.setattr(employment, "CAPACITY_COSTS", {
        "job_slots_per_year": (kind, spec, "capacities.pv_land_kw")})
    assert "capacity_costs.job_slots_per_year prices 'capacities.pv_land_kw', which is " \
        "neither one of its capacities" in _messages(employment)


def test_a_random_source_shared_with_another_instrument_is_named(monkeypatch) -> None:
    """industry draws its verification from employment's job-search numbers: every household
    that finds a job would pass verification."""
    original = industry.process

    class Renaming:
        def __init__(self, block) -> None:
            self._block = block

        def __getattr__(self, name):
            return getattr(self._block, name)

        def uniforms(self, source, *args, **kwargs):
            return self._block.uniforms("job_search" if source == "industry" else source,
                                        *args, **kwargs)

    monkeypatch.setattr(industry, "process", lambda block, owner, start, scenario:
                        original(Renaming(block), owner, start, scenario))
    messages = _messages(industry)
    assert "draws random source 'job_search', which employment also draw(s)" in messages
    assert "name it after the instrument (e.g. 'industry_job_search')" in messages


def test_a_sensitivity_path_typo_is_named(monkeypatch) -> None:
    typo = Assumption("instruments.pv.tarif_yuan_per_kwh", "电价", "tariff", 0.9, 1.1, True,
                      "guess", "估计")
    monkeypatch.setattr(pv, "SENSITIVITY", (*pv.SENSITIVITY, typo))
    messages = _messages(pv)
    assert "SENSITIVITY path 'instruments.pv.tarif_yuan_per_kwh' is not a scenario field" \
        in messages
    assert "instruments.pv.tariff_yuan_per_kwh" in messages  # did you mean


def test_a_process_that_ignores_its_start_month_is_named(monkeypatch) -> None:
    original = industry.process
    monkeypatch.setattr(industry, "process", lambda block, owner, start, scenario:
                        original(block, owner, 0, scenario))
    messages = _messages(industry)
    assert "starting in the second plan year changes incomes in the first" in messages
    assert "books 'household_rewards' in the first plan year" in messages


def test_a_budget_line_key_that_clashes_with_another_instruments_is_named(monkeypatch) -> None:
    clash = Line("公益岗位工资", "public-post wages", "wages of public-welfare posts")
    monkeypatch.setattr(relocation, "LINES", {**relocation.LINES, "training": clash})
    messages = _messages(relocation)
    assert "budget line 'training' is also employment's, named 订单式培训" in messages
    assert "give it a key of its own (e.g. 'relocation_training')" in messages


def test_a_parameter_without_chinese_text_is_named(monkeypatch) -> None:
    extended = dataclasses.make_dataclass(
        "Parameters", [("site_distance_km", float, param(
            5.0, unit="km", ge=0, doc="Distance to the resettlement site.", source="guess"))],
        bases=(relocation.Parameters,), frozen=True)
    monkeypatch.setattr(relocation, "Parameters", extended)
    assert "instruments.relocation.site_distance_km has no Chinese text: add zh=dict(" \
        in _messages(relocation)


def test_support_that_stops_after_exit_is_named(monkeypatch) -> None:
    """A PV plant whose returns stop after two years: support must continue after exit."""
    original = pv.process

    def two_years(block, owner, start, scenario):
        process = original(block, owner, start, scenario)
        for event in process:
            if block.year >= 2:
                return
            yield event

    monkeypatch.setattr(pv, "process", two_years)
    assert "its income 'pv_returns' is no longer paid in the horizon's last year" \
        in _messages(pv)


def test_missing_declarations_are_named(monkeypatch) -> None:
    monkeypatch.delattr(industry, "ZERO_EFFECT")
    assert "does not declare ZERO_EFFECT" in _messages(industry)


TOY = '''"""A toy instrument: a village post paying a monthly wage (registered only by a test)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.calendar import FLOAT
from simulator.interventions.base import Line, Source
from simulator.schema import param

KEY = "toy_posts"
LABEL = "toy village posts"
LABEL_ZH = "试验公益岗位"
INCOME_SOURCES = ("toy_post_wages",)
SOURCES = {"toy_post_wages": Source("wages", "wages of a toy post", zh="试验岗位工资")}
LINES = {"toy_post_pay": Line("试验岗位工资", "toy post wages", "wages paid by the fund")}
BRINGS_IN_BY_ORGANISATION = False
ZERO_EFFECT = ("instruments.toy_posts.wage_yuan_per_month=0",)
SENSITIVITY = ()


@dataclass(frozen=True)
class Parameters:
    wage_yuan_per_month: float = param(
        600.0, unit="yuan/month", ge=0, doc="Wage of the post.", source="guess",
        zh={"name": "岗位月工资", "unit": "元/月", "meaning": "岗位每月工资。",
            "source": "估计"})


def parameters(scenario):
    return scenario.instruments.toy_posts


def eligible(households, scenario):
    return np.asarray(households.laborers) > 0


def process(block, owner, start_month, scenario):
    wage = FLOAT(parameters(scenario).wage_yuan_per_month)
    yield from block.at(start_month, "instruments")
    while True:
        block.add_income(owner, "toy_post_wages", np.full(block.shape, wage, dtype=FLOAT))
        block.pay(owner, "toy_post_pay", np.full(block.shape, wage, dtype=FLOAT))
        if block.month + 1 >= block.months:
            return
        yield block.tick("instruments")


def capacity_rows(cands):
    return []
'''


def _registering_the_toy(tree: Path) -> Path:
    """A copy of the package with the toy module written and listed (one module, one list
    line), as a contributor adds an instrument."""
    shutil.copytree(ROOT / "simulator", tree / "simulator",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "scenarios", tree / "scenarios")
    (tree / "simulator/interventions/toy_posts.py").write_text(TOY, encoding="utf-8")
    init = tree / "simulator/interventions/__init__.py"
    text = init.read_text(encoding="utf-8")
    listed = re.search(r"complete\(m\) for m in \(([^)]*)\)\)", text)
    imported = re.search(r"from simulator\.interventions import ([^\n]*)\n", text)
    assert listed and imported
    text = text.replace(listed.group(0), listed.group(0)[:-2] + ", toy_posts))")
    text = text.replace(imported.group(0), imported.group(0)[:-1] + ", toy_posts\n")
    init.write_text(text, encoding="utf-8")
    return tree


def _allocation(tree: Path, scenario: Path, out: Path) -> bytes:
    command = [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
               "from simulator.cli import entry_point; sys.argv = ['tuopin', *sys.argv[2:]]; "
               "entry_point()", str(tree), "optimize", str(scenario), "--reps", "3",
               "--seed", "5", "-o", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return (out / "allocation.csv").read_bytes()


@pytest.mark.slow
def test_registering_a_new_instrument_moves_no_bundled_scenario(tmp_path) -> None:
    toy = _registering_the_toy(tmp_path / "toy")
    check = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
         "from simulator.interventions import BY_KEY, toy_posts; "
         "from simulator.interventions.contract import check_instrument; "
         "assert 'toy_posts' in BY_KEY; print(check_instrument(toy_posts))", str(toy)],
        capture_output=True, text=True, timeout=300)
    assert check.returncode == 0 and check.stdout.strip() == "[]", check.stderr[-3000:]
    for scenario in sorted((ROOT / "scenarios").glob("*.toml")):
        before = _allocation(ROOT, scenario, tmp_path / "before" / scenario.stem)
        after = _allocation(toy, toy / "scenarios" / scenario.name,
                            tmp_path / "after" / scenario.stem)
        assert after == before, scenario.name
