"""Candidate packages per household and everything the optimiser needs to know about them.

One candidate-mode engine run (common random numbers) gives, for every household h and package
k: the stable-exit outcome in every replication, P(stable exit), the chance of exiting in each
year, and the fund's outlays by plan year. Outlays paid after the last plan year (awards for jobs
kept, for instance) are charged to the last plan year: the plan commits that money. Resource use
(PV land, jobs, equity, loan volume) and policy attributes (organisation coverage, poor-village
status) come from the scenario and registry. No solver is imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from simulator.accounting import return_rate, returns_after_exit
from simulator.engine import simulate
from simulator.interventions import BY_KEY, INSTRUMENTS
from simulator.interventions import equity as equity_module
from simulator.optimizer.sites import SiteRules, sites_opened
from simulator.packages import Package, default_packages
from simulator.registry import Registry
from simulator.results import SimulationResult
from simulator.scenario.model import Scenario


def candidate_packages(scenario: Scenario, registry: Registry | None = None) -> list[Package]:
    """'none', and every package of up to ``optimizer.max_instruments_per_package``
    instruments the county offers (``optimizer.instruments``), starting in each plan year
    allowed by ``optimizer.start_years``. Given the
    registry, instruments no household is eligible for are left out (their packages could only
    be infeasible, and simulating them would cost time)."""
    settings = scenario.optimizer
    start_years = range(scenario.horizon.plan_years) if settings.start_years == "all" \
        else range(1)
    keys = [m.KEY for m in INSTRUMENTS if m.KEY in settings.instruments
            and (registry is None or np.asarray(m.eligible(registry, scenario)).any())]
    return default_packages(keys, max_size=settings.max_instruments_per_package,
                            start_years=start_years)


@dataclass(frozen=True, eq=False)
class CandidateSet:
    """Per household × package inputs of the allocation model (H households, K packages).

    Money in yuan; probabilities are shares of replications.
    """

    scenario: Scenario
    registry: Registry
    packages: list[Package]
    feasible: np.ndarray
    """(H, K) the household is eligible for every instrument of the package, each offered by the
    county (``optimizer.instruments``), and within the per-household spending cap."""
    p_stable: np.ndarray
    """(H, K) probability of a stable exit."""
    stable: np.ndarray
    """(K, R, H) stable exit in each replication."""
    p_exit_by: np.ndarray
    """(H, K, P) probability of having exited by the end of each plan year, 防返贫 help
    included (the county's exits, which its yearly targets count)."""
    cost: np.ndarray
    """(H, K, P) expected fund outlays charged to each plan year [yuan]."""
    p_return_first_year: np.ndarray
    """(H, K) probability of exiting and falling back below the line in the year after the
    exit (within the horizon)."""
    p_at_risk_first_year: np.ndarray
    """(H, K) probability of exiting with the year after the exit simulated (the households
    whose returns in that year can be counted)."""
    result: SimulationResult
    """The engine run the figures come from (per-replication outlays on demand)."""

    @property
    def n_households(self) -> int:
        return self.p_stable.shape[0]

    @property
    def n_packages(self) -> int:
        return self.p_stable.shape[1]

    @property
    def plan_years(self) -> int:
        return self.cost.shape[2]

    def uses(self, key: str, start_year: int | None = None) -> np.ndarray:
        """(K,) whether each package includes instrument ``key`` (starting in ``start_year``)."""
        return np.array([any(v.key == key and (start_year is None or v.start_year == start_year)
                             for v in p.variants) for p in self.packages])

    def organisation(self) -> np.ndarray:
        """(K,) whether a package brings the household in through an organisation."""
        return np.array([any(BY_KEY[v.key].BRINGS_IN_BY_ORGANISATION for v in p.variants)
                         for p in self.packages])

    def supported(self) -> np.ndarray:
        """(K,) whether a package gives any support at all (not 'none')."""
        return np.array([bool(p.variants) for p in self.packages])

    @cached_property
    def variant_costs(self) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(variant index, its eligible households (E,), (R, E, P) outlays of that instrument
        variant on each of them in each replication, all budget lines, charged to plan years
        [yuan]).

        A package's outlays are the sum of its variants': keeping them per variant instead of
        per package (K × R × H × P), and for eligible households only, is what lets the
        confidence rule be checked and cut for any allocation at a fraction of the memory."""
        result = self.result
        index = {v.name: j for j, v in enumerate(result.variants)}
        by_variant: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for (variant, _line), amount in sorted(result.outlays.items()):
            j = index[variant]
            folded = fold_to_plan_years(amount.amount, self.plan_years)
            if j in by_variant:
                by_variant[j][1][...] += folded
            else:
                by_variant[j] = (amount.households, folded)
        return [(j, households, cost) for j, (households, cost) in sorted(by_variant.items())]

    def _variant_shares(self, x: np.ndarray) -> np.ndarray:
        """(H, V) how much of each instrument variant the allocation ``x`` (H, K: one-hot or
        relaxed shares) gives each household."""
        return np.einsum("hk,khv->hv", x, self.result.weights)

    def outlays_per_replication(self, x: np.ndarray) -> np.ndarray:
        """(R, P) fund outlays of the allocation ``x`` (H, K) in each replication, charged
        to plan years [yuan] (PV sites' fixed costs not included)."""
        shares = self._variant_shares(x)
        total = np.zeros((self.result.reps, self.plan_years))
        for j, households, cost in self.variant_costs:
            share = shares[households, j]
            if share.any():
                total += np.einsum("rhp,h->rp", cost, share)
        return total

    def tail_cost(self, weights: np.ndarray, year: int) -> np.ndarray:
        """(H, K) Σ_r weights_r · outlays of package k on household h in replication r, in
        plan year ``year`` [yuan]: the coefficients of a cut on that year's outlays."""
        coefficient = np.zeros((self.n_packages, self.n_households))
        gives = self.result.weights  # (K, H, V)
        for j, households, cost in self.variant_costs:
            coefficient[:, households] += gives[:, households, j] * \
                (weights @ cost[:, :, year])[None, :]
        return coefficient.T

    def stable_exits_per_replication(self, x: np.ndarray) -> np.ndarray:
        """(R,) stable exits in each replication under the allocation ``x`` (H, K)."""
        households, packages = np.nonzero(x)
        return x[households, packages] @ self.stable[packages, :, households]

    @cached_property
    def recovered(self) -> np.ndarray:
        """(H, K) money expected to come back to the county from household h under package k
        over the horizon [yuan] (equity principal kept or recovered): what net costs deduct
        (every model the net-cost goal builds reads it: computed once)."""
        return np.stack([self.result.household_recovered(k) for k in range(self.n_packages)],
                        axis=1)

    def equity_principal(self) -> np.ndarray:
        """(H,) principal the household's equity would need [yuan]."""
        params = self.scenario.instruments.equity
        return params.principal_yuan_per_person * equity_module.entitled_people(
            self.registry, params)

    def enterprise(self) -> tuple[np.ndarray, int]:
        """(H,) enterprise that would hold each household's equity, and their number."""
        return equity_module.enterprise_assignment(self.registry, self.scenario)

    def expected_stable_exits(self, choice: np.ndarray) -> float:
        """Σ P(stable exit) of each household's chosen package (these replications)."""
        return float(self.p_stable[np.arange(self.n_households), choice].sum())

    def sites_opened(self, choice: np.ndarray) -> dict[tuple[str, int], int]:
        """The fewest PV sites that serve the PV households of ``choice``: (township, plan year)
        → sites opened that year (a household's PV needs its site from its start year)."""
        start = np.full(self.n_households, -1, dtype=np.int64)
        for year in range(self.plan_years):
            start[self.uses("pv", year)[choice]] = year
        return sites_opened(self.scenario, self.registry.township, start, self.plan_years)

    def site_costs(self, choice: np.ndarray, households: np.ndarray | None = None
                   ) -> np.ndarray:
        """(P,) fixed cost of the sites of :meth:`sites_opened`, charged to the plan year each
        opens [yuan]. ``households`` (a boolean mask, e.g. a township) keeps the sites of the
        townships it touches."""
        cost = SiteRules.of(self.scenario).fixed_cost_yuan
        out = np.zeros(self.plan_years)
        if cost <= 0:
            return out
        towns = set(self.registry.township[households].tolist()) if households is not None \
            else None
        for (town, year), n in self.sites_opened(choice).items():
            if towns is None or town in towns:
                out[year] += n * cost
        return out

    def registered(self) -> np.ndarray:
        """(H,) registered poor household (not an edge household)."""
        return self.registry.registered

    def first_year_return_rate(self, choice: np.ndarray) -> np.ndarray:
        """(R,) share of registered households exiting by income under ``choice`` (H,) that
        fall back below the line in the year after their exit, among those whose following
        year is simulated [share] — every such household, supported or not, as national
        figures count returns."""
        result, households = self.result, np.arange(self.n_households)
        return return_rate(result.exit_year[choice, :, households].T,
                           result.return_year[choice, :, households].T, len(result.years),
                           result.judged_by_income)

    def return_excess(self) -> np.ndarray | None:
        """(H, K) the coefficients of the rule on returns in the year after exit
        (``policy.first_year_return_max_share``), or None without the rule."""
        return return_excess(self.scenario, self.result, self.packages,
                             self.p_return_first_year, self.p_at_risk_first_year)


def return_excess(scenario: Scenario, result: SimulationResult, packages: Sequence[Package],
                  p_return: np.ndarray, p_at_risk: np.ndarray) -> np.ndarray | None:
    """(H, K) expected returns in the year after exit minus the cap times the households at
    risk of them, for supported registered households judged by income (a safety-net exit
    cannot fall back; an unsupported household's exit is not the plan's): the plan keeps the
    rule when these sum to at most 0 over its choices. None when the scenario has no cap."""
    cap = scenario.policy.first_year_return_max_share
    if cap is None:
        return None
    supported = np.array([bool(p.variants) for p in packages])
    return np.where(result.judged_by_income[:, None] & supported[None, :],
                    p_return - cap * p_at_risk, 0.0)


def fold_to_plan_years(by_year: np.ndarray, plan_years: int) -> np.ndarray:
    """Charge outlays of years after the plan to the last plan year (last axis = years)."""
    folded = by_year[..., :plan_years].copy()
    folded[..., plan_years - 1] += by_year[..., plan_years:].sum(axis=-1)
    return folded


def build_candidates(scenario: Scenario, registry: Registry, *, reps: int, seed: int,
                     packages: Sequence[Package] | None = None, workers: int = 1,
                     progress=None) -> CandidateSet:
    """Run the engine on every candidate package and gather the optimiser's inputs."""
    packages = list(packages) if packages is not None \
        else candidate_packages(scenario, registry)
    if not packages or packages[0] != Package():
        raise ValueError("the first candidate package must be 'none'")
    result = simulate(scenario, registry=registry, packages=packages, reps=reps, seed=seed,
                      workers=workers, progress=progress, keep_income=False)
    plan_years = scenario.horizon.plan_years
    n, k_count = registry.n_households, len(packages)
    eligible = {m.KEY: m.eligible(registry, scenario) for m in INSTRUMENTS}
    feasible = np.ones((n, k_count), dtype=bool)
    offered = set(scenario.optimizer.instruments)
    for k, package in enumerate(packages):
        for key in package.keys:
            # an instrument the county does not offer is no one's (a plan rule's package may
            # still name it: the rule then cannot be carried out for those households)
            feasible[:, k] &= eligible[key] & (key in offered)
    p_stable = result.stable.mean(axis=1).T  # (H, K)
    exit_year = result.exit_year  # (K, R, H)
    # the county's yearly exit targets count its exits with 防返贫 help too
    p_exit_by = np.stack([((exit_year >= 0) & (exit_year <= y)).mean(axis=1).T
                          for y in range(plan_years)], axis=-1) \
        if result.exited_by_with_help is None \
        else np.moveaxis(result.exited_by_with_help[:, :, :plan_years], 0, 1).astype(float)
    p_return_first_year = np.empty((n, k_count))
    p_at_risk_first_year = np.empty((n, k_count))
    for k in range(k_count):  # one package at a time: its (R, H) flags, not all packages'
        returned, at_risk = returns_after_exit(exit_year[k], result.return_year[k],
                                               len(result.years))
        p_return_first_year[:, k] = returned.mean(axis=0)
        p_at_risk_first_year[:, k] = at_risk.mean(axis=0)
    cost = np.stack([fold_to_plan_years(result.household_mean_outlays(k), plan_years)
                     for k in range(k_count)], axis=1)  # (H, K, P)
    cap = scenario.policy.household_cap_yuan
    if cap is not None:
        feasible &= cost.sum(axis=2) <= cap + MONEY_TOLERANCE_YUAN
    feasible[:, 0] = True  # 'none' is always possible…
    if scenario.policy.every_household_a_measure:
        # …but for a registered household with labour under 帮扶全覆盖, where any measure is
        covered = registry.registered_with_labour & feasible[:, 1:].any(axis=1)
        feasible[covered, 0] = False
    excess = return_excess(scenario, result, packages, p_return_first_year,
                           p_at_risk_first_year)
    feasible &= ~dominated(scenario, packages, feasible, p_stable, p_exit_by, cost, excess)
    return CandidateSet(scenario=scenario, registry=registry, packages=packages,
                        feasible=feasible, p_stable=p_stable, stable=result.stable,
                        p_exit_by=p_exit_by, cost=cost,
                        p_return_first_year=p_return_first_year,
                        p_at_risk_first_year=p_at_risk_first_year, result=result)


MONEY_TOLERANCE_YUAN = 1e-6
"""Yuan of slack when a cost is compared with a budget, cap or remaining amount (float noise
of summed outlays, far below any real amount)."""

DOMINANCE_TOLERANCE = 1e-9
"""Probabilities and yuan compared with this slack when pruning dominated packages."""


def dominated(scenario: Scenario, packages: Sequence[Package], feasible: np.ndarray,
              p_stable: np.ndarray, p_exit_by: np.ndarray, cost: np.ndarray,
              return_excess: np.ndarray | None = None) -> np.ndarray:
    """(H, K) packages no optimal allocation needs: another feasible package ``j`` of the
    household uses a subset of ``k``'s instruments (so no more of any capacity), costs no more in
    any year, is at least as likely to give a stable exit and to exit by each plan year, and
    (under a rule on returns, ``return_excess``) uses no more of that rule.
    Rules that reward taking part (organisation coverage, equal coverage of poor and non-poor
    villages) keep packages that differ in what those rules count."""
    policy = scenario.policy
    organisation = np.array([any(BY_KEY[v.key].BRINGS_IN_BY_ORGANISATION for v in p.variants)
                             for p in packages])
    supported = np.array([bool(p.variants) for p in packages])
    coverage_rule = policy.organisation_coverage_min_share > 0
    gap_rule = policy.non_poor_village_gap_max < 1
    out = np.zeros(feasible.shape, dtype=bool)
    tol = DOMINANCE_TOLERANCE
    for k, package in enumerate(packages):
        for j, other in enumerate(packages):
            if j == k or not set(other.variants) <= set(package.variants):
                continue
            if coverage_rule and organisation[j] != organisation[k]:
                continue
            if gap_rule and supported[j] != supported[k]:
                continue
            better = (feasible[:, j] & feasible[:, k]
                      & (p_stable[:, j] >= p_stable[:, k] - tol)
                      & np.all(cost[:, j] <= cost[:, k] + tol, axis=1)
                      & np.all(p_exit_by[:, j] >= p_exit_by[:, k] - tol, axis=1))
            if return_excess is not None:
                better &= return_excess[:, j] <= return_excess[:, k] + tol
            out[:, k] |= better
    out[:, 0] = False
    return out
