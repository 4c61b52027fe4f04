"""One-at-a-time sensitivity of a plan's stable exits: the tornado chart of a budget proposal.

Each parameter that matters most for the instruments' returns and risks is set to a low and a
high value (published ranges, cited from the bibliography), the
plan is simulated again with the same random numbers, and the change in the stable exits it adds
over no support, against the central case, is reported with its paired 95 % interval. The
allocation stays fixed: the question is how far the plan's promise rests on each assumption, not
what the optimiser would do instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.cache import RunCache, active, caching
from simulator.engine import simulate
from simulator.interventions import INSTRUMENTS
from simulator.interventions.base import Assumption
from simulator.packages import Package, Plan
from simulator.parallel import in_order
from simulator.progress import Progress
from simulator.registry import Registry
from simulator.scenario.model import Scenario
from simulator.schema import with_value
from simulator.statistics import paired

ASSUMPTIONS: tuple[Assumption, ...] = (
    *(assumption for module in INSTRUMENTS for assumption in module.SENSITIVITY),
    Assumption("shocks.illness_probability_per_person_year", "疾病住院风险", "illness hazard",
               0.5, 1.5, True, "guess: half to one and a half times 20.8 %/yr [Liu2023]",
               "估计：每年20.8 %住院率的0.5至1.5倍[Liu2023]"),
)
"""The parameters of the tornado chart: each instrument's own (declared in its module) and the
illness hazard."""


@dataclass(frozen=True)
class Sensitivity:
    """Stable exits of a plan when one assumption takes its low or high value."""

    assumption: Assumption
    low_value: float
    high_value: float
    low: dict[str, Any]
    """Paired change in added stable exits at the low value: mean, ci95, se."""
    high: dict[str, Any]

    @property
    def swing(self) -> float:
        """Width of the bar: largest minus smallest mean change."""
        means = (self.low["mean"], self.high["mean"], 0.0)
        return max(means) - min(means)


@dataclass(frozen=True)
class _Case:
    """One simulation of the tornado: the plan in one scenario variant."""

    scenario: Scenario
    plan: Plan
    registry: Registry
    reps: int
    seed: int
    choice: tuple[Sequence[Package], np.ndarray] | None
    """The plan as a choice among candidate packages (those packages, each household's
    index): with a run cache, the variant is then a candidate run, which serves any allocation
    — a budget changed, the tornado reads its runs instead of making them."""
    cache: RunCache | None
    """The run cache to use (a worker process is told it: it starts with none)."""


def _added_stable_exits(case: _Case) -> np.ndarray:
    """(reps,) stable exits a plan adds over no support, in one scenario variant — the same
    numbers either way: a household's outcomes under a package do not depend on the others'
    packages (common random numbers)."""
    with caching(case.cache):
        if case.choice is None or case.cache is None:
            result = simulate(case.scenario, case.plan, registry=case.registry, reps=case.reps,
                              seed=case.seed, keep_income=False)
            return result.added_stable_exits(0).astype(float)
        packages, choice = case.choice
        result = simulate(case.scenario, registry=case.registry, packages=packages,
                          reps=case.reps, seed=case.seed, keep_income=False)
        return result.chosen(choice).added_stable_exits(0).astype(float)


def sensitivity(scenario: Scenario, plan: Plan, registry: Registry, *, reps: int, seed: int,
                assumptions: Sequence[Assumption] = ASSUMPTIONS,
                central: np.ndarray | None = None, workers: int = 1,
                progress: Progress | None = None,
                choice: tuple[Sequence[Package], np.ndarray] | None = None
                ) -> tuple[np.ndarray, list[Sensitivity]]:
    """Stable exits the plan adds over no support, per replication, in the central case, and
    each assumption's low/high change, sorted from the widest swing. All runs share the random
    numbers of ``seed``. Added exits, not all stable exits: an assumption such as the illness
    hazard moves what happens without support too, and the plan is answerable only for what it
    adds.

    ``central`` — the central case's (reps,) added stable exits, when the caller has simulated
    the plan with this seed and number of replications already. ``workers`` processes run the
    simulations side by side (each is one small run; the results do not depend on it).
    ``progress(done, total)`` counts the simulations (two per assumption). ``choice``: the
    plan as (candidate packages, each household's index), for the run cache to serve.
    """
    values = [assumption.values(scenario) for assumption in assumptions]
    variants = [with_value(scenario, assumption.path, value)
                for assumption, pair in zip(assumptions, values, strict=True) for value in pair]
    if central is None:
        variants.insert(0, scenario)
    cases = [_Case(variant, plan, registry, reps, seed, choice, active())
             for variant in variants]
    total = 2 * len(assumptions)
    before = len(cases) - total  # the central run, when it is one of the cases
    outcomes = []
    for outcome in in_order(_added_stable_exits, cases, workers):
        outcomes.append(outcome)
        if progress is not None:
            progress(max(len(outcomes) - before, 0), total)
    if central is None:
        central = outcomes.pop(0)
    central = np.asarray(central, dtype=float)
    rows = [Sensitivity(assumption, low_value, high_value, paired(low, central),
                        paired(high, central))
            for assumption, (low_value, high_value), low, high
            in zip(assumptions, values, outcomes[0::2], outcomes[1::2], strict=True)]
    rows.sort(key=lambda row: -row.swing)
    return central, rows


def sweep(scenario: Scenario, path: str, values: Sequence[Any], *, plan: Plan | None = None,
          registry: Registry | None = None, reps: int | None = None,
          seed: int | None = None) -> list[tuple[Any, Any]]:
    """Simulate a plan at each of ``values`` of the field at ``path``, on the same random
    numbers, so the runs differ only by that value.

    Parameters
    ----------
    scenario : Scenario
    path : str
        Dotted path of a scenario field, e.g. ``"instruments.pv.tariff_yuan_per_kwh"``.
    values : sequence
        Values to try, in the field's own unit.
    plan : Plan, optional
        The plan (default: the scenario's own ``[plan]`` rule, for each value's scenario).
    registry, reps, seed : optional
        As for :func:`simulator.simulate`.

    Returns
    -------
    list of (value, SimulationResult)
    """
    from simulator.population import population_of

    registry = population_of(scenario) if registry is None else registry
    return [(value, simulate(with_value(scenario, path, value), plan, registry=registry,
                             reps=reps, seed=seed)) for value in values]
