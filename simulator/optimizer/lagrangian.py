"""Lagrangian decomposition of the allocation model, for registries too large for one LP.

Pricing every coupling row (:mod:`simulator.optimizer.rows`) with a multiplier λ_i ≥ 0 splits
the expected-exits model into one tiny problem per household — take the package with the best
priced value

    r[h,k] = p_stable[h,k] − Σ_i λ_i a_i[h,k]        (rows written as a_i·x ≤ b_i)

and ``L(λ) = Σ_h max_k r[h,k] + Σ_i λ_i b_i`` bounds every allocation, for any λ. Its minimum
equals the LP bound, because each household's own problem (one package out of K) has an integral
LP. With about twenty multipliers, ``L`` is minimised by a box-step cutting-plane method (a
small LP over the multipliers, solved with scipy's HiGHS); each evaluation is a few numpy passes
over the (H, K) arrays, about 0.1 s at 100,000 households.

The priced values then play the part of LP reduced costs in :func:`strategies._lp_first`: a
MILP over each household's near-best packages gives an allocation, and its distance to ``L`` is
a proven gap.

The risk-aware objective ``(1 − w)·E[S] + w·CVaR`` (the mean of the worst (1 − α) share of
replications) decomposes the same way. CVaR is ``max_η η − Σ_r max(0, η − S_r) / ((1 − α) R)``;
pricing the rows ``z_r ≥ η − S_r`` leaves replication weights μ_r with 0 ≤ μ_r ≤ w / ((1 − α) R)
and Σ μ_r = w (the CVaR's risk envelope), and each household's priced value becomes
``(1 − w)·p[h,k] + Σ_r μ_r·stable[k,r,h] − Σ_i λ_i a_i[h,k]``. The weights are R more
multipliers for the same cutting-plane method, kept in the equality Σ μ_r = w.

PV sites enter through their LP relaxation: a PV household starting in plan year s needs
1 / households_per_site of a site, whose fixed cost can be paid in any year up to s (the model
may open a site early); the priced cost takes the cheapest of those years. A township's cap on
sites becomes a cap on its PV households.
"""

from __future__ import annotations

import copy
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.optimizer.candidates import CandidateSet
from simulator.optimizer.highs import quiet_highs
from simulator.optimizer.rows import MONEY_UNIT, SITE_CAP_FIELD, Row, coupling_rows
from simulator.optimizer.sites import SiteRules

BUNDLE_TOLERANCE = 1e-7
"""Stop when the cutting-plane model predicts less than this relative decrease of L."""

BUNDLE_EVALUATIONS = 400
"""Most evaluations of L (each one numpy pass over households × packages)."""

BUNDLE_SIZE = 120
"""Cuts kept in the cutting-plane model (the most recent ones)."""

CVAR_BUNDLE_EVALUATIONS = 400
"""Most evaluations with the CVaR weights. With R = 200 more multipliers the cutting-plane method
converges slowly (measured on ruyuan-2016: bound 2,375.7 after 100 evaluations in 3 s, 2,375.2
after 250 in 10 s, 2,373.5 after 800 in 61 s); any point gives a valid bound, so the method
stops here and the gap is measured against what it reached."""

SERIOUS_STEP_SHARE = 0.1
"""A trial point becomes the new centre when L falls by at least this share of the decrease
the cutting-plane model predicted (the usual bundle-method test)."""

INITIAL_STEP_SHARE = 0.01
"""First half-width of the multiplier box, as a share of L(0) (multipliers are in stable exits
per unit of each row scaled to its right-hand side)."""


