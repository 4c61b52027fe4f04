"""Compare scenarios side by side, on common random numbers.

Each scenario is optimised (or, with a plan file, simulated under that plan), then its plan is
simulated on the same evaluation replications as every other scenario: the same seed, the same
number of replications, random numbers addressed by (source, household chunk, year). The
difference in stable exits between two scenarios is therefore a paired difference over
replications, and its interval is much narrower than the two intervals side by side suggest —
"B beats A by 37 ± 9 stable exits" is a statement the data support.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator import labels
from simulator.engine import simulate
from simulator.labels import Language
from simulator.packages import Plan, load_plan
from simulator.population import population_of
from simulator.registry import Registry
from simulator.results import SimulationResult
from simulator.scenario.model import Scenario
from simulator.statistics import headline, paired, spread, two_decimals
from simulator.units import YUAN_PER_WAN

if TYPE_CHECKING:
    from simulator.optimizer.solve import AllocationResult


@dataclass(frozen=True, eq=False)
class Outcome:
    """One scenario's plan, simulated on the common evaluation replications."""

    scenario: Scenario
    registry: Registry
    plan: Plan
    result: SimulationResult
    allocation: AllocationResult | None = None
    """The optimisation that chose the plan (None when a plan file was given)."""

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def stable_exits(self) -> np.ndarray:
        """(R,) stable exits (households) per replication."""
        return self.result.stable_exit_households(0).astype(float)

    @cached_property
    def site_costs(self) -> np.ndarray:
        """(Y,) fixed cost of the PV sites the plan's PV households need, charged to the
        simulated year each opens [yuan] — what ``tuopin optimize`` charges the same plan."""
        from simulator.optimizer.sites import plan_pv_start, site_costs

        plan_years = self.scenario.horizon.plan_years
        out = np.zeros(self.scenario.horizon.years)
        out[:plan_years] = site_costs(self.scenario, self.registry.township,
                                      plan_pv_start(self.plan, self.registry.n_households),
                                      plan_years)
        return out

    def outlays_by_year(self) -> np.ndarray:
        """(R, Y) the plan's outlays, PV sites included [yuan]."""
        return self.result.outlays_by_year(0) + self.site_costs[None, :]

    def coverage_by_township(self) -> dict[str, float]:
        """Share of registered poor households that get any support, per township."""
        return {town: round(helped / count, 4) for town, (count, helped)
                in self.plan.coverage_by_township(self.registry).items() if count}


def _with_sites(summary: dict[str, Any], outcome: Outcome) -> None:
    """Add the PV sites' fixed cost to a plan run's summary (its outlays by line and by year,
    totals and costs per added stable exit), as the optimiser charges them."""
    if not outcome.site_costs.any():
        return
    years = [str(int(y)) for y in outcome.scenario.calendar_years]
    result = outcome.result
    summary["outlays_by_line"]["pv_sites"] = {
        year: two_decimals(value) for year, value in zip(years, outcome.site_costs,
                                                         strict=True)}
    by_year = outcome.outlays_by_year()
    summary["outlays_by_year"] = {year: spread(v) for year, v in
                                  zip(years, by_year.T, strict=True)}
    sites = outcome.site_costs.sum()
    summary.update(headline(result.stable_exit_households(0),
                            result.stable_exits_without_support(), by_year.sum(axis=1),
                            result.net_fiscal_cost(0) + sites, result.county_help(0)))


