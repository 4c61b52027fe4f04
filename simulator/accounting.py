"""The official way income, exit and stable exit are counted — pure numpy.

Every function works on whole arrays: households along one axis, years along the last axis, and
any leading axes (replications, packages) carried through unchanged. Nothing here loops over
households, draws random numbers or reads a scenario; the engine and the optimiser call these
functions, and tests check them against hand-computed cases.

Definitions
-----------
* **Per-capita net income** = (total household income − production expenses) ÷ resident members,
  where total income is the sum of the *counted* sources [Changchun2018 §三].
* **Exit year**: the first simulated year whose counted per-capita income reaches the line.
* **Stable exit**: an exit after which income stays at or above the line in every one of the
  next ``window`` years; the whole window must lie inside the horizon to be confirmed.
* **Return to poverty**: an exited household whose income later falls below the line.
* **Edge household** (贫困边缘户): not on dibao/wubao, income at or above the registration line
  and below the edge ceiling [Changchun2018 §三].
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from simulator.vocabulary import INCOME_SOURCES, SAFETY_NET_CATEGORIES

NO_YEAR = -1
"""Index used where a household never exits or never returns."""


def line_from_growth(base_yuan_per_capita: float, base_year: int, growth_per_year: float,
                     calendar_years: Iterable[int]) -> np.ndarray:
    """A line that grows at a constant rate from a base year.

    Parameters
    ----------
    base_yuan_per_capita : float
        Line in ``base_year`` [yuan/(person·year)].
    base_year : int
        Calendar year of the base value.
    growth_per_year : float
        Yearly growth rate [1/year]; years before the base are discounted.
    calendar_years : iterable of int
        Years for which the line is wanted.

    Returns
    -------
    numpy.ndarray
        Line per year [yuan/(person·year)], ``base × (1 + growth) ** (year − base_year)``.
    """
    years = np.asarray(list(calendar_years), dtype=float)
    return base_yuan_per_capita * (1.0 + growth_per_year) ** (years - base_year)


def household_net_income(components: Mapping[str, np.ndarray], production_expenses: np.ndarray,
                         counted: Iterable[str]) -> np.ndarray:
    """Counted household net income: sum of counted sources minus production expenses.

    Parameters
    ----------
    components : mapping of str to array
        Income by source [yuan/year], all broadcastable to one shape. Sources absent from the
        mapping contribute nothing.
    production_expenses : array
        Production expenses [yuan/year] (inputs, depreciation, taxes, fees, unsubsidised loan
        interest). Always deducted, whatever is counted.
    counted : iterable of str
        Names of the sources that count (see :data:`simulator.vocabulary.INCOME_SOURCES`).

    Returns
    -------
    numpy.ndarray
        Net income [yuan/year].
    """
    counted = tuple(counted)
    unknown = [name for name in (*components, *counted) if name not in INCOME_SOURCES]
    if unknown:
        raise ValueError(f"unknown income sources {unknown}; known: {list(INCOME_SOURCES)}")
    # The inputs' own precision: the engine keeps its block arrays in float32.
    dtype = np.result_type(*components.values(), production_expenses, np.float32)
    total = np.zeros(np.broadcast_shapes(*(np.shape(v) for v in components.values()),
                                         np.shape(production_expenses)), dtype=dtype)
    for name in counted:
        if name in components:
            total += components[name]
    total -= production_expenses
    return total


def per_capita(net_income: np.ndarray, members: np.ndarray, *, year_axis: bool = True,
               out: np.ndarray | None = None) -> np.ndarray:
    """Per-capita net income [yuan/(person·year)] = household net income ÷ resident members.

    Parameters
    ----------
    net_income : array, shape ``(..., households, years)`` (or ``(..., households)``)
        Household net income [yuan/year]; a floating array keeps its precision.
    members : int array, shape ``(households,)``
        Resident members; each at least 1.
    year_axis : bool
        Whether ``net_income`` ends with a year axis (default) or with the household axis.
    out : array, optional
        Where to write the result (the engine fills one package's slice of a float32 array).
    """
    members = np.asarray(members)
    if np.any(members < 1):
        raise ValueError("every household must have at least one resident member")
    income = np.asarray(net_income)
    if not np.issubdtype(income.dtype, np.floating):
        income = income.astype(float)
    divisor = (members[:, None] if year_axis else members).astype(income.dtype)
    return np.divide(income, divisor, out=out)


def dibao_top_up(net_income: np.ndarray, covered: np.ndarray,
                 standard: np.ndarray) -> np.ndarray:
    """Household income after the dibao top-up: covered households are raised to the year's
    guaranteed income (the dibao standard × members); others keep their own.

    Parameters
    ----------
    net_income : array, shape ``(..., households, years)``
        Counted household net income [yuan/year].
    covered : bool array, shape ``(households,)``
        Households the top-up covers (without labour capacity).
    standard : array broadcastable to ``net_income``
        Guaranteed household income [yuan/year].
    """
    covered = np.asarray(covered, dtype=bool)[:, None]
    return np.where(covered, np.maximum(net_income, standard), net_income)


def lines_by_household(by_safety_net: np.ndarray, exit_lines: np.ndarray,
                       safety_net_lines: np.ndarray) -> np.ndarray:
    """(households, years) the line each household is judged against [yuan/(person·year)]:
    the safety-net line for households that exit through the safety net, the exit line for
    everyone else."""
    return np.where(np.asarray(by_safety_net, dtype=bool)[:, None],
                    np.asarray(safety_net_lines)[None, :], np.asarray(exit_lines)[None, :])


def above_line(per_capita_income: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Whether per-capita income reaches each year's line (shape ``(..., years)``)."""
    lines = np.asarray(lines)
    if not np.issubdtype(lines.dtype, np.floating):
        lines = lines.astype(float)
    return np.asarray(per_capita_income) >= lines  # in the inputs' precision (float32 engine)


def first_true(flags: np.ndarray) -> np.ndarray:
    """Index of the first True along the last axis, or :data:`NO_YEAR` when there is none."""
    flags = np.asarray(flags, dtype=bool)
    index = np.argmax(flags, axis=-1)
    return np.where(flags.any(axis=-1), index, NO_YEAR)


@dataclass(frozen=True)
class ExitOutcome:
    """Exit status of every household (and replication), from one above-the-line array.

    All arrays have the input's leading shape (without the year axis). Year fields are indices
    into the simulated years, :data:`NO_YEAR` where not applicable.
    """

    exit_year: np.ndarray
    """Index of the first year at or above the line."""
    stable: np.ndarray
    """Exited and stayed at or above the line through the whole monitoring window."""
    returned: np.ndarray
    """Exited and fell below the line within the monitoring window (返贫)."""
    return_year: np.ndarray
    """Index of the first year below the line after exit (at any time in the horizon)."""
    unconfirmed: np.ndarray
    """Exited, no return so far, but the window runs past the horizon: not yet confirmed."""

    @property
    def exited(self) -> np.ndarray:
        """Whether the household exited at all within the horizon."""
        return self.exit_year != NO_YEAR


def exit_outcomes(above: np.ndarray, window_years: int) -> ExitOutcome:
    """Exit, stable exit and return to poverty from yearly above-the-line flags.

    Parameters
    ----------
    above : bool array, shape ``(..., years)``
        Whether counted per-capita income is at or above the line in each simulated year (for
        safety-net exits, True from the year the household is covered).
    window_years : int
        Monitoring window: years after the exit year that must all stay above [years].

    Returns
    -------
    ExitOutcome
    """
    return ExitOutcome(**exit_outcome_fields(above, window_years, OUTCOME_NAMES))


OUTCOME_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ExitOutcome))
"""The arrays of an :class:`ExitOutcome`."""


