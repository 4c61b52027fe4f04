"""An allocation read from the Lagrangian prices: no MILP where the bound already proves it good.

At the prices that minimise the Lagrangian (:mod:`simulator.optimizer.lagrangian`), every
household's best priced package is an allocation whose distance to the bound is the priced value
of the rows it leaves slack, Σ_i λ_i·(b_i − a_i·x): near zero when the prices are right, because
rows with a price are then nearly tight. It may break a row by a little, where households are
tied between packages at the prices (a tiled registry has many identical households, and the
argmax sends them all the same way); the rows it breaks are repaired by moving households to
the package that costs the least priced value per unit of the row won back.

The allocation is used only when its objective is within the requested gap of the bound, so
the answer is as proven as the MILP's; otherwise the caller solves the restricted MILP as
before. On large registries this replaces a MILP whose solve takes tens of seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.optimizer.candidates import MONEY_TOLERANCE_YUAN, CandidateSet
from simulator.optimizer.lagrangian import Prices
from simulator.optimizer.rows import MONEY_UNIT, Row

REPAIR_ROUNDS = 20
"""Most rounds of repair (each mends the row broken the most); past them the caller's MILP
takes over."""

ROW_TOLERANCE = MONEY_TOLERANCE_YUAN / MONEY_UNIT
"""Slack allowed on a row, in the row's own unit (budget rows are in 万元)."""


@dataclass(frozen=True)
class PricedAllocation:
    """A feasible allocation built from the prices, and its objective."""

    choice: np.ndarray
    """(H,) the package of each household."""
    objective: float
    """Expected stable exits less the exit-target shortfall penalty (the model's objective)."""
    exit_target_shortfall: list[float]
    """People short of each plan year's cumulative exit target."""
    binding: list[str]
    """Names of the hard rows with no slack left."""


def priced_allocation(cands: CandidateSet, prices: Prices) -> PricedAllocation | None:
    """Each household's best priced package, with broken rows repaired; None when the repair
    does not make every hard row hold within :data:`REPAIR_ROUNDS` rounds."""
    priced = np.where(cands.feasible, prices.priced, -np.inf)
    choice = priced.argmax(axis=1)
    hard = [row for row in prices.rows if row.kind != "exit_target"]
    filled = False
    mended: set[int] = set()  # rows mended in earlier rounds: later rounds try not to break them
    seen = {choice.tobytes()}
    for _ in range(REPAIR_ROUNDS):
        excess = _excess(cands, hard, choice)
        worst = int(np.argmax(excess)) if len(excess) else -1
        if worst < 0 or excess[worst] <= ROW_TOLERANCE:
            if filled:
                return _allocation(cands, prices.rows, choice)
            # then spend the slack; PV sites it opens are checked by the next round
            choice, filled = _fill(cands, prices, hard, choice, excess), True
            continue
        mending = _mend(cands, priced, hard, worst, choice, excess, mended)
        if mending is None and mended:
            # a row that cannot be mended without breaking an earlier one may break it: the
            # next rounds mend that one again, and a repeated allocation ends the repair
            mending = _mend(cands, priced, hard, worst, choice, excess)
        if mending is None or mending.tobytes() in seen:
            return None
        choice = mending
        mended.add(worst)
        seen.add(choice.tobytes())
    return None


def _excess(cands: CandidateSet, rows: list[Row], choice: np.ndarray) -> np.ndarray:
    """(rows,) how far the allocation breaks each row (≤ 0 where it holds), in the row's unit.
    Budget rows also pay the PV sites the allocation opens (integer sites)."""
    households = np.arange(cands.n_households)
    sites = cands.site_costs(choice) / MONEY_UNIT
    out = np.empty(len(rows))
    for i, row in enumerate(rows):
        activity = float(row.at(households, choice).sum())
        if row.kind == "budget":
            activity += sites[row.year]
        out[i] = activity - row.rhs if row.sense == "<=" else row.rhs - activity
    return out


def _won(row: Row, cands: CandidateSet, choice: np.ndarray) -> np.ndarray:
    """(H, K) how much of ``row`` each household's move to package k wins back (its activity
    lowered for a ≤ row, raised for a ≥ row)."""
    coefficient = row.dense(cands.feasible.shape)
    sign = 1.0 if row.sense == "<=" else -1.0
    return sign * (coefficient[np.arange(cands.n_households), choice][:, None] - coefficient)


def _effects(rows: list[Row], choice: np.ndarray, movers: np.ndarray, targets: np.ndarray
             ) -> np.ndarray:
    """(moves, rows) what moving each of ``movers`` to its target package does to every row
    (positive: wins some of the row back)."""
    return np.stack([(1.0 if row.sense == "<=" else -1.0)
                     * (row.at(movers, choice[movers]) - row.at(movers, targets))
                     for row in rows], axis=1)


