"""Simulated figures that can be set beside published ones.

Each figure is computed per replication from a plan run (:class:`SimulationResult` with one
option), so its mean and 95 % interval across replications can be compared with a published
value. Published figures are about people, households and calendar years as statistics offices
count them; each function says exactly what it counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from simulator.accounting import NO_YEAR, return_rate
from simulator.results import SimulationResult
from simulator.vocabulary import INCOME_CATEGORIES, REGISTERED_CATEGORIES


def _registered(result: SimulationResult) -> np.ndarray:
    return np.isin(result.registry.category, REGISTERED_CATEGORIES)


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
    exited = result.exit_year[0] == _year_index(result, year)  # (R, H)
    return (exited * size[None, :]).sum(axis=1) / max(int(size.sum()), 1)


def return_rate_after_exit(result: SimulationResult, years_after_exit: int) -> np.ndarray:
    """(R,) share of households that exited by income and fall back below the line
    ``years_after_exit`` years after their exit year, among those still out of poverty at the
    start of that year (a hazard, pooled over exit years whose follow-up year is simulated)
    [share]."""
    return return_rate(result.exit_year[0], result.return_year[0], len(result.years),
                       result.judged_by_income, years_after_exit)


def return_rate_in_year(result: SimulationResult, year: int) -> np.ndarray:
    """(R,) share of households that had exited by income before ``year`` and were still out of
    poverty at its start that fall back below the line in ``year`` [share]."""
    y = _year_index(result, year)
    exit_year = result.exit_year[0].astype(np.int64)
    return_year = result.return_year[0].astype(np.int64)
    at_risk = result.judged_by_income[None, :] & (exit_year != NO_YEAR) & (exit_year < y) \
        & ((return_year == NO_YEAR) | (return_year >= y))
    return (at_risk & (return_year == y)).sum(axis=1) / np.maximum(at_risk.sum(axis=1), 1)


def return_rate_change(result: SimulationResult, years_after_exit: int) -> np.ndarray:
    """(R,) the return rate ``years_after_exit`` years after exit minus the rate a year earlier
    (negative: returns fall as exits age) [share]."""
    return (return_rate_after_exit(result, years_after_exit)
            - return_rate_after_exit(result, years_after_exit - 1))


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
