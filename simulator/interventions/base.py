"""The contract every instrument module keeps, and the pieces they share.

An instrument module declares:

``KEY``, ``LABEL``, ``LABEL_ZH``
    Its name in scenario tables, plans and reports.
``Parameters``
    Frozen dataclass of its parameters, each with unit, default and source.
``INCOME_SOURCES``
    Income sources it pays households (names in :data:`simulator.vocabulary.INCOME_SOURCES`).
``SOURCES``
    The income sources it introduces, each a :class:`Source` (its statistical component and
    whether the exit rule counts it by default): :mod:`simulator.vocabulary` is built from
    these, so an instrument's income can never count for nothing unnoticed.
``LINES`` (and ``RECOVERIES``)
    Budget lines it spends on (and money that comes back), each a :class:`Line` with its
    Chinese and English names: the labels of reports are built from these.
``ZERO_EFFECT``
    Scenario overrides (``path=value``) under which it has no effect at all.
``BRINGS_IN_BY_ORGANISATION``
    Whether taking part means an organisation brings the household in ([Jishou2016]'s 20 % rule).
``parameters(scenario) -> Parameters``
    Its parameters in a scenario.
``eligible(households, scenario) -> bool array``
    Which households may take it (eligibility is data, applied by the engine).
``process(block, owner, start_month, scenario)``
    Its SimPy process over a :class:`~simulator.calendar.Block`: what it pays the household
    (``block.add_income``), the household's production expenses (``block.add_expense``) and
    what it costs the fund and when (``block.pay``).

Processes compute the instrument's effect for *every* household of the block; the engine keeps
it only where the household is eligible and its package includes the instrument. Instruments use
only their own named random sources and the block's shared labour factor, so one household's
shocks are the same under every package (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """An income source an instrument introduces."""

    category: str
    """Statistical component: 'wages', 'business', 'property' or 'transfers'."""
    doc: str
    counted_by_default: bool = True
    """Whether the exit rule counts it unless a scenario says otherwise (a one-off reward is
    not income the household can count on)."""


@dataclass(frozen=True)
class Line:
    """A budget line an instrument books money on, or a recovery."""

    zh: str
    en: str
    doc: str


@dataclass(frozen=True, order=True)
class Variant:
    """An instrument as taken up in a given plan year (0 = the first plan year)."""

    key: str
    start_year: int = 0

    @property
    def name(self) -> str:
        """``pv`` for the first plan year, ``pv@2`` for the second, and so on."""
        return self.key if self.start_year == 0 else f"{self.key}@{self.start_year + 1}"
