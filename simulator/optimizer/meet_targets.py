"""The least-cost allocation that meets the yearly exit targets (``optimizer.goal = "targets"``).

A county's question is often not "how many stable exits does the budget buy?" but "what does it
take to meet the targets?". This module answers it in the allocation model itself
(:class:`~simulator.optimizer.model.AllocationModel` with goal "targets"):

1. The least-cost allocation (gross or net outlays, ``optimizer.goal_cost``) whose registered
   people exited by the end of each plan year reach that year's cumulative target in at least
   ``budget.confidence`` of the replications — and, under ``budget.rule = "confidence"``, whose
   outlays fit each year's budget as often. The model holds expected counts, so each year's
   target is raised by a margin, and each budget lowered by one, until the plan's run on the
   same replications meets both (a few rounds).
2. Where the budgets and limits allow no such allocation, the same model with the limits made
   elastic: money may be added to any year's budget, and each limit whose unit cost the scenario
   gives (``[capacity_costs]``: job slots, PV land, PV sites, posts, the loan risk fund, an
   enterprise's absorption) may be raised at that cost. The cheapest additions are then checked
   as a new run with them would go — the limits raised as ``--set`` would raise them, and
   step 1 solved again — so that applying them does meet the targets.

Targets and outlays are judged in-sample here; the plan's figures on fresh replications are
reported like any plan's (:func:`simulator.optimizer.solve.judge_allocation`).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from simulator.errors import TuopinError
from simulator.interventions import INSTRUMENTS
from simulator.optimizer.candidates import CandidateSet, fold_to_plan_years
from simulator.optimizer.frontier import TARGET_TOLERANCE_PEOPLE
from simulator.optimizer.idle import take_back_idle
from simulator.optimizer.model import Solution, _Settings
from simulator.optimizer.rows import BUDGET_FIELD, MONEY_UNIT, SITE_CAP_FIELD
from simulator.optimizer.sampling import required_share
from simulator.optimizer.strategies import solve_lp_first
from simulator.schema import to_plain, value_at, with_value
from simulator.units import YUAN_PER_WAN

MARGIN_ROUNDS = 8
"""Most rounds of raising the targets' margins (and lowering the budgets') before the attempt is
reported as not converged (engineering choice: two or three rounds suffice on ruyuan-2016)."""

MARGIN_STEP_PEOPLE = 1.0
"""People added to a margin beyond the measured gap each round, so that the rounds do not creep
up on a target by fractions (engineering choice)."""

CLOSEST_SLACK_SHARE = 0.001
"""Share of registered people by which the least-cost plan may fall further short of the targets
out of reach than the closest plan does (7.5 people on ruyuan-2016, summed over years): within
the Monte Carlo noise of an expected count, and it spares the solver a search for the last
person (engineering choice)."""

COST_GAP = 1e-3
"""Relative gap to which the least cost is proven, at least (0.1 %: about 10 万元 on
ruyuan-2016, whose requests are rounded to 万元 a year and whose outlays vary across replications
by far more; at the stable-exit goal's 0.01 % a solve took minutes; engineering choice)."""

CHECK_ROUNDS = 3
"""Most times the additions are checked and topped up (engineering choice)."""

ADDED_UNITS_TOLERANCE = 1e-6
"""Units of a raised limit (万元 for money, one slot, one kW…) below which the elastic model's
addition is solver noise, not an addition (engineering choice)."""


@dataclass(frozen=True)
class Addition:
    """One limit raised: the scenario field, its value before and after, the units added and
    what they cost."""

    field: str
    """Dotted path of the scenario field (``budget.yearly_yuan``,
    ``capacities.job_slots_per_year``)."""
    before: Any
    after: Any
    """The field's value with the addition: what ``--set`` gives it."""
    added: float
    """Units of the field added (yuan for money and absorption, summed over years and
    enterprises)."""
    cost_yuan: float
    """What the addition costs the county [yuan] (money added is counted as the plan's outlays,
    not here)."""

    def set_argument(self) -> str:
        """``path=value`` for ``--set``."""
        return f"{self.field}={_toml(self.after)}"


@dataclass
class Attempt:
    """One margin-raising solve (step 1 of the module docstring)."""

    solution: Solution | None
    """None when no allocation keeps the limits."""
    converged: bool = False
    """The plan meets every target (and fits every budget) in enough replications."""
    margins: list[float] = field(default_factory=list)
    """People added to each year's target in the model, as far as the rounds raised them."""
    budget_margins: list[float] = field(default_factory=list)
    """Yuan taken off each year's budget in the model (confidence rule)."""
    exits: np.ndarray | None = None
    """(R, P) registered people exited by the end of each plan year, in-sample."""
    added: dict[tuple[str, Any], float] = field(default_factory=dict)
    """Units added to each raised limit (the elastic model's variables)."""
    shortfall: list[float] = field(default_factory=list)
    """People still short of each year's target with every limit raised (elastic model)."""
    cap: float | None = None
    """People the years out of reach were allowed to fall short, summed (None: none out of
    reach)."""


@dataclass
class TargetPlan:
    """What meeting the targets takes."""

    met: bool
    """The targets are met within the scenario's budgets and limits."""
    reachable: bool
    """Met, or met once the additions are made."""
    solution: Solution
    """The allocation that meets the targets (with the additions, where needed); where they are
    out of reach, the elastic model's allocation, closest to them."""
    budgets: np.ndarray
    """The plan years' budgets the allocation keeps (raised by the money added) [yuan]."""
    scenario: Any
    """The scenario with every addition made (the original where none is needed)."""
    targets_people: list[float]
    """Cumulative registered people to have exited by the end of each plan year."""
    confidence: float
    exits: np.ndarray
    """(R, P) registered people exited by the end of each plan year under the allocation,
    in-sample."""
    additions: list[Addition] = field(default_factory=list)
    failing_years: list[int] = field(default_factory=list)
    """Plan years whose target the scenario's own limits cannot meet (indices)."""
    blocked_by: list[str] = field(default_factory=list)
    """Where the targets are out of reach: the fields of the rows still binding with every
    priced limit raised (policy rules, limits without a unit cost)."""
    reach_people: list[float] = field(default_factory=list)
    """The most people any allocation has exited by the end of each plan year, in expectation
    (:func:`reachable_people`)."""
    without_support_people: list[float] = field(default_factory=list)
    """People exited by the end of each plan year with no support, in expectation."""
    out_of_reach: list[int] = field(default_factory=list)
    """Plan years whose target is beyond :attr:`reach_people` (indices): the plan comes as close
    as it can."""

    def set_arguments(self) -> list[str]:
        """The ``--set`` arguments that make the additions."""
        return [a.set_argument() for a in self.additions]

    def share_met(self) -> list[float]:
        """Share of in-sample replications meeting each year's target."""
        return met_shares(self.exits, self.targets_people)


def met_shares(exits: np.ndarray, targets: Sequence[float]) -> list[float]:
    """Share of replications in which the people exited by each plan year (``exits`` (R, P))
    reach that year's target."""
    return [float(np.mean(exits[:, y] >= target - TARGET_TOLERANCE_PEOPLE))
            for y, target in enumerate(targets)]


def target_people(cands: CandidateSet) -> list[float]:
    """Cumulative registered people the targets ask to have exited by each plan year."""
    shares = cands.scenario.policy.exit_targets_share_of_people
    if not shares:
        raise TuopinError("the goal 'targets' needs yearly exit targets: set "
                          "policy.exit_targets_share_of_people (one share of registered people "
                          "per plan year)")
    people = _registered_people(cands).sum()
    return [float(t) * people for t in np.cumsum(shares)[:cands.plan_years]]


def _registered_people(cands: CandidateSet) -> np.ndarray:
    """(H,) people of each registered household (0 for an edge household): what the targets
    count."""
    return np.where(cands.registered(), cands.registry.size, 0).astype(float)


def unit_costs(scenario: Any) -> dict[str, float]:
    """The limits the scenario lets be raised, each with what one more unit costs [yuan]:
    money (1 yuan a yuan) and every ``[capacity_costs]`` field it sets."""
    prices = {BUDGET_FIELD: 1.0}
    for module in INSTRUMENTS:
        for name, (_kind, _spec, limit) in module.CAPACITY_COSTS.items():
            cost = getattr(scenario.capacity_costs, name)
            if cost is not None:
                prices[limit] = float(cost)
    return prices


def reachable_people(cands: CandidateSet) -> list[float]:
    """The most registered people any allocation has exited by the end of each plan year, in
    expectation: each household with the package likeliest to have it exited by then, budgets
    and limits set aside."""
    people = _registered_people(cands)
    best = np.where(cands.feasible[:, :, None], cands.p_exit_by, 0.0).max(axis=1)  # (H, P)
    return [float(v) for v in people @ best]


def meet_targets(cands: CandidateSet, budgets: Sequence[float], *, solver: str | None = None,
                 time_limit: float | None = None, workers: int = 1) -> TargetPlan:
    """The least-cost allocation meeting every yearly exit target at the confidence level, or
    the cheapest additions of money and capacity that make one possible (module docstring).

    A target beyond what any allocation reaches even in expectation (:func:`reachable_people`)
    is reported as out of reach; for its year the plan comes as close as it can, and the other
    years' targets are met as above."""
    scenario = cands.scenario
    targets = target_people(cands)
    reach = reachable_people(cands)
    out_of_reach = tuple(r < t - TARGET_TOLERANCE_PEOPLE
                         for r, t in zip(reach, targets, strict=True))
    budgets = np.asarray(budgets, dtype=float)
    options: dict[str, Any] = dict(solver=solver, time_limit=time_limit, workers=workers,
                                   soft=out_of_reach)
    within = _attempt(cands, budgets, targets, None, **options)
    # the years out of reach come as close with more money and capacity as within the limits
    options["cap"] = within.cap
    failing = _failing_years(within, targets,
                             required_share(scenario.budget.confidence, cands.result.reps))
    people = _registered_people(cands)
    facts = dict(reach_people=reach, out_of_reach=[y for y, o in enumerate(out_of_reach) if o],
                 without_support_people=[float(v) for v in people @ cands.p_exit_by[:, 0]])
    if within.converged:
        return replace(_plan(cands, budgets, targets, within, met=not any(out_of_reach)),
                       reachable=not any(out_of_reach), failing_years=failing, **facts)
    prices = unit_costs(scenario)
    elastic = _attempt(cands, budgets, targets, prices, **options)
    if not elastic.converged:
        return _out_of_reach(cands, budgets, targets, within, elastic, prices, failing, facts)
    # what a new run with the additions would do: the limits raised as --set raises them
    raised_scenario, raised_budgets = scenario, budgets
    additions: dict[str, Addition] = {}
    attempt = elastic
    for _ in range(CHECK_ROUNDS):
        for addition in _additions(cands, raised_scenario, raised_budgets, attempt, prices):
            earlier = additions.get(addition.field)
            additions[addition.field] = addition if earlier is None else replace(
                addition, before=earlier.before, added=earlier.added + addition.added,
                cost_yuan=earlier.cost_yuan + addition.cost_yuan)
            raised_scenario = with_value(raised_scenario, addition.field, addition.after)
        raised_budgets = np.asarray(raised_scenario.budget.yearly_yuan, dtype=float)
        raised = replace(cands, scenario=raised_scenario)
        check = _attempt(raised, raised_budgets, targets, None, start=attempt, **options)
        if check.converged:
            plan = _plan(raised, raised_budgets, targets, check, met=False)
            return replace(plan, reachable=not any(out_of_reach),
                           additions=[additions[f] for f in sorted(additions)],
                           failing_years=failing, **facts)
        attempt = _attempt(raised, raised_budgets, targets, prices, start=check, **options)
        if not attempt.converged:
            break
    return _out_of_reach(cands, budgets, targets, within, attempt, prices, failing, facts)


def _out_of_reach(cands: CandidateSet, budgets: np.ndarray, targets: list[float],
                  within: Attempt, elastic: Attempt, prices: dict[str, float],
                  failing: list[int], facts: dict[str, Any]) -> TargetPlan:
    """The targets cannot be met in enough replications even with more money and capacity: the
    plan within the limits that comes closest (else the elastic one), and what still binds."""
    blocked = [] if elastic.solution is None else \
        _blocking_limits(cands, budgets, elastic.solution.binding, prices)
    closest = within if within.solution is not None else elastic
    if closest.solution is None:
        raise TuopinError("no allocation keeps the budgets and limits, even without the "
                          "exit targets: see tuopin optimize with the goal 'exits'")
    plan = _plan(cands, budgets, targets, closest, met=False)
    return replace(plan, reachable=False, failing_years=failing, blocked_by=blocked, **facts)


def _settings(cands: CandidateSet, budgets: np.ndarray, solver: str | None,
              time_limit: float | None, **goal: Any) -> _Settings:
    optimizer = cands.scenario.optimizer
    return _Settings(budgets=budgets, objective="expected", solver=solver or optimizer.solver,
                     time_limit=time_limit if time_limit is not None
                     else optimizer.time_limit_seconds,
                     mip_gap=max(optimizer.mip_gap, COST_GAP), **goal)


def _closest(cands: CandidateSet, budgets: np.ndarray, soft: tuple[bool, ...],
             budget_margins: Sequence[float], solver: str | None, time_limit: float | None
             ) -> float:
    """The fewest people, summed over the years whose target is out of reach, that an allocation
    keeping the budgets and limits leaves short of those targets (in expectation), and a person
    of slack: how close the least-cost plan must come."""
    solved = solve_lp_first(cands, _settings(cands, budgets, solver, time_limit,
                                             goal="closest", soft_targets=soft,
                                             budget_margin=tuple(budget_margins)))
    if solved is None:
        raise TuopinError("no allocation keeps the budgets and limits, even without the exit "
                          "targets: see tuopin optimize with the goal 'exits'")
    solution, _model = solved
    people = _registered_people(cands).sum()
    return sum(s for s, out in zip(solution.exit_target_shortfall, soft, strict=True)
               if out) + max(TARGET_TOLERANCE_PEOPLE, CLOSEST_SLACK_SHARE * people)


def _attempt(cands: CandidateSet, budgets: np.ndarray, targets: list[float],
             additions: dict[str, float] | None, *, solver: str | None,
             time_limit: float | None, workers: int, soft: tuple[bool, ...],
             cap: float | None = None, start: Attempt | None = None) -> Attempt:
    """Solve with margins raised round by round until the plan meets every target within reach
    (and fits every budget under the confidence rule) in enough in-sample replications; the
    years out of reach (``soft``) come within ``cap`` people of theirs. The margins start where
    ``start`` left them (an earlier attempt on the same replications and targets: the rounds it
    paid for need not be paid again)."""
    scenario = cands.scenario
    confidence = scenario.budget.confidence
    required = required_share(confidence, cands.result.reps)
    by_confidence = scenario.budget.rule == "confidence"
    years = cands.plan_years
    margins = list(start.margins) if start and start.margins else [0.0] * years
    budget_margins = list(start.budget_margins) if start and start.budget_margins \
        else [0.0] * years
    attempt = Attempt(solution=None)
    closest: dict[tuple[float, ...], float] = {}
    for _round in range(MARGIN_ROUNDS):
        # within the limits, how close the years out of reach can come depends on the money
        # the budgets' margins leave (solved once for each set of budget margins)
        key = tuple(budget_margins)
        if cap is None and any(soft) and key not in closest:
            closest[key] = _closest(cands, budgets, soft, budget_margins, solver, time_limit)
        round_cap = cap if cap is not None or not any(soft) else closest[key]
        settings = _settings(cands, budgets, solver, time_limit, goal="targets",
                             target_margin=tuple(margins), budget_margin=tuple(budget_margins),
                             soft_targets=soft, soft_shortfall_cap=round_cap,
                             additions=additions)
        solved = solve_lp_first(cands, settings)
        if solved is None:
            return attempt
        solution, model = solved
        added = model.additions()
        raised = budgets + np.array([added.get((BUDGET_FIELD, y), 0.0) * MONEY_UNIT
                                     for y in range(years)])
        choice, kept = take_back_idle(cands, raised, solution.choice)
        solution = replace(solution, choice=choice, sites=cands.sites_opened(choice),
                           kept_for_rule=kept)
        exits, outlays = _in_sample(cands, choice, workers)
        attempt = Attempt(solution=solution, margins=list(margins),
                          budget_margins=list(budget_margins), exits=exits, added=added,
                          shortfall=list(solution.exit_target_shortfall), cap=round_cap)
        within_reach = [s for s, o in zip(attempt.shortfall, soft, strict=True) if not o]
        if max(within_reach, default=0.0) > TARGET_TOLERANCE_PEOPLE:
            return attempt  # out of reach with every priced limit raised: margins cannot help
        short = np.array(targets) - np.quantile(exits, 1 - required, axis=0,
                                                method="inverted_cdf")
        over = np.quantile(outlays, required, axis=0, method="inverted_cdf") - raised \
            if by_confidence else np.zeros(years)
        met = all(share >= required or soft[y]
                  for y, share in enumerate(met_shares(exits, targets)))
        fits = bool(np.all(over <= MONEY_UNIT * ADDED_UNITS_TOLERANCE))
        if met and fits:
            attempt.converged = True
            return attempt
        margins = [0.0 if soft[y] else
                   m + (max(s, 0.0) + MARGIN_STEP_PEOPLE if s > -TARGET_TOLERANCE_PEOPLE
                        else 0.0) for y, (m, s) in enumerate(zip(margins, short, strict=True))]
        budget_margins = [b + max(o, 0.0) for b, o in zip(budget_margins, over, strict=True)]
    return attempt


def _in_sample(cands: CandidateSet, choice: np.ndarray, workers: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """(R, P) people exited by each plan year and (R, P) outlays by plan year [yuan] of an
    allocation on the candidates' own replications: the plan run on the same seed draws the
    same random numbers for every household (common random numbers)."""
    from simulator.engine import simulate
    from simulator.packages import Plan

    result = cands.result
    run = simulate(cands.scenario, Plan.from_choice(cands.packages, choice, "targets"),
                   registry=cands.registry, reps=result.reps, seed=result.seed,
                   workers=workers, keep_income=False)
    exits = run.people_exited_totals[0][:, :cands.plan_years]
    outlays = fold_to_plan_years(run.outlays_by_year(), cands.plan_years) \
        + cands.site_costs(choice)[None, :]
    return exits, outlays


def _plan(cands: CandidateSet, budgets: np.ndarray, targets: list[float], attempt: Attempt,
          *, met: bool) -> TargetPlan:
    assert attempt.solution is not None and attempt.exits is not None
    return TargetPlan(met=met, reachable=True, solution=attempt.solution, budgets=budgets,
                      scenario=cands.scenario, targets_people=targets,
                      confidence=cands.scenario.budget.confidence, exits=attempt.exits)


def _failing_years(attempt: Attempt, targets: list[float], confidence: float) -> list[int]:
    """Plan years whose target the scenario's own limits do not meet (all of them when no
    allocation keeps the limits with the targets' margins)."""
    if attempt.exits is None:
        return list(range(len(targets)))
    return [y for y, share in enumerate(met_shares(attempt.exits, targets))
            if share < confidence]


def _blocking_limits(cands: CandidateSet, budgets: np.ndarray, binding: Sequence[str],
                     prices: dict[str, float]) -> list[str]:
    """The fields of the rows still binding when every priced limit could rise — policy rules,
    limits without a unit cost: what keeps the targets out of reach."""
    from simulator.optimizer.rows import binding_limits

    limits = [str(entry["limit"]) for entry in binding_limits(cands, budgets, binding)]
    return sorted({limit for limit in limits if limit not in prices})


def _additions(cands: CandidateSet, scenario: Any, budgets: np.ndarray, attempt: Attempt,
               prices: dict[str, float]) -> list[Addition]:
    """The elastic solve's raised limits as new field values, rounded up to what a county
    sets (whole 万元, whole units), each with its cost."""
    years = cands.plan_years
    out = []
    money = [attempt.added.get((BUDGET_FIELD, y), 0.0) * MONEY_UNIT for y in range(years)]
    noise = MONEY_UNIT * ADDED_UNITS_TOLERANCE
    if any(m > noise for m in money):
        after = tuple(float(b + _round_up(m, YUAN_PER_WAN)) if m > noise
                      else float(b) for b, m in zip(budgets, money, strict=True))
        out.append(Addition(BUDGET_FIELD, tuple(float(b) for b in budgets), after,
                            float(sum(after) - budgets.sum()), 0.0))
    by_field: dict[str, float] = {}
    by_row: dict[str, dict[str, float]] = {}
    for (limit, where), units in attempt.added.items():
        if limit == BUDGET_FIELD or units <= ADDED_UNITS_TOLERANCE:
            continue
        if isinstance(where, str):
            by_row.setdefault(limit, {})[where] = units * MONEY_UNIT
        else:
            by_field[limit] = units
    for limit, units in sorted(by_field.items()):
        before = value_at(scenario, limit)
        step = YUAN_PER_WAN if limit.endswith("_yuan") else 1.0
        added = _round_up(units, step)
        after = before + added
        after = int(after) if isinstance(before, int) or limit == SITE_CAP_FIELD else \
            float(after)
        out.append(Addition(limit, before, after, float(added), float(added * prices[limit])))
    for limit, rows in sorted(by_row.items()):
        out.append(_enterprise_addition(scenario, limit, rows, prices[limit]))
    return out


def _enterprise_addition(scenario: Any, limit: str, rows: dict[str, float],
                         price: float) -> Addition:
    """More absorption for the enterprises whose rows (``enterprise_absorption_<e>``) were
    raised [yuan], the whole list as ``--set`` replaces it."""
    enterprises = value_at(scenario, limit)
    raised, added = [], 0.0
    for e, enterprise in enumerate(enterprises):
        more = _round_up(rows.get(f"enterprise_absorption_{e}", 0.0), YUAN_PER_WAN)
        added += more
        raised.append(dataclasses.replace(enterprise,
                                          absorption_yuan=enterprise.absorption_yuan + more))
    return Addition(limit, enterprises, tuple(raised), added, added * price)


def _round_up(amount: float, step: float) -> float:
    """``amount`` rounded up to a whole number of ``step`` (float noise below 1e-6 step
    ignored)."""
    return math.ceil(amount / step - 1e-6) * step


def _toml(value: Any) -> str:
    """A value as ``--set`` reads it: inline TOML (arrays and tables on one line)."""
    plain = to_plain(value)
    if isinstance(plain, dict):
        return "{" + ", ".join(f"{key} = {_toml(item)}" for key, item in plain.items()
                               if item is not None) + "}"
    if isinstance(plain, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in plain) + "]"
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if isinstance(plain, float) and plain.is_integer():
        return f"{plain:.1f}"
    if isinstance(plain, str):
        return json.dumps(plain, ensure_ascii=False)  # a TOML basic string
    return repr(plain)
