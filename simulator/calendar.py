"""The SimPy calendar and the household block every process acts on.

One :class:`simpy.Environment` runs a block of households through the horizon; its time unit is
one month. A calendar process opens each month in fixed **phases** — ``shocks`` (illness,
disability), ``income`` (baseline incomes), ``instruments`` (dividends, PV, jobs, loans, …) and
``settle`` (payments falling due) — and every mechanism is a SimPy process that waits for its
phase, then updates numpy arrays holding *every household × replication of the block at once*.
Nothing here loops over households.

Processes record money with :meth:`Block.add_income` (what a household receives, by income
source), :meth:`Block.add_expense` (production expenses) and :meth:`Block.pay` (what the fund
pays, by budget line, possibly after a verification delay). Amounts accumulate into yearly
arrays of shape ``(replications, households, years)``: monthly paths are never kept.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from simulator.randomness import Streams
from simulator.units import MONTHS_PER_YEAR

PHASES: tuple[str, ...] = ("shocks", "income", "instruments", "settle")
"""Order in which mechanisms act within a month."""

FLOAT = np.float32
"""Money and state arrays are float32: half the memory and twice the speed of float64, with
yuan-level precision for household incomes (sums over households are done in float64)."""


@dataclass
class Households:
    """Static facts about the households of one block (one entry per household)."""

    start: int
    """Global index of the block's first household (addresses its random numbers)."""
    size: np.ndarray
    laborers: np.ndarray
    category: np.ndarray
    chronically_ill: np.ndarray
    """Chronically ill members [people]."""
    village: np.ndarray
    """Index of the household's village in :attr:`village_keys` (shared disaster shocks)."""
    base_income: dict[str, np.ndarray]
    """Registry-year income by registry source [yuan/year]."""
    base_expenses: np.ndarray
    pv_site: np.ndarray
    village_keys: np.ndarray
    """Random-number key of every village of the registry (:meth:`Streams.entity`), uint64."""
    facts: dict[str, dict[str, np.ndarray]]
    """Household facts each instrument prepared for itself (its module's ``prepare``), by
    instrument key: per-household arrays cut to the block."""

    @property
    def n(self) -> int:
        """Households in the block."""
        return len(self.size)

    @property
    def n_villages(self) -> int:
        """Villages in the whole registry."""
        return len(self.village_keys)

    @property
    def stop(self) -> int:
        """Global index one past the block's last household."""
        return self.start + self.n