@dataclass(frozen=True, eq=False)
class Prices:
    """Multipliers that price the coupling rows, and what they imply."""

    rows: list[Row]
    multipliers: np.ndarray
    """(m,) price of each row [stable exits per unit of the row: per 万元, per person…]."""
    bound: float
    """L(multipliers): an upper bound on expected stable exits (less target penalties)."""
    priced: np.ndarray
    """(H, K) priced value r[h,k] (−inf where the household is not eligible)."""
    evaluations: int
    seconds: float
    tail_weights: np.ndarray | None = None
    """(R,) replication weights of the CVaR term at the minimum (None without a tail)."""

    def margin(self) -> np.ndarray:
        """(H, K) how far each package is below the household's best priced package; forcing
        x[h,k] = 1 costs at least this much of the bound."""
        return self.priced.max(axis=1, keepdims=True) - self.priced

    def budget_duals(self) -> list[float]:
        """Price of each plan year's budget [stable exits per 万元]."""
        return [float(self.multipliers[i]) for i, row in enumerate(self.rows)
                if row.kind == "budget"]


@dataclass(frozen=True)
class Tail:
    """The CVaR term of the risk-aware objective."""

    alpha: float
    """Confidence level: the tail is the worst 1 − alpha share of replications."""
    weight: float
    """Weight w of the tail mean against the expected stable exits."""


