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
``SENSITIVITY``
    Its parameters in the sensitivity analysis, each an :class:`Assumption` with a published
    range.
``ZERO_EFFECT``
    Scenario overrides (``path=value``) under which it has no effect at all.
``ACTIVE`` (optional)
    Overrides that give the test scenario eligible households, when none are by default.
``BRINGS_IN_BY_ORGANISATION``
    Whether taking part means an organisation brings the household in ([Jishou2016]'s 20 % rule).
``parameters(scenario) -> Parameters``
    Its parameters in a scenario.
``eligible(households, scenario) -> bool array``
    Which households may take it (eligibility is data, applied by the engine).
``prepare(registry, scenario) -> dict[str, array]`` (optional)
    Household facts its process needs, one entry per registry household, prepared once per run
    over the whole registry (which enterprise would hold a household's equity…); each block
    gets its households' part as ``block.households.facts[KEY]``.
``CAPACITIES`` (optional)
    Its fields of the scenario's ``[capacities]`` table, name → (type, ``param(...)``): the
    table is built from the modules.
``CAPACITY_COSTS`` (optional)
    What one more unit of a limit costs the county, for ``tuopin optimize --goal targets``: cost
    field name → (type, ``param(...)``, the dotted path of the limit it prices). The scenario's
    ``[capacity_costs]`` table is built from the modules; a cost left out means the limit cannot
    be raised.
``capacity_rows(candidates) -> list[Row]``
    Its capacity rows in the allocation model (land, job slots, absorption, loan volume…),
    read by the PuLP model, the Lagrangian decomposition and the greedy baseline.
``process(block, owner, start_month, scenario)``
    Its SimPy process over a :class:`~simulator.calendar.Block`: what it pays the household
    (``block.add_income``), the household's production expenses (``block.add_expense``) and
    what it costs the fund and when (``block.pay``).

An instrument acts on the household's own baseline through ``block.labour_income`` (what the
household's own labour earned this month — wages and net farm income, disaster losses included —
set by the baseline before instruments run): employment gives up a labourer's share of it,
relocation the farm share, by paying negative ``wages``/``business`` income, which their modules
declare. Household facts an instrument needs are prepared by its ``prepare``.

Support continues after a household exits (摘帽不摘政策、不摘帮扶, [FourNots2019]): every income an
instrument introduces is paid through the horizon unless a scenario's parameter ends it
(``instruments.equity.dividend_share_after_term``); the contract checks it
(:mod:`simulator.interventions.contract`).

Processes compute the instrument's effect for *every* household of the block; the engine keeps
it only where the household is eligible and its package includes the instrument. Instruments use
only their own named random sources and the block's shared labour factor, so one household's
shocks are the same under every package (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OPTIONAL: dict[str, Any] = {"RECOVERIES": {}, "CAPACITIES": {}, "CAPACITY_COSTS": {},
                            "ACTIVE": (), "prepare": None}
"""Declarations a module may leave out, and what leaving them out means (no recoveries, no
capacity fields, no limit that can be bought, active with the test scenario as it is, no
household facts to prepare)."""


def complete(module: Any) -> Any:
    """The module with every optional declaration it leaves out set to its default, so the rest
    of tuopin reads every declaration the same way."""
    for name, default in OPTIONAL.items():
        if not hasattr(module, name):
            setattr(module, name, default)
    return module


@dataclass(frozen=True)
class Source:
    """An income source an instrument introduces."""

    category: str
    """Statistical component: 'wages', 'business', 'property' or 'transfers'."""
    doc: str
    counted_by_default: bool = True
    """Whether the exit rule counts it unless a scenario says otherwise (a one-off reward is
    not income the household can count on)."""
    zh: str = ""
    """Its name in Chinese documents (the shared parameter texts may give it instead)."""


@dataclass(frozen=True)
class Line:
    """A budget line an instrument books money on, or a recovery."""

    zh: str
    en: str
    doc: str
    placed: bool = False
    """The money is placed in an asset (equity held in an enterprise, a PV plant) rather than
    paid to the household: the printed 一户一策 shows it apart."""


@dataclass(frozen=True, order=True)
class Variant:
    """An instrument as taken up in a given plan year (0 = the first plan year)."""

    key: str
    start_year: int = 0

    @property
    def name(self) -> str:
        """``pv`` for the first plan year, ``pv@2`` for the second, and so on."""
        return self.key if self.start_year == 0 else f"{self.key}@{self.start_year + 1}"


@dataclass(frozen=True)
class Assumption:
    """A parameter varied in the sensitivity analysis."""

    path: str
    """Dotted path in the scenario (``instruments.pv.tariff_yuan_per_kwh``)."""
    label_zh: str
    label_en: str
    low: float
    high: float
    relative: bool
    """True: ``low`` and ``high`` multiply the scenario's value; False: they replace it."""
    source: str
    source_zh: str
    """The source in Chinese, citing the same bibliography entries."""

    def values(self, scenario: Any) -> tuple[float, float]:
        """The low and high values for this scenario, in the parameter's own unit."""
        if self.relative:
            from simulator.schema import value_at

            central = float(value_at(scenario, self.path))
            return central * self.low, central * self.high
        return self.low, self.high

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def source_text(self, lang: str) -> str:
        return self.source_zh if lang == "zh" else self.source
