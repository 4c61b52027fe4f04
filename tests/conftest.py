"""Shared fixtures: tiny scenarios and registries, and a CLI runner."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.interventions.contract import CONTRACT_SCENARIO
from simulator.population import generate_population
from simulator.registry import Registry
from simulator.scenario import Scenario, load_scenario

DATA = Path(__file__).parent / "data"

WITHOUT_ASSISTANCE = ['safety_net.covers="without_labour"', "prevention.start_year=2100",
                      "prevention.remaining_poor_from_year=2100"]
"""Overrides that leave households with their own income: the dibao top-up only for households
without labour and no 防返贫 help (from after the horizon) — for tests that read one mechanism's
effect off per-capita incomes."""

TINY_SCENARIO = CONTRACT_SCENARIO
"""A small valid scenario (60 households): the one every instrument's contract is checked on."""


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


SESSION_ENVIRONMENT = {
    "TUOPIN_CACHE": "off",
    "TUOPIN_LANG": "en",
}
"""The environment of the whole suite: the commands keep no engine runs (each test simulates
what it checks, and nothing is written into the user's cache folder), and speak English (a
developer's Chinese locale would otherwise change their messages) — unless a test asks."""


@pytest.fixture(autouse=True, scope="session")
def session_environment():
    with pytest.MonkeyPatch.context() as patch:
        for name, value in SESSION_ENVIRONMENT.items():
            patch.setenv(name, value)
        yield


PROVOKED: list = []
"""Every problem of every user error the suite's runs of tuopin raised (errors a test raises
itself, to fake a fault, are left out): the Chinese catalogue is checked against them all."""

LAST_TESTS = ("test_every_error_the_suite_provoked_reads_in_chinese",)
"""Tests that read what the whole suite did, so they run last."""


@pytest.fixture(autouse=True, scope="session")
def record_user_errors():
    """Record the problems of every :class:`TuopinError` raised by tuopin's own code."""
    from simulator import errors

    original = errors.TuopinError.__init__
    package = str(Path(errors.__file__).parent)

    def recording(self, problems, source=""):
        original(self, problems, source)
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_name == "__init__":  # subclasses' own
            frame = frame.f_back
        if frame is not None and frame.f_code.co_filename.startswith(package):
            PROVOKED.extend(self.problems)

    errors.TuopinError.__init__ = recording
    yield PROVOKED
    errors.TuopinError.__init__ = original


def pytest_collection_modifyitems(items: list) -> None:
    items.sort(key=lambda item: item.name in LAST_TESTS)


@pytest.fixture
def provoked_errors(record_user_errors) -> list:
    return record_user_errors


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def proposal(tmp_path_factory):
    """The tiny scenario's proposal (6 replications), shared by the document tests."""
    from simulator.proposal import propose

    path = tmp_path_factory.mktemp("proposal") / "tiny.toml"
    path.write_text(TINY_SCENARIO, encoding="utf-8")
    return propose(load_scenario(path), reps=6, sensitivity_reps=4)


@pytest.fixture(scope="session")
def written(proposal, tmp_path_factory) -> Path:
    """The tiny proposal written in Chinese, every default format."""
    from simulator.proposal import write_proposal

    out = tmp_path_factory.mktemp("written")
    write_proposal(proposal, out, lang="zh")
    return out