@dataclass(frozen=True, eq=False)
class Comparison:
    """Several scenarios on common random numbers; differences are paired against the first."""

    outcomes: list[Outcome]
    seed: int
    reps: int

    def names(self) -> list[str]:
        """Scenario names, made unique: scenarios sharing a name are told apart by the
        overrides that differ between them (``Ruyuan [instruments.pv.tariff_yuan_per_kwh=0.75]``),
        else by a number (a second "Ruyuan" becomes "Ruyuan (2)")."""
        def overrides(outcome: Outcome) -> tuple[str, ...]:
            origin = outcome.scenario.origin
            return origin.overrides if origin is not None else ()

        shared = {o.name: set(overrides(o)) for o in self.outcomes}
        for outcome in self.outcomes:
            shared[outcome.name] &= set(overrides(outcome))
        seen: dict[str, int] = {}
        out = []
        for outcome in self.outcomes:
            seen[outcome.name] = seen.get(outcome.name, 0) + 1
            count = seen[outcome.name]
            own = [o for o in overrides(outcome) if o not in shared[outcome.name]]
            if sum(o.name == outcome.name for o in self.outcomes) > 1 and own:
                out.append(f"{outcome.name} [{'; '.join(own)}]")
            else:
                out.append(outcome.name if count == 1 else f"{outcome.name} ({count})")
        return out

    @cached_property
    def summaries(self) -> list[dict[str, Any]]:
        """Each scenario's simulation summary with coverage by township added (computed once:
        the table and summary.json both read them)."""
        out = []
        for outcome in self.outcomes:
            summary = outcome.result.summary()
            _with_sites(summary, outcome)
            summary["coverage_by_township"] = outcome.coverage_by_township()
            out.append(summary)
        return out

    def differences(self) -> list[dict[str, Any]]:
        """Each later scenario minus the first, paired over replications: stable exits *added*
        over no support (what the plans buy; scenarios may differ in what happens without
        support), stable exits and outlays."""
        first = self.outcomes[0]
        names = self.names()
        return [{"scenario": name, "against": names[0],
                 "added_stable_exits": paired(other.result.added_stable_exits(0),
                                              first.result.added_stable_exits(0)),
                 "stable_exits": paired(other.stable_exits, first.stable_exits),
                 "outlays_total": paired(other.outlays_by_year().sum(axis=1),
                                         first.outlays_by_year().sum(axis=1))}
                for name, other in zip(names[1:], self.outcomes[1:], strict=True)]

    def table(self, lang: Language = "zh") -> dict[str, list[Any]]:
        """Side-by-side table: one row per measure, one column per scenario."""
        summaries = self.summaries
        heading = labels.text("measure", lang)
        names = self.names()
        rows: dict[str, list[Any]] = {heading: [], **{name: [] for name in names}}

        def add(measure: str, values: list[Any]) -> None:
            rows[heading].append(measure)
            for name, value in zip(names, values, strict=True):
                rows[name].append(value)

        def interval(block: dict[str, Any]) -> str:
            low, high = block["interval_95"]
            return f"{block['mean']:,.1f} ({low:,.0f}–{high:,.0f})"

        def name(key: str, **values: Any) -> str:
            return labels.text(key, lang, **values)

        def each(get: Any) -> list[Any]:
            return [get(s) for s in summaries]

        add(name("cmp_added"), each(lambda s: s["added_stable_exits"]["mean"]))
        differences = [None, *(d["added_stable_exits"] for d in self.differences())]
        add(name("cmp_difference", first=names[0]),
            ["" if d is None else f"{d['mean']:+,.1f} ({d['ci95'][0]:+,.1f} – "
             f"{d['ci95'][1]:+,.1f})" for d in differences])
        add(name("cmp_cost"), each(lambda s: s["cost_per_added_stable_exit_yuan"]))
        add(name("cmp_net_cost"), each(lambda s: s["net_cost_per_added_stable_exit_yuan"]))
        add(name("cmp_stable"), each(lambda s: interval(s["stable_exits"]["households"])))
        add(name("cmp_by_safety_net"), each(lambda s: s["stable_exits_by_safety_net"]["mean"]))
        add(name("cmp_without_support"),
            each(lambda s: s["stable_exits_without_support"]["mean"]))
        add(name("cmp_people"), each(lambda s: s["stable_exits"]["people"]["mean"]))
        years = sorted({y for s in summaries for y in s["exits_by_year"]})
        for year in years:
            add(name("cmp_exits_in", year=year),
                each(lambda s, y=year: s["exits_by_year"].get(y, {}).get("mean")))
        add(name("cmp_returns"), each(lambda s: s["returns_to_poverty"]["mean"]))

        def wan(yuan: float | None) -> float | None:
            return None if yuan is None else round(yuan / YUAN_PER_WAN, 2)

        for year in years:
            add(name("cmp_outlays_in", year=year),
                each(lambda s, y=year: wan(s["outlays_by_year"].get(y, {}).get("mean"))))
        add(name("cmp_outlays_total"), each(lambda s: wan(s["outlays_total"]["mean"])))
        lines = sorted({line for s in summaries for line in s["outlays_by_line"]})
        for line in lines:
            add(name("cmp_outlays_on", line=labels.line(line, lang)),
                each(lambda s, k=line: wan(sum(s["outlays_by_line"].get(k, {}).values()))))
        towns = sorted({t for s in summaries for t in s["coverage_by_township"]})
        for town in towns:
            add(name("cmp_coverage", town=town),
                each(lambda s, t=town: s["coverage_by_township"].get(t)))
        return rows

    def to_frame(self) -> Any:
        """Tidy pandas table: scenario, replication, stable_exits, outlays_total [yuan]."""
        from simulator.tidy import comparison_frame

        return comparison_frame(self)

    def plot(self, kind: str = "stable_exits", lang: Language = "zh", ax: Any = None) -> Any:
        """``"stable_exits"`` (added over no support, with 95 % intervals), ``"differences"``
        (paired against the first scenario, with confidence intervals) or ``"exits_by_year"``
        (overlaid)."""
        from simulator import plots

        if kind == "stable_exits":
            return plots.compare_stable_exits(self, ax=ax, lang=lang)
        if kind == "exits_by_year":
            return plots.compare_exits_by_year(self, ax=ax, lang=lang)
        if kind == "differences":
            return plots.compare_differences(self, ax=ax, lang=lang)
        raise ValueError(f"unknown chart {kind!r}; choose stable_exits, differences or "
                         "exits_by_year")

    def summary(self) -> dict[str, Any]:
        """Everything ``summary.json`` of a comparison reports."""
        return {"seed": self.seed, "replications": self.reps,
                "scenarios": self.names(),
                "plans": ["file" if o.allocation is None else "optimised"
                          for o in self.outcomes],
                "stable_exits": {name: spread(o.stable_exits)
                                 for name, o in zip(self.names(), self.outcomes, strict=True)},
                "paired_differences": self.differences(),
                "per_scenario": self.summaries}