def exit_outcome_fields(above: np.ndarray, window_years: int, names: Sequence[str]
                        ) -> dict[str, np.ndarray]:
    """Only the named arrays of :func:`exit_outcomes` (the engine keeps three of the five for
    every package and replication, and reads no others)."""
    if window_years < 0:
        raise ValueError("window_years must be ≥ 0")
    above = np.asarray(above, dtype=bool)
    n_years = above.shape[-1]
    if 0 < n_years <= PATTERN_YEARS_MAX:
        # The outcome depends on nothing but the pattern of years above the line: read it
        # from the table of every pattern (the engine does this for every package and
        # replication, where the search along the year axis below cost 2 s a candidate run).
        return outcome_fields_of_pattern(above_pattern(above), n_years, window_years, names)
    outcome = _exit_outcomes_by_search(above, window_years)
    return {name: getattr(outcome, name) for name in names}


def above_pattern(above: np.ndarray) -> np.ndarray:
    """The years at or above the line (``above``, shape ``(..., years)``, at most
    :data:`PATTERN_YEARS_MAX` years) as one binary number each, year 0 the lowest bit."""
    bits = np.packbits(np.asarray(above, dtype=bool), axis=-1, bitorder="little")
    return bits[..., 0] if bits.shape[-1] == 1 else \
        bits[..., 0].astype(np.uint16) | (bits[..., 1].astype(np.uint16) << 8)


