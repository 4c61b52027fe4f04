"""Simulated figures that can be set beside published ones.

Each figure is computed per replication from a plan run (:class:`SimulationResult` with one
option), so its mean and 95 % interval across replications can be compared with a published
value. Exits and returns are the county's — on incomes after its 防返贫 help, as published
figures count them. Published figures are about people, households and calendar years as
statistics offices count them; each function says exactly what it counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from simulator.accounting import NO_YEAR, ExitOutcome, lines_by_household, return_rate
from simulator.results import SimulationResult
from simulator.vocabulary import INCOME_CATEGORIES, REGISTERED_CATEGORIES


def _registered(result: SimulationResult) -> np.ndarray:
    return np.isin(result.registry.category, REGISTERED_CATEGORIES)


def _outcome(result: SimulationResult) -> ExitOutcome:
    """The run's exits and returns as published figures count them: on what households have,
    the county's 防返贫 help included (:meth:`SimulationResult.outcome_with_help`)."""
    return result.outcome_with_help()


def _year_index(result: SimulationResult, year: int) -> int:
    years = [int(y) for y in result.years]
    if year not in years:
        raise ValueError(f"year {year} is not simulated ({years[0]}–{years[-1]})")
    return years.index(year)


def exit_share_of_people(result: SimulationResult, year: int) -> np.ndarray:
    """(R,) share of registered people whose household first exits in ``year`` [share].

    Plans and reports count exits in people (脱贫人口); a household's members exit together.
    """
    registered = _registered(result)
    size = result.registry.size * registered
    exited = _outcome(result).exit_year == _year_index(result, year)  # (R, H)
    return (exited * size[None, :]).sum(axis=1) / max(int(size.sum()), 1)


def return_rate_after_exit(result: SimulationResult, years_after_exit: int) -> np.ndarray:
    """(R,) share of households that exited by income and fall back below the line
    ``years_after_exit`` years after their exit year, among those still out of poverty at the
    start of that year (a hazard, pooled over exit years whose follow-up year is simulated)
    [share]."""
    outcome = _outcome(result)
    return return_rate(outcome.exit_year, outcome.return_year, len(result.years),
                       result.judged_by_income, years_after_exit)


def return_rate_in_year(result: SimulationResult, year: int) -> np.ndarray:
    """(R,) share of households that had exited by income before ``year`` and were still out of
    poverty at its start that fall back below the line in ``year`` [share]."""
    y = _year_index(result, year)
    outcome = _outcome(result)
    exit_year = outcome.exit_year.astype(np.int64)
    return_year = outcome.return_year.astype(np.int64)
    at_risk = result.judged_by_income[None, :] & (exit_year != NO_YEAR) & (exit_year < y) \
        & ((return_year == NO_YEAR) | (return_year >= y))
    return (at_risk & (return_year == y)).sum(axis=1) / np.maximum(at_risk.sum(axis=1), 1)


def return_rate_change(result: SimulationResult, years_after_exit: int) -> np.ndarray:
    """(R,) the return rate ``years_after_exit`` years after exit minus the rate a year earlier
    (negative: returns fall as exits age) [share]."""
    return (return_rate_after_exit(result, years_after_exit)
            - return_rate_after_exit(result, years_after_exit - 1))


def return_rate_after_exit_through(result: SimulationResult, years_after_exit: int,
                                   year: int) -> np.ndarray:
    """(R,) :func:`return_rate_after_exit` pooled only over exits whose follow-up year is
    ``year`` or earlier — the years before a mechanism that starts later (防返贫 help) [share]."""
    last = _year_index(result, year)
    outcome = _outcome(result)
    exit_year = outcome.exit_year.astype(np.int64)
    early = (exit_year != NO_YEAR) & (exit_year + years_after_exit <= last)
    return return_rate(np.where(early, exit_year, NO_YEAR), outcome.return_year,
                       len(result.years), result.judged_by_income, years_after_exit)


def below_line_share_of_people(result: SimulationResult, year: int) -> np.ndarray:
    """(R,) share of registered people whose household's counted per-capita income is below
    its line in ``year`` (the exit line; the safety-net line for safety-net households), after
    every support the run simulates [share]."""
    if result.per_capita is None:
        raise ValueError("per-capita incomes are kept for plan runs only")
    registered = _registered(result)
    size = result.registry.size * registered
    y = _year_index(result, year)
    lines = lines_by_household(result.by_safety_net, result.scenario.lines_yuan_per_capita,
                               result.scenario.safety_net_lines_yuan_per_capita)[:, y]
    below = result.per_capita[0][:, :, y] < lines[None, :]
    return (below * size[None, :]).sum(axis=1) / max(int(size.sum()), 1)


def prevention_helped_share(result: SimulationResult, year: int) -> np.ndarray:
    """(R,) registered households helped by 防返贫 monitoring in ``year`` as a share of the
    registered households that had exited before it [share]."""
    share = result.helped_share_of_exited()
    if share is None:
        raise ValueError("households helped are kept per replication for plan runs only")
    return share[:, _year_index(result, year)]


