"""tuopin (脱贫): simulate and optimise a poverty-exit budget.

The public API, in the order data flows: a scenario file → :func:`load_scenario` → households
(:func:`load_registry` for a real registry, :func:`generate_population` for a synthetic one) →
accounting of income, exit and stable exit (:mod:`simulator.accounting`) → :func:`simulate`
(Monte Carlo over the SimPy calendar) → :class:`~simulator.results.SimulationResult`.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("tuopin")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

from simulator.engine import simulate
from simulator.errors import InfeasibleError, RegistryError, ScenarioError, TuopinError
from simulator.population import calibration_table, generate_population, population_of
from simulator.registry import Registry, load_registry, write_registry
from simulator.scenario import Scenario, load_scenario

__all__ = [
    "InfeasibleError",
    "Registry",
    "RegistryError",
    "Scenario",
    "ScenarioError",
    "TuopinError",
    "__version__",
    "calibration_table",
    "generate_population",
    "load_registry",
    "load_scenario",
    "population_of",
    "simulate",
    "write_registry",
]
