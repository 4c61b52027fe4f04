"""How well the watch list finds the households that fall below the line: a backtest.

Each *world* is one replication of a plan run (default: no new support), taken as the county's
true history (seed s); the model's paths are another run on fresh random numbers (seed s + 1).
In every world the synthetic records of the years before the watch year t are all the model
sees. It

1. fits the recalibration on year t − 1: risks for t − 1 from the records before it, against
   who was below the line in t − 1;
2. scores year t: risks from the records before t, recalibrated; the model's list is the K
   riskiest households (K: their members reach ``watch.list_share_of_people`` of the registry's
   people); the rules' list is the households the official triggers flag, most severe first, cut
   at the same K.

Figures per world, then their mean and 95 % interval over worlds, and the model's gain over the
rules paired by world: precision and recall at K, lift, average precision (PR-AUC), Brier score,
recall by township, and the calibration table by decile of predicted risk.

The worlds come from the same engine as the model's paths, so the backtest measures the method
— conditioning on records, recalibrating, ranking — under the model's own dynamics; a hit rate
on a real county needs its real monitoring records (``tuopin watch --monitoring``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import norm

from simulator.engine import simulate
from simulator.errors import Problem, TuopinError
from simulator.packages import Package, Plan
from simulator.population import population_of
from simulator.registry import Registry
from simulator.results import SimulationResult
from simulator.scenario.model import Scenario
from simulator.statistics import paired, spread
from simulator.watch import before_help
from simulator.watch.risk import Recalibration, below_line, fit_recalibration, model_risk
from simulator.watch.rules import apply_rules
from simulator.watch.synthetic import synthetic_records

DECILES = 10
"""Bins of predicted risk in the calibration table."""

JOINT_LEVEL = 0.95
"""Coverage of the calibration bands taken together over the deciles."""

CALIBRATION_RESOLUTION = 0.005
"""A decile's observed rate within this of its predicted rate counts as inside the band
whatever the band's width [share]: deciles of households that never fall (predicted 0.00002,
observed 0 in every world) have a band of width 0."""


MODEL_SEED_OFFSET = 1
"""The model's paths in a backtest run on the worlds' root seed + this: fresh random numbers."""

RECORD_YEARS_BEFORE = 2
"""Years of records a backtest's watch year has before it: one to fit the recalibration on,
one more before that to condition its risks on."""


def default_year(scenario: Scenario) -> int:
    """The watch year a backtest scores unless told: the first with
    :data:`RECORD_YEARS_BEFORE` simulated years before it (the last year, if none has)."""
    years = [int(y) for y in scenario.calendar_years]
    return years[min(RECORD_YEARS_BEFORE, len(years) - 1)]


def list_size(registry: Registry, share: float) -> int:
    """K [households]: ``share`` of the registry's households — as many people as ``share`` of
    its people at the mean household size, and one K for every list compared."""
    return max(1, round(share * registry.n_households))


def top(score: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores (ties: the earlier household first)."""
    order = np.lexsort((np.arange(len(score)), -score))
    return order[:k]


def average_precision(score: np.ndarray, outcome: np.ndarray) -> float:
    """Area under the precision–recall curve as average precision: the mean of the precision
    at each positive's rank (households ranked by score, ties in household order)."""
    positives = int(outcome.sum())
    if positives == 0:
        return float("nan")
    ranked = outcome[np.lexsort((np.arange(len(score)), -score))]
    hits = np.cumsum(ranked)
    precision = hits / np.arange(1, len(ranked) + 1)
    return float((precision * ranked).sum() / positives)


@dataclass(frozen=True, eq=False)
class WorldScore:
    """One world's figures."""

    precision_model: float
    recall_model: float
    precision_rules: float
    recall_rules: float
    recall_union: float
    """Recall of the list a county would work from: the model's K joined with every flag."""
    average_precision: float
    brier: float
    recall_by_township: dict[str, float]
    recalibration: Recalibration
    flagged: int
    positives: int


