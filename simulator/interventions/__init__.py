"""The instruments a 以奖代补 fund can buy, one module each.

Every instrument module keeps the contract described in :mod:`simulator.interventions.base`:
its key and labels, its parameters (with units and sources), the income sources it pays and
those it introduces, the budget lines it spends on (with their names), who is eligible, and its
SimPy process. The vocabulary of income sources and the report labels are built from these
declarations, and the engine stops an instrument that pays or books anything undeclared
(``tests/test_instruments.py``). Adding an instrument means adding a module and listing it in
:data:`INSTRUMENTS`.
"""

from __future__ import annotations

from types import ModuleType

from simulator.interventions import employment, equity, industry, loans, posts, pv, relocation
from simulator.interventions.base import complete
from simulator.schema import assembled_section, section

INSTRUMENTS: tuple[ModuleType, ...] = tuple(
    complete(m) for m in (equity, pv, employment, loans, industry, relocation, posts))
"""Registered instrument modules, in the order reports list them."""

BY_KEY: dict[str, ModuleType] = {m.KEY: m for m in INSTRUMENTS}
"""Instrument modules by key."""

OFFERED_BY_DEFAULT: tuple[str, ...] = ("equity", "pv", "employment", "loans", "industry",
                                       "relocation")
"""The instruments a scenario offers when it does not name its own (``optimizer.instruments``).
Closed on purpose: an instrument registered later is off in every scenario that does not name
it, so registering one never moves an existing scenario's allocation (a test holds this)."""

Instruments = assembled_section(
    "Instruments",
    [(m.KEY, m.Parameters, section(m.Parameters, f"Parameters of {m.LABEL} ({m.LABEL_ZH})."))
     for m in INSTRUMENTS if m.Parameters is not None],
    "Parameters of instruments that have their own [instruments.<key>] table.", __name__)

__all__ = ["BY_KEY", "INSTRUMENTS", "OFFERED_BY_DEFAULT", "Instruments"]