def compare(scenarios: Sequence[Scenario], *, plan: str | Path | None = None,
            registries: Sequence[Registry | None] | None = None, reps: int | None = None,
            seed: int | None = None, workers: int = 1, progress=None) -> Comparison:
    """Optimise (or apply ``plan`` to) each scenario and simulate every plan on the same
    evaluation replications.

    Parameters
    ----------
    scenarios : sequence of Scenario
        Two or more; differences are reported against the first.
    plan : path, optional
        An allocation file (``household_id``, ``package``) applied to every scenario instead of
        optimising; each scenario's registry must hold the same households.
    registries : sequence of Registry or None, optional
        Registry per scenario (default: each scenario's own population).
    reps, seed : int, optional
        Replications and root seed of the common evaluation (default: the first scenario's
        ``simulation`` section; optimisation uses that seed, the evaluation seed + offset).
    """
    if len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios")
    first = scenarios[0]
    reps = first.simulation.replications if reps is None else reps
    seed = first.simulation.seed if seed is None else seed
    evaluation_seed = seed + first.optimizer.evaluation_seed_offset
    registries = list(registries) if registries is not None else [None] * len(scenarios)
    outcomes = []
    for scenario, registry in zip(scenarios, registries, strict=True):
        registry = population_of(scenario) if registry is None else registry
        allocation = None
        if plan is not None:
            chosen = load_plan(plan, registry, scenario)
        else:
            from simulator.optimizer.solve import optimize

            allocation = optimize(scenario, registry=registry, reps=reps, seed=seed,
                                  workers=workers, progress=progress)
            chosen = allocation.plan
        result = simulate(scenario, chosen, registry=registry, reps=reps, seed=evaluation_seed,
                          workers=workers, keep_income=False)
        outcomes.append(Outcome(scenario, registry, chosen, result, allocation))
    return Comparison(outcomes, evaluation_seed, reps)