class _Dual:
    """L and a subgradient, with the rows scaled to right-hand sides of about one.

    The variables are the m row multipliers (scaled) followed, with a CVaR tail, by R
    replication weights ν_r = μ_r·R / w (so 0 ≤ ν_r ≤ 1 / (1 − α) and Σ ν_r = R).
    """

    def __init__(self, cands: CandidateSet, rows: list[Row], tail: Tail | None = None) -> None:
        self.cands: CandidateSet | None = cands
        self.n_households = cands.n_households
        self.rows = rows
        self.tail = tail
        expected = cands.p_stable if tail is None else (1 - tail.weight) * cands.p_stable
        self.value = np.where(cands.feasible, expected, -np.inf)
        self.reps = cands.stable.shape[1] if tail is not None else 0
        # (R, K, H) as floats once, laid out replication-first: every evaluation contracts it
        # with the weights, and another layout would be copied each time (150 MB, 20 ms)
        self.stable = np.ascontiguousarray(cands.stable.transpose(1, 0, 2), dtype=np.float32) \
            if tail is not None else None
        self.sign = np.array([1.0 if row.sense == "<=" else -1.0 for row in rows])
        self.scale = np.array([max(abs(row.rhs), 1.0) for row in rows])
        self.rhs = np.array([row.rhs for row in rows])
        penalty = cands.scenario.optimizer.exit_target_penalty
        # A soft exit target's shortfall costs ``penalty`` per person: its price is capped there.
        self.upper = np.array([penalty * self.scale[i] if row.kind == "exit_target" else np.inf
                               for i, row in enumerate(rows)])
        self.full = [(i, row.full) for i, row in enumerate(rows) if row.full is not None]
        ranked = [i for i, row in enumerate(rows) if row.household is not None]
        self.ranked = np.array(ranked, dtype=np.int64)
        self.households = np.stack([rows[i].household for i in ranked], axis=1) if ranked \
            else np.zeros((cands.n_households, 0))
        self.packages = np.stack([rows[i].package for i in ranked], axis=1) if ranked \
            else np.zeros((cands.n_packages, 0))
        self._sites()

    def _sites(self) -> None:
        self.budget_index = [i for i, row in enumerate(self.rows) if row.kind == "budget"]
        self.site_cost = SiteRules.of(self.cands.scenario).cost_per_household / MONEY_UNIT
        self.pv_start = [self.cands.uses("pv", year).astype(float)
                         for year in range(self.cands.plan_years)]

    @property
    def size(self) -> int:
        return len(self.rows) + self.reps

    def without_candidates(self) -> _Dual:
        """The same prices' function without its candidate set (the expected objective needs
        only the rows and values held here): a province keeps each county's apart from its
        candidates, a tenth of their size, and reads it back at every pricing."""
        if self.tail is not None:
            raise ValueError("a dual with a CVaR tail needs its candidates' replications")
        detached = copy.copy(self)
        detached.cands = None
        return detached

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of every variable."""
        low = np.zeros(self.size)
        high = np.concatenate([self.upper, np.full(self.reps, 1.0 / (1.0 - self.tail.alpha))
                               if self.tail is not None else np.zeros(0)])
        return low, high

    def start(self) -> np.ndarray:
        """Row prices 0 and, with a tail, equal replication weights (the expected value)."""
        return np.concatenate([np.zeros(len(self.rows)), np.ones(self.reps)])

    def prices(self, variables: np.ndarray) -> np.ndarray:
        """Multipliers per unit of each row from multipliers per scaled row."""
        return variables[:len(self.rows)] / self.scale

    def evaluate(self, variables: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """L, a subgradient (both in the scaled variables) and the priced values."""
        price = self.signed_prices(variables)
        weights = None
        if self.tail is not None:
            weights = variables[len(self.rows):] * (self.tail.weight / self.reps)
        best, activity, priced, choice = self.respond(price, weights)
        value = float(best + price @ self.rhs)
        subgradient = self.sign * (self.rhs - activity) / self.scale
        if self.tail is not None:
            households = np.arange(self.n_households)
            exits = self.stable[:, choice, households].sum(axis=1, dtype=np.float64)  # (R,)
            subgradient = np.concatenate([subgradient, exits * (self.tail.weight / self.reps)])
        return value, subgradient, priced

    def signed_prices(self, variables: np.ndarray) -> np.ndarray:
        """(m,) each row's price with its sense: positive on ≤ rows, negative on ≥ rows."""
        return self.sign * self.prices(variables)

    def respond(self, price: np.ndarray, tail_weights: np.ndarray | None = None
                ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """Every household's best package at signed row prices ``price`` (and, with a tail, the
        replication weights): Σ_h of its priced value, each row's activity there (PV sites
        included), the (H, K) priced values and the (H,) choice."""
        priced = self.value.copy()
        if tail_weights is not None:
            priced += np.tensordot(tail_weights.astype(np.float32), self.stable, axes=1).T
        for i, full in self.full:
            if price[i] != 0:
                priced -= price[i] * full
        if len(self.ranked):
            priced -= (self.households * price[self.ranked]) @ self.packages.T
        paid_in = self._site_years(price)
        for start, year in enumerate(paid_in):
            if self.site_cost > 0:
                priced -= (price[self.budget_index[year]] * self.site_cost) * self.pv_start[start]
        choice = priced.argmax(axis=1)
        households = np.arange(self.n_households)
        activity = np.array([row.at(households, choice).sum() for row in self.rows])
        for start, year in enumerate(paid_in):
            activity[self.budget_index[year]] += self.site_cost * self.pv_start[start][choice].sum()
        return float(priced[households, choice].sum()), activity, priced, choice

    def _site_years(self, price: np.ndarray) -> list[int]:
        """For each PV start year, the cheapest budget year (up to it) to pay for the site."""
        if not self.budget_index:
            return []
        budget_price = price[self.budget_index]
        return [int(np.argmin(budget_price[:start + 1])) for start in range(len(self.pv_start))]


def price_rows(cands: CandidateSet, budgets: Sequence[float],
               tail: Tail | None = None) -> Prices:
    """Minimise L over the multipliers (box-step cutting planes); the best point found.

    With ``tail``, L bounds the risk-aware objective (1 − w)·E[S] + w·CVaR instead.
    """
    started = time.perf_counter()
    rows = coupling_rows(cands, budgets) + _site_cap_rows(cands)
    dual = _Dual(cands, rows, tail)
    low, high = dual.bounds()
    equality = None
    if tail is not None:  # Σ ν_r = R: the replication weights keep their total
        equality = np.concatenate([np.zeros(len(rows)), np.ones(dual.reps)])
    cap = BUNDLE_EVALUATIONS if tail is None else CVAR_BUNDLE_EVALUATIONS
    centre, best, priced, evaluations, _step = minimise_dual(dual.evaluate, dual.start(), low,
                                                             high, equality, cap)
    weights = centre[len(rows):] if tail is not None else None
    return Prices(rows=rows, multipliers=dual.prices(centre), bound=best, priced=priced,
                  evaluations=evaluations, seconds=time.perf_counter() - started,
                  tail_weights=weights)


def minimise_dual(evaluate: Callable[[np.ndarray], tuple[float, np.ndarray, Any]],
                  start: np.ndarray, low: np.ndarray, high: np.ndarray,
                  equality: np.ndarray | None = None, cap: int = BUNDLE_EVALUATIONS,
                  step: float | None = None, tolerance: float = BUNDLE_TOLERANCE,
                  cuts: list[tuple[np.ndarray, float, np.ndarray, Any]] | None = None,
                  primal: bool = False) -> tuple[np.ndarray, float, Any, int, float]:
    """Minimise a convex piecewise-linear function given by ``evaluate(v) → (value,
    subgradient, payload)`` within the bounds (and, optionally, keeping ``equality · v``) by the
    box-step cutting-plane method, from ``start`` with a box of half-width ``step`` (default
    a share of the first value): the best point, its value and payload, the evaluations and the
    last box (a later minimum of a nearby function can start with it).

    ``cuts`` (point, value, subgradient, payload), if given, are valid cuts of this function
    known beforehand (they start the model); every evaluation is appended to it, the oldest
    dropped past :data:`BUNDLE_SIZE`. Without ``cuts`` no evaluation's payload is kept but the
    best one: a single county's payload is its (H, K) priced values, and keeping every
    evaluation's made a county of 15,000 households peak at 2.5 GB instead of 0.46.

    With ``primal`` (payloads that add and scale, such as arrays), the payload returned is not
    the best evaluation's but the combination of the model's cuts weighted by their prices in
    the model's last minimum (its LP duals: non-negative, summing to one). Where L is minimal
    those weights make the subgradients cancel, so the combined payload — what the households
    would spend, mixed over the last answers — keeps the priced rows, as no single answer at a
    kink of L does (the classic primal recovery of bundle methods).
    """
    centre = start
    best, subgradient, payload = evaluate(centre)
    if step is None:
        step = max(abs(best), 1.0) * INITIAL_STEP_SHARE
    evaluations = 1
    size = len(start)
    master = _Master(size, low, high, equality, centre) if size else None
    keep = cuts is not None
    known = cuts if keep else []
    # with ``primal``, the payload of each cut in the model, oldest first, as the model drops
    # them (only then: a county's payloads are (H, K) arrays, 120 of them 1.5 GB at 35,000
    # households)
    modelled: deque[Any] = deque(maxlen=BUNDLE_SIZE if primal else 0)
    if master is not None:
        for point, value, gradient, earlier in known[-(BUNDLE_SIZE - 1):]:
            master.add(point, value, gradient)
            modelled.append(earlier)
        master.add(centre, best, subgradient)
        modelled.append(payload)
    if keep:
        known.append((centre, best, subgradient, payload))
    while master is not None and evaluations < cap:
        trial, predicted = master.minimise(centre, step, best)
        decrease = best - predicted
        if decrease <= tolerance * max(abs(best), 1.0):
            break
        value, subgradient, trial_payload = evaluate(trial)
        evaluations += 1
        master.add(trial, value, subgradient)
        modelled.append(trial_payload)
        if keep:
            known.append((trial, value, subgradient, trial_payload))
            del known[:-BUNDLE_SIZE]
        # A null step (no sufficient decrease) keeps the box: its cut improves the model.
        # Shrinking the box there stalls the method far from the minimum with the CVaR
        # weights (measured: a bound 1.6 % above the LP value instead of 0.004 %).
        if value <= best - SERIOUS_STEP_SHARE * decrease:
            on_edge = np.any(np.isclose(np.abs(trial - centre), step))
            centre, best, payload = trial, value, trial_payload
            if on_edge:
                step *= 2.0
    del known[:-BUNDLE_SIZE]
    if primal and master is not None:
        master.minimise(centre, step, best)  # the model's duals at the final box
        weights = master.cut_weights()
        if weights is not None:
            payload = sum(w * p for w, p in zip(weights, modelled, strict=True) if w > 0)
    return centre, best, payload, evaluations, step


class _Master:
    """The cutting-plane model of L, minimised within a box around the centre: one HiGHS LP kept
    across the iterations. Each evaluation adds its cut as a row, the oldest row leaves past
    :data:`BUNDLE_SIZE`, and the box moves by changing the variables' bounds, so each solve
    starts from the last basis (a few pivots) instead of from nothing — with the R replication
    weights of the CVaR objective, from nothing took most of the method's time.

    Variables: the multipliers (m), then the model value t; minimise t subject to
    t ≥ value_j + gradient_j · (v − point_j) for every kept cut j.
    """

    def __init__(self, size: int, low: np.ndarray, high: np.ndarray,
                 equality: np.ndarray | None, centre: np.ndarray) -> None:
        import highspy

        self.size = size
        self.low, self.high = low, high
        self.highs = quiet_highs()
        self.infinity = highspy.kHighsInf
        cost = np.zeros(size + 1)
        cost[-1] = 1.0
        self.highs.addVars(size + 1, np.concatenate([low, [-self.infinity]]),
                           np.concatenate([np.minimum(high, self.infinity), [self.infinity]]))
        self.highs.changeColsCost(size + 1, np.arange(size + 1, dtype=np.int32), cost)
        self.fixed_rows = 0
        if equality is not None:  # the replication weights keep their total
            total = float(equality @ centre)
            columns = np.flatnonzero(equality).astype(np.int32)
            self.highs.addRow(total, total, len(columns), columns, equality[columns])
            self.fixed_rows = 1
        self.cuts = 0
        self.optimal = highspy.HighsModelStatus.kOptimal

    def add(self, point: np.ndarray, value: float, gradient: np.ndarray) -> None:
        """Add the cut of an evaluation; drop the oldest past :data:`BUNDLE_SIZE`."""
        if self.cuts == BUNDLE_SIZE:  # the oldest cuts are rarely active; the LP stays small
            self.highs.deleteRows(1, np.array([self.fixed_rows], dtype=np.int32))
            self.cuts -= 1
        columns = np.arange(self.size + 1, dtype=np.int32)
        self.highs.addRow(-self.infinity, float(gradient @ point) - value, self.size + 1,
                          columns, np.append(gradient, -1.0))
        self.cuts += 1

    def minimise(self, centre: np.ndarray, step: float, fallback: float
                 ) -> tuple[np.ndarray, float]:
        """The model's minimum within the box of half-width ``step`` around ``centre``, and
        the model's value there (the centre and ``fallback`` when the LP fails)."""
        columns = np.arange(self.size, dtype=np.int32)
        self.highs.changeColsBounds(self.size, columns, np.maximum(self.low, centre - step),
                                    np.minimum(self.high, centre + step))
        self.highs.run()
        if self.highs.getModelStatus() != self.optimal:
            return centre, fallback
        x = np.array(self.highs.getSolution().col_value)
        return x[:self.size], float(x[-1])

    def cut_weights(self) -> np.ndarray | None:
        """Each cut's weight in the last minimum (oldest first): the magnitudes of its row
        duals, which sum to one there (the dual of the model value t); None when the last
        solve was not optimal."""
        if self.highs.getModelStatus() != self.optimal:
            return None
        duals = np.abs(np.array(self.highs.getSolution().row_dual)[self.fixed_rows:])
        total = duals.sum()
        return duals / total if total > 0 else None


def _site_cap_rows(cands: CandidateSet) -> list[Row]:
    """A township's site cap as a cap on its PV households (the LP relaxation of the sites)."""
    cap = SiteRules.of(cands.scenario).households_cap
    if cap is None:
        return []
    townships = cands.registry.township
    uses = cands.uses("pv").astype(float)
    return [Row(f"pv_site_cap_{t}", "capacity", "<=", cap,
                household=(townships == town).astype(float), package=uses,
                limit=SITE_CAP_FIELD,
                per_limit=float(SiteRules.of(cands.scenario).households_per_site))
            for t, town in enumerate(sorted(set(townships.tolist())))]