@dataclass(frozen=True, eq=False)
class Backtest:
    """The backtest's figures over worlds, with the pooled calibration table."""

    scenario: Scenario
    year: int
    k: int
    worlds: list[WorldScore]
    predicted: np.ndarray
    """(worlds × H,) recalibrated risks for the watch year, pooled."""
    observed: np.ndarray
    """(worlds × H,) below the line in the watch year (truth), pooled."""
    seeds: tuple[int, int] = (0, 0)
    """(worlds' seed, model paths' seed)."""
    notes: list[str] = field(default_factory=list)

    def _values(self, name: str) -> np.ndarray:
        return np.array([getattr(w, name) for w in self.worlds], dtype=float)

    def calibration(self) -> list[dict[str, float]]:
        """One row per decile of predicted risk (deciles of all worlds' predictions): households,
        mean predicted and observed rates (means over worlds of each world's rate in the
        decile), the band the observed rate should lie in were the predictions right, and
        whether it does.

        The band is drawn from the worlds, not from a binomial count: in one world a village's
        disaster or a bad year moves many households at once, so households are not
        independent draws. Each world gives its observed minus predicted rate in the decile;
        the band is the predicted rate ± z standard errors of their mean, with z for 95 %
        jointly over the ten deciles (Bonferroni, 99.5 % each): a calibrated model then has
        every decile inside in 95 % of backtests, where ten separate 95 % bands would all hold
        in only 60 %."""
        worlds = len(self.worlds)
        predicted = self.predicted.reshape(worlds, -1)
        observed = self.observed.reshape(worlds, -1)
        edges = np.quantile(self.predicted, np.linspace(0, 1, DECILES + 1))
        decile = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, DECILES - 1)
        z = float(norm.ppf(1 - (1 - JOINT_LEVEL) / (2 * DECILES)))
        rows = []
        for d in range(DECILES):
            members = decile == d
            used = [w for w in range(worlds) if members[w].any()]
            if not used:
                continue
            p = np.array([predicted[w][members[w]].mean() for w in used])
            o = np.array([observed[w][members[w]].mean() for w in used])
            half = z * float(np.std(o - p, ddof=1)) / np.sqrt(len(used)) \
                if len(used) > 1 else 0.0
            gap = float(np.mean(o - p))
            rows.append({"households": int(members.sum()), "predicted": float(p.mean()),
                         "observed": float(o.mean()), "band_low": float(p.mean() - half),
                         "band_high": float(p.mean() + half),
                         "inside": bool(abs(gap) <= max(half, CALIBRATION_RESOLUTION))})
        return rows

    def summary(self) -> dict[str, Any]:
        """Everything the report shows, JSON-ready."""
        townships = sorted(self.worlds[0].recall_by_township)
        return {
            "scenario": self.scenario.name, "watch_year": self.year, "list_size_households": self.k,
            "worlds": len(self.worlds), "seeds": {"worlds": self.seeds[0],
                                                  "model_paths": self.seeds[1]},
            "synthetic": True,
            # shares as percentages: two decimals of a share would hide a gain of a point
            "precision_at_k_percent": {"model": spread(100 * self._values("precision_model")),
                                       "rules": spread(100 * self._values("precision_rules"))},
            "recall_at_k_percent": {
                "model": spread(100 * self._values("recall_model")),
                "rules": spread(100 * self._values("recall_rules")),
                "model_and_rules": spread(100 * self._values("recall_union"))},
            "recall_gain_model_over_rules_points": paired(
                100 * self._values("recall_model"), 100 * self._values("recall_rules")),
            "lift_over_rules": _ratio(self._values("precision_model"),
                                      self._values("precision_rules")),
            "average_precision": spread(self._values("average_precision")),
            "brier": spread(self._values("brier")),
            "households_flagged_by_rules": spread(self._values("flagged")),
            "households_below_line": spread(self._values("positives")),
            "recall_by_township_percent": {
                t: spread(100 * np.array([w.recall_by_township[t] for w in self.worlds]))
                for t in townships},
            "calibration_by_decile": self.calibration(),
            "notes": self.notes,
        }


def _ratio(a: np.ndarray, b: np.ndarray) -> float | None:
    return float(a.mean() / b.mean()) if b.mean() > 0 else None


