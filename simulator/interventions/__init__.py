"""The instruments a 以奖代补 fund can buy, one module each.

An instrument module declares ``KEY`` (its TOML table under ``[instruments]`` and its name in
plans), ``LABEL`` / ``LABEL_ZH`` and a frozen ``Parameters`` dataclass whose fields carry units and
sources. Adding an instrument means adding a module and listing it in :data:`INSTRUMENTS`; no
other instrument changes.
"""

from __future__ import annotations

from dataclasses import make_dataclass
from types import ModuleType

from simulator.interventions import employment, equity, loans, pv
from simulator.scenario.schema import section

INSTRUMENTS: tuple[ModuleType, ...] = (equity, pv, employment, loans)
"""Registered instrument modules, in the order reports list them."""

Instruments = make_dataclass(
    "Instruments",
    [(m.KEY, m.Parameters, section(m.Parameters, f"Parameters of {m.LABEL} ({m.LABEL_ZH})."))
     for m in INSTRUMENTS],
    frozen=True,
)
Instruments.__doc__ = "Parameters of every registered instrument, one table each."
Instruments.__module__ = __name__

__all__ = ["INSTRUMENTS", "Instruments"]
