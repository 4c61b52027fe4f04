"""Simulation results: per-household arrays and the summaries planners read.

A :class:`SimulationResult` holds yearly per-household figures for every *option* — the plan
(one option) or each candidate package (one option per package) — across replications. Fund
outlays are kept per instrument and budget line and combined per option on demand, so the
optimiser can price every package from one run.

All summaries are computed from the complete arrays in a fixed order, so they are identical
whatever block size or number of workers produced them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.accounting import (
    NO_YEAR,
    ExitOutcome,
    above_line,
    exit_outcomes,
    judged_by_safety_net,
    lines_by_household,
    outcome_of_years,
)
from simulator.assistance import FIELDS as ASSISTANCE_FIELDS
from simulator.assistance import KEPT as ASSISTANCE_KEPT
from simulator.assistance import TOTALS as ASSISTANCE_TOTALS
from simulator.interventions.base import Variant
from simulator.packages import Package, Plan
from simulator.registry import Registry
from simulator.scenario.model import Scenario
from simulator.statistics import headline, spread, two_decimals
from simulator.vocabulary import REGISTERED_CATEGORIES

if TYPE_CHECKING:
    from simulator.engine import _BlockOutput

@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Per-household results of one simulation run.

    Shapes: ``K`` options (1 for a plan, one per candidate package), ``R`` replications, ``H``
    households, ``Y`` simulated years. Money is yuan; per-capita income is yuan per person and
    year, counted as the scenario's exit rule says.
    """

    scenario: Scenario
    registry: Registry
    plan: Plan | None
    packages: list[Package]
    variants: tuple[Variant, ...]
    weights: np.ndarray
    """(K, H, V): 1 where option k gives household h instrument variant v (and it is eligible)."""
    eligible: np.ndarray
    """(H, V): eligibility of each household for each variant."""
    reps: int
    seed: int
    per_capita: np.ndarray | None
    """(K, R, H, Y) counted per-capita net income [yuan/(person·year)]; None when the run was
    asked not to keep it."""
    exit_year: np.ndarray
    """(K, R, H) index of the exit year, -1 if none."""
    return_year: np.ndarray
    """(K, R, H) index of the first year back below the line after exit, -1 if none."""
    stable: np.ndarray
    """(K, R, H) stable exit."""
    stable_without_support: np.ndarray
    """(R, H) stable exit with no instrument at all, on the same random numbers."""
    exit_year_without_support: np.ndarray
    """(R, H) exit year index with no instrument at all, -1 if none."""
    outlays: dict[tuple[str, str], EligibleAmounts]
    """(variant name, budget line) → fund outlays [yuan] of the households eligible for the
    variant (``.full()`` gives them as (R, H, Y))."""
    recoveries: dict[tuple[str, str], EligibleAmounts]
    """(variant name, line) → money coming back to the county [yuan]: equity principal it keeps
    or recovers. Not spending: budgets are on outlays."""
    medical: np.ndarray
    """(R, H, Y) medical out-of-pocket spending [yuan] (not deducted from net income)."""
    inpatient_episodes: np.ndarray
    """(R, Y) inpatient episodes among registered households."""
    income_by_category: np.ndarray | None
    """(R, Y, 4) the plan's income of registered households by statistical component (wages,
    net business, property, transfers: :data:`simulator.vocabulary.INCOME_CATEGORIES`)
    [yuan/year]; plan runs."""
    assistance: np.ndarray | None = None
    """(K, H, Y, F) the county's assistance per household and year, means over replications:
    the fields of :data:`simulator.assistance.FIELDS` (dibao top-up and 防返贫 help in yuan,
    found and helped as chances) — any allocation's expected figures."""
    assistance_totals: np.ndarray | None = None
    """(K, R, Y, T) the same summed over households per replication
    (:data:`simulator.assistance.TOTALS`); None for an allocation picked from candidate
    packages (:meth:`chosen`)."""
    kept_by_assistance: np.ndarray | None = None
    """(K, H, 2) chance of a stable exit only the county's assistance makes: kept by 防返贫 help,
    made by the dibao top-up (:data:`simulator.assistance.KEPT`)."""
    kept_by_assistance_totals: np.ndarray | None = None
    """(K, R, 2) the same summed over households per replication, or None (as
    :attr:`assistance_totals`)."""
    exited_by_with_help: np.ndarray | None = None
    """(K, H, Y) chance that a household has exited by the end of each year on incomes with the
    county's 防返贫 help too — the exits its yearly targets count — or None when the run
    simulates no help (then :attr:`exit_year` gives it)."""
    people_exited_totals: np.ndarray | None = None
    """(K, R, Y) registered people whose household has exited by the end of each year, with
    the 防返贫 help where simulated (the count the yearly exit targets are on), per
    replication: plan runs."""

    # -- shape

    @property
    def n_options(self) -> int:
        """Options evaluated: 1 for a plan, else the number of candidate packages."""
        return self.stable.shape[0]

    @property
    def years(self) -> np.ndarray:
        """Simulated calendar years."""
        return self.scenario.calendar_years

    @property
    def lines(self) -> np.ndarray:
        """Exit line per year [yuan/(person·year)]."""
        return self.scenario.lines_yuan_per_capita

    def option_name(self, k: int = 0) -> str:
        """``"plan"`` in plan mode, else the package name."""
        return "plan" if self.plan is not None else self.packages[k].name

    def household_packages(self) -> list[str]:
        """Package name of each household (plan mode)."""
        if self.plan is None:
            raise ValueError("a candidate-package run has no single package per household")
        names = [p.name for p in self.plan.packages]
        return [names[i] for i in self.plan.assignment]

    # -- per-household figures

    def probability_stable(self, k: int = 0) -> np.ndarray:
        """(H,) share of replications in which each household exits stably."""
        return self.stable[k].mean(axis=0)

    def _variant_weights(self, weights: np.ndarray, store: dict | None = None
                         ) -> Iterator[tuple[Variant, str, EligibleAmounts, np.ndarray]]:
        """(variant, budget line, outlays, household weights (H,)) for every recorded outlay
        (or, with ``store``, recovery) that the per-household instrument ``weights`` (H, V)
        actually give."""
        index = {v.name: j for j, v in enumerate(self.variants)}
        for (variant, line), amount in sorted((self.outlays if store is None else store).items()):
            weight = weights[:, index[variant]]
            if weight.any():
                yield self.variants[index[variant]], line, amount, weight.astype(np.float64)

    def household_outlays(self, k: int = 0) -> np.ndarray:
        """(R, H, Y) fund outlays on each household under option k, all lines [yuan]."""
        total = np.zeros(self.medical.shape, dtype=np.float64)
        for _variant, _line, amount, weight in self._variant_weights(self.weights[k]):
            eligible = amount.households
            total[:, eligible] += amount.amount * weight[eligible][None, :, None]
        return total

    def household_mean_outlays(self, k: int = 0) -> np.ndarray:
        """(H, Y) fund outlays on each household under option k, all lines, mean over the
        replications [yuan]: :meth:`household_outlays` averaged, from each variant's mean
        (outlays are a weighted sum of the variants', so their mean is the same sum of the
        means) — without the (R, H, Y) array, once per variant instead of per option."""
        total = np.zeros((self.registry.n_households, len(self.years)))
        means = self._mean_outlays
        for variant, line, amount, weight in self._variant_weights(self.weights[k]):
            eligible = amount.households
            total[eligible] += means[(variant.name, line)] * weight[eligible][:, None]
        return total

    @cached_property
    def _mean_outlays(self) -> dict[tuple[str, str], np.ndarray]:
        """(E, Y) each variant's outlays on each budget line, mean over replications [yuan]."""
        return {key: amount.amount.mean(axis=0, dtype=np.float64)
                for key, amount in self.outlays.items()}

    def household_recovered(self, k: int = 0) -> np.ndarray:
        """(H,) money coming back to the county from each household under option k, summed over
        the horizon, mean over replications [yuan] (equity principal kept or recovered)."""
        total = np.zeros(self.registry.n_households)
        for _variant, _line, amount, weight in self._variant_weights(self.weights[k],
                                                                    self.recoveries):
            eligible = amount.households
            total[eligible] += amount.amount.sum(axis=2).mean(axis=0) * weight[eligible]
        return total

    # -- county totals per replication

    def stable_exit_households(self, k: int = 0) -> np.ndarray:
        """(R,) households with a stable exit."""
        return self.stable[k].sum(axis=1)

    def stable_exit_people(self, k: int = 0) -> np.ndarray:
        """(R,) people in households with a stable exit."""
        return (self.stable[k] * self.registry.size[None, :]).sum(axis=1)

    def exits_by_year(self, k: int = 0) -> np.ndarray:
        """(R, Y) households exiting in each year."""
        years = len(self.years)
        exit_year = self.exit_year[k]
        return np.stack([(exit_year == y).sum(axis=1) for y in range(years)], axis=1)

    @property
    def by_safety_net(self) -> np.ndarray:
        """(H,) households judged by the safety-net rule (no labour capacity, safety-net exits
        on): their exits come from dibao coverage, not from income the plan buys."""
        return judged_by_safety_net(self.registry.laborers,
                                    self.scenario.exit_rule.safety_net_exit)

    @property
    def judged_by_income(self) -> np.ndarray:
        """(H,) registered households judged by income: the ones whose exits and returns
        national figures count (a safety-net exit cannot fall back; edge households are not
        registered)."""
        return np.isin(self.registry.category, REGISTERED_CATEGORIES) & ~self.by_safety_net

    def stable_exits_by_income(self, k: int = 0) -> np.ndarray:
        """(R,) stable exits of households judged by income against the exit line, less those
        only the dibao top-up makes."""
        return self.stable[k][:, ~self.by_safety_net].sum(axis=1) \
            - self.stable_exits_by_assistance(k)["stable_made_by_top_up"]

    def stable_exits_by_safety_net(self, k: int = 0) -> np.ndarray:
        """(R,) stable exits through the safety net (政策兜底): households without labour
        capacity, and households judged by income whose exit only the dibao top-up makes."""
        return self.stable[k][:, self.by_safety_net].sum(axis=1) \
            + self.stable_exits_by_assistance(k)["stable_made_by_top_up"]

    def stable_exits_without_support(self) -> np.ndarray:
        """(R,) stable exits with no instrument at all, on the same replications."""
        return self.stable_without_support.sum(axis=1)

    def added_stable_exits(self, k: int = 0) -> np.ndarray:
        """(R,) stable exits option k adds over no support, paired over replications."""
        return self.stable_exit_households(k) - self.stable_exits_without_support()

    def outcome(self, k: int = 0) -> ExitOutcome:
        """Option k's exit outcomes, (R, H) each: stable, returned to poverty within the
        monitoring window, or not yet confirmed (the window runs past the horizon) — derived
        from the two year indices kept, not kept themselves (54 MB in a Ruyuan candidate run
        at 200 replications)."""
        return outcome_of_years(self.exit_year[k], self.return_year[k],
                                self.scenario.exit_rule.monitoring_years, len(self.years))

    def outcome_with_help(self, k: int = 0) -> ExitOutcome:
        """Option k's exit outcomes (R, H each) on what households have — their income after
        the county's 防返贫 help too (:attr:`stable` and the exit years judge a plan before
        it): the county's outcome, which published figures describe. Needs the per-capita
        incomes (plan runs)."""
        if self.per_capita is None:
            raise ValueError("the run did not keep per-capita incomes (simulate(keep_income=))")
        lines = lines_by_household(self.by_safety_net, self.scenario.lines_yuan_per_capita,
                                   self.scenario.safety_net_lines_yuan_per_capita)
        return exit_outcomes(above_line(self.per_capita[k], lines),
                             self.scenario.exit_rule.monitoring_years)

    def returns(self, k: int = 0) -> np.ndarray:
        """(R,) households that returned to poverty within the monitoring window."""
        return self.outcome(k).returned.sum(axis=1)

    def unconfirmed_exits(self, k: int = 0) -> np.ndarray:
        """(R,) households that exited with no return so far, their window past the horizon."""
        return self.outcome(k).unconfirmed.sum(axis=1)

    def _lines(self, weights: np.ndarray, by_instrument: bool = False) -> dict[str, np.ndarray]:
        """Budget line (or instrument key) → (R, Y) outlays under per-household ``weights``."""
        lines: dict[str, np.ndarray] = {}
        for variant, line, amount, weight in self._variant_weights(weights):
            key = variant.key if by_instrument else line
            lines[key] = lines.get(key, 0) + amount.weighted_sum(weight)
        return lines

    def outlays_by_line(self, k: int = 0, households: np.ndarray | None = None,
                        by_instrument: bool = False) -> dict[str, np.ndarray]:
        """Budget line (or, with ``by_instrument``, instrument key) → (R, Y) fund outlays under
        option k [yuan]; ``households`` (a boolean mask) restricts the sum, e.g. to a township."""
        weights = self.weights[k]
        if households is not None:
            weights = weights * households[:, None]
        return self._lines(weights, by_instrument)

    def recovered(self, k: int = 0) -> np.ndarray:
        """(R, Y) money coming back to the county under option k, all lines [yuan]."""
        total = np.zeros((self.reps, len(self.years)))
        for _variant, _line, amount, weight in self._variant_weights(self.weights[k],
                                                                    self.recoveries):
            total += amount.weighted_sum(weight)
        return total

    def chosen(self, choice: np.ndarray, source: str = "chosen") -> SimulationResult:
        """This run as a one-option result in which household h takes option ``choice[h]`` —
        an allocation of candidate packages, on the same replications — so that it is summed
        up by the same methods as a plan run (one home for every county figure). Exits and
        money are the plan run's; incomes and the county-wide totals of a plan run are not
        kept by a candidate run (a plan's own run has them)."""
        choice = np.asarray(choice)
        households = np.arange(len(choice))

        def pick(values: np.ndarray | None) -> np.ndarray | None:
            # advanced indices around a slice come first: (H, R[, Y]) → (1, R, H[, Y])
            return None if values is None else np.moveaxis(values[choice, :, households],
                                                           0, 1)[None]

        plan = Plan.from_choice(self.packages, choice, source)
        return dataclasses.replace(
            self, plan=plan, packages=list(plan.packages),
            weights=self.weights[choice, households][None],
            per_capita=pick(self.per_capita), income_by_category=self.income_by_category,
            exit_year=pick(self.exit_year), return_year=pick(self.return_year),
            stable=pick(self.stable), exited_by_with_help=None
            if self.exited_by_with_help is None
            else self.exited_by_with_help[choice, households][None],
            assistance=None if self.assistance is None
            else self.assistance[choice, households][None],
            assistance_totals=None,
            kept_by_assistance=None if self.kept_by_assistance is None
            else self.kept_by_assistance[choice, households][None],
            kept_by_assistance_totals=None, people_exited_totals=None)

    def outlays_by_year(self, k: int = 0) -> np.ndarray:
        """(R, Y) total fund outlays under option k [yuan] (gross: principal invested counts
        as spent when it is paid)."""
        total = np.zeros((self.reps, len(self.years)))
        for amount in self.outlays_by_line(k).values():
            total += amount
        return total

    def recoveries_by_line(self, k: int = 0) -> dict[str, np.ndarray]:
        """Line → (R, Y) money coming back to the county under option k [yuan]."""
        lines: dict[str, np.ndarray] = {}
        for _variant, line, amount, weight in self._variant_weights(self.weights[k],
                                                                    self.recoveries):
            lines[line] = lines.get(line, 0) + amount.weighted_sum(weight)
        return lines

    def net_fiscal_cost(self, k: int = 0) -> np.ndarray:
        """(R,) gross outlays less what comes back to the county over the horizon (equity
        principal kept or recovered) [yuan]: the fund's net cost (the county's 防返贫 help is
        :meth:`county_help`)."""
        cost = self.outlays_by_year(k).sum(axis=1)
        for amount in self.recoveries_by_line(k).values():
            cost = cost - amount.sum(axis=1)
        return cost

    def county_help(self, k: int = 0) -> np.ndarray:
        """(R,) the county's 防返贫 help under option k over the horizon [yuan] (its expected
        value in every replication where the run kept no per-replication figure)."""
        return self.assistance_by_year(k)["prevention_help_yuan"].sum(axis=1)

    # -- the county's own assistance (simulator.assistance)

    def assistance_by_year(self, k: int = 0) -> dict[str, np.ndarray]:
        """Figure → (R, Y) the county's assistance under option k, summed over households
        (:data:`simulator.assistance.FIELDS`: dibao top-up and 防返贫 help in yuan, households
        found and helped) — per replication when the run kept it, else the expected value
        in every replication."""
        if self.assistance_totals is not None:
            return {name: self.assistance_totals[k, ..., ASSISTANCE_TOTALS.index(name)]
                    for name in ASSISTANCE_FIELDS}
        years = len(self.years)
        if self.assistance is None:
            return {name: np.zeros((self.reps, years)) for name in ASSISTANCE_FIELDS}
        expected = self.assistance[k].sum(axis=0, dtype=np.float64)  # (Y, F)
        return {name: np.broadcast_to(expected[:, i], (self.reps, years))
                for i, name in enumerate(ASSISTANCE_FIELDS)}

    def helped_share_of_exited(self, k: int = 0) -> np.ndarray | None:
        """(R, Y) registered households helped by 防返贫 monitoring as a share of those that
        had exited before the year, or None where the run kept no per-replication figure."""
        if self.assistance_totals is None:
            return None
        totals = self.assistance_totals[k]
        helped = totals[..., ASSISTANCE_TOTALS.index("helped_registered_exited")]
        exited = totals[..., ASSISTANCE_TOTALS.index("registered_exited")]
        return helped / np.maximum(exited, 1.0)

    def assistance_summary(self, k: int = 0) -> dict[str, Any]:
        """The county's own assistance under option k, as ``summary.json`` reports it: means
        by year (and 95 % intervals of the stable exits only assistance makes); money in
        yuan. ``per_replication`` says whether the intervals are from replications or the run
        kept only expected figures (an allocation picked from candidate packages)."""
        years = [str(int(y)) for y in self.years]
        figures = self.assistance_by_year(k)

        def by_year(name: str, digits: int = 2) -> dict[str, float]:
            return {y: round(float(v), digits) for y, v in
                    zip(years, figures[name].mean(axis=0), strict=True)}

        prevention = self.scenario.prevention
        helped_share = self.helped_share_of_exited(k)
        kept = self.stable_exits_by_assistance(k)
        return {
            "per_replication": self.assistance_totals is not None,
            "dibao_top_up_yuan_by_year": by_year("dibao_topup_yuan"),
            "prevention": {
                "monitoring_from_year": prevention.start_year,
                "remaining_poor_from_year": prevention.remaining_poor_from_year,
                "households_found_by_year": by_year("prevention_found", 1),
                "households_helped_by_year": by_year("prevention_helped", 1),
                "help_yuan_by_year": by_year("prevention_help_yuan"),
                "helped_share_of_exited_percent_by_year": None if helped_share is None else
                {y: round(100 * float(v), 2) for y, v in
                 zip(years, helped_share.mean(axis=0), strict=True)},
            },
            "stable_exits_kept_by_help": spread(kept["stable_kept_by_help"]),
            "stable_exits_made_by_top_up": spread(kept["stable_made_by_top_up"]),
        }

    def stable_exits_by_assistance(self, k: int = 0) -> dict[str, np.ndarray]:
        """Name → (R,) stable exits only the county's assistance makes under option k: kept
        by 防返贫 help, made by the dibao top-up (:data:`simulator.assistance.KEPT`) — per
        replication where kept, else expected."""
        if self.kept_by_assistance_totals is not None:
            return {name: self.kept_by_assistance_totals[k, :, i]
                    for i, name in enumerate(ASSISTANCE_KEPT)}
        if self.kept_by_assistance is None:
            return {name: np.zeros(self.reps) for name in ASSISTANCE_KEPT}
        expected = self.kept_by_assistance[k].sum(axis=0, dtype=np.float64)
        return {name: np.full(self.reps, expected[i]) for i, name in enumerate(ASSISTANCE_KEPT)}

    def inpatient_incidence(self) -> np.ndarray:
        """(R, Y) inpatient episodes per registered person and year."""
        people = self.registry.size[np.isin(self.registry.category,
                                            REGISTERED_CATEGORIES)].sum()
        return self.inpatient_episodes / max(int(people), 1)

    # -- notebooks

    def to_frame(self, what: str = "replications") -> Any:
        """A tidy pandas table (:func:`simulator.tidy.simulation_frame`): ``"replications"``,
        ``"years"``, ``"outlays"`` or ``"households"``."""
        from simulator.tidy import simulation_frame

        return simulation_frame(self, what)

    def plot(self, kind: str = "income", k: int = 0, lang: str = "zh", ax: Any = None) -> Any:
        """One chart of option ``k``: ``"income"`` (fan chart against the line), ``"exits"``
        (exits by year) or ``"outlays"`` (outlays by budget line); returns the Figure."""
        from simulator import plots

        draw = {"income": plots.income_fan, "exits": plots.exits_by_year,
                "outlays": plots.outlays_by_year}
        if kind not in draw:
            raise ValueError(f"unknown chart {kind!r}; choose from {', '.join(draw)}")
        return draw[kind](self, k, ax=ax, lang=lang)

    # -- summaries

    def summary(self, k: int = 0) -> dict[str, Any]:
        """Everything ``summary.json`` reports for option k (means, 95 % intervals)."""
        years = [int(y) for y in self.years]
        plan_years = self.scenario.horizon.plan_years
        stable = self.stable_exit_households(k)
        outlays_year = self.outlays_by_year(k)
        total_outlays = outlays_year.sum(axis=1)
        summary: dict[str, Any] = {
            "scenario": self.scenario.name,
            "option": self.option_name(k),
            "seed": self.seed,
            "replications": self.reps,
            "households": self.registry.n_households,
            "people": self.registry.n_people,
            "years": years,
            "plan_years": years[:plan_years],
            "lines_yuan_per_capita": [two_decimals(v) for v in self.lines],
            "monitoring_years": self.scenario.exit_rule.monitoring_years,
        }
        if self.plan is not None:
            summary["packages"] = self.plan.counts()
        summary.update(headline(stable, self.stable_exits_without_support(), total_outlays,
                                self.net_fiscal_cost(k), self.county_help(k)))
        summary.update({
            "stable_exits": {"households": spread(stable),
                             "people": spread(self.stable_exit_people(k))},
            "stable_exits_by_income": spread(self.stable_exits_by_income(k)),
            "stable_exits_by_safety_net": spread(self.stable_exits_by_safety_net(k)),
            "exits_by_year": {str(y): spread(v) for y, v in
                              zip(years, self.exits_by_year(k).T, strict=True)},
            "returns_to_poverty": spread(self.returns(k)),
            "unconfirmed_exits": spread(self.unconfirmed_exits(k)),
            "never_exited": spread((self.exit_year[k] == NO_YEAR).sum(axis=1)),
            "outlays_by_line": {line: {str(y): two_decimals(v) for y, v in
                                       zip(years, amount.mean(axis=0), strict=True)}
                                for line, amount in self.outlays_by_line(k).items()},
            "outlays_by_year": {str(y): spread(v) for y, v in
                                zip(years, outlays_year.T, strict=True)},
            "recoveries_by_line": {line: {str(y): two_decimals(v) for y, v in
                                          zip(years, amount.mean(axis=0), strict=True)}
                                   for line, amount in self.recoveries_by_line(k).items()},
            "medical_out_of_pocket_by_year": {
                str(y): two_decimals(v) for y, v in
                zip(years, self.medical.sum(axis=1).mean(axis=0), strict=True)},
            "county_assistance": self.assistance_summary(k),
        })
        return summary

    def household_table(self, k: int = 0) -> dict[str, list[Any]]:
        """Per household: ids, package, P(stable exit), mean per-capita income by year."""
        table: dict[str, list[Any]] = self.registry.identity_table()
        if self.plan is not None:
            table["package"] = self.household_packages()
        table["p_stable_exit"] = [round(float(v), 4) for v in self.probability_stable(k)]
        if self.per_capita is None:
            return table
        mean_income = self.per_capita[k].mean(axis=0)
        for j, year in enumerate(self.years):
            table[f"income_per_capita_{int(year)}"] = [round(float(v), 2)
                                                       for v in mean_income[:, j]]
        return table