def backtest(scenario: Scenario, registry: Registry | None = None, *, year: int | None = None,
             worlds: int = 50, reps: int | None = None, seed: int | None = None,
             plan: Plan | None = None, recalibrate: bool = True) -> Backtest:
    """Backtest the watch list on ``worlds`` synthetic histories under ``plan`` (default: no
    new support — the registry's incomes already hold what households receive; a list is for
    finding who falls without more help).

    ``year`` is the watch year (default: the last year with two years of records before it
    and one after it, when the horizon allows). ``reps`` are the model's replications
    (default ``watch.backtest_replications``).
    """
    registry = registry if registry is not None else population_of(scenario)
    plan = plan if plan is not None else Plan.everyone(Package(), registry.n_households)
    years = [int(y) for y in scenario.calendar_years]
    if year is None:
        year = default_year(scenario)
    if year - RECORD_YEARS_BEFORE < years[0] or year not in years:
        first = years[0] + RECORD_YEARS_BEFORE
        span = f"a year from {first} to {years[-1]}" if first <= years[-1] else \
            f"none in {years[0]}–{years[-1]}: the scenario needs at least " \
            f"{first - years[0] + 1} years"
        raise TuopinError([Problem("--year", f"expected {span} (the watch year needs "
                                   f"{RECORD_YEARS_BEFORE} simulated years before it), found "
                                   f"{year}")])
    seed = scenario.simulation.seed if seed is None else seed
    scenario = before_help(scenario)
    truth = simulate(scenario, plan, registry=registry, reps=worlds, seed=seed)
    reps = scenario.watch.backtest_replications if reps is None else reps
    paths = simulate(scenario, plan, registry=registry, reps=reps,
                     seed=seed + MODEL_SEED_OFFSET)
    k = list_size(registry, scenario.watch.list_share_of_people)
    scores = []
    predicted, observed = [], []
    for world in range(worlds):
        score, p, o = _score_world(scenario, registry, truth, paths, world, year, k,
                                   recalibrate)
        scores.append(score)
        predicted.append(p)
        observed.append(o)
    return Backtest(scenario, year, k, scores, np.concatenate(predicted),
                    np.concatenate(observed).astype(float), (seed, seed + MODEL_SEED_OFFSET))


def _below(truth: SimulationResult, world: int, year: int) -> np.ndarray:
    """(H,) below the line in ``year`` in one world (households judged by income)."""
    return below_line(truth, [int(v) for v in truth.years].index(year))[world]


def _score_world(scenario: Scenario, registry: Registry, truth: SimulationResult,
                 paths: SimulationResult, world: int, year: int, k: int, recalibrate: bool
                 ) -> tuple[WorldScore, np.ndarray, np.ndarray]:
    records = synthetic_records(truth, world, through=year - 1)
    recalibration = Recalibration()
    if recalibrate:
        fit_risk = model_risk(paths, records, year - 1).below
        recalibration = fit_recalibration(fit_risk, _below(truth, world, year - 1), year - 1)
    risk = recalibration.apply(model_risk(paths, records, year).below)
    outcome = _below(truth, world, year)
    flags = apply_rules(scenario, registry, records, year)
    model_list = top(risk, k)
    flagged = np.flatnonzero(flags.flagged)
    rules_list = flagged[top(flags.severity[flagged], k)]
    positives = int(outcome.sum())

    def hits(chosen: np.ndarray) -> int:
        return int(outcome[chosen].sum())

    def recall(chosen: np.ndarray) -> float:
        return hits(chosen) / positives if positives else float("nan")

    union = np.union1d(model_list, flagged)
    by_township = {}
    for town in sorted(set(registry.township.tolist())):
        members = registry.township == town
        in_town = int((outcome & members).sum())
        chosen = model_list[members[model_list]]
        by_township[town] = hits(chosen) / in_town if in_town else float("nan")
    score = WorldScore(
        precision_model=hits(model_list) / len(model_list),
        recall_model=recall(model_list),
        precision_rules=hits(rules_list) / len(rules_list) if len(rules_list) else 0.0,
        recall_rules=recall(rules_list), recall_union=recall(union),
        average_precision=average_precision(risk, outcome),
        brier=float(np.mean((risk - outcome) ** 2)), recall_by_township=by_township,
        recalibration=recalibration, flagged=len(flagged), positives=positives)
    return score, risk, outcome
