"""Allocate the 以奖代补 budget to maximise stable exits.

:func:`optimize` runs the engine on every candidate package, solves the allocation MILP with
PuLP (:mod:`simulator.optimizer.model`, the only module importing PuLP), evaluates the plan and
the baselines (按村分配, uniform reward, greedy) on fresh random numbers, and returns an
:class:`AllocationResult`.
"""

from simulator.optimizer.candidates import CandidateSet, build_candidates, candidate_packages
from simulator.optimizer.solve import AllocationResult, optimize

__all__ = ["AllocationResult", "CandidateSet", "build_candidates", "candidate_packages",
           "optimize"]