@dataclass
class Block:
    """A block of households × replications moving through the calendar."""

    env: simpy.Environment
    households: Households
    reps: int
    years: int
    streams: Streams
    labour_factor: np.ndarray = field(init=False)
    """Share of the household's labour income available this month (illness, disability)."""
    labour_income: dict[str, np.ndarray] = field(default_factory=dict)
    """This month's baseline labour income, (reps, households) [yuan/month]: ``"wages"`` and
    ``"business_net"`` (business income less production expenses). Set in the income phase, so
    instruments (which act later in the month) can tell what a job replaces."""
    income: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    """(owner, income source) → yearly income (years, reps, households) [yuan/year]."""
    expenses: dict[str, np.ndarray] = field(default_factory=dict)
    """owner → yearly production expenses (years, reps, households) [yuan/year]."""
    outlays: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    """(owner, budget line) → yearly fund outlays (years, reps, households) [yuan/year]."""
    recoveries: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    """(owner, line) → yearly money coming back to the county (years, reps, households) [yuan]:
    assets it keeps or recovers, not spending (net fiscal cost = outlays − recoveries)."""
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    """Other yearly household figures (e.g. medical out-of-pocket spending) [yuan/year].

    Accumulators are laid out year-first so that a month's additions touch contiguous memory;
    :func:`by_household` gives the (reps, households, years) view the accounting uses."""
    _phase_events: dict[str, simpy.Event] = field(default_factory=dict)
    _drawn: dict[tuple[str, int, int], np.ndarray] = field(default_factory=dict)
    """(source, per household, year) → the uniforms :meth:`uniforms` gave, for this year."""

    def __post_init__(self) -> None:
        self.labour_factor = np.ones(self.shape, dtype=FLOAT)
        for phase in PHASES:
            self._phase_events[phase] = self.env.event()

    # -- time ----------------------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        """(replications, households)."""
        return (self.reps, self.households.n)

    @property
    def months(self) -> int:
        """Months in the horizon."""
        return self.years * MONTHS_PER_YEAR

    @property
    def month(self) -> int:
        """Current month index since the start of the horizon."""
        return int(self.env.now)

    @property
    def year(self) -> int:
        """Current year index (0 = first simulated year)."""
        return self.month // MONTHS_PER_YEAR

    @property
    def month_of_year(self) -> int:
        """Current calendar month, 0 = January."""
        return self.month % MONTHS_PER_YEAR

    def tick(self, phase: str) -> simpy.Event:
        """Event that fires at the next ``phase`` of the calendar (this month's, if not past)."""
        return self._phase_events[phase]

    def at(self, month: int, phase: str) -> Generator[simpy.Event, Any, None]:
        """Wait until ``phase`` of ``month`` (use with ``yield from``)."""
        if month > self.env.now:
            yield self.env.timeout(month - self.env.now)
        yield self.tick(phase)

    def calendar(self) -> Generator[simpy.Event, Any, None]:
        """The calendar process: open each month's phases in order, then advance one month."""
        while self.env.now < self.months:
            for phase in PHASES:
                event = self._phase_events[phase]
                self._phase_events[phase] = self.env.event()
                event.succeed()
                yield self.env.timeout(0)  # let every process waiting on this phase run
            yield self.env.timeout(1)

    # -- money ---------------------------------------------------------------------------------

    def _yearly(self, store: dict, key: Any) -> np.ndarray:
        if key not in store:
            store[key] = np.zeros((self.years, *self.shape), dtype=FLOAT)
        return store[key]

    def add_income(self, owner: str, source: str, amount: np.ndarray | float) -> None:
        """Add this month's income of ``source`` received by households [yuan]."""
        self._yearly(self.income, (owner, source))[self.year] += amount

    def _record(self, store: dict, key: Any, amount: np.ndarray, delay_months: int) -> None:
        """Add ``amount`` to a yearly store now, or in the month it falls due.

        A delayed amount is its own SimPy process, so it lands in the year it is actually paid —
        or not at all if that is past the horizon.
        """
        if delay_months <= 0:
            self._yearly(store, key)[self.year] += amount
            return
        due = self.month + delay_months
        if due < self.months:
            self.env.process(self._record_when_due(store, key, np.array(amount, copy=True), due))

    def _record_when_due(self, store: dict, key: Any, amount: np.ndarray, due: int
                         ) -> Generator[simpy.Event, Any, None]:
        yield from self.at(due, "settle")
        self._yearly(store, key)[self.year] += amount

    def add_expense(self, owner: str, amount: np.ndarray | float) -> None:
        """Add this month's production expenses [yuan]."""
        self._yearly(self.expenses, owner)[self.year] += amount

    def add_extra(self, name: str, amount: np.ndarray | float) -> None:
        """Add to another yearly household figure [yuan]."""
        self._yearly(self.extra, name)[self.year] += amount

    def pay(self, owner: str, line: str, amount: np.ndarray, delay_months: int = 0) -> None:
        """Record a fund outlay on ``line``, now or after ``delay_months`` (verification)."""
        self._record(self.outlays, (owner, line), amount, delay_months)

    def recover(self, owner: str, line: str, amount: np.ndarray) -> None:
        """Record money coming back to the county on ``line`` this month [yuan]."""
        self._yearly(self.recoveries, (owner, line))[self.year] += amount

    def receive_later(self, owner: str, source: str, amount: np.ndarray,
                      delay_months: int) -> None:
        """Household income that arrives ``delay_months`` late (e.g. settlement delays)."""
        self._record(self.income, (owner, source), amount, delay_months)

    # -- random numbers ------------------------------------------------------------------------

    def uniforms(self, source: str, per_household: int = MONTHS_PER_YEAR,
                 year: int | None = None) -> np.ndarray:
        """This year's uniforms for ``source``, (per_household, reps, households), float32.

        Laid out draw-first (e.g. month-first) so each month reads contiguous memory.
        Processes that ask for the same source and year get the same (read-only) array: the
        instrument variants of one instrument share their random numbers (common random
        numbers), so they are drawn once — a third of a candidate run's draws on ruyuan-2016.
        """
        year = self.year if year is None else year
        key = (source, per_household, year)
        if key not in self._drawn:
            for old in [k for k in self._drawn if k[2] < self.year]:
                del self._drawn[old]  # years past: nobody asks again
            draws = self.streams.household_uniforms(source, year, self.reps,
                                                    self.households.start,
                                                    self.households.stop, per_household)
            drawn = np.ascontiguousarray(np.moveaxis(draws, -1, 0))
            drawn.flags.writeable = False
            self._drawn[key] = drawn
        return self._drawn[key]


def by_household(yearly: np.ndarray) -> np.ndarray:
    """View of a year-first accumulator as (reps, households, years)."""
    return np.moveaxis(yearly, 0, -1)
