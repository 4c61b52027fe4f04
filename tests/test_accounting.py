"""Income and exit accounting: hand-computed cases and properties."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simulator.accounting import (
    NO_YEAR,
    _exit_outcomes_by_search,
    above_line,
    at_risk,
    classify_edge,
    dibao_top_up,
    exit_outcomes,
    first_true,
    household_net_income,
    line_from_growth,
    lines_by_household,
    per_capita,
    returns_after_exit,
)
from simulator.vocabulary import INCOME_SOURCES

from .conftest import DATA

CASES = tomllib.loads((DATA / "accounting_cases.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES["income"], ids=lambda c: c["name"])
def test_income_cases(case: dict) -> None:
    components = {k: np.array([float(case[k])]) for k in INCOME_SOURCES if k in case}
    net = household_net_income(components, np.array([float(case["production_expenses"])]),
                               case["counted"])
    assert net[0] == pytest.approx(case["expected_net"])
    pc = per_capita(net, np.array([case["members"]]), year_axis=False)
    assert pc[0] == pytest.approx(case["expected_per_capita"])


@pytest.mark.parametrize("case", CASES["exit"], ids=lambda c: c["name"])
def test_exit_cases(case: dict) -> None:
    above = above_line(np.array([case["per_capita"]], dtype=float), np.array(case["lines"]))
    outcome = exit_outcomes(above, case["window"])
    assert outcome.exit_year[0] == case["exit_year"]
    assert outcome.stable[0] == case["stable"]
    assert outcome.returned[0] == case["returned"]
    assert outcome.return_year[0] == case["return_year"]
    assert outcome.unconfirmed[0] == case["unconfirmed"]


def test_line_from_growth_matches_ruyuan() -> None:
    lines = line_from_growth(7365, 2018, 0.07, [2016, 2017, 2018, 2019])
    assert lines == pytest.approx([7365 / 1.07**2, 7365 / 1.07, 7365, 7365 * 1.07])


def test_unknown_income_source_is_rejected() -> None:
    with pytest.raises(ValueError, match="loan_principal"):
        household_net_income({"loan_principal": np.ones(1)}, np.zeros(1), ["wages"])


def test_per_capita_divides_each_household_by_its_members() -> None:
    net = np.array([[1000.0, 2000.0], [900.0, 300.0]])  # households × years
    assert per_capita(net, np.array([2, 3])).tolist() == [[500, 1000], [300, 100]]
    with pytest.raises(ValueError):
        per_capita(net, np.array([0, 3]))


def test_dibao_top_up_raises_only_covered_households_to_the_standard() -> None:
    income = np.array([[1000.0, 5000.0], [1000.0, 5000.0]], dtype=np.float32)  # hh × years
    standard = np.array([[3000.0, 3000.0], [3000.0, 3000.0]], dtype=np.float32)
    topped = dibao_top_up(income, np.array([True, False]), standard)
    assert topped.tolist() == [[3000, 5000], [1000, 5000]]
    assert topped.dtype == np.float32


def test_each_household_is_judged_against_its_own_line() -> None:
    lines = lines_by_household(np.array([True, False]), np.array([2952.0, 3146.0]),
                               np.array([2800.0, 2900.0]))
    assert lines.tolist() == [[2800, 2900], [2952, 3146]]


def test_float32_income_keeps_its_precision() -> None:
    income = np.array([[2952.7]], dtype=np.float32)
    assert per_capita(income, np.array([1])).dtype == np.float32
    assert household_net_income({"wages": income}, np.zeros((1, 1), np.float32),
                                ["wages"]).dtype == np.float32
    # compared in float32, as the engine stores it: exactly at a float32 line is at the line
    assert above_line(income, np.array([2952.7], dtype=np.float32)).all()


def test_edge_classification() -> None:
    income = np.array([3000.0, 3335.0, 3999.0, 4000.0, 3600.0, 3600.0])
    categories = np.array(["general", "edge", "edge", "edge", "dibao", "wubao"])
    edge = classify_edge(income, categories, registration_line=3335, edge_ceiling=4000)
    assert edge.tolist() == [False, True, True, False, False, False]


def test_at_risk_band() -> None:
    flags = at_risk(np.array([[3000, 4000, 5999, 6000]]), np.array([4000] * 4), 1.5)
    assert flags.tolist() == [[False, True, True, False]]


# --- properties -------------------------------------------------------------------------------

flags = arrays(bool, st.tuples(st.integers(1, 6), st.integers(1, 8)))


@given(flags, st.integers(0, 4))
@settings(max_examples=300, deadline=None)
def test_outcomes_partition_the_exited(above: np.ndarray, window: int) -> None:
    outcome = exit_outcomes(above, window)
    exited = outcome.exited
    assert np.array_equal(exited, above.any(axis=-1))
    parts = outcome.stable.astype(int) + outcome.returned + outcome.unconfirmed
    assert np.array_equal(parts, exited.astype(int))


@given(flags, st.integers(0, 4))
@settings(max_examples=300, deadline=None)
def test_outcomes_match_their_definitions(above: np.ndarray, window: int) -> None:
    outcome = exit_outcomes(above, window)
    n_years = above.shape[-1]
    for h in range(above.shape[0]):
        row = above[h]
        e = outcome.exit_year[h]
        if e == NO_YEAR:
            assert not row.any()
            continue
        assert row[e] and not row[:e].any()
        in_window = row[e:e + window + 1]
        assert outcome.stable[h] == (e + window < n_years and in_window.all())
        below_after = np.flatnonzero(~row[e:]) + e
        expected_return = below_after[0] if len(below_after) else NO_YEAR
        assert outcome.return_year[h] == expected_return
        assert outcome.returned[h] == (expected_return != NO_YEAR
                                       and expected_return <= e + window)


@given(arrays(float, st.tuples(st.integers(1, 5), st.integers(1, 6)),
              elements=st.floats(0, 20_000)),
       arrays(float, st.integers(1, 6), elements=st.floats(0, 10_000)),
       st.floats(0, 5_000), st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_more_income_never_delays_exit(
        income: np.ndarray, lines: np.ndarray, raise_by: float, window: int) -> None:
    n = min(income.shape[1], len(lines))
    income, lines = income[:, :n], lines[:n]
    low = exit_outcomes(above_line(income, lines), window)
    high = exit_outcomes(above_line(income + raise_by, lines), window)
    exited = low.exited
    assert np.all(high.exited[exited])
    assert np.all(high.exit_year[exited] <= low.exit_year[exited])
    # With the exit year unchanged, a stable exit stays stable. (An earlier exit can fall back:
    # stability is judged from the first exit, as the official rule does.)
    same_year = low.exit_year == high.exit_year
    assert np.all(high.stable[same_year & low.stable])


@given(arrays(float, st.tuples(st.integers(1, 4), st.integers(1, 5)),
              elements=st.floats(0, 50_000)),
       arrays(float, st.tuples(st.integers(1, 4), st.integers(1, 5)),
              elements=st.floats(0, 50_000)))
@settings(max_examples=200, deadline=None)
def test_uncounted_sources_change_nothing(wages: np.ndarray, reward: np.ndarray) -> None:
    reward = np.resize(reward, wages.shape)
    expenses = np.full(wages.shape, 100.0)
    without = household_net_income({"wages": wages}, expenses, ["wages"])
    with_reward = household_net_income({"wages": wages, "household_reward": reward}, expenses,
                                       ["wages"])
    assert np.array_equal(without, with_reward)


@given(arrays(bool, st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 6))),
       st.integers(0, 3))
@settings(max_examples=100, deadline=None)
def test_leading_axes_are_independent(above: np.ndarray, window: int) -> None:
    together = exit_outcomes(above, window)
    for r in range(above.shape[0]):
        alone = exit_outcomes(above[r], window)
        assert np.array_equal(together.stable[r], alone.stable)
        assert np.array_equal(together.exit_year[r], alone.exit_year)


@given(arrays(bool, st.tuples(st.integers(1, 5), st.integers(1, 9))))
def test_first_true(values: np.ndarray) -> None:
    first = first_true(values)
    for h, row in enumerate(values):
        hits = np.flatnonzero(row)
        assert first[h] == (hits[0] if len(hits) else NO_YEAR)


@pytest.mark.parametrize("n_years", [1, 5, 9, 16, 17])
@pytest.mark.parametrize("window", [0, 1, 3])
def test_outcomes_read_from_the_pattern_table_equal_the_search(n_years: int, window: int
                                                               ) -> None:
    above = np.random.default_rng(n_years * 10 + window).random((7, 300, n_years)) < 0.6
    fast = exit_outcomes(above, window)
    slow = _exit_outcomes_by_search(above, window)
    for name in ("exit_year", "return_year", "stable", "returned", "unconfirmed"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
        assert getattr(fast, name).shape == (7, 300)


def test_returns_after_exit_counts_the_follow_up_year_only() -> None:
    # five simulated years; exit year → first year back below the line (-1: none)
    exit_year = np.array([0, 0, 1, 2, 4, -1, 0])
    return_year = np.array([1, -1, 3, 3, -1, -1, 2])
    returned, exposed = returns_after_exit(exit_year, return_year, n_years=5)
    # the last exit (year 4) has no follow-up year simulated; -1 never exited
    assert exposed.tolist() == [True, True, True, True, False, False, True]
    assert returned.tolist() == [True, False, False, True, False, False, False]
    second, exposed_2 = returns_after_exit(exit_year, return_year, n_years=5,
                                           years_after_exit=2)
    # a household back below the line in its first follow-up year is no longer at risk
    assert exposed_2.tolist() == [False, True, True, False, False, False, True]
    assert second.tolist() == [False, False, True, False, False, False, True]


def test_the_pattern_of_years_above_the_line_is_read_either_way() -> None:
    from simulator.accounting import above_line, above_pattern, pattern_above_line

    rng = np.random.default_rng(3)
    for years in (5, 12):
        income = rng.uniform(0, 2, (4, 7, years)).astype(np.float32)
        lines = rng.uniform(0.5, 1.5, (7, years))
        lines[0] = income[0, 0]  # exactly on the line counts as above
        assert np.array_equal(pattern_above_line(income, lines),
                              above_pattern(above_line(income, lines[None])))