@dataclass(frozen=True, eq=False)
class EligibleAmounts:
    """One instrument variant's money on one budget line, kept for the households eligible for
    the variant only — everyone else's is zero by construction — which halves a candidate
    run's outlay arrays on ruyuan-2016 (52 % of its households are eligible for most
    instruments)."""

    households: np.ndarray
    """(E,) the eligible households: increasing indices into the registry."""
    amount: np.ndarray
    """(R, E, Y) yuan by replication, eligible household and year; an amount that is the same
    in every replication is one replication broadcast (a read-only view)."""
    n_households: int
    """H: households in the run."""

    def full(self) -> np.ndarray:
        """(R, H, Y) the amounts of every household (zero where not eligible) [yuan]."""
        out = np.zeros((len(self.amount), self.n_households, self.amount.shape[2]),
                       dtype=self.amount.dtype)
        out[:, self.households] = self.amount
        return out

    def weighted_sum(self, weight: np.ndarray) -> np.ndarray:
        """(R, Y) Σ_h weight_h × amount over households, ``weight`` (H,) [yuan]."""
        return np.einsum("rhy,h->ry", self.amount, weight[self.households])


_JOINED_ALONG = {"per_capita": 2, "exit_year": 2, "return_year": 2, "stable": 2,
                 "exited_by_with_help": 1,
                 "stable_without_support": 1,
                 "exit_year_without_support": 1, "medical": 1,
                 "assistance": 1, "kept_by_assistance": 1}
