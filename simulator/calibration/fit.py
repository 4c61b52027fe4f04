"""Fit uncertain parameters to published figures by the simulated method of moments.

The scenario's own programme (its ``[plan]`` rule: what the county actually did, and what the
published figures describe) is simulated with the uncertain parameters set to a trial value;
each fitted target's simulated mean is compared with its published value, in units of half its
band, and the sum of squares is minimised.

**Common random numbers.** Every trial reads the same random numbers (one seed, addressed by
source, household chunk and year), so the objective is a deterministic function of the
parameters: differences between trials are the parameters' doing, not noise, and the same seed
gives the same fit.

**Method: Nelder–Mead** (``scipy.optimize.minimize``, bounded). With common random numbers the
simulated figures are still step functions of the parameters — a household crosses the line or
it does not — so gradients are zero almost everywhere and finite differences measure the steps,
not the slope. Nelder–Mead uses function values only, copes with the small steps, needs no
derivative, and with a handful of parameters converges in a few hundred simulations.

**Honest report.** Fitted targets are checked again, with held-out validation targets that the
fit never saw, on fresh random numbers (seed + ``optimizer.evaluation_seed_offset``) and more
replications, for both the raw and the calibrated scenario.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from simulator.bibliography import citations
from simulator.calibration.figures import describe, figure_values
from simulator.calibration.targets import Target, Targets
from simulator.engine import simulate
from simulator.packages import plan_from_rule
from simulator.population import population_of
from simulator.registry import Registry
from simulator.results import SimulationResult
from simulator.scenario.model import Scenario
from simulator.schema import value_at, with_value
from simulator.statistics import INTERVAL

DIGITS_OF_RANGE = 4
"""Fitted values are written to a ten-thousandth of the range searched (the fit's own precision
is coarser: its simplex stops at a thousandth of each parameter's range)."""

SIMPLEX_STEP = 0.25
"""First simplex: each parameter moved by this share of its range (a wide first look)."""

UNIT_TOLERANCE = 1e-3
"""Nelder–Mead stops when the simplex is this small, as a share of each parameter's range."""

OBJECTIVE_TOLERANCE = 1e-4
"""…and the objective differs by less than this across the simplex [squared half-bands]."""

Progress = Callable[[int, float], None]
"""Callback ``progress(simulations done, best objective so far)``."""


@dataclass(frozen=True)
class TargetCheck:
    """One target against the simulation: published value, simulated mean and interval."""

    target: Target
    mean: float
    interval: tuple[float, float]

    @property
    def inside(self) -> bool:
        """Whether the simulated mean lies inside the target's band."""
        return self.target.low <= self.mean <= self.target.high

    @property
    def description(self) -> str:
        return describe(self.target.figure, **self.target.arguments)


@dataclass(frozen=True, eq=False)
class Calibration:
    """A fitted scenario and how it compares with every target."""

    raw: Scenario
    calibrated: Scenario
    targets: Targets
    starting_values: dict[str, float]
    fitted_values: dict[str, float]
    objective_start: float
    objective: float
    simulations: int
    converged: bool
    seed: int
    evaluation_seed: int
    checks: list[TargetCheck]
    """Every target on fresh random numbers, calibrated scenario."""
    raw_checks: list[TargetCheck]
    """Every target on fresh random numbers, raw scenario."""

    def fitted_to(self, lang: str = "en") -> str:
        """What the fit was fitted to, in words (for the calibrated scenario's sources): each
        fitted target's figure and published value (their sources are in the target file; the
        Chinese text cites them, since a Chinese reader has only the document)."""
        if lang == "zh":
            return "；".join(f"{describe(t.figure, 'zh', **t.arguments)}＝{t.value:g}"
                            + "".join(citations(t.source))
                            for t in self.targets.fitted)
        return "; ".join(f"{describe(t.figure, **t.arguments)} = {t.value:g}"
                         for t in self.targets.fitted)


def run_programme(scenario: Scenario, registry: Registry, reps: int, seed: int
                  ) -> SimulationResult:
    """The scenario's own programme (its ``[plan]`` rule) on ``reps`` replications."""
    return simulate(scenario, plan_from_rule(scenario, registry), registry=registry, reps=reps,
                    seed=seed)


def check_targets(result: SimulationResult, targets: Sequence[Target]) -> list[TargetCheck]:
    """Each target's simulated mean and 95 % interval across replications."""
    checks = []
    for target in targets:
        values = figure_values(result, target.figure, **target.arguments)
        low, high = np.nanpercentile(values, INTERVAL)
        checks.append(TargetCheck(target, float(np.nanmean(values)), (float(low), float(high))))
    return checks


def comparison_table(checks_by_run: Mapping[str, Sequence[TargetCheck]]) -> dict[str, list[Any]]:
    """One row per target, one group of columns per run: published value, band, fit or
    validation, and each run's simulated mean, 95 % interval and whether it is inside the band.

    ``checks_by_run`` maps a run's name (e.g. "raw", "calibrated", "optimised plan") to its
    :func:`check_targets` for the same targets, in the same order.
    """
    runs = list(checks_by_run.items())
    first = runs[0][1]
    columns: dict[str, list[Any]] = {
        "target": [c.target.name for c in first], "use": [c.target.use for c in first],
        "figure": [c.description for c in first],
        "published": [c.target.value for c in first],
        "band_low": [c.target.low for c in first], "band_high": [c.target.high for c in first]}
    for name, checks in runs:
        if [c.target.name for c in checks] != columns["target"]:
            raise ValueError(f"run {name!r} checks other targets than {runs[0][0]!r}")
        columns[name] = [round(c.mean, 5) for c in checks]
        columns[f"{name} low 95"] = [round(c.interval[0], 5) for c in checks]
        columns[f"{name} high 95"] = [round(c.interval[1], 5) for c in checks]
        columns[f"{name} inside band"] = [c.inside for c in checks]
    columns["source"] = [c.target.source for c in first]
    return columns


def distance(checks: Sequence[TargetCheck]) -> float:
    """Sum of squared deviations from the published values, in half-bands."""
    return float(sum(((c.mean - c.target.value) / c.target.scale) ** 2 for c in checks))


def apply(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """The scenario with fields set to ``values`` (path → value)."""
    for path, value in values.items():
        scenario = with_value(scenario, path, float(value))
    return scenario


def _round(value: float, span: float) -> float:
    """``value`` to a ten-thousandth of ``span`` (so a value at a bound is written as the
    bound, not as 7e-06)."""
    digits = DIGITS_OF_RANGE - math.floor(math.log10(span))
    return round(value, digits) + 0.0


def calibrate(scenario: Scenario, targets: Targets, *, registry: Registry | None = None,
              seed: int | None = None, progress: Progress | None = None) -> Calibration:
    """Fit the target file's parameters to its fitted targets; check every target out of sample.

    Parameters
    ----------
    scenario : Scenario
        The raw scenario (its ``[plan]`` rule is the programme the figures describe).
    targets : Targets
        Published figures and the parameters to fit (:func:`load_targets`).
    registry : Registry, optional
        Households (default: the scenario's population).
    seed : int, optional
        Seed of the fitting runs (default ``simulation.seed``); the report runs on
        seed + ``optimizer.evaluation_seed_offset``.
    progress : callable, optional
        Called after each simulation with (simulations done, best objective so far).

    Returns
    -------
    Calibration
    """
    registry = population_of(scenario) if registry is None else registry
    seed = scenario.simulation.seed if seed is None else int(seed)
    parameters = targets.parameters
    low = np.array([p.low for p in parameters])
    span = np.array([p.high - p.low for p in parameters])
    start = {p.path: float(value_at(scenario, p.path)) for p in parameters}
    x0 = np.clip((np.array(list(start.values())) - low) / span, 0.0, 1.0)

    def values_at(x: np.ndarray) -> dict[str, float]:
        x = np.clip(x, 0.0, 1.0)
        return {p.path: float(v) for p, v in zip(parameters, low + x * span, strict=True)}

    done = 0
    best = math.inf

    def objective(x: np.ndarray) -> float:
        nonlocal done, best
        trial = apply(scenario, values_at(x))
        result = run_programme(trial, registry, targets.replications, seed)
        value = distance(check_targets(result, targets.fitted))
        done += 1
        best = min(best, value)
        if progress is not None:
            progress(done, best)
        return value

    simplex = [x0]
    for i in range(len(parameters)):
        step = np.zeros(len(parameters))
        step[i] = SIMPLEX_STEP if x0[i] + SIMPLEX_STEP <= 1.0 else -SIMPLEX_STEP
        simplex.append(np.clip(x0 + step, 0.0, 1.0))
    objective_start = objective(x0)
    fit = optimize.minimize(
        objective, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(parameters),
        options={"maxfev": max(targets.max_evaluations - 1, 1), "xatol": UNIT_TOLERANCE,
                 "fatol": OBJECTIVE_TOLERANCE, "initial_simplex": np.array(simplex)})
    fitted = {p.path: _round(v, p.high - p.low)
              for p, v in zip(parameters, values_at(fit.x).values(), strict=True)}
    calibrated = apply(scenario, fitted)
    name = targets.calibrated_name or f"{scenario.name} (calibrated)"
    calibrated = with_value(calibrated, "name", name)
    if targets.calibrated_name_zh or scenario.name_zh:
        name_zh = targets.calibrated_name_zh or f"{scenario.name_zh}（校准）"
        calibrated = with_value(calibrated, "name_zh", name_zh)

    evaluation_seed = seed + scenario.optimizer.evaluation_seed_offset
    reps = targets.report_replications
    checks = check_targets(run_programme(calibrated, registry, reps, evaluation_seed),
                           targets.targets)
    raw_checks = check_targets(run_programme(scenario, registry, reps, evaluation_seed),
                               targets.targets)
    return Calibration(
        raw=scenario, calibrated=calibrated, targets=targets, starting_values=start,
        fitted_values=fitted, objective_start=objective_start,
        objective=distance(check_targets(
            run_programme(calibrated, registry, targets.replications, seed), targets.fitted)),
        simulations=done, converged=bool(fit.success), seed=seed,
        evaluation_seed=evaluation_seed, checks=checks, raw_checks=raw_checks)


def summary_of(calibration: Calibration) -> dict[str, Any]:
    """A JSON-ready summary: fitted values, objective, and every target's check."""
    def rows(checks: list[TargetCheck]) -> list[dict[str, Any]]:
        return [{"name": c.target.name, "use": c.target.use, "figure": c.description,
                 "published": c.target.value, "band": [c.target.low, c.target.high],
                 "simulated": round(c.mean, 5),
                 "interval_95": [round(c.interval[0], 5), round(c.interval[1], 5)],
                 "inside_band": c.inside, "source": c.target.source} for c in checks]

    return {
        "scenario": calibration.raw.name, "calibrated": calibration.calibrated.name,
        "seed": calibration.seed, "evaluation_seed": calibration.evaluation_seed,
        "replications": calibration.targets.replications,
        "report_replications": calibration.targets.report_replications,
        "simulations": calibration.simulations, "converged": calibration.converged,
        "objective_start": round(calibration.objective_start, 5),
        "objective": round(calibration.objective, 5),
        "parameters": [{"path": p.path, "start": calibration.starting_values[p.path],
                        "fitted": calibration.fitted_values[p.path], "range": [p.low, p.high]}
                       for p in calibration.targets.parameters],
        "calibrated_targets": rows(calibration.checks),
        "raw_targets": rows(calibration.raw_checks),
    }
