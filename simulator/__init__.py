"""tuopin (脱贫): simulate and optimise a poverty-exit budget.

The public API, in the order data flows:

* :func:`load_scenario` — a scenario file (or a bundled name such as ``"ruyuan-2016"``),
  validated, with ``extends`` and ``dotted.path=value`` overrides → :class:`Scenario`.
* households — :func:`load_registry` for a real registry (CSV or .xlsx, English or Chinese
  headers), :func:`generate_population` / :func:`population_of` for a synthetic one calibrated to
  published counts (:func:`calibration_table` checks it) → :class:`Registry`.
* :func:`simulate` — Monte Carlo over the SimPy calendar: household incomes month by month under a
  plan, with shocks → :class:`~simulator.results.SimulationResult` (money in yuan, per-capita
  income in yuan per person and year, counts in households).
* :func:`optimize` — the allocation of the yearly budgets that maximises stable exits (PuLP,
  HiGHS), evaluated on fresh replications against the baselines →
  :class:`~simulator.optimizer.solve.AllocationResult`.
* :func:`compare` — several scenarios on common random numbers, paired differences →
  :class:`~simulator.compare.Comparison`.
* :func:`sensitivity` — one-at-a-time sensitivity of a plan's stable exits; :func:`sweep` runs a
  plan over several values of one field (:func:`with_value`) on the same random numbers, and
  :func:`paired` gives the difference of two runs with its interval.
* :func:`calibrate` / :func:`load_targets` — fit guessed parameters to published figures.
* :func:`propose` / :func:`write_proposal` — the budget proposal (HTML, xlsx).

Results convert to tidy pandas tables with ``.to_frame(...)`` (``pip install
'tuopin[notebooks]'``) and draw with ``.plot(...)``.
"""

from __future__ import annotations

from typing import Any

from simulator.compare import compare
from simulator.engine import simulate
from simulator.errors import InfeasibleError, RegistryError, ScenarioError, TuopinError
from simulator.packages import plan_from_rule
from simulator.population import calibration_table, generate_population, population_of
from simulator.registry import Registry, load_registry, write_registry
from simulator.scenario import Scenario, load_scenario
from simulator.sensitivity import sensitivity, sweep, with_value
from simulator.statistics import paired
from simulator.version import __version__

_LAZY = {
    # Imported on first use: the optimiser brings PuLP and HiGHS, which a simulation never needs.
    "optimize": ("simulator.optimizer.solve", "optimize"),
    "calibrate": ("simulator.calibration", "calibrate"),
    "load_targets": ("simulator.calibration", "load_targets"),
    "propose": ("simulator.proposal", "propose"),
    "write_proposal": ("simulator.proposal", "write_proposal"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        module, attribute = _LAZY[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


__all__ = [
    "InfeasibleError",
    "Registry",
    "RegistryError",
    "Scenario",
    "ScenarioError",
    "TuopinError",
    "__version__",
    "calibrate",
    "calibration_table",
    "compare",
    "generate_population",
    "load_registry",
    "load_scenario",
    "load_targets",
    "optimize",
    "paired",
    "plan_from_rule",
    "population_of",
    "propose",
    "sensitivity",
    "simulate",
    "sweep",
    "with_value",
    "write_proposal",
    "write_registry",
]
