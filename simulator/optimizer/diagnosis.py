"""Why the allocation model has no solution: the policy rows that cannot be met within the
budgets and capacities, and by how much (each rule gets an elastic slack and the model minimises
their sum)."""

from __future__ import annotations

from dataclasses import replace

from simulator.errors import InfeasibleError, Problem
from simulator.optimizer.candidates import CandidateSet
from simulator.optimizer.model import AllocationModel, _Settings


def diagnose_infeasibility(cands: CandidateSet, settings: _Settings) -> InfeasibleError:
    """Find which policy rows cannot be met within the budgets, and by how much."""
    elastic = replace(settings, objective="expected", elastic=True)
    model = AllocationModel(cands, elastic)
    status, _seconds = model.solve(fail_quietly=True)
    problems = []
    people = float(cands.registry.size[cands.registered()].sum())
    policy = cands.scenario.policy
    if status != "Optimal":
        return InfeasibleError([Problem("", "the allocation model has no solution and no "
                                        "single policy rule explains it")])
    for name, slack in model.elastic.items():
        short = slack.varValue or 0.0
        if short <= 1e-6:
            continue
        if name == "organisation_coverage":
            need = policy.organisation_coverage_min_share * people
            problems.append(Problem(
                "policy.organisation_coverage_min_share",
                f"at least {policy.organisation_coverage_min_share:.0%} of registered poor "
                f"people ({need:,.0f}) must be brought in by organisations, but within the "
                f"budgets and capacities at most {need - short:,.0f} can be: short by "
                f"{short:,.0f} people"))
        elif name == "first_year_returns":
            problems.append(Problem(
                "policy.first_year_return_max_share",
                f"at most {policy.first_year_return_max_share:.0%} of supported households "
                "exiting by income may fall back in the year after their exit, but the other "
                f"rules leave more: {short:,.1f} expected returns too many"))
        else:
            problems.append(Problem(
                "policy.non_poor_village_gap_max",
                f"coverage of poor households in poor and non-poor villages cannot be kept "
                f"within {policy.non_poor_village_gap_max:.0%} of each other: short by "
                f"{short:.1%}"))
    if not problems:
        problems.append(Problem("", "the allocation model has no solution"))
    return InfeasibleError(problems)
