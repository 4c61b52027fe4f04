"""Careless input never crashes tuopin: any scenario value, registry cell or plan cell gives
exit 0 with a result, or exit 1 with a message naming where the problem is — never a traceback
(exit 2).

The default profile keeps to a few seconds; ``-m slow`` runs many more examples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.errors import TuopinError
from simulator.packages import load_plan
from simulator.registry import load_registry, write_registry
from simulator.scenario.loader import settable_paths

from .conftest import run_cli

PATHS = sorted(settable_paths())

NASTY_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "nan", "inf", "-inf", "1e400", "-0", "0x10", "1,5", "1.234,5",
                     "=1+1", "@x", "是", "否", "一般贫困户", "\x00", "\u200b", "ＲＹ１",
                     "$\\frac{$", "\"", "'", "\n", "99999999999999999999999"]),
    st.integers(min_value=-10**25, max_value=10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
"""Cell and value texts a hurried user, a foreign Excel or a broken export produces."""

TOML_VALUES = st.one_of(
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(
        lambda x: "nan" if x != x else ("inf" if x == float("inf") else
                                        "-inf" if x == float("-inf") else repr(x))),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.text(max_size=20).map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"'),
    st.lists(st.integers(min_value=-5, max_value=10**9), max_size=4).map(
        lambda xs: "[" + ", ".join(map(str, xs)) + "]"),
    NASTY_TEXT,
)
"""Values as written after ``--set path=`` (TOML, or bare text)."""

PROFILE = settings(max_examples=int(os.environ.get("TUOPIN_FUZZ_EXAMPLES", "25")),
                   deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])


@PROFILE
@given(path=st.sampled_from(PATHS), value=TOML_VALUES)
def test_any_scenario_value_is_accepted_or_located(tiny_scenario_path: Path, path: str,
                                                   value: str) -> None:
    result = run_cli("simulate", tiny_scenario_path, "--reps", "2", "--set", f"{path}={value}",
                     "-o", tiny_scenario_path.parent / "fuzz-out")
    assert result.exit_code in (0, 1), result.stderr
    if result.exit_code == 1:
        assert path.split(".")[0] in result.stderr or "--set" in result.stderr, result.stderr


@PROFILE
@given(row=st.integers(min_value=0, max_value=59), column=st.integers(min_value=0, max_value=15),
       cell=NASTY_TEXT)
def test_any_registry_cell_is_accepted_or_located(tmp_path_factory, tiny_registry, row: int,
                                                  column: int, cell: str) -> None:
    directory = tmp_path_factory.mktemp("registry")
    original = write_registry(tiny_registry, directory / "h.csv")
    lines = original.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[row + 1].split(",")
    cells[column] = cell
    lines[row + 1] = ",".join(cells)
    path = directory / "fuzzed.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        registry = load_registry(path)
    except TuopinError as error:
        assert all(str(path) in str(p) for p in error.problems), str(error)
        assert any(("row" in p.where or "header" in p.where or not p.where)
                   for p in error.problems)
    else:
        assert registry.n_households in (59, 60)


@PROFILE
@given(package=NASTY_TEXT)
def test_any_plan_cell_is_accepted_or_located(tmp_path_factory, tiny_scenario, tiny_registry,
                                              package: str) -> None:
    path = tmp_path_factory.mktemp("plan") / "plan.csv"
    ids = tiny_registry.household_id.tolist()
    cells = [package.replace(",", "").replace("\n", "") if i == 0 else "none"
             for i in range(len(ids))]
    path.write_text("household_id,package\n" + "".join(
        f"{h},{c}\n" for h, c in zip(ids, cells, strict=True)), encoding="utf-8")
    try:
        plan = load_plan(path, tiny_registry, tiny_scenario)
    except TuopinError as error:
        assert "row 2, column package" in str(error) or "plan.csv" in str(error), str(error)
    else:
        assert len(plan.assignment) == len(ids)


@pytest.mark.slow
def test_the_long_fuzz_profile(tiny_scenario_path: Path, tmp_path: Path) -> None:
    """The three fuzz tests with many more examples, in a fresh process."""
    import subprocess
    import sys

    here = Path(__file__).resolve()
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(here),
         "-k", "accepted_or_located", "-m", "not slow"],
        env={**os.environ, "TUOPIN_FUZZ_EXAMPLES": "250"}, capture_output=True, text=True,
        cwd=here.parent.parent, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:]
