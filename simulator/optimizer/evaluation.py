"""A plan's figures on the fresh (out-of-sample) replications.

In-sample figures overstate what a plan will do (the optimiser's curse), so every plan the
optimiser reports — the filed plan, the baselines, each point of the budget frontier — is
evaluated on a second candidate run with fresh random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.optimizer.candidates import CandidateSet, fold_to_plan_years


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A plan evaluated on the fresh (out-of-sample) replications."""

    name: str
    choice: np.ndarray
    stable_exits: np.ndarray
    """(R,) stable exits per replication."""
    outlays: np.ndarray
    """(R, P) outlays per replication, charged to plan years [yuan]."""


def evaluate(cands: CandidateSet, name: str, choice: np.ndarray) -> Evaluation:
    """Stable exits and outlays of a choice of packages on ``cands``' replications."""
    chosen = cands.result.chosen(choice)
    outlays = fold_to_plan_years(chosen.outlays_by_year(), cands.plan_years) \
        + cands.site_costs(choice)[None, :]
    return Evaluation(name, choice, chosen.stable_exit_households().astype(float), outlays)
