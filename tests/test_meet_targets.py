"""The goal "targets": the least-cost plan meeting the yearly exit targets, or the cheapest
additions of money and capacity that would — and the additions, applied with --set, do."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulator.optimizer.meet_targets import Addition, _toml
from simulator.optimizer.sampling import required_share
from simulator.scenario import load_scenario
from simulator.scenario.loader import parse_override

from .conftest import TINY_SCENARIO

REPS = "200"
TIGHT = ("policy.exit_targets_share_of_people=[0.4,0.2]",
         "budget.yearly_yuan=[200000,100000]",
         "capacities.job_slots_per_year=3",
         "capacity_costs.job_slots_per_year=5000")
"""The tiny scenario with targets within reach, but not within its budgets and job slots."""


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("targets") / "tiny.toml"
    path.write_text(TINY_SCENARIO, encoding="utf-8")
    return path


def _targets(cli, path: Path, out: Path, overrides) -> dict:
    args = ["optimize", path, "--goal", "targets", "--reps", REPS, "-o", out, "--json"]
    for text in overrides:
        args += ["--set", text]
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_the_additions_applied_with_set_meet_the_targets(cli, tiny_path, tmp_path) -> None:
    first = _targets(cli, tiny_path, tmp_path / "first", TIGHT)
    targets = first["targets"]
    assert first["goal"] == "targets"
    assert not targets["met_within_limits"] and targets["reachable"]
    fields = {a["field"] for a in targets["additions"]}
    assert "capacities.job_slots_per_year" in fields and "budget.yearly_yuan" in fields
    slots = next(a for a in targets["additions"] if a["field"] == "capacities.job_slots_per_year")
    assert slots["after"] > slots["before"] == 3
    assert slots["cost_yuan"] == pytest.approx(5000 * (slots["after"] - slots["before"]))
    # the plan is judged with the additions made: its budgets are the raised ones
    money = next(a for a in targets["additions"] if a["field"] == "budget.yearly_yuan")
    assert list(first["budgets_yuan"].values()) == money["after"]

    second = _targets(cli, tiny_path, tmp_path / "second", [*TIGHT, *targets["set"]])
    again = second["targets"]
    assert again["met_within_limits"] and not again["additions"]
    required = required_share(again["confidence"], int(REPS))
    for year in again["by_year"].values():
        assert year["met_within_limits"] and not year["out_of_reach"]
        assert year["in_sample_share_met"] >= required
        # on fresh replications the plan meets each target about as often as asked
        assert year["fresh_share_met"] >= again["confidence"] - 0.05


def test_a_target_beyond_any_allocation_is_named_with_what_can_be_reached(
        cli, tiny_path, tmp_path) -> None:
    """Every registered person out by the second year: some households cannot exit whatever
    they are given, so the plan comes as close as it can and says how close is possible."""
    out = tmp_path / "all"
    result = cli("optimize", tiny_path, "--goal", "targets", "--reps", "40", "-o", out,
                 "--set", "policy.exit_targets_share_of_people=[0.5,0.5]")
    assert result.exit_code == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    last = list(summary["targets"]["by_year"].values())[-1]
    assert last["out_of_reach"] and last["reachable_people"] < last["target_people"]
    assert not summary["targets"]["reachable"]
    assert "out of reach: the most any allocation has exited by then is" in result.stdout


def test_frontier_goes_with_the_stable_exit_goal(cli, tiny_path, tmp_path) -> None:
    result = cli("optimize", tiny_path, "--goal", "targets", "--frontier", "-o", tmp_path)
    assert result.exit_code == 1
    assert "--frontier" in result.stderr and "--goal exits" in result.stderr


def test_an_addition_reads_back_as_the_value_it_sets(tiny_path) -> None:
    """The --set text of every kind of addition parses to the value it stands for."""
    scenario = load_scenario(tiny_path, ["instruments.equity.enterprises=[{name = \"甲\", "
                                         "absorption_yuan = 1000000}, {name = \"乙\", "
                                         "absorption_yuan = 2000000, dividend_rate = 0.08}]"])
    enterprises = scenario.instruments.equity.enterprises
    for value in ((510000.0, 230000.5), 37, 44160.0, enterprises):
        path, parsed = parse_override(f"x.y={_toml(value)}")
        assert path == "x.y"
        if value is enterprises:
            assert [e["absorption_yuan"] for e in parsed] == [1_000_000, 2_000_000]
            assert parsed[1]["dividend_rate"] == 0.08 and "dividend_rate" not in parsed[0]
        else:
            assert np.allclose(parsed, value)
    addition = Addition("instruments.equity.enterprises", enterprises, enterprises, 0.0, 0.0)
    raised = load_scenario(tiny_path, [addition.set_argument()])
    assert raised.instruments.equity.enterprises == enterprises


def test_the_sampling_allowance_shrinks_with_replications() -> None:
    assert required_share(0.95, 40) > 39 / 40  # at 40 replications: every one of them
    assert 0.95 < required_share(0.95, 200) < required_share(0.95, 100) < 1.0
    assert required_share(0.5, 4) == 0.75


def test_the_proposal_says_what_meeting_the_targets_takes(tiny_path) -> None:
    from simulator.proposal import propose

    scenario = load_scenario(tiny_path, ["optimizer.goal=\"targets\"", *TIGHT])
    proposal = propose(scenario, reps=int(REPS), sensitivity_reps=2)
    summary = proposal.allocation.summary()
    texts = proposal.goal_texts(summary, "zh")
    assert texts[0].startswith("本方案按「完成脱贫目标、成本最低」编制")
    assert sum("需追加下列资金和能力才能完成" in t for t in texts) >= 1
    additions = next(t for t in texts if t.startswith("完成目标所需的最省追加"))
    slots = next(a for a in summary["targets"]["additions"]
                 if a["field"] == "capacities.job_slots_per_year")
    assert f"年度新增岗位上限由 3 增至 {slots['after']}" in additions
    assert "年度预算由" in additions
    english = proposal.goal_texts(summary, "en")
    assert english[0].startswith("This plan is made to meet the exit targets at least cost")