def labour_share_smallest_rise(result: SimulationResult, year: int) -> np.ndarray:
    """(R,) the yearly change in the share of labour income (wages and net business income) in
    registered households' income, in the year from ``year`` to the last simulated one whose
    change is smallest on average [share]: its mean is positive when the expected share rises
    every year. (The year is chosen on the mean over replications: a published direction is of
    millions of households, and the smallest of each replication's noisy changes would be
    biased low.)"""
    if result.income_by_category is None:
        raise ValueError("income by component is kept for plan runs only")
    first = _year_index(result, year)
    by_component = result.income_by_category[:, first:, :]  # (R, years, 4)
    total = by_component.sum(axis=2)
    labour = by_component[:, :, INCOME_CATEGORIES.index("wages")] \
        + by_component[:, :, INCOME_CATEGORIES.index("business")]
    share = labour / np.where(total > 0, total, 1)
    changes = np.diff(share, axis=1)  # (R, years − 1)
    return changes[:, int(np.argmin(changes.mean(axis=0)))]


def inpatient_incidence(result: SimulationResult, year: int | None = None) -> np.ndarray:
    """(R,) inpatient episodes per registered person in ``year`` (all simulated years when
    None) [1/(person·year)]."""
    incidence = result.inpatient_incidence()  # (R, Y)
    if year is None:
        return incidence.mean(axis=1)
    return incidence[:, _year_index(result, year)]


def income_share(result: SimulationResult, component: str, year: int) -> np.ndarray:
    """(R,) share of ``component`` (wages, business, property, transfers) in the income of
    registered households in ``year`` [share], in the statistics' four components (business
    income net of production expenses)."""
    if result.income_by_category is None:
        raise ValueError("income by component is kept for plan runs only")
    by_component = result.income_by_category[:, _year_index(result, year), :]  # (R, 4)
    total = by_component.sum(axis=1)
    share = by_component[:, INCOME_CATEGORIES.index(component)] / np.where(total > 0, total, 1)
    return np.where(total > 0, share, np.nan)


FIGURES: dict[str, tuple[Callable[..., np.ndarray], tuple[str, ...], str]] = {
    "exit_share_of_people": (exit_share_of_people, ("year",),
                             "share of registered people exiting in {year}"),
    "return_rate_after_exit": (return_rate_after_exit, ("years_after_exit",),
                               "returns to poverty {years_after_exit} year(s) after an exit by "
                               "income"),
    "return_rate_in_year": (return_rate_in_year, ("year",),
                            "returns to poverty in {year} among income exits before it"),
    "return_rate_change": (return_rate_change, ("years_after_exit",),
                           "change in returns to poverty, year {years_after_exit} after exit "
                           "against the year before"),
    "return_rate_after_exit_through": (
        return_rate_after_exit_through, ("years_after_exit", "year"),
        "returns to poverty {years_after_exit} year(s) after an exit by income, follow-up "
        "years up to {year}"),
    "below_line_share_of_people": (below_line_share_of_people, ("year",),
                                   "registered people below the line in {year}"),
    "prevention_helped_share": (prevention_helped_share, ("year",),
                                "exited registered households helped by 防返贫 monitoring in "
                                "{year}"),
    "labour_share_smallest_rise": (labour_share_smallest_rise, ("year",),
                                   "smallest yearly rise of the labour-income share of "
                                   "registered households from {year}"),
    "inpatient_incidence": (inpatient_incidence, (),
                            "inpatient episodes per registered person and year"),
    "income_share": (income_share, ("component", "year"),
                     "{component} share of registered households' income in {year}"),
}
"""Figure name → (function, the arguments it needs, a description template)."""


def figure_values(result: SimulationResult, figure: str, **arguments: Any) -> np.ndarray:
    """(R,) values of ``figure`` across the run's replications."""
    function, needed, _ = FIGURES[figure]
    return function(result, **{k: arguments[k] for k in needed})


DESCRIPTIONS_ZH: dict[str, str] = {
    "exit_share_of_people": "{year}年脱贫人口占建档立卡人口比例",
    "return_rate_after_exit": "收入脱贫后第{years_after_exit}年返贫比例",
    "return_rate_in_year": "{year}年此前收入脱贫者的返贫比例",
    "return_rate_change": "脱贫后第{years_after_exit}年返贫比例较上一年的变化",
    "return_rate_after_exit_through":
        "收入脱贫后第{years_after_exit}年返贫比例（随访年份至{year}年）",
    "below_line_share_of_people": "{year}年收入低于标准线的建档立卡人口比例",
    "prevention_helped_share": "{year}年获防返贫帮扶的已脱贫建档立卡户比例",
    "labour_share_smallest_rise": "{year}年起建档立卡户劳动收入占比的最小年增幅",
    "inpatient_incidence": "建档立卡人口每人每年住院次数",
    "income_share": "{year}年建档立卡户收入中{component}的比例",
}
"""The same descriptions in Chinese (calibrated scenarios' Chinese source notes)."""

COMPONENTS_ZH = {"wages": "工资性收入", "business": "经营净收入", "property": "财产性收入",
                 "transfers": "转移性收入"}


def describe(figure: str, lang: str = "en", **arguments: Any) -> str:
    """The figure in words, e.g. "share of registered people exiting in 2016"
    (2016年脱贫人口占建档立卡人口比例 in Chinese)."""
    if lang == "zh":
        if "component" in arguments:
            arguments = {**arguments, "component": COMPONENTS_ZH.get(arguments["component"],
                                                                     arguments["component"])}
        return DESCRIPTIONS_ZH[figure].format(**arguments)
    return FIGURES[figure][2].format(**arguments)
