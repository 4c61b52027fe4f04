"""Synthetic monitoring records, written by the engine (no real monitoring data is public).

One replication of a plan run is taken as the county's true history; every household is
recorded once a year, as a full monitoring round would: its counted net income and its
out-of-pocket medical spending that year. Disasters, disability and lost work act in the engine
through income; the synthetic records carry no separate line for them. Files written from them
say they are synthetic in their title line (:data:`simulator.watch.records.SYNTHETIC_TITLE`).
"""

from __future__ import annotations

import numpy as np

from simulator.engine import simulate
from simulator.packages import Package, Plan
from simulator.registry import Registry
from simulator.results import SimulationResult
from simulator.scenario.model import Scenario
from simulator.watch import before_help
from simulator.watch.records import MonitoringRecords

HISTORY_SEED_OFFSET = 2
"""Seed of a stand-alone synthetic history: the root seed + this, apart from the model's
paths (root seed) and a backtest's (root + 1)."""


def synthetic_records(truth: SimulationResult, world: int, through: int) -> MonitoringRecords:
    """Records of every household in each simulated year up to ``through`` (calendar year),
    from replication ``world`` of a plan run that kept per-capita income."""
    if truth.per_capita is None:
        raise ValueError("the run must keep per-capita income (simulate(keep_income=True))")
    years = [int(y) for y in truth.years if int(y) <= through]
    n = truth.registry.n_households
    size = truth.registry.size.astype(float)
    households = np.tile(np.arange(n), len(years))
    year = np.repeat(years, n)
    # the first years of the run, as (households,) blocks year after year
    income = (truth.per_capita[0, world, :, :len(years)].T * size[None, :]).ravel()
    medical = truth.medical[world, :, :len(years)].T.ravel()
    zeros = np.zeros(len(households))
    return MonitoringRecords(
        household=households, year=np.asarray(year, dtype=np.int64),
        month=np.zeros(len(households), dtype=np.int64),
        income=np.round(np.maximum(income, 0.0)), medical_out_of_pocket=np.round(medical),
        newly_disabled=zeros.astype(np.int64), disaster_loss=zeros,
        jobs_lost=zeros.astype(np.int64), loan_arrears=zeros,
        source=f"synthetic (replication {world} of seed {truth.seed})", synthetic=True)


def simulated_records(scenario: Scenario, registry: Registry, through: int,
                      seed: int | None = None) -> MonitoringRecords:
    """Records up to ``through`` from one simulated history with no new support, on its own
    random numbers (root seed ``seed``, default the scenario's, + :data:`HISTORY_SEED_OFFSET`)
    — records to try ``tuopin watch`` on when a county has none."""
    root = scenario.simulation.seed if seed is None else seed
    history = simulate(before_help(scenario), Plan.everyone(Package(), registry.n_households),
                       registry=registry, reps=1, seed=root + HISTORY_SEED_OFFSET)
    return synthetic_records(history, 0, through=through)
