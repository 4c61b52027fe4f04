"""Return-to-poverty early warning (``tuopin watch``): monitoring records, the official
triggers, each household's risk from the engine, the watch list and its backtest."""

from __future__ import annotations

import dataclasses

from simulator.scenario.model import Scenario


def before_help(scenario: Scenario) -> Scenario:
    """``scenario`` without simulated 防返贫 help: the watch list is the monitoring that finds
    the households to help, so the risks it ranks, and the histories it is tested on, are of
    falling below the line before any help."""
    return dataclasses.replace(scenario, prevention=dataclasses.replace(
        scenario.prevention, start_year=None, remaining_poor_from_year=None))
