"""Each household's risk of falling below the line, from the engine, given its records.

The engine simulates every household through the scenario's years in many replications (its
plan, shocks, dynamics). Each replication is a possible history of the household; the records
say which histories are likely: a replication is weighted by how well its yearly income and out-
of-pocket medical spending match what was recorded in the years before the watch year (log-
normal record errors ``watch.record_income_log_sd`` and ``watch.record_medical_log_sd``) — one
step of a particle filter. Where few replications match, the weights are shrunk towards equal
ones (``watch.prior_replications``). The weighted share of replications below the line in the
watch year is the household's risk; its weighted mean gap below the line is the expected
shortfall. A household judged by the safety net cannot fall below it (its guaranteed income
stays at the line): its risk is 0.

A logistic recalibration (:func:`fit_recalibration`) can be fitted on the year before — risks
for that year from the records before it, against the incomes then recorded — and applied to
the watch year: it corrects a model whose risks run high or low in the county at hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logit

from simulator.results import SimulationResult
from simulator.watch.records import MonitoringRecords

INCOME_FLOOR_YUAN = 100.0
"""Household incomes are compared on a log scale from this floor [yuan/year]: a loss-making
year and a year of no income are both 'nothing' to a record."""

RISK_CLIP = 1e-4
"""Risks are kept within [RISK_CLIP, 1 − RISK_CLIP] before the recalibration's logit: a
weighted share of a few hundred replications can be exactly 0 or 1."""


@dataclass(frozen=True, eq=False)
class Risk:
    """Model risks of every household (H,) for one watch year."""

    year: int
    below: np.ndarray
    """P(counted per-capita income below the line in the watch year) [probability]."""
    below_next: np.ndarray | None
    """The same for the year after (None when it is past the scenario's years)."""
    below_either: np.ndarray
    """P(below the line in the watch year or the year after; the watch year alone when the
    year after is past the scenario's years) — what the list ranks by."""
    shortfall: np.ndarray
    """Expected gap below the line in the watch year [yuan/person]."""
    effective_replications: np.ndarray
    """How many replications the weights are worth (1 / Σ w²): few means the records are far
    from anything the model simulates for the household."""


def below_line(paths: SimulationResult, y: int) -> np.ndarray:
    """(R, H) counted per-capita income below the line in simulated year index ``y``, for
    households judged by income (a safety-net household's guaranteed income stays at the
    line: never below)."""
    return (paths.per_capita[0, :, :, y] < paths.lines[y]) & ~paths.by_safety_net[None, :]


def replication_weights(paths: SimulationResult, records: MonitoringRecords, before: int
                        ) -> np.ndarray:
    """(R, H) each replication's weight for each household (columns sum to 1), from the
    records of the years before ``before`` that the run simulates."""
    watch = paths.scenario.watch
    years = [int(y) for y in paths.years]
    size = paths.registry.size.astype(float)
    n = paths.registry.n_households
    log_weight = np.zeros((paths.reps, n))
    for year in records.years:
        if year >= before or year not in years:
            continue
        y = years.index(year)
        seen = records.of_year(year, n)
        income = paths.per_capita[0, :, :, y] * size[None, :]
        checked = ~np.isnan(seen.income)
        gap = (np.log(np.maximum(income, INCOME_FLOOR_YUAN))
               - np.log(np.maximum(np.nan_to_num(seen.income), INCOME_FLOOR_YUAN))[None, :])
        log_weight -= np.where(checked[None, :], 0.5 * (gap / watch.record_income_log_sd) ** 2,
                               0.0)
        medical = np.log1p(paths.medical[:, :, y]) - np.log1p(seen.medical_out_of_pocket)[None]
        log_weight -= np.where(seen.recorded[None, :],
                               0.5 * (medical / watch.record_medical_log_sd) ** 2, 0.0)
    weight = np.exp(log_weight - log_weight.max(axis=0, keepdims=True))
    return weight / weight.sum(axis=0, keepdims=True)


def model_risk(paths: SimulationResult, records: MonitoringRecords, year: int) -> Risk:
    """Risks for watch year ``year`` from a plan run ``paths`` (per-capita income kept) and the
    records before it."""
    if paths.per_capita is None:
        raise ValueError("the run must keep per-capita income (simulate(keep_income=True))")
    years = [int(y) for y in paths.years]
    if year not in years:
        raise ValueError(f"watch year {year} is outside the scenario's years "
                         f"({years[0]}–{years[-1]})")
    weight = replication_weights(paths, records, year)
    effective = 1.0 / (weight ** 2).sum(axis=0)
    # Shrink towards the unweighted paths by how much weight the records left: a household
    # whose records only a handful of replications match would otherwise get a risk resting
    # on those few, too near 0 or 1.
    prior = paths.scenario.watch.prior_replications
    trust = effective / (effective + prior)
    weight = trust[None, :] * weight + (1.0 - trust[None, :]) / paths.reps
    y = years.index(year)
    below = below_line(paths, y)
    gap = np.maximum(paths.lines[y] - paths.per_capita[0, :, :, y], 0.0) * below
    below_next = below_line(paths, y + 1) if y + 1 < len(years) else None
    either = below if below_next is None else below | below_next
    return Risk(year=year, below=(weight * below).sum(axis=0),
                below_next=None if below_next is None else (weight * below_next).sum(axis=0),
                below_either=(weight * either).sum(axis=0),
                shortfall=(weight * gap).sum(axis=0), effective_replications=effective)


@dataclass(frozen=True)
class Recalibration:
    """p' = expit(intercept + slope · logit(p)), fitted on the year before the watch year."""

    intercept: float = 0.0
    slope: float = 1.0
    fitted_on: int | None = None
    """The year whose outcomes it was fitted to (None: identity, nothing to fit)."""

    def apply(self, risk: np.ndarray) -> np.ndarray:
        if self.fitted_on is None:
            return risk
        z = logit(np.clip(risk, RISK_CLIP, 1 - RISK_CLIP))
        return expit(self.intercept + self.slope * z)


def fit_recalibration(risk: np.ndarray, outcome: np.ndarray, year: int) -> Recalibration:
    """Logistic recalibration of ``risk`` (H,) to observed ``outcome`` (H,) of ``year``
    (maximum likelihood, L-BFGS: two parameters, a smooth convex loss). Identity when the
    outcomes are all alike (nothing to fit)."""
    outcome = np.asarray(outcome, dtype=float)
    if outcome.min() == outcome.max():
        return Recalibration()
    z = logit(np.clip(risk, RISK_CLIP, 1 - RISK_CLIP))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        p = expit(theta[0] + theta[1] * z)
        eps = 1e-12
        value = -np.mean(outcome * np.log(p + eps) + (1 - outcome) * np.log(1 - p + eps))
        residual = p - outcome
        return float(value), np.array([residual.mean(), (residual * z).mean()])

    fitted = minimize(loss, np.array([0.0, 1.0]), jac=True, method="L-BFGS-B")
    return Recalibration(float(fitted.x[0]), float(fitted.x[1]), year)
