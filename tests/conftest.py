"""Shared fixtures: tiny scenarios and registries, and a CLI runner."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.population import generate_population
from simulator.registry import Registry
from simulator.scenario import Scenario, load_scenario

DATA = Path(__file__).parent / "data"

TINY_SCENARIO = """
name = "tiny"
county = "测试县"

[horizon]
start_year = 2016
years = 4
plan_years = 2

[budget]
yearly_yuan = [1_000_000, 1_000_000]

[policy]
exit_targets_share_of_people = [0.5, 0.5]

[optimizer]
frontier_budget_factors = [0.5, 1.0, 2.0]  # three levels keep the many tiny proposals quick

[population.synthetic]
id_prefix = "T"
disabled_households = 10
people_in_disabled_households = 30
ill_households = 20
ill_people = 25
housing_renovation_households = 15

[[population.synthetic.strata]]
category = "general"
with_labour = true
households = 40
people = 150

[[population.synthetic.strata]]
category = "dibao"
with_labour = false
households = 20
people = 35

[[population.synthetic.townships]]
name = "甲镇"
villages = 3
poor_villages = 1

[[population.synthetic.townships]]
name = "乙镇"
villages = 2
poor_villages = 0
"""


@pytest.fixture
def tiny_scenario_path(tmp_path: Path) -> Path:
    """A small valid scenario file (60 households) in a temporary directory."""
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_SCENARIO, encoding="utf-8")
    return path


@pytest.fixture
def tiny_scenario(tiny_scenario_path: Path) -> Scenario:
    return load_scenario(tiny_scenario_path)


@pytest.fixture
def tiny_registry(tiny_scenario: Scenario) -> Registry:
    return generate_population(tiny_scenario, seed=7)


@pytest.fixture(scope="session")
def ruyuan() -> Scenario:
    return load_scenario("ruyuan-2016")


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliResult:
    """Run ``tuopin`` in-process and capture its exit code and output."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in args])
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    return run_cli