def _mend(cands: CandidateSet, priced: np.ndarray, rows: list[Row], worst: int,
          choice: np.ndarray, excess: np.ndarray, protected: frozenset[int] | set[int] = frozenset()
          ) -> np.ndarray | None:
    """Move households, cheapest first in priced value lost per unit of row ``worst`` won
    back, until its excess is won back. A move that would take another row past its slack is
    skipped while the others suffice (else two rows can trade the same tied households back and
    forth); a move that breaks a ``protected`` row (one mended in an earlier round) is always
    skipped, for the same reason across rounds. None when all the moves together cannot win
    the row back."""
    households = np.arange(cands.n_households)
    won = _won(rows[worst], cands, choice)  # (H, K)
    lost = priced[households, choice][:, None] - priced  # ≥ 0 at the priced best
    movable = cands.feasible & (won > ROW_TOLERANCE)
    for i in protected:
        if i != worst and -excess[i] <= ROW_TOLERANCE:  # a mended row with no slack left
            movable &= _won(rows[i], cands, choice) >= -ROW_TOLERANCE
    if not movable.any():
        return None
    ratio = np.where(movable, np.maximum(lost, 0.0) / np.where(movable, won, 1.0), np.inf)
    target = ratio.argmin(axis=1)
    best_ratio = ratio[households, target]
    order = np.argsort(best_ratio, kind="stable")
    order = order[np.isfinite(best_ratio[order])]
    effects = _effects(rows, choice, order, target[order])
    # First without taking another row past its slack; if that cannot win the row back, the
    # cheapest moves are made anyway and the rows they break are mended in the next rounds.
    for strict in (True, False):
        room = -excess.copy()
        mended = choice.copy()
        for move, effect in zip(order, effects, strict=True):
            after = room + effect
            breaks = (after < -ROW_TOLERANCE) & (effect < 0)
            breaks[worst] = False
            if breaks.any() and (strict or any(breaks[i] for i in protected)):
                continue
            room = after
            mended[move] = target[move]
            if room[worst] >= -ROW_TOLERANCE:
                return mended
    return None


def _fill(cands: CandidateSet, prices: Prices, rows: list[Row], choice: np.ndarray,
          excess: np.ndarray) -> np.ndarray:
    """Spend what priced rows (budgets) left unused: the gap to the bound is the price of
    that slack. Households move to a package with a higher chance of a stable exit, the most
    gained per unit of the row first, as long as no row goes past its slack."""
    households = np.arange(cands.n_households)
    price = dict(zip((row.name for row in prices.rows), prices.multipliers, strict=True))
    room = -excess.copy()
    choice = choice.copy()
    for i, row in enumerate(rows):
        if price.get(row.name, 0.0) <= 0 or room[i] <= ROW_TOLERANCE:
            continue
        used = -_won(row, cands, choice)  # (H, K) more of the row taken by the move
        gained = cands.p_stable - cands.p_stable[households, choice][:, None]
        useful = cands.feasible & (gained > 0) & (used > ROW_TOLERANCE)
        if not useful.any():
            continue
        ratio = np.where(useful, gained / np.where(useful, used, 1.0), -np.inf)
        target = ratio.argmax(axis=1)
        best = ratio[households, target]
        order = np.argsort(-best, kind="stable")
        order = order[np.isfinite(best[order])]
        effects = _effects(rows, choice, order, target[order])
        for move, effect in zip(order, effects, strict=True):
            after = room + effect
            if np.any((after < -ROW_TOLERANCE) & (effect < 0)):
                continue
            room = after
            choice[move] = target[move]
            if room[i] <= ROW_TOLERANCE:
                break
    return choice


def _allocation(cands: CandidateSet, rows: list[Row], choice: np.ndarray) -> PricedAllocation:
    """The allocation with its objective as the model values it (expected stable exits less
    the penalty on each exit target's shortfall) and its rows with no slack left."""
    penalty = cands.scenario.optimizer.exit_target_penalty
    excess = _excess(cands, rows, choice)
    targets = [row.kind == "exit_target" for row in rows]
    shortfall = [max(0.0, e) for e, target in zip(excess, targets, strict=True) if target]
    objective = float(cands.p_stable[np.arange(cands.n_households), choice].sum()) \
        - penalty * sum(shortfall)
    binding = [row.name for row, e, target in zip(rows, excess, targets, strict=True)
               if not target and abs(e) <= ROW_TOLERANCE * max(1.0, abs(row.rhs))]
    return PricedAllocation(choice=choice, objective=objective,
                            exit_target_shortfall=shortfall, binding=binding)