"""Per-household block outputs → their household axis."""

_SUMMED = ("inpatient_episodes", "income_by_category", "assistance_totals",
           "kept_by_assistance_totals", "people_exited_totals")
"""Block outputs summed over the block's households."""

_STORES = ("outlays", "recoveries")
"""Block outputs keyed by (variant, budget line): (reps or 1, the block's households eligible
for the variant, years) amounts."""


def joined_fields(n_households: int, reps: int, variants: tuple[Variant, ...],
                  eligible: np.ndarray, outputs: Iterable[_BlockOutput]) -> dict[str, Any]:
    """The simulated fields of a run (its arrays, totals and amounts) from its block outputs,
    each written into the whole run's arrays as it arrives (blocks in household order), so
    that the blocks and the joined arrays are never all held at once."""
    joined = _Joined(n_households, reps, {v.name: eligible[:, j] for j, v in enumerate(variants)})
    for output in outputs:
        joined.add(output)
        del output  # not held while the next block is simulated
    return joined.fields()


class _Joined:
    """Block outputs written, as they arrive in household order, into arrays for the whole
    run (H households, R replications)."""

    def __init__(self, n_households: int, reps: int, eligible: dict[str, np.ndarray]) -> None:
        self.n_households, self.reps = n_households, reps
        self.eligible = {name: np.flatnonzero(mask) for name, mask in eligible.items()}
        """Variant name → its eligible households: the households amounts are kept for."""
        self.start = 0
        self.arrays: dict[str, np.ndarray | None] = {}
        self.totals: dict[str, np.ndarray | None] = {}
        self.stores: dict[str, dict[tuple[str, str], np.ndarray]] = {s: {} for s in _STORES}

    def add(self, output: _BlockOutput) -> None:
        width = output.stable.shape[2]
        where = slice(self.start, self.start + width)
        for name, axis in _JOINED_ALONG.items():
            part = getattr(output, name)
            if part is None:
                self.arrays[name] = None
                continue
            if name not in self.arrays:
                shape = list(part.shape)
                shape[axis] = self.n_households
                self.arrays[name] = np.empty(shape, dtype=part.dtype)
            index: list[slice] = [slice(None)] * part.ndim
            index[axis] = where
            self.arrays[name][tuple(index)] = part
        for name in _SUMMED:
            part = getattr(output, name)
            # summed in block order, as np.sum over the stacked blocks would
            total = self.totals.get(name)
            self.totals[name] = None if part is None else \
                part.copy() if total is None else total + part
        for name in _STORES:
            self._store(name, getattr(output, name))
        self.start += width

    def _store(self, name: str, parts: dict[tuple[str, str], np.ndarray]) -> None:
        # A block keeps an amount that is the same in every replication once (engine.
        # same_in_every_replication); while every block so far did, it is kept once, and it
        # becomes a full (R, E, Y) array at the first block that did not. A block records a
        # line only when money moved on it (a loss recovered, a default compensated), so a key
        # may be missing from some blocks: each block's part is written at its own households'
        # place, and what no block wrote is zero.
        store = self.stores[name]
        for key, part in parts.items():
            eligible = self.eligible[key[0]]
            joined = store.get(key)
            if joined is None:
                joined = store[key] = np.zeros((len(part), len(eligible), part.shape[2]),
                                               dtype=part.dtype)
            if len(joined) == 1 and len(part) > 1:
                joined = store[key] = np.repeat(joined, self.reps, axis=0)
            start = int(np.searchsorted(eligible, self.start))  # eligible before this block
            joined[:, start:start + part.shape[1]] = part

    def fields(self) -> dict[str, Any]:
        """The joined arrays as :class:`SimulationResult` fields; amounts kept once are
        broadcast to every replication (read-only views)."""
        if self.start != self.n_households:
            raise ValueError(f"blocks cover {self.start} of {self.n_households} households")
        out: dict[str, Any] = {**self.arrays, **self.totals}
        for name, store in self.stores.items():
            out[name] = {key: EligibleAmounts(
                households=self.eligible[key[0]], n_households=self.n_households,
                amount=np.broadcast_to(amount, (self.reps, *amount.shape[1:]))
                if len(amount) == 1 else amount) for key, amount in store.items()}
        return out
