"""Scenario files: schema, validation, ``extends`` and ``--set``."""

from simulator.scenario.loader import (
    bundled_scenarios,
    bundled_scenarios_dir,
    load_scenario,
    resolve_scenario_path,
    scenario_from_dict,
)
from simulator.scenario.model import Scenario

__all__ = [
    "Scenario",
    "bundled_scenarios",
    "bundled_scenarios_dir",
    "load_scenario",
    "resolve_scenario_path",
    "scenario_from_dict",
]