def pattern_above_line(per_capita_income: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """:func:`above_pattern` of :func:`above_line`, year by year without the boolean array (a
    third of the time on the engine's float32 blocks): ``per_capita_income`` (..., H, Y),
    ``lines`` (H, Y), at most :data:`PATTERN_YEARS_MAX` years."""
    n_years = per_capita_income.shape[-1]
    dtype = np.uint8 if n_years <= 8 else np.uint16
    lines = np.asarray(lines)
    if not np.issubdtype(lines.dtype, np.floating):
        lines = lines.astype(float)
    pattern = np.zeros(per_capita_income.shape[:-1], dtype=dtype)
    for year in range(n_years):
        pattern |= (per_capita_income[..., year] >= lines[..., year]).astype(dtype) << year
    return pattern


def outcome_fields_of_pattern(pattern: np.ndarray, n_years: int, window_years: int,
                              names: Sequence[str]) -> dict[str, np.ndarray]:
    """The named arrays of :func:`exit_outcomes` from patterns of :func:`above_pattern` (a
    pattern can be changed bit by bit first, e.g. by years a later support lifts)."""
    table = _outcome_table(n_years, window_years)
    return {name: getattr(table, name)[pattern] for name in names}


PATTERN_YEARS_MAX = 16
"""Longest horizon [years] whose exit outcomes are read from a table of every above-the-line
pattern (2^16 patterns); longer horizons search along the year axis."""


@functools.lru_cache(maxsize=8)
def _outcome_table(n_years: int, window_years: int) -> ExitOutcome:
    """The exit outcome of every pattern of ``n_years`` above-the-line flags, indexed by the
    pattern read as a binary number (year 0 the lowest bit)."""
    patterns = np.arange(2 ** n_years)
    above = (patterns[:, None] >> np.arange(n_years)[None, :]) & 1
    return _exit_outcomes_by_search(above.astype(bool), window_years)


def _exit_outcomes_by_search(above: np.ndarray, window_years: int) -> ExitOutcome:
    n_years = above.shape[-1]
    exit_year = first_true(above)
    exited = exit_year != NO_YEAR
    # The first below-line year after the exit: below the line and later than the exit year.
    after_exit = np.arange(n_years) > exit_year[..., None]
    return_year = first_true(~above & after_exit & exited[..., None])
    return outcome_of_years(exit_year, return_year, window_years, n_years)


def outcome_of_years(exit_year: np.ndarray, return_year: np.ndarray, window_years: int,
                     n_years: int) -> ExitOutcome:
    """The exit outcome from its two year indices (:data:`NO_YEAR` where none): the exit year
    and the first year back below the line after it, for a monitoring window of
    ``window_years`` within ``n_years`` simulated years."""
    exited = exit_year != NO_YEAR
    has_return = return_year != NO_YEAR
    window_end = exit_year.astype(np.int64) + window_years
    stable = exited & (window_end < n_years) & (~has_return | (return_year > window_end))
    returned = has_return & (return_year <= window_end)
    # Neither stable nor returned means the window runs past the end of the horizon.
    unconfirmed = exited & ~stable & ~returned
    return ExitOutcome(exit_year=exit_year, stable=stable, returned=returned,
                       return_year=return_year, unconfirmed=unconfirmed)


def returns_after_exit(exit_year: np.ndarray, return_year: np.ndarray, n_years: int,
                       years_after_exit: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Who falls back ``years_after_exit`` years after exiting, and who could have.

    Returns ``(returned, at_risk)``, boolean arrays of the inputs' shape: *at risk* are
    households that exited, whose follow-up year (exit year + ``years_after_exit``) lies within
    the ``n_years`` simulated, and that were still above the line at that year's start;
    *returned* are those of them whose first year back below the line is the follow-up year.
    Their ratio is the hazard of returning to poverty that many years after an exit, pooled
    over exit years (national figures count returns against the year's exits the same way).
    """
    # int16: year indices are small, and the engine's int8 arrays are large (packages ×
    # replications × households)
    exit_year = np.asarray(exit_year).astype(np.int16)
    return_year = np.asarray(return_year)
    follow_up = exit_year + np.int16(years_after_exit)
    at_risk = (exit_year != NO_YEAR) & (follow_up < n_years) \
        & ((return_year == NO_YEAR) | (return_year >= follow_up))
    return at_risk & (return_year == follow_up), at_risk


def return_rate(exit_year: np.ndarray, return_year: np.ndarray, n_years: int,
                judged: np.ndarray, years_after_exit: int = 1) -> np.ndarray:
    """(R,) the hazard of :func:`returns_after_exit` per replication, among the ``judged``
    (H,) households, from (R, H) exit and return year indices [share]."""
    returned, at_risk = returns_after_exit(exit_year, return_year, n_years, years_after_exit)
    judged = np.asarray(judged)[None, :]
    return (returned & judged).sum(axis=1) / np.maximum((at_risk & judged).sum(axis=1), 1)


def judged_by_safety_net(laborers: np.ndarray, safety_net_exit: bool) -> np.ndarray:
    """(households,) which households exit through the safety net (政策兜底) rather than by
    income: those without labour capacity, when the exit rule has safety-net exits at all.

    Their exit comes from dibao coverage whatever a plan does, so it is reported apart and
    never credited to the fund."""
    return (np.asarray(laborers) == 0) & bool(safety_net_exit)


def classify_edge(per_capita_income: np.ndarray, categories: np.ndarray,
                  registration_line: float, edge_ceiling: float) -> np.ndarray:
    """Edge households (贫困边缘户, [Changchun2018 §三]).

    Income at or above the registration line and below the edge ceiling, and not covered by
    dibao or five-guarantees (those are excluded from the edge list).

    Parameters
    ----------
    per_capita_income : array, shape ``(..., households)``
        Per-capita net income [yuan/(person·year)].
    categories : str array, shape ``(households,)``
        Household categories.
    registration_line, edge_ceiling : float
        [yuan/(person·year)].
    """
    income = np.asarray(per_capita_income, dtype=float)
    excluded = np.isin(np.asarray(categories), SAFETY_NET_CATEGORIES)
    return (income >= registration_line) & (income < edge_ceiling) & ~excluded


def at_risk(per_capita_income: np.ndarray, lines: np.ndarray, multiple: float) -> np.ndarray:
    """Income at or above the line but below ``multiple`` × line (watched for return)."""
    income = np.asarray(per_capita_income, dtype=float)
    lines = np.asarray(lines, dtype=float)
    return (income >= lines) & (income < multiple * lines)
