"""Packages that buy nothing are taken back after a solve, unless a rule needs them.

A solver is indifferent between 'none' and a package that adds nothing when the package costs
nothing (a PV share whose plant is paid for as a site) or when money is left over; and a MIP
stops within its gap, where such ties stand. A county cannot file a plan that gives a household a
measure which, in every replication the model saw, changes nothing. So after the solve each such
package is replaced by 'none' where the household may go without a measure and taking it back
breaks no rule the allocation keeps. Where a rule — the equal treatment of poor and non-poor
villages, organisation coverage — does need it, it stays and the rule is recorded, so that the
household's reason can say which rule asked for it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.optimizer.candidates import CandidateSet
from simulator.optimizer.rows import coupling_rows

ROW_TOLERANCE = 1e-9
"""Slack (in a row's own units, or in a chance of exiting) below which a row is not counted as
made worse, nor a package as likelier to exit: float noise of summed coefficients (engineering
choice)."""


def idle_packages(cands: CandidateSet, choice: np.ndarray) -> np.ndarray:
    """(H,) whether a household's package adds nothing in-sample: in no replication does it
    give a stable exit that 'none' does not, and it is no likelier to exit by any plan year."""
    households = np.arange(cands.n_households)
    supported = choice != 0
    stable = cands.stable  # (K, R, H)
    gains = stable[choice, :, households] & ~stable[0, :, households]  # (H, R)
    no_stable_gain = ~gains.any(axis=1)
    no_exit_gain = np.all(cands.p_exit_by[households, choice]
                          <= cands.p_exit_by[:, 0] + ROW_TOLERANCE, axis=1)
    return supported & no_stable_gain & no_exit_gain


def take_back_idle(cands: CandidateSet, budgets: Sequence[float], choice: np.ndarray
                   ) -> tuple[np.ndarray, dict[int, str]]:
    """The allocation with every idle package (:func:`idle_packages`) replaced by 'none' where
    'none' is open to the household and no budget, capacity or policy row gets further from its
    limit; and, for each idle package kept, the scenario field of the rule that kept it
    (``policy.non_poor_village_gap_max``…). Households are taken in order, each against the
    rows as the ones before left them."""
    candidates = np.flatnonzero(idle_packages(cands, choice) & cands.feasible[:, 0])
    out = choice.copy()
    if not candidates.size:
        return out, {}
    households = np.arange(cands.n_households)
    rows = [row for row in coupling_rows(cands, budgets) if row.kind != "exit_target"]
    used = np.array([row.at(households, out).sum() for row in rows])
    rhs = np.array([row.rhs for row in rows])
    sign = np.array([1.0 if row.sense == "<=" else -1.0 for row in rows])
    # a row's excess over its limit (≤ 0 when kept): what a take-back may not increase
    excess = np.maximum(sign * (used - rhs), 0.0)
    # what taking back each candidate's package does to each row (rows × candidates): a
    # household's own change does not depend on the take-backs before it
    none = np.zeros(candidates.size, dtype=out.dtype)
    changes = np.array([row.at(candidates, none) - row.at(candidates, out[candidates])
                        for row in rows]).reshape(len(rows), candidates.size)
    kept: dict[int, str] = {}
    for i, h in enumerate(candidates):
        change = changes[:, i]
        after = sign * (used + change - rhs)
        worse = after > excess + ROW_TOLERANCE * np.maximum(1.0, np.abs(rhs))
        if worse.any():
            kept[int(h)] = str(rows[int(np.flatnonzero(worse)[0])].limit or "")
            continue
        out[h] = 0
        used += change
    return out, kept
